"""The service layer: what the web pages, the JSON API and the CLI share."""
