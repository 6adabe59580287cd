"""The billing-portal sandbox: a JavaScript single-page app over its own JSON API."""
