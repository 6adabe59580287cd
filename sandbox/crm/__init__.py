"""The service-desk (CRM) sandbox: accounts with finance status, notes and tickets."""
