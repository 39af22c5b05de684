"""The registry data plane in the emulator (providers/dataplane.py), driven by the real ``azure-containerregistry``
async client over TLS, plus raw HTTP where the wire shape itself is the rule (challenge header, error codes)."""

from __future__ import annotations

import hashlib
import secrets
import ssl
from typing import Any

import aiohttp
import pytest
from azure.containerregistry._generated._serialization import Deserializer, Serializer
from azure.containerregistry._generated.models import _models as gmm
from azure.containerregistry.aio import ContainerRegistryClient
from azure.core.exceptions import ClientAuthenticationError, HttpResponseError, ResourceNotFoundError
from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.dataplane import digest_of, manifest_bytes
from acrtui.emulator.seeds import grant
from acrtui.emulator.state import Principal, stable_uuid

from .fidelity import _subset_lost


def assert_roundtrip(model: type, body: dict[str, Any]) -> None:
    """fidelity.assert_roundtrip for the data-plane SDK, whose msrest models are not all exported from the models
    package the msrest base class searches: (de)serialise with every class of ``_models`` known."""
    classes = {k: v for k, v in vars(gmm).items() if isinstance(v, type)}
    obj = Deserializer(classes)(model.__name__, body)
    out = Serializer(classes).body(obj, model.__name__, keep_readonly=True)
    lost = _subset_lost(body, out, "$")
    assert not lost, f"{model.__name__} loses fields the emulator sent: {lost}"

RTYPE = "Microsoft.ContainerRegistry/registries"
ACR_AUDIENCE = "https://containerregistry.azure.net"
REPOS = {"payments/api": ["1.4.2", "1.4.3", "latest"], "platform/nginx": ["1.27"], "tools/curl": ["8.10"]}


async def make_registry(emu: Emulator, sdk: Any, name: str, repos: dict[str, list[str]] | None = None,
                        **props: Any) -> str:
    c = sdk(ContainerRegistryManagementClient, emu)
    body = {"location": "eastus", "sku": {"name": "Premium"}, "properties": props}
    reg = await (await c.registries.begin_create("rg-empty", name, body)).result()
    res = emu.state.get(reg.id)
    assert res is not None
    res.extra["repositories"] = {k: list(v) for k, v in (REPOS if repos is None else repos).items()}
    return str(reg.id)


def add_login(emu: Emulator, role_name: str, scope: str | None) -> str:
    """A sign-in holding ``role_name`` at ``scope`` (nothing when None)."""
    key = f"test-{role_name}-{secrets.token_hex(3)}"
    p = emu.state.add_principal(Principal(stable_uuid("sp", key), stable_uuid("app", key), key, secrets.token_urlsafe(24)))
    emu.state.logins[key] = p.object_id
    if scope is not None:
        grant(emu.state, scope, role_name, p.object_id)
    return key


@pytest.fixture
async def acr(emu: Emulator) -> Any:
    """``acr(login_server, role="owner", audience=ACR_AUDIENCE)`` → a real async ContainerRegistryClient."""
    opened: list[Any] = []

    def make(login: str, role: str = "owner", audience: str = ACR_AUDIENCE) -> ContainerRegistryClient:
        cred = emu.credential(role)
        client = ContainerRegistryClient(f"{emu.url}/{login}", cred, audience=audience,
                                         connection_verify=str(emu.ca_path), retry_total=0)
        opened.extend([client, cred])
        return client

    yield make
    for c in reversed(opened):
        await (c.__aexit__(None, None, None) if isinstance(c, ContainerRegistryClient) else c.close())


def login_of(name: str) -> str:
    return f"{name}.azurecr.io"


async def raw(emu: Emulator, method: str, path: str, *, data: dict[str, str] | None = None,
              token: str | None = None) -> tuple[int, dict[str, str], Any]:
    tls = ssl.create_default_context(cafile=str(emu.ca_path))
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with aiohttp.ClientSession() as s, s.request(method, emu.url + path, data=data, headers=headers, ssl=tls) as r:
        body = await r.json(content_type=None) if r.content_length != 0 else None
        return r.status, dict(r.headers), body


async def aad_token(emu: Emulator, role: str = "owner", audience: str = ACR_AUDIENCE) -> str:
    cred = emu.credential(role)
    try:
        return (await cred.get_token(f"{audience}/.default")).token
    finally:
        await cred.close()


# ---------------------------------------------------------------- the token exchange


async def test_challenge_exchange_and_token_as_acr_documents(emu: Emulator, sdk: Any) -> None:
    await make_registry(emu, sdk, "dpexchange")
    login = login_of("dpexchange")
    status, headers, _ = await raw(emu, "GET", f"/{login}/v2/")
    assert status == 401
    assert headers["WWW-Authenticate"] == f'Bearer realm="{emu.url}/{login}/oauth2/token",service="{login}"'
    status, headers, body = await raw(emu, "GET", f"/{login}/acr/v1/_catalog")
    assert status == 401 and body["errors"][0]["code"] == "UNAUTHORIZED"
    assert headers["WWW-Authenticate"].endswith(f'service="{login}",scope="registry:catalog:*"')

    status, _, body = await raw(emu, "POST", f"/{login}/oauth2/exchange", data={
        "grant_type": "access_token", "service": login, "access_token": await aad_token(emu)})
    assert status == 200
    assert_roundtrip(gmm.AcrRefreshToken, body)
    status, _, body = await raw(emu, "POST", f"/{login}/oauth2/token", data={
        "grant_type": "refresh_token", "service": login, "scope": "registry:catalog:*",
        "refresh_token": body["refresh_token"]})
    assert status == 200
    assert_roundtrip(gmm.AcrAccessToken, body)
    status, _, got = await raw(emu, "GET", f"/{login}/acr/v1/_catalog", token=body["access_token"])
    assert status == 200 and got["repositories"] == ["payments/api", "platform/nginx"]  # page size 2
    status, _, _ = await raw(emu, "GET", f"/{login}/v2/", token=body["access_token"])
    assert status == 200
    # a token for one registry is not one for another
    await make_registry(emu, sdk, "dpexchange2")
    status, _, got = await raw(emu, "GET", f"/{login_of('dpexchange2')}/acr/v1/_catalog", token=body["access_token"])
    assert status == 401 and got["errors"][0]["code"] == "UNAUTHORIZED"


async def test_exchange_refuses_a_forged_token_and_another_service(emu: Emulator, sdk: Any) -> None:
    await make_registry(emu, sdk, "dpforged")
    login = login_of("dpforged")
    status, _, body = await raw(emu, "POST", f"/{login}/oauth2/exchange", data={
        "grant_type": "access_token", "service": login, "access_token": "a.b.c"})
    assert status == 401 and body["errors"][0]["code"] == "UNAUTHORIZED"
    status, _, body = await raw(emu, "POST", f"/{login}/oauth2/exchange", data={
        "grant_type": "access_token", "service": "other.azurecr.io", "access_token": await aad_token(emu)})
    assert status == 400 and body["errors"][0]["code"] == "UNAUTHORIZED"
    status, _, body = await raw(emu, "POST", f"/{login}/oauth2/token", data={
        "grant_type": "refresh_token", "service": login, "scope": "registry:catalog:*", "refresh_token": "x.y.z"})
    assert status == 401 and body["errors"][0]["code"] == "UNAUTHORIZED"


async def test_arm_audience_tokens_work_until_the_registry_disables_them(emu: Emulator, sdk: Any, acr: Any) -> None:
    """Learn, "Disable authentication as ARM": with the policy disabled only ACR-audience tokens are accepted."""
    rid = await make_registry(emu, sdk, "dparmaud")
    arm = emu.url  # the emulator's ARM audience
    assert [n async for n in acr(login_of("dparmaud"), audience=arm).list_repository_names()] == sorted(REPOS)
    res = emu.state.get(rid)
    assert res is not None
    res.props.setdefault("policies", {})["azureADAuthenticationAsArmPolicy"] = {"status": "disabled"}
    with pytest.raises(ClientAuthenticationError):
        [n async for n in acr(login_of("dparmaud"), audience=arm).list_repository_names()]
    status, _, body = await raw(emu, "POST", f"/{login_of('dparmaud')}/oauth2/exchange", data={
        "grant_type": "access_token", "service": login_of("dparmaud"), "access_token": await aad_token(emu, audience=arm)})
    assert status == 401 and body["errors"][0]["code"] == "UNAUTHORIZED" and "ARM is disabled" in body["errors"][0]["message"]
    assert [n async for n in acr(login_of("dparmaud")).list_repository_names()] == sorted(REPOS)


# ---------------------------------------------------------------- reads, paging and fidelity


async def test_catalog_tags_and_manifests_page_through_the_sdk(emu: Emulator, sdk: Any, acr: Any) -> None:
    await make_registry(emu, sdk, "dppaging")
    c = acr(login_of("dppaging"))
    assert [n async for n in c.list_repository_names()] == ["payments/api", "platform/nginx", "tools/curl"]
    tags = [t async for t in c.list_tag_properties("payments/api")]  # 3 tags at page size 2: two pages
    assert [t.name for t in tags] == ["1.4.2", "1.4.3", "latest"]
    assert len({t.digest for t in tags}) == 3 and all(t.digest.startswith("sha256:") for t in tags)
    manifests = [m async for m in c.list_manifest_properties("payments/api")]
    assert sorted(t for m in manifests for t in m.tags) == ["1.4.2", "1.4.3", "latest"]
    assert {m.digest for m in manifests} == {t.digest for t in tags}
    assert all(m.architecture == "amd64" and m.operating_system == "linux" and m.size_in_bytes for m in manifests)
    paged = [x.query for x in emu.request_log if x.kind == "dataplane" and x.path.endswith("/_tags")]
    assert any("last=1.4.3" in q for q in paged)  # the second page followed the Link header

    got = await c.get_manifest("payments/api", "1.4.3")  # the SDK checks sha256(body) == Docker-Content-Digest
    assert got.digest == next(t.digest for t in tags if t.name == "1.4.3")
    assert got.manifest["schemaVersion"] == 2
    by_digest = await c.get_manifest("payments/api", got.digest)
    assert by_digest.digest == got.digest
    props = await c.get_manifest_properties("payments/api", "1.4.3")
    assert props.digest == got.digest and "1.4.3" in props.tags
    repo = await c.get_repository_properties("payments/api")
    assert repo.tag_count == 3 and repo.manifest_count == 3
    tag = await c.get_tag_properties("platform/nginx", "1.27")
    assert tag.digest == digest_of("dppaging/platform/nginx:1.27")


async def test_manifest_head_and_get_carry_the_digest_of_the_bytes(emu: Emulator, sdk: Any) -> None:
    await make_registry(emu, sdk, "dphead")
    login = login_of("dphead")
    access = await access_token(emu, login, "repository:platform/nginx:pull")
    tls = ssl.create_default_context(cafile=str(emu.ca_path))
    url = f"{emu.url}/{login}/v2/platform/nginx/manifests/1.27"
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {access}"}) as s:
        async with s.get(url, ssl=tls) as r:
            body = await r.read()
            assert r.status == 200 and r.headers["Content-Type"] == "application/vnd.oci.image.manifest.v1+json"
            assert r.headers["Docker-Content-Digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
            assert body == manifest_bytes("dphead/platform/nginx:1.27")
        async with s.head(url, ssl=tls) as r:
            assert r.status == 200 and r.headers["Docker-Content-Digest"] == "sha256:" + hashlib.sha256(body).hexdigest()
        async with s.get(f"{emu.url}/{login}/v2/platform/nginx/manifests/9.9", ssl=tls) as r:
            assert r.status == 404 and (await r.json())["errors"][0]["code"] == "MANIFEST_UNKNOWN"


async def access_token(emu: Emulator, login: str, scope: str, role: str = "owner") -> str:
    _, _, body = await raw(emu, "POST", f"/{login}/oauth2/exchange", data={
        "grant_type": "access_token", "service": login, "access_token": await aad_token(emu, role)})
    _, _, body = await raw(emu, "POST", f"/{login}/oauth2/token", data={
        "grant_type": "refresh_token", "service": login, "scope": scope, "refresh_token": body["refresh_token"]})
    return str(body["access_token"])


async def test_bodies_deserialise_into_the_sdk_models(emu: Emulator, sdk: Any) -> None:
    await make_registry(emu, sdk, "dpfidelity")
    login = login_of("dpfidelity")
    meta = await access_token(emu, login, "repository:payments/api:metadata_read")
    cat = await access_token(emu, login, "registry:catalog:*")
    base = f"/{login}/acr/v1"
    _, headers, body = await raw(emu, "GET", f"{base}/_catalog", token=cat)
    assert_roundtrip(gmm.Repositories, body)
    assert headers["Link"] == '</acr/v1/_catalog?last=platform/nginx&n=2&orderby=>; rel="next"'
    _, _, body = await raw(emu, "GET", f"{base}/payments/api/_tags", token=meta)
    assert_roundtrip(gmm.TagList, body)
    _, _, body = await raw(emu, "GET", f"{base}/payments/api/_tags/1.4.3", token=meta)
    assert_roundtrip(gmm.ArtifactTagProperties, body)
    _, _, body = await raw(emu, "GET", f"{base}/payments/api/_manifests", token=meta)
    assert_roundtrip(gmm.AcrManifests, body)
    digest = body["manifests"][0]["digest"]
    _, _, body = await raw(emu, "GET", f"{base}/payments/api/_manifests/{digest}", token=meta)
    assert_roundtrip(gmm.ArtifactManifestProperties, body)
    _, _, body = await raw(emu, "GET", f"{base}/payments/api", token=meta)
    assert_roundtrip(gmm.ContainerRepositoryProperties, body)
    status, _, body = await raw(emu, "GET", f"{base}/payments/nope/_tags", token=meta)
    assert status == 401  # the token covers payments/api only
    status, _, body = await raw(emu, "GET", f"{base}/payments/api/_tags/0.0.1", token=meta)
    assert status == 404 and body["errors"][0]["code"] == "TAG_UNKNOWN"
    assert_roundtrip(gmm.AcrErrors, body)


async def test_missing_repository_is_name_unknown(emu: Emulator, sdk: Any, acr: Any) -> None:
    await make_registry(emu, sdk, "dpmissing")
    c = acr(login_of("dpmissing"))
    with pytest.raises(ResourceNotFoundError) as ei:
        [t async for t in c.list_tag_properties("nope/repo")]
    assert "NAME_UNKNOWN" in str(ei.value)
    status, _, body = await raw(emu, "GET", "/unknownreg.azurecr.io/v2/")
    assert status == 404 and body["errors"][0]["code"] == "NAME_UNKNOWN"


async def test_import_keeps_the_source_digest(emu: Emulator, sdk: Any, acr: Any) -> None:
    src = await make_registry(emu, sdk, "dpimportsrc")
    await make_registry(emu, sdk, "dpimportdst", repos={})
    c = sdk(ContainerRegistryManagementClient, emu)
    for image, targets in (("payments/api:1.4.3", None), ("platform/nginx:1.27", ["edge/nginx:stable"])):
        body: dict[str, Any] = {"source": {"resourceId": src, "sourceImage": image}}
        if targets:
            body["targetTags"] = targets
        await (await c.registries.begin_import_image("rg-empty", "dpimportdst", body)).result()
    source, target = acr(login_of("dpimportsrc")), acr(login_of("dpimportdst"))
    assert [n async for n in target.list_repository_names()] == ["edge/nginx", "payments/api"]
    assert (await target.get_manifest("payments/api", "1.4.3")).digest == (await source.get_manifest("payments/api", "1.4.3")).digest
    assert (await target.get_manifest("edge/nginx", "stable")).digest == (await source.get_manifest("platform/nginx", "1.27")).digest
    # a tag pushed separately under the same name is other content
    assert (await source.get_manifest("payments/api", "1.4.2")).digest != (await target.get_manifest("payments/api", "1.4.3")).digest


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize(("role", "at_registry", "can_read"), [
    ("AcrPull", True, True),
    ("AcrPush", True, True),
    ("Reader", True, True),  # Learn's role table: Reader can pull (RBAC Registry Permissions mode)
    ("Contributor", False, True),  # at the subscription: inherited
    ("Network Contributor", False, False),
    (None, False, False),
])
async def test_data_plane_reads_need_the_pull_action(emu: Emulator, sdk: Any, acr: Any, role: str | None,
                                                     at_registry: bool, can_read: bool) -> None:
    rid = await make_registry(emu, sdk, "dprbac")
    scope = rid if at_registry else f"/subscriptions/{emu.subscription_id}"
    who = add_login(emu, role or "Reader", scope if role else None)
    c = acr(login_of("dprbac"), role=who)
    if can_read:
        assert [n async for n in c.list_repository_names()] == sorted(REPOS)
        return
    with pytest.raises(ClientAuthenticationError) as ei:
        [n async for n in c.list_repository_names()]
    assert "UNAUTHORIZED" in str(ei.value) and "aka.ms/acr/authorization" in str(ei.value)
    # the token endpoint answered, with nothing granted
    token = await access_token(emu, login_of("dprbac"), "registry:catalog:*", role=who)
    status, _, body = await raw(emu, "GET", f"/{login_of('dprbac')}/acr/v1/_catalog", token=token)
    assert status == 401 and body["errors"][0]["code"] == "UNAUTHORIZED"
    assert body["errors"][0]["detail"] == [{"Type": "registry", "Name": "catalog", "Action": "*"}]


async def test_public_access_disabled_refuses_the_data_plane_with_403(emu: Emulator, sdk: Any, acr: Any) -> None:
    await make_registry(emu, sdk, "dpprivate", publicNetworkAccess="Disabled")
    with pytest.raises(HttpResponseError) as ei:
        [n async for n in acr(login_of("dpprivate")).list_repository_names()]
    assert ei.value.status_code == 403 and "DENIED" in str(ei.value)
    for method, path in (("GET", "/v2/"), ("POST", "/oauth2/exchange"), ("GET", "/acr/v1/_catalog")):
        status, _, body = await raw(emu, method, f"/{login_of('dpprivate')}{path}", data={} if method == "POST" else None)
        assert status == 403 and body["errors"][0]["code"] == "DENIED", path


async def test_writes_are_not_served(emu: Emulator, sdk: Any) -> None:
    await make_registry(emu, sdk, "dpwrite")
    status, _, body = await raw(emu, "DELETE", f"/{login_of('dpwrite')}/acr/v1/payments/api")
    assert status == 405 and body["errors"][0]["code"] == "UNSUPPORTED"
    assert emu.writes() == [w for w in emu.writes() if w.kind == "arm"]
