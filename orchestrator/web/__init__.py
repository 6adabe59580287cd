"""The web application: server-rendered pages (Jinja2 + HTMX) and the JSON API."""
