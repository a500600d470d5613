"""A small but real OpenID Connect provider for the tests, standing in for ProConnect.

It serves, over HTTP on 127.0.0.1: discovery, /authorize (auto-approves the configured user, requires a
S256 PKCE challenge, a state and a nonce), /token (client authentication, single-use code, redirect_uri
and PKCE verifier checked; id_token signed RS256), /jwks and /userinfo (a signed JWT, as ProConnect
answers). `tamper` lets a test make it misbehave: {"nonce": "…"} signs a wrong nonce.
"""

import base64
import hashlib
import secrets
import threading
import time
from urllib.parse import urlencode

from flask import Flask, abort, jsonify, redirect, request
from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server


class OIDCProvider:
    def __init__(self, client_id: str = "jalons-test", client_secret: str = "secret-de-test"):
        self.client_id = client_id
        self.client_secret = client_secret
        self.key = RSAKey.generate_key(2048, parameters={"kid": "cle-de-test", "use": "sig", "alg": "RS256"})
        self.user = {"sub": "agent-1", "email": "agent@example.gouv.fr", "given_name": "Alex", "usual_name": "Agent"}
        self.tamper: dict = {}
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.logouts: list[dict] = []
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "OIDCProvider":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()

    @property
    def metadata_url(self) -> str:
        return self.url + "/.well-known/openid-configuration"

    def reset(self) -> None:
        self.user = {"sub": "agent-1", "email": "agent@example.gouv.fr", "given_name": "Alex", "usual_name": "Agent"}
        self.tamper = {}
        self.codes.clear()
        self.access_tokens.clear()
        self.token_requests.clear()
        self.logouts.clear()

    def _sign(self, claims: dict) -> str:
        return jwt.encode({"alg": "RS256", "kid": self.key.kid}, claims, self.key)

    def _make_app(self) -> Flask:
        app = Flask("oidc_provider")
        provider = self

        @app.get("/.well-known/openid-configuration")
        def discovery():
            base = provider.url
            return jsonify({
                "issuer": base,
                "authorization_endpoint": base + "/authorize",
                "token_endpoint": base + "/token",
                "userinfo_endpoint": base + "/userinfo",
                "jwks_uri": base + "/jwks",
                "end_session_endpoint": base + "/logout",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "userinfo_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
                "scopes_supported": ["openid", "email", "given_name", "usual_name"],
            })

        @app.get("/jwks")
        def jwks():
            return jsonify({"keys": [provider.key.as_dict(private=False)]})

        @app.get("/authorize")
        def authorize():
            args = request.args
            if args.get("client_id") != provider.client_id or args.get("response_type") != "code":
                abort(400, "bad client or response type")
            if "openid" not in args.get("scope", "").split():
                abort(400, "openid scope missing")
            if args.get("code_challenge_method") != "S256" or not args.get("code_challenge"):
                abort(400, "PKCE S256 required")
            if not args.get("state") or not args.get("nonce") or not args.get("redirect_uri"):
                abort(400, "state, nonce and redirect_uri required")
            code = secrets.token_urlsafe(16)
            provider.codes[code] = {
                "challenge": args["code_challenge"], "nonce": args["nonce"], "redirect_uri": args["redirect_uri"],
                "user": dict(provider.user),
            }
            return redirect(args["redirect_uri"] + "?" + urlencode({"code": code, "state": args["state"]}))

        @app.post("/token")
        def token():
            form = request.form
            provider.token_requests.append(dict(form))
            client_id, client_secret = form.get("client_id"), form.get("client_secret")
            if request.authorization and request.authorization.type == "basic":
                client_id, client_secret = request.authorization.username, request.authorization.password
            if (client_id, client_secret) != (provider.client_id, provider.client_secret):
                return jsonify({"error": "invalid_client"}), 401
            grant = provider.codes.pop(form.get("code", ""), None)  # single use
            if form.get("grant_type") != "authorization_code" or grant is None:
                return jsonify({"error": "invalid_grant"}), 400
            if form.get("redirect_uri") != grant["redirect_uri"]:
                return jsonify({"error": "invalid_grant", "error_description": "redirect_uri"}), 400
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
            if not verifier or challenge != grant["challenge"]:
                return jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            now = int(time.time())
            access_token = secrets.token_urlsafe(24)
            provider.access_tokens[access_token] = grant["user"]
            id_token = provider._sign({
                "iss": provider.url, "aud": provider.client_id, "sub": grant["user"]["sub"], "iat": now,
                "exp": now + 300, "nonce": provider.tamper.get("nonce", grant["nonce"]), "acr": "eidas1",
            })
            return jsonify({"access_token": access_token, "token_type": "Bearer", "expires_in": 60,
                            "id_token": id_token, "scope": "openid email given_name usual_name"})

        @app.get("/userinfo")
        def userinfo():
            auth = request.headers.get("Authorization", "")
            user = provider.access_tokens.get(auth.removeprefix("Bearer ").strip())
            if not auth.startswith("Bearer ") or user is None:
                return jsonify({"error": "invalid_token"}), 401
            claims = {**user, "iss": provider.url, "aud": provider.client_id}
            return provider._sign(claims), 200, {"Content-Type": "application/jwt"}

        @app.get("/logout")
        def logout():
            provider.logouts.append(dict(request.args))
            return redirect(request.args["post_logout_redirect_uri"])

        return app
