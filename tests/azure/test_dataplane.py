"""acrtui.azure.dataplane: the product's data-plane reads with the real ``azure-containerregistry`` over TLS against
the emulator, through a session built as the product builds one (audience and endpoint from the cloud)."""

from __future__ import annotations

from typing import Any

import pytest

from acrtui.azure.dataplane import (
    DataPlaneUnreachable,
    discover,
    endpoint,
    list_repositories,
    list_tags,
    read_content,
    read_import_sources,
    tag_digest,
    verify_imported,
)
from acrtui.azure.inventory import load_estate
from acrtui.azure.session import AzureSession, RetrySettings
from acrtui.domain.desired import DesiredState
from acrtui.emulator import Emulator, EmulatorConfig
from acrtui.emulator.seeds import grant
from acrtui.emulator.state import Principal, stable_uuid
from tests.azure.conftest import make_session

RTYPE = "Microsoft.ContainerRegistry/registries"
STG = "contosostgacr.azurecr.io"


@pytest.fixture
async def demo() -> Any:
    async with Emulator("demo", config=EmulatorConfig(page_size=1, throttle=False)) as e:
        yield e


@pytest.fixture
async def session(demo: Emulator) -> Any:
    s = make_session(demo)
    yield s
    await s.close()


def test_endpoint_and_audience_follow_the_cloud(session: AzureSession, demo: Emulator) -> None:
    from acrtui.azure.clouds import get_cloud

    assert endpoint(session, "ContosoStgAcr.azurecr.io") == f"{demo.url}/contosostgacr.azurecr.io"
    assert session.cloud.acr_audience == "https://containerregistry.azure.net"
    assert get_cloud("AzureCloud").acr_endpoint_template.format(login_server=STG) == f"https://{STG}"
    assert get_cloud("AzureChinaCloud").acr_audience == "https://management.chinacloudapi.cn"


async def test_repositories_tags_and_digests(session: AzureSession, demo: Emulator) -> None:
    assert await list_repositories(session, STG) == ["payments/api", "platform/nginx"]
    tags = await list_tags(session, STG, "payments/api")
    assert list(tags or {}) == ["1.5.0-rc1"]
    digest = await tag_digest(session, STG, "payments/api", "1.5.0-rc1")
    assert digest == (tags or {})["1.5.0-rc1"] and digest.startswith("sha256:")
    assert await list_tags(session, STG, "payments/nope") is None
    assert await tag_digest(session, STG, "payments/api", "9.9.9") is None
    # every call was journaled, none counts as a write (the token exchange POSTs are reads)
    dp = [e for e in session.journal if e.note == "data plane"]
    assert any(e.url.split("?")[0].endswith("/oauth2/exchange") for e in dp)
    assert dp and not any(e.is_write for e in dp)
    assert not any("access_token" in e.url or "refresh_token" in e.url for e in dp)


async def test_read_content_names_what_exists(session: AzureSession, demo: Emulator) -> None:
    reg = demo.state.find_name(RTYPE, "sandboxstd")
    assert reg is not None
    content = await read_content(session, reg.id, reg.props["loginServer"])
    assert content.readable and content.repositories == ("demo/db", "demo/web")
    assert content.images() == ["demo/db:16", "demo/web:dev", "demo/web:main"]
    assert content.digest("demo/web:main") == await tag_digest(session, reg.props["loginServer"], "demo/web", "main")
    assert content.missing("demo/web:main") is None
    assert content.missing("demo/web:prod") == "demo/web:prod does not exist in sandboxstd (demo/web has dev, main)"
    assert content.missing("demo/api") == "repository demo/api does not exist in sandboxstd (it has demo/db, demo/web)"
    only = await read_content(session, reg.id, reg.props["loginServer"], ["demo/web", "absent/repo"])
    assert list(only.tags) == ["demo/web"] and only.repositories == ("demo/db", "demo/web")


async def test_discover_reads_every_tag_in_a_read_only_session(demo: Emulator) -> None:
    """Data-plane reads (token exchange POSTs included) run in --read-only sessions."""
    s = make_session(demo, read_only=True)
    try:
        estate = await load_estate(s)
        reg = estate.registry("contosostgacr")
        assert reg is not None
        content = await discover(s, reg)
    finally:
        await s.close()
    assert content.images() == ["payments/api:1.5.0-rc1", "platform/nginx:1.27"]


async def test_a_data_plane_write_in_a_read_only_session_never_leaves_the_process(demo: Emulator) -> None:
    """The data-plane client carries the read-only refusal too: a tag delete is refused before it is sent."""
    from acrtui.azure.dataplane import open_client
    from acrtui.errors import ReadOnlyViolation

    s = make_session(demo, read_only=True)
    try:
        async with open_client(s, STG) as client:
            with pytest.raises(ReadOnlyViolation):
                await client.delete_tag("platform/nginx", "1.27")
    finally:
        await s.close()
    assert any(e.note == "refused: read-only" and e.method == "DELETE" for e in s.journal)
    async with open_client(make_session(demo), STG) as client:  # still there
        assert [t.name async for t in client.list_tag_properties("platform/nginx")] == ["1.27"]


async def test_public_access_off_is_unreachable_with_the_way_forward(session: AzureSession, demo: Emulator) -> None:
    login = "contosoprodacr.azurecr.io"  # the demo's hardened registry: public access disabled
    with pytest.raises(DataPlaneUnreachable) as ei:
        await list_repositories(session, login)
    e = ei.value
    assert e.cause == "denied" and "403" in e.reason and "private path" in e.way_forward
    assert e.exit_code == 3
    reg = demo.state.find_name(RTYPE, "contosoprodacr")
    assert reg is not None
    content = await read_content(session, reg.id, login)
    assert not content.readable and content.unreadable == e.reason and content.missing("x:y") is None


async def test_no_pull_right_is_unreachable_as_unauthorized(demo: Emulator) -> None:
    p = demo.state.add_principal(Principal(stable_uuid("sp", "netonly"), stable_uuid("app", "netonly"), "netonly", "s3cret-value-1"))
    demo.state.logins["netonly"] = p.object_id
    grant(demo.state, f"/subscriptions/{demo.subscription_ids[1]}", "Network Contributor", p.object_id)
    s = make_session(demo, "netonly")
    try:
        with pytest.raises(DataPlaneUnreachable) as ei:
            await list_repositories(s, STG)
    finally:
        await s.close()
    assert ei.value.cause == "unauthorized" and "AcrPull" in ei.value.way_forward
    assert "s3cret" not in str(ei.value)


async def test_a_dropped_connection_is_unreachable_as_network(demo: Emulator) -> None:
    demo.faults.add("drop", path="contosostgacr.azurecr.io")
    s = make_session(demo, retry=RetrySettings(total=1, backoff_factor=0.01, backoff_max=1))
    try:
        with pytest.raises(DataPlaneUnreachable) as ei:
            await list_repositories(s, STG)
    finally:
        await s.close()
    assert ei.value.cause == "network" and "DNS" in ei.value.way_forward


async def test_server_errors_after_retries_and_an_unknown_registry_are_unreachable_as_service(demo: Emulator) -> None:
    demo.faults.add("503", path="contosostgacr.azurecr.io")
    s = make_session(demo, retry=RetrySettings(total=1, backoff_factor=0.01, backoff_max=1))
    try:
        with pytest.raises(DataPlaneUnreachable) as ei:
            await list_repositories(s, STG)
        assert ei.value.cause == "service" and "503 after retries" in ei.value.reason
        with pytest.raises(DataPlaneUnreachable) as ei:
            await list_repositories(s, "nosuchregistry.azurecr.io")
        assert ei.value.cause == "service" and "404" in ei.value.reason
    finally:
        await s.close()


async def test_import_sources_read_only_the_named_repositories(session: AzureSession, demo: Emulator) -> None:
    estate = await load_estate(session)
    desired = DesiredState.model_validate({"apiVersion": "acrtui/v1", "createCmkRegistry": [{
        "name": "contosostgcmk", "source": "contosostgacr", "keyVault": "/subscriptions/x/resourceGroups/g/providers/"
        "Microsoft.KeyVault/vaults/kv", "key": "k", "identity": "/subscriptions/x/resourceGroups/g/providers/"
        "Microsoft.ManagedIdentity/userAssignedIdentities/i", "import": {"images": ["platform/nginx:1.27"]}}]})
    got = await read_import_sources(session, desired, estate)
    src = estate.registry("contosostgacr")
    assert src is not None and list(got) == [src.id.lower()]
    assert list(got[src.id.lower()].tags) == ["platform/nginx"]
    assert got[src.id.lower()].repositories == ("payments/api", "platform/nginx")


async def test_verify_imported_compares_source_and_target_digests(session: AzureSession, demo: Emulator) -> None:
    from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient

    src = demo.state.find_name(RTYPE, "sandboxstd")
    dst = demo.state.find_name(RTYPE, "sandboxpremium")  # holds demo/web:main of its own (other content)
    assert src is not None and dst is not None
    sub, rg = dst.id.split("/")[2], dst.id.split("/")[4]
    c: ContainerRegistryManagementClient = session.client("containerregistry", sub)
    body = {"source": {"resourceId": src.id, "sourceImage": "demo/db:16"}}
    await (await c.registries.begin_import_image(rg, "sandboxpremium", body)).result()
    checks = await verify_imported(session, src.props["loginServer"], dst.props["loginServer"],
                                   ["demo/db:16", "demo/web:main", "demo/web:dev"])
    assert [(x.image, x.ok) for x in checks] == [("demo/db:16", True), ("demo/web:main", False), ("demo/web:dev", False)]
    assert checks[1].target_digest is not None and checks[1].source_digest != checks[1].target_digest
    assert checks[2].target_digest is None  # never imported
