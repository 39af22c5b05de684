"""The registry data plane (``https://<login server>``): token exchange, challenge, catalog, tags, manifests.

Served over the emulator's TLS at ``<emulator url>/<login server>`` — a path prefix, which the SDK's
``ContainerRegistryClient(endpoint=...)`` keeps unchanged: every request path and the relative ``Link`` of the next
page are joined onto the endpoint (azure-core ``format_url``), and the exchange client posts to
``<endpoint>/oauth2/exchange``. Only reads are served, for the repositories a registry holds
(``Resource.extra["repositories"]``: seeded and imported tags).

Sources: the data-plane REST spec (Azure/azure-rest-api-specs
``specification/containerregistry/data-plane/Azure.ContainerRegistry/stable/2021-07-01/containerregistry.json`` and
its examples GetTagList, GetManifestList, PostRefreshToken, PostAccessToken) and the ``azure-containerregistry``
SDK (Azure/azure-sdk-for-python ``sdk/containerregistry``: ``_exchange_client.py`` posts the AAD token to
``/oauth2/exchange`` with ``grant_type=access_token&service=…``, then ``/oauth2/token`` with the challenge's
``scope``; ``_helpers._parse_challenge`` needs ``service`` and ``scope`` in the ``WWW-Authenticate`` header;
``_parse_next_link`` reads the next page from the ``Link`` header; ``get_manifest`` checks the body's sha256
against ``Docker-Content-Digest``). The auth flow is ACR's documented one (Learn: "Azure Container Registry
authentication ... token exchange", github.com/Azure/acr docs/AAD-OAuth.md).

Rules enforced:

- Every call needs an access token from ``/oauth2/token`` whose ``access`` covers the call's scope
  (``registry:catalog:*``, ``repository:<repo>:metadata_read`` for tags/manifests/properties,
  ``repository:<repo>:pull`` for a manifest); otherwise 401 with the challenge
  ``Bearer realm="…/oauth2/token",service="<login server>",scope="…"``.
- The token exchange takes an Entra token for the ACR audience (``https://containerregistry.azure.net``) or, unless
  the registry's ``azureADAuthenticationAsArmPolicy`` is disabled, an ARM audience (Learn: "Disable authentication
  as ARM for Azure Container Registry").
- Rights (Learn: "Azure Container Registry roles and permissions"): pull (and listing) is the action
  ``Microsoft.ContainerRegistry/registries/pull/read`` — granted by AcrPull, AcrPush, Reader (``*/read``), Owner
  and Contributor (``*``). That Learn table gives Reader "Pull image"; in the newer "RBAC Registry + ABAC Repository
  Permissions" mode Reader/Contributor/Owner lose data-plane rights — not emulated. A caller without the right gets
  an access token with an empty ``access`` list from ``/oauth2/token`` and then 401 ``UNAUTHORIZED`` "authentication
  required, visit https://aka.ms/acr/authorization" on the call (as ACR answers, see Learn "Troubleshoot registry
  login").
- ``publicNetworkAccess: Disabled``: every data-plane request is 403 ``DENIED`` (Learn: "Configure public network
  access" — requests from public networks are denied). The emulator's callers are never on a private endpoint's
  network, so there is no private path.

Unconfirmed (the emulator's choice): the exact message of the public-access 403 ("client with IP '<ip>' is not
allowed access ... https://aka.ms/acr/firewall"); a bad AAD token or refresh token is 401 ``UNAUTHORIZED``; an
unknown login server is 404 ``NAME_UNKNOWN`` (in Azure the name would not resolve); listing the catalog needs only
pull rights; ``orderby`` is accepted and lists stay in name order; IP rules (``networkRuleSet``) are not applied to
the data plane (the emulator cannot place a caller on a network); anonymous pull is not served.

Manifests are synthetic OCI image manifests generated from a tag's *origin* (where its content was first pushed:
``<registry>/<repo>:<tag>``, or the source of an import), so the digest is the sha256 of the bytes served, and an
imported tag has its source's digest (``record_import``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from typing import Any

from aiohttp import web

from .. import rbac
from ..state import Resource, State

RTYPE = "Microsoft.ContainerRegistry/registries"
PULL_ACTION = "Microsoft.ContainerRegistry/registries/pull/read"
ACR_AUDIENCE = "https://containerregistry.azure.net/"
ARM_AUDIENCES = (
    "https://management.azure.com/",
    "https://management.core.windows.net/",
    "https://management.usgovcloudapi.net/",
    "https://management.core.usgovcloudapi.net/",
    "https://management.chinacloudapi.cn/",
    "https://management.core.chinacloudapi.cn/",
)
MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json"
AUTH_HELP = "authentication required, visit https://aka.ms/acr/authorization for more information."


# ---------------------------------------------------------------- content (also used by importImage)


def origin_of(reg: Resource, repo: str, tag: str) -> str:
    """Where a tag's content was first pushed: recorded by an import, else this registry itself."""
    recorded = (reg.extra.get("tagOrigins") or {}).get(repo, {}).get(tag)
    return str(recorded) if recorded else f"{str(reg.body.get('name', '')).lower()}/{repo}:{tag}"


def record_import(target: Resource, repo: str, tag: str, origin: str) -> None:
    """An imported tag carries its source's content, so the same digest (call when the import lands)."""
    target.extra.setdefault("tagOrigins", {}).setdefault(repo, {})[tag] = origin


def manifest_bytes(origin: str) -> bytes:
    """A deterministic OCI image manifest for a content origin."""

    def h(part: str) -> str:
        return "sha256:" + hashlib.sha256(f"{origin}|{part}".encode()).hexdigest()

    size = 1_000_000 + int(hashlib.sha256(origin.encode()).hexdigest()[:6], 16)
    doc = {
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": h("config"), "size": 1469},
        "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": h("layer"), "size": size}],
    }
    return json.dumps(doc, separators=(",", ":"), sort_keys=True).encode()


def digest_of(origin: str) -> str:
    return "sha256:" + hashlib.sha256(manifest_bytes(origin)).hexdigest()


def image_size(origin: str) -> int:
    doc = json.loads(manifest_bytes(origin))
    return int(doc["config"]["size"]) + sum(int(layer["size"]) for layer in doc["layers"])


# ---------------------------------------------------------------- errors and tokens


class DataPlaneError(Exception):
    """An error in the Docker/ACR shape: ``{"errors": [{"code", "message", "detail"}]}``."""

    def __init__(self, status: int, code: str, message: str, detail: Any = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.headers = headers or {}

    def response(self) -> web.Response:
        err: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail is not None:
            err["detail"] = self.detail
        return web.json_response({"errors": [err]}, status=self.status, headers=self.headers)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


class _Signer:
    """JWT-shaped ACR tokens (the SDK reads ``exp`` from the refresh token's payload)."""

    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def sign(self, claims: dict[str, Any]) -> str:
        head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
        body = _b64(json.dumps(claims).encode())
        sig = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
        return f"{head}.{body}.{sig}"

    def verify(self, token: str, kind: str, service: str) -> dict[str, Any] | None:
        try:
            head, body, sig = token.split(".")
            want = _b64(hmac.new(self._key, f"{head}.{body}".encode(), hashlib.sha256).digest())
            if not hmac.compare_digest(want, sig):
                return None
            claims: dict[str, Any] = json.loads(_unb64(body))
        except ValueError:
            return None
        if claims.get("grant_type") != kind or str(claims.get("aud", "")).lower() != service.lower():
            return None
        if claims.get("exp", 0) < time.time():
            return None
        return claims


SCOPE_RX = re.compile(r"^(registry|repository):(.+):([a-z_*,]+)$")


def _parse_scope(scope: str) -> tuple[str, str, list[str]] | None:
    m = SCOPE_RX.match(scope.strip())
    return (m.group(1), m.group(2), m.group(3).split(",")) if m else None


# ---------------------------------------------------------------- the server side


class DataPlane:
    """Handles ``<emulator url>/<login server>/…`` for one emulator (its own token key)."""

    def __init__(self, emulator: Any) -> None:
        self.emu = emulator
        self.signer = _Signer()

    @property
    def state(self) -> State:
        return self.emu.state  # type: ignore[no-any-return]

    def registry(self, login_server: str) -> Resource | None:
        low = login_server.lower()
        return next((r for r in self.state.of_type(RTYPE) if str(r.props.get("loginServer", "")).lower() == low), None)

    def is_login_server(self, segment: str) -> bool:
        return segment.lower().endswith("." + self.state.suffix("acr"))

    # ------------------------------------------------------------ dispatch
    async def handle(self, request: web.Request, login: str, path: str) -> web.StreamResponse:
        try:
            reg = self.registry(login)
            if reg is None:
                raise DataPlaneError(404, "NAME_UNKNOWN", f"registry '{login}' is not known", {"registry": login})
            if str(reg.props.get("publicNetworkAccess", "Enabled")).lower() == "disabled":
                ip = request.remote or "127.0.0.1"
                raise DataPlaneError(
                    403,
                    "DENIED",
                    f"client with IP '{ip}' is not allowed access. Refer https://aka.ms/acr/firewall to grant access.",
                )
            if request.method == "POST" and path == "/oauth2/exchange":
                return await self._exchange(request, reg, login)
            if request.method == "POST" and path == "/oauth2/token":
                return await self._token(request, reg, login)
            if request.method not in ("GET", "HEAD"):
                raise DataPlaneError(405, "UNSUPPORTED", "The emulator serves the registry data plane read-only.")
            return self._read(request, reg, login, path)
        except DataPlaneError as e:
            return e.response()

    def _challenge(self, login: str, scope: str | None) -> dict[str, str]:
        realm = f"{self.emu.url}/{login}/oauth2/token"
        value = f'Bearer realm="{realm}",service="{login}"'
        if scope:
            value += f',scope="{scope}"'
        return {"WWW-Authenticate": value}

    def _unauthorized(self, login: str, scope: str | None) -> DataPlaneError:
        detail = None
        if scope and (parsed := _parse_scope(scope)):
            detail = [{"Type": parsed[0], "Name": parsed[1], "Action": a} for a in parsed[2]]
        return DataPlaneError(401, "UNAUTHORIZED", AUTH_HELP, detail, self._challenge(login, scope))

    # ------------------------------------------------------------ tokens
    async def _exchange(self, request: web.Request, reg: Resource, login: str) -> web.Response:
        """``POST /oauth2/exchange`` (spec: ``Authentication_ExchangeAadAccessTokenForAcrRefreshToken``)."""
        form = {k: str(v) for k, v in (await request.post()).items()}
        if form.get("grant_type") != "access_token":
            raise DataPlaneError(400, "UNSUPPORTED", "grant_type must be access_token (the emulator has no AAD refresh tokens).")
        if form.get("service", "").lower() != login.lower():
            raise DataPlaneError(400, "UNAUTHORIZED", f"the service '{form.get('service')}' is not this registry ('{login}').")
        claims = self.emu.tokens.validate(form.get("access_token", ""))
        if claims is None or self.state.principal(str(claims.get("oid", ""))) is None:
            raise DataPlaneError(401, "UNAUTHORIZED", "the Microsoft Entra access token is invalid or has expired.")
        aud = str(claims.get("aud", "")).rstrip("/") + "/"
        arm_ok = str(((reg.props.get("policies") or {}).get("azureADAuthenticationAsArmPolicy") or {}).get("status", "enabled")).lower() != "disabled"
        arm_audiences = (*ARM_AUDIENCES, self.emu.url.rstrip("/") + "/")
        if aud.lower() != ACR_AUDIENCE and not (arm_ok and aud.lower() in arm_audiences):
            why = " (authentication as ARM is disabled on this registry)" if aud.lower() in arm_audiences else ""
            raise DataPlaneError(
                401, "UNAUTHORIZED", f"the access token's audience '{aud}' is not accepted{why}; request a token for {ACR_AUDIENCE}.default."
            )
        now = int(time.time())
        token = self.signer.sign(
            {
                "jti": secrets.token_hex(8),
                "sub": claims["oid"],
                "aud": login,
                "iss": "Azure Container Registry",
                "iat": now,
                "nbf": now,
                "exp": now + self.emu.config.token_lifetime_s,
                "tenant": self.state.tenant_id,
                "grant_type": "refresh_token",
                "version": "1.0",
            }
        )
        return web.json_response({"refresh_token": token})

    async def _token(self, request: web.Request, reg: Resource, login: str) -> web.Response:
        """``POST /oauth2/token``: the granted ``access`` is what was asked for and RBAC allows (maybe nothing)."""
        form = {k: str(v) for k, v in (await request.post()).items()}
        if form.get("grant_type") != "refresh_token":
            raise DataPlaneError(400, "UNSUPPORTED", "grant_type must be refresh_token.")
        service = form.get("service", "")
        claims = self.signer.verify(form.get("refresh_token", ""), "refresh_token", service)
        if claims is None or service.lower() != login.lower():
            raise DataPlaneError(401, "UNAUTHORIZED", "the refresh token is invalid or has expired.")
        may_pull = rbac.allowed(self.state, str(claims["sub"]), PULL_ACTION, reg.id)
        access = []
        for scope in form.get("scope", "").split():
            parsed = _parse_scope(scope)
            if parsed is None:
                raise DataPlaneError(400, "UNSUPPORTED", f"the scope '{scope}' is not valid.")
            kind, name, actions = parsed
            granted = [a for a in actions if may_pull and a in ("pull", "metadata_read", "*")]
            if granted:
                access.append({"type": kind, "name": name, "actions": granted})
        now = int(time.time())
        token = self.signer.sign(
            {
                "jti": secrets.token_hex(8),
                "sub": claims["sub"],
                "aud": login,
                "iss": "Azure Container Registry",
                "iat": now,
                "nbf": now,
                "exp": now + self.emu.config.token_lifetime_s,
                "grant_type": "access_token",
                "access": access,
                "version": "1.0",
            }
        )
        return web.json_response({"access_token": token})

    def _require(self, request: web.Request, login: str, scope: str | None) -> None:
        auth = request.headers.get("Authorization", "")
        scheme, _, token = auth.partition(" ")
        claims = self.signer.verify(token.strip(), "access_token", login) if scheme.lower() == "bearer" else None
        if claims is None:
            raise self._unauthorized(login, scope)
        if scope is None:
            return
        want = _parse_scope(scope)
        assert want is not None
        for a in claims.get("access") or []:
            if a.get("type") == want[0] and a.get("name") == want[1] and all(x in a.get("actions", []) for x in want[2]):
                return
        raise self._unauthorized(login, scope)

    # ------------------------------------------------------------ reads
    def _read(self, request: web.Request, reg: Resource, login: str, path: str) -> web.StreamResponse:
        repos: dict[str, list[str]] = reg.extra.get("repositories") or {}
        if path in ("/v2", "/v2/"):
            self._require(request, login, None)
            return web.json_response({})
        if path == "/acr/v1/_catalog":
            self._require(request, login, "registry:catalog:*")
            names = sorted(r for r in repos)
            page, link = self._page(request, names, "/acr/v1/_catalog")
            return web.json_response({"repositories": page}, headers=link)
        if m := re.fullmatch(r"/v2/(.+)/manifests/([^/]+)", path):
            repo, ref = m.group(1), m.group(2)
            self._require(request, login, f"repository:{repo}:pull")
            origin = self._resolve(reg, repos, repo, ref)
            body = manifest_bytes(origin)
            headers = {"Docker-Content-Digest": digest_of(origin), "Content-Type": MANIFEST_MEDIA_TYPE}
            if request.method == "HEAD":
                return web.Response(status=200, headers={**headers, "Content-Length": str(len(body))})
            return web.Response(status=200, body=body, headers=headers)
        m = re.fullmatch(r"/acr/v1/(.+?)/(_tags|_manifests)(?:/([^/]+))?", path)
        repo = m.group(1) if m else path.removeprefix("/acr/v1/")
        if not path.startswith("/acr/v1/") or not repo:
            raise DataPlaneError(404, "NOT_FOUND", f"no data-plane operation at '{path}'.")
        self._require(request, login, f"repository:{repo}:metadata_read")
        if repo not in repos:
            raise DataPlaneError(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        tags = sorted(repos[repo])
        base = {"registry": login, "imageName": repo}
        if m is None:
            return web.json_response({**base, **self._repo_props(reg, repo, tags)})
        what, ref = m.group(2), m.group(3)
        if what == "_tags" and ref is None:
            page, link = self._page(request, tags, f"/acr/v1/{repo}/_tags")
            return web.json_response({**base, "tags": [self._tag(reg, repo, t) for t in page]}, headers=link)
        if what == "_tags":
            if ref not in tags:
                raise DataPlaneError(404, "TAG_UNKNOWN", "the specified tag does not exist", {"name": repo, "tag": ref})
            return web.json_response({**base, "tag": self._tag(reg, repo, ref)})
        manifests = self._manifests(reg, repo, tags)
        if ref is None:
            digests = sorted(manifests)
            page, link = self._page(request, digests, f"/acr/v1/{repo}/_manifests")
            return web.json_response({**base, "manifests": [manifests[d] for d in page]}, headers=link)
        if ref not in manifests:
            raise DataPlaneError(404, "MANIFEST_UNKNOWN", "manifest unknown", {"name": repo, "digest": ref})
        return web.json_response({**base, "manifest": manifests[ref]})

    def _resolve(self, reg: Resource, repos: dict[str, list[str]], repo: str, ref: str) -> str:
        if repo not in repos:
            raise DataPlaneError(404, "NAME_UNKNOWN", "repository name not known to registry", {"name": repo})
        if ref.startswith("sha256:"):
            for t in repos[repo]:
                if digest_of(origin_of(reg, repo, t)) == ref:
                    return origin_of(reg, repo, t)
        elif ref in repos[repo]:
            return origin_of(reg, repo, ref)
        raise DataPlaneError(404, "MANIFEST_UNKNOWN", f'manifest tagged by "{ref}" is not found', {"Name": repo, "Revision": ref})

    def _page(self, request: web.Request, items: list[str], path: str) -> tuple[list[str], dict[str, str]]:
        """Docker-style paging: ``n`` and ``last`` in, a relative ``Link: <…>; rel="next"`` out."""
        limit = self.emu.config.page_size
        try:
            if request.query.get("n"):
                limit = max(1, min(int(request.query["n"]), limit))
        except ValueError as e:
            raise DataPlaneError(400, "PAGINATION_NUMBER_INVALID", "invalid number of results requested") from e
        last = request.query.get("last")
        rest = [i for i in items if last is None or i > last]
        page = rest[:limit]
        if len(rest) > limit:
            return page, {"Link": f'<{path}?last={page[-1]}&n={limit}&orderby=>; rel="next"'}
        return page, {}

    def _created(self, reg: Resource) -> str:
        return str(reg.props.get("creationDate") or self.state.now_iso())

    def _tag(self, reg: Resource, repo: str, tag: str) -> dict[str, Any]:
        when = self._created(reg)
        return {
            "name": tag,
            "digest": digest_of(origin_of(reg, repo, tag)),
            "createdTime": when,
            "lastUpdateTime": when,
            "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True},
        }

    def _manifests(self, reg: Resource, repo: str, tags: list[str]) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        when = self._created(reg)
        for t in tags:
            origin = origin_of(reg, repo, t)
            d = digest_of(origin)
            m = out.setdefault(
                d,
                {
                    "digest": d,
                    "imageSize": image_size(origin),
                    "createdTime": when,
                    "lastUpdateTime": when,
                    "architecture": "amd64",
                    "os": "linux",
                    "tags": [],
                    "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True},
                },
            )
            m["tags"].append(t)
        return out

    def _repo_props(self, reg: Resource, repo: str, tags: list[str]) -> dict[str, Any]:
        when = self._created(reg)
        return {
            "createdTime": when,
            "lastUpdateTime": when,
            "manifestCount": len(self._manifests(reg, repo, tags)),
            "tagCount": len(tags),
            "changeableAttributes": {"deleteEnabled": True, "writeEnabled": True, "readEnabled": True, "listEnabled": True},
        }
