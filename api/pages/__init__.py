"""Server-rendered web pages in Chinese (issue 14): Jinja2 templates over the same services as the
JSON API, readable with JavaScript off. Each module is a router listed in :mod:`api.app`."""
