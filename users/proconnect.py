"""ProConnect, the State agents' OpenID Connect provider, through Authlib.

Authorization code flow with PKCE (S256); Authlib keeps state, nonce and code verifier in the session,
checks the state on return and the id_token's signature, issuer, audience, expiry and nonce. ProConnect
answers userinfo as a signed JWT (application/jwt); plain JSON is accepted too.
Settings: PROCONNECT_CLIENT_ID, PROCONNECT_CLIENT_SECRET, PROCONNECT_SERVER_METADATA_URL (discovery
document), PROCONNECT_SCOPES. Off unless the first three are set.
"""

import logging
import secrets
from urllib.parse import urlencode

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import current_app
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

log = logging.getLogger(__name__)


class ProConnectError(Exception):
    """The round trip with ProConnect failed (bad state, bad token, provider unreachable…)."""


def enabled() -> bool:
    config = current_app.config
    return bool(config.get("PROCONNECT_CLIENT_ID") and config.get("PROCONNECT_CLIENT_SECRET")
                and config.get("PROCONNECT_SERVER_METADATA_URL"))


def client():
    """The Authlib client for the app's current settings (built once per distinct configuration)."""
    config = current_app.config
    key = (config["PROCONNECT_CLIENT_ID"], config["PROCONNECT_CLIENT_SECRET"],
           config["PROCONNECT_SERVER_METADATA_URL"], config["PROCONNECT_SCOPES"])
    clients = current_app.extensions.setdefault("jalons_proconnect", {})
    if key not in clients:
        oauth = OAuth()
        oauth.init_app(current_app._get_current_object())
        clients[key] = oauth.register(
            "proconnect",
            client_id=key[0],
            client_secret=key[1],
            server_metadata_url=key[2],
            client_kwargs={
                "scope": key[3],
                "code_challenge_method": "S256",
                "token_endpoint_auth_method": "client_secret_post",
                "timeout": 10,
            },
        )
    return clients[key]


def authorize_redirect(redirect_uri: str):
    try:
        return client().authorize_redirect(redirect_uri)
    except (OAuthError, requests.RequestException, ValueError, KeyError) as error:
        log.warning("ProConnect: cannot start the login: %r", error)
        raise ProConnectError(str(error)) from error


def finish_login() -> dict:
    """On the callback: exchange the code, verify the id_token, fetch userinfo. Returns the agent's claims
    (sub, email, given_name, usual_name…)."""
    proconnect = client()
    try:
        token = proconnect.authorize_access_token()
        id_claims = token.get("userinfo")
        if not id_claims or not id_claims.get("sub"):
            raise ProConnectError("no verified id_token in the token response")
        userinfo = _userinfo(proconnect, token)
    except (OAuthError, JoseError, requests.RequestException, ValueError, KeyError) as error:
        log.warning("ProConnect: login refused: %r", error)
        raise ProConnectError(str(error)) from error
    if userinfo.get("sub") != id_claims["sub"]:
        raise ProConnectError("userinfo sub differs from the id_token sub")
    return {**userinfo, "id_token": token.get("id_token")}


def _userinfo(proconnect, token) -> dict:
    metadata = proconnect.load_server_metadata()
    # A plain request: ProConnect's access tokens live 60 s, which Authlib's 60 s leeway already counts as
    # expired (it would refuse to send it).
    response = requests.get(metadata["userinfo_endpoint"], timeout=10,
                            headers={"Authorization": f"Bearer {token['access_token']}"})
    response.raise_for_status()
    if response.headers.get("Content-Type", "").split(";")[0].strip() != "application/jwt":
        return response.json()
    key_set = KeySet.import_key_set(proconnect.fetch_jwk_set())
    decoded = jwt.decode(response.text.strip(), key_set,
                         algorithms=metadata.get("userinfo_signing_alg_values_supported") or ["RS256", "ES256"])
    claims = decoded.claims
    jwt.JWTClaimsRegistry(
        # Checked when present (the signature already proves the provider wrote it).
        iss={"essential": False, "value": metadata["issuer"]},
        aud={"essential": False, "value": proconnect.client_id},
    ).validate(claims)
    return claims


def logout_url(id_token: str, post_logout_redirect_uri: str) -> str | None:
    """Where to send an agent who logs out of Jalons, so that their ProConnect session ends too (ProConnect
    asks its services to do so). None when the provider has no end_session_endpoint or cannot be reached."""
    try:
        metadata = client().load_server_metadata()
    except (OAuthError, requests.RequestException, ValueError, KeyError) as error:
        log.warning("ProConnect: cannot read the discovery document for logout: %r", error)
        return None
    endpoint = metadata.get("end_session_endpoint")
    if not endpoint:
        return None
    query = urlencode({"id_token_hint": id_token, "state": secrets.token_urlsafe(16),
                       "post_logout_redirect_uri": post_logout_redirect_uri})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
