"""Microsoft Graph v1.0 as the emulator serves it (acrtui/emulator/graph.py), through azure-core's own pipeline with
an ``azure-identity`` credential: the calls the Azure CLI makes (``/me``, service principals by name, by id, by appId,
``directoryObjects/getByIds``) and Graph's error codes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from azure.core import AsyncPipelineClient
from azure.core.pipeline.policies import AsyncBearerTokenCredentialPolicy
from azure.core.pipeline.transport import AioHttpTransport
from azure.core.rest import HttpRequest
from azure.mgmt.msi.aio import ManagedServiceIdentityClient

from acrtui.emulator import Emulator

RG = "rg-empty"


class Graph:
    def __init__(self, emu: Emulator, scope: str | None = None, role: str = "owner") -> None:
        self.emu = emu
        self.cred = emu.credential(role)
        policies: list[Any] = []
        if scope != "":
            policies.append(AsyncBearerTokenCredentialPolicy(self.cred, scope or emu.graph.base + "/.default"))
        self.client: AsyncPipelineClient[Any, Any] = AsyncPipelineClient(
            emu.graph.base, policies=policies, transport=AioHttpTransport(connection_verify=str(emu.ca_path))
        )

    async def __call__(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        url = path if path.startswith("https://") else f"{self.emu.graph.base}/v1.0{path}"
        resp = await self.client.send_request(HttpRequest(method, url, json=body))
        return resp.status_code, resp.json()

    async def close(self) -> None:
        await self.client.close()
        await self.cred.close()


@pytest.fixture
async def graph(emu: Emulator) -> AsyncIterator[Graph]:
    g = Graph(emu)
    yield g
    await g.close()


def err(body: Any) -> str:
    return str(body["error"]["code"])


async def test_me_is_for_delegated_tokens_only(graph: Graph) -> None:
    status, body = await graph("GET", "/me")
    assert (status, err(body)) == (400, "BadRequest")
    assert body["error"]["message"] == "/me request is only valid with delegated authentication flow."
    assert {"date", "request-id", "client-request-id"} <= body["error"]["innerError"].keys()


async def test_service_principal_by_name_id_and_app_id(emu: Emulator, graph: Graph) -> None:
    owner = emu.login("owner")
    flt = f"servicePrincipalNames/any(c:c eq '{owner.client_id}')"
    status, body = await graph("GET", f"/servicePrincipals?$filter={flt}")
    assert status == 200 and body["@odata.context"].endswith("$metadata#servicePrincipals")
    [sp] = body["value"]
    assert (sp["id"], sp["appId"], sp["displayName"]) == (owner.object_id, owner.client_id, "acrtui-owner")
    assert sp["servicePrincipalType"] == "Application" and sp["appOwnerOrganizationId"] == emu.tenant_id
    assert (await graph("GET", f"/servicePrincipals/{owner.object_id}"))[1]["appId"] == owner.client_id
    assert (await graph("GET", f"/servicePrincipals(appId='{owner.client_id}')"))[1]["id"] == owner.object_id
    assert (await graph("GET", f"/servicePrincipals?$filter=appId eq '{owner.client_id}'"))[1]["value"] == [sp]
    status, body = await graph("GET", "/servicePrincipals/00000000-0000-0000-0000-00000000dead")
    assert (status, err(body)) == (404, "Request_ResourceNotFound")
    status, body = await graph("GET", "/servicePrincipals?$filter=startswith(displayName,'a')")
    assert (status, err(body)) == (400, "Request_UnsupportedQuery")
    assert err((await graph("GET", "/applicationz"))[1]) == "BadRequest"


async def test_list_pages_with_odata_next_link(emu: Emulator, graph: Graph, sdk: Any) -> None:
    msi = sdk(ManagedServiceIdentityClient, emu)
    for n in range(3):
        await msi.user_assigned_identities.create_or_update(RG, f"id-{n}", {"location": "eastus"})
    status, page = await graph("GET", "/servicePrincipals")
    seen = list(page["value"])
    while "@odata.nextLink" in page:
        assert len(page["value"]) == 2  # the emulator's page size
        status, page = await graph("GET", page["@odata.nextLink"])
        seen += page["value"]
    assert status == 200 and len(seen) == len({s["id"] for s in seen}) == len(emu.state.principals) == 5


async def test_get_by_ids_names_managed_identities(emu: Emulator, graph: Graph, sdk: Any) -> None:
    msi = sdk(ManagedServiceIdentityClient, emu)
    ident = await msi.user_assigned_identities.create_or_update(RG, "id-acr-legacy", {"location": "eastus"})
    ids = [ident.principal_id, emu.login("reader").object_id, "00000000-0000-0000-0000-00000000dead"]
    body = {"ids": ids, "types": ["user", "group", "servicePrincipal", "directoryObjectPartnerReference"]}
    status, got = await graph("POST", "/directoryObjects/getByIds", body)
    assert status == 200 and got["@odata.context"].endswith("$metadata#directoryObjects")
    by_id = {o["id"]: o for o in got["value"]}
    assert set(by_id) == {ident.principal_id, emu.login("reader").object_id}  # an unknown id is left out
    mi = by_id[ident.principal_id]
    assert (mi["@odata.type"], mi["displayName"], mi["servicePrincipalType"]) == (
        "#microsoft.graph.servicePrincipal", "id-acr-legacy", "ManagedIdentity")
    assert mi["alternativeNames"] == ["isExplicit=True", ident.id] and mi["appId"] == ident.client_id
    assert (await graph("POST", "/directoryObjects/getByIds", {"ids": ids, "types": ["user"]}))[1]["value"] == []
    status, got = await graph("POST", "/directoryObjects/getByIds", {"ids": ["x"] * 1001})
    assert (status, err(got)) == (400, "Request_BadRequest")


async def test_tokens_and_permissions(emu: Emulator) -> None:
    """An ARM-audience token is refused (Graph checks the audience), no token is 401, and a principal without
    directory read permission gets 403 ``Authorization_RequestDenied``."""
    for scope, message in ((emu.url + "/.default", "Invalid audience"), ("", "Access token is empty")):
        g = Graph(emu, scope)
        try:
            status, body = await g("GET", "/servicePrincipals")
        finally:
            await g.close()
        assert (status, err(body)) == (401, "InvalidAuthenticationToken") and message in body["error"]["message"]
    emu.graph.denied.add(emu.login("reader").object_id)
    g = Graph(emu, role="reader")
    try:
        status, body = await g("POST", "/directoryObjects/getByIds", {"ids": [emu.login("owner").object_id]})
    finally:
        await g.close()
    assert (status, err(body)) == (403, "Authorization_RequestDenied")
    assert [r.kind for r in emu.request_log if r.kind == "graph"] == ["graph"] * 3
