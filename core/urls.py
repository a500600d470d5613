"""Absolute URLs for what leaves the site (API links, open data addresses)."""

from flask import current_app, url_for


def external_url(endpoint_name: str, **values) -> str:
    """An absolute URL from BASE_URL (the request's Host header could name another site), or from the
    request where BASE_URL is not set (development, tests)."""
    base = current_app.config.get("BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint_name, **values)
    return url_for(endpoint_name, _external=True, **values)
