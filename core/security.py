"""Security headers on every response, by Flask-Talisman (wntrblm's maintained fork, `flask-talisman`).

- Content-Security-Policy: everything from Jalons' own origin, no inline script, no plug-in, no framing
  (`frame-ancestors 'none'`, and X-Frame-Options: DENY for older browsers: the sign-off button cannot be
  clicked through a frame on another site). Images may be `data:` URIs: the DSFR's CSS draws its icons
  with them. Forms post to Jalons only, and to ProConnect's logout when ProConnect is on (the logout form
  is redirected there, and Chromium applies form-action to the redirect).
- X-Content-Type-Options: nosniff; Referrer-Policy: strict-origin-when-cross-origin (a login link's
  token never leaves in a Referer); Permissions-Policy turning off what Jalons never asks for.
- Strict-Transport-Security in production only, on requests that came over HTTPS (directly or through
  the reverse proxy's X-Forwarded-Proto). Jalons does not redirect to HTTPS itself: TLS ends at the proxy.

The session cookie's flags stay those of core/config.py (Talisman would force Secure on every request).
tests/core/test_security_headers.py checks the headers on pages, the API, static files and errors;
tests/browser/conftest.py fails a journey on any CSP violation the browser reports.
"""

from urllib.parse import urlsplit

from flask import Flask
from flask_talisman import Talisman

SELF = "'self'"


def content_security_policy(config) -> dict[str, str]:
    form_action = [SELF]
    proconnect = config.get("PROCONNECT_SERVER_METADATA_URL")
    if proconnect:
        parts = urlsplit(proconnect)
        form_action.append(f"{parts.scheme}://{parts.netloc}")
    return {
        "default-src": SELF,
        "script-src": SELF,
        "style-src": SELF,
        "img-src": f"{SELF} data:",
        "font-src": SELF,
        "connect-src": SELF,
        "object-src": "'none'",
        "base-uri": SELF,
        "form-action": " ".join(form_action),
        "frame-ancestors": "'none'",
    }


def init_app(app: Flask) -> None:
    config = app.config
    # One Talisman per application: it keeps its options (HSTS or not…) on itself, not per app.
    app.extensions["talisman"] = Talisman(
        app,
        force_https=False,
        strict_transport_security=config["JALONS_ENV"] == "production",
        strict_transport_security_include_subdomains=False,
        content_security_policy=content_security_policy(config),
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy={"camera": "()", "microphone": "()", "geolocation": "()", "browsing-topics": "()"},
        session_cookie_secure=False,
        session_cookie_http_only=config["SESSION_COOKIE_HTTPONLY"],
        session_cookie_samesite=config["SESSION_COOKIE_SAMESITE"],
    )
