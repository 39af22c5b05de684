"""Entra-like sign-in: OpenID configuration, the client-credentials token endpoint, and token validation.

Tokens are JWT-shaped (header.payload.signature, HMAC-SHA256 with a per-process key) so clients that peek
into them (the Azure CLI reads ``oid``/``tid``) work; the server checks the signature and expiry.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import secrets
import time
from typing import Any

from .state import Principal, State


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class TokenIssuer:
    def __init__(self, lifetime_s: int = 3600) -> None:
        self._key = secrets.token_bytes(32)
        self.lifetime_s = lifetime_s

    def issue(self, state: State, p: Principal, audience: str) -> tuple[str, int]:
        now = time.time()
        claims = {
            "aud": audience,
            "iss": f"https://sts.windows.net/{state.tenant_id}/",
            "iat": int(now),
            "nbf": int(now),
            "exp": math.ceil(now + self.lifetime_s),  # whole seconds, never shorter than the lifetime it announces
            "appid": p.client_id,
            "oid": p.object_id,
            "sub": p.object_id,
            "tid": state.tenant_id,
            "idtyp": "app",
            "name": p.display_name,
        }
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        sig = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}", self.lifetime_s

    def validate(self, token: str) -> dict[str, Any] | None:
        """The token's claims, or None when it is forged, malformed or expired."""
        claims, problem = self.inspect(token)
        return None if problem else claims

    def inspect(self, token: str) -> tuple[dict[str, Any], str | None]:
        """(claims, None) for a good token; ({}, 'invalid') for a forged or malformed one; (claims, 'expired')."""
        try:
            head, body, sig = token.split(".")
            want = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(want, sig):
                return {}, "invalid"
            claims: dict[str, Any] = json.loads(_unb64(body))
        except (ValueError, TypeError):
            return {}, "invalid"
        if not isinstance(claims, dict):
            return {}, "invalid"
        if claims.get("exp", 0) < time.time():
            return claims, "expired"
        return claims, None


def openid_configuration(base: str, tenant: str) -> dict[str, Any]:
    return {
        "token_endpoint": f"{base}/{tenant}/oauth2/v2.0/token",
        "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        "jwks_uri": f"{base}/{tenant}/discovery/v2.0/keys",
        "response_modes_supported": ["query", "fragment", "form_post"],
        "subject_types_supported": ["pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "issuer": f"{base}/{tenant}/v2.0",
        "request_uri_parameter_supported": False,
        "userinfo_endpoint": f"{base}/oidc/userinfo",
        "authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/{tenant}/oauth2/v2.0/devicecode",
        "http_logout_supported": True,
        "frontchannel_logout_supported": True,
        "end_session_endpoint": f"{base}/{tenant}/oauth2/v2.0/logout",
        "claims_supported": ["sub", "iss", "aud", "exp", "iat", "nonce", "tid", "oid"],
        "kerberos_endpoint": f"{base}/{tenant}/kerberos",
        "tenant_region_scope": "NA",
        "cloud_instance_name": "microsoftonline.com",
        "cloud_graph_host_name": "graph.windows.net",
        "msgraph_host": "graph.microsoft.com",
        "rbac_url": "https://pas.windows.net",
    }


def entra_error(status: int, error: str, code: int, description: str) -> tuple[int, dict[str, Any]]:
    trace = secrets.token_hex(8)
    return status, {
        "error": error,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} Correlation ID: {trace} Timestamp: {time.strftime('%Y-%m-%d %H:%M:%SZ', time.gmtime())}",
        "error_codes": [code],
        "timestamp": time.strftime("%Y-%m-%d %H:%M:%SZ", time.gmtime()),
        "trace_id": trace,
        "correlation_id": trace,
        "error_uri": f"https://login.microsoftonline.com/error?code={code}",
    }


def token_response(state: State, issuer: TokenIssuer, tenant: str, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
    """The client-credentials grant as Entra answers it, errors included."""
    if tenant.lower() not in (state.tenant_id.lower(), "organizations", "common"):
        return entra_error(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")
    if form.get("grant_type") != "client_credentials":
        return entra_error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
    client_id = form.get("client_id", "")
    p = state.principal_by_client_id(client_id) if client_id else None
    if p is None or p.secret is None:
        return entra_error(400, "unauthorized_client", 700016, f"Application with identifier '{client_id}' was not found in the directory '{state.tenant_id}'.")
    if not hmac.compare_digest(form.get("client_secret", ""), p.secret):
        return entra_error(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + p.client_id + "'.")
    scope = form.get("scope", "https://management.azure.com/.default").split()[0]
    # "<resource>/.default" → "<resource>/"; the CLI asks for "https://host//.default" (resource id ends in "/")
    audience = scope.removesuffix(".default").rstrip("/") + "/" if scope.endswith(".default") else scope
    token, lifetime = issuer.issue(state, p, audience)
    return 200, {"token_type": "Bearer", "expires_in": lifetime, "ext_expires_in": lifetime, "access_token": token}
