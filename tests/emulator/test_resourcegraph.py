"""Resource Graph in the emulator through the real azure-mgmt-resourcegraph SDK (api 2021-03-01)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.resourcegraph import models as gm
from azure.mgmt.resourcegraph.aio import ResourceGraphClient

from acrtui.emulator import Emulator
from acrtui.emulator.providers.resourcegraph import QueryError, run_query
from acrtui.emulator.seeds import add_group, add_subscription, grant

from .fidelity import assert_roundtrip
from .netkit import endpoint, registry, vnet


def graph(emu: Emulator, sdk: Any, role: str = "owner") -> Any:
    return sdk(ResourceGraphClient, emu, role, subscription=False)


async def q(emu: Emulator, sdk: Any, query: str, role: str = "owner", subs: list[str] | None = None, **opts: Any) -> Any:
    c = graph(emu, sdk, role)
    req = gm.QueryRequest(subscriptions=subs if subs is not None else [emu.subscription_id], query=query, options=gm.QueryRequestOptions(**opts))
    return await c.resources(req)


async def estate(emu: Emulator, sdk: Any) -> None:
    await registry(emu, sdk, "alpha", location="eastus")
    await registry(emu, sdk, "Bravo", location="westeurope", sku="Standard")
    gamma = await registry(emu, sdk, "gamma", location="eastus")
    await vnet(emu, sdk)
    await endpoint(emu, sdk, "pe1", gamma["id"])


async def error_of(coro: Any) -> HttpResponseError:
    with pytest.raises(HttpResponseError) as ei:
        await coro
    return ei.value


async def test_rows_carry_arm_fields_and_round_trip(emu: Emulator, sdk: Any) -> None:
    await estate(emu, sdk)
    resp = await q(emu, sdk, "Resources | where type =~ 'Microsoft.ContainerRegistry/registries' | order by name asc")
    assert resp.total_records == 3 and resp.count == 3 and resp.result_truncated == "false"
    rows = resp.data
    assert [r["name"] for r in rows] == ["Bravo", "alpha", "gamma"]  # ordinal string order
    r = rows[1]
    assert r["type"] == "microsoft.containerregistry/registries"
    assert r["resourceGroup"] == "rg-empty" and r["subscriptionId"] == emu.subscription_id
    assert r["tenantId"] == emu.tenant_id and r["sku"]["name"] == "Premium"
    assert r["properties"]["loginServer"] == "alpha.azurecr.io"
    assert set(r) >= {"id", "name", "type", "location", "properties", "tags", "identity", "zones", "kind", "managedBy"}
    raw = {"totalRecords": resp.total_records, "count": resp.count, "resultTruncated": "false", "data": rows, "facets": []}
    assert_roundtrip(gm.QueryResponse, raw)


async def test_where_operators(emu: Emulator, sdk: Any) -> None:
    emu.config.graph_quota = 1000  # more queries than Graph's 15 per 5 s; the quota has its own test below
    await estate(emu, sdk)
    cases = {
        "resources | where type == 'microsoft.containerregistry/registries' and location == 'eastus'": ["alpha", "gamma"],
        "resources | where name =~ 'BRAVO'": ["Bravo"],
        "resources | where name == 'bravo'": [],
        "resources | where type =~ 'microsoft.containerregistry/registries' and name != 'alpha'": ["Bravo", "gamma"],
        "resources | where type =~ 'microsoft.containerregistry/registries' and name !~ 'ALPHA'": ["Bravo", "gamma"],
        "resources | where name in~ ('ALPHA', 'bravo')": ["Bravo", "alpha"],
        "resources | where name in ('alpha', 'bravo')": ["alpha"],
        # Premium registries list their home region as a replication (registries/replications contains 'registries')
        "resources | where name !in ('alpha') and type contains 'registries'": ["Bravo", "eastus", "eastus", "gamma"],
        "resources | where properties.loginServer startswith 'gam'": ["gamma"],
        "resources | where properties.loginServer has 'azurecr' and sku.name == 'Standard'": ["Bravo"],
        "resources | where isnotempty(properties.privateEndpointConnections)": ["gamma"],
        "resources | where type =~ 'microsoft.containerregistry/registries' and properties.dataEndpointEnabled == true": ["gamma"],
        "resources | where isnull(properties.nothing) and name startswith 'a'": ["alpha"],
        "resources | where name == 'alpha' or (name == 'gamma' and location == 'westeurope')": ["alpha"],
        "resources | where type =~ 'microsoft.containerregistry/registries' and not(name == 'alpha')": ["Bravo", "gamma"],
        "resources | where tolower(name) == 'bravo'": ["Bravo"],
    }
    for query, want in cases.items():
        resp = await q(emu, sdk, query + " | order by name asc")
        assert [r["name"] for r in resp.data] == want, query


async def test_project_extend_order_limit_count(emu: Emulator, sdk: Any) -> None:
    await estate(emu, sdk)
    resp = await q(emu, sdk, "resources | where type =~ 'microsoft.containerregistry/registries' | extend tier = sku.name | project id, name, tier, properties.loginServer | order by name desc | take 2")
    assert [list(r) for r in resp.data] == [["id", "name", "tier", "properties_loginServer"]] * 2
    assert [(r["name"], r["tier"]) for r in resp.data] == [("gamma", "Premium"), ("alpha", "Premium")]
    resp = await q(emu, sdk, "resources | where type =~ 'microsoft.containerregistry/registries' | order by name")  # default desc
    assert [r["name"] for r in resp.data] == ["gamma", "alpha", "Bravo"]
    resp = await q(emu, sdk, "resources | where type =~ 'microsoft.network/privateendpoints' | count")
    assert resp.data == [{"Count": 1}]
    resp = await q(emu, sdk, "resources | project name, region = location | where region == 'westeurope'", result_format="table")
    assert [c["name"] for c in resp.data["columns"]] == ["name", "region"]
    assert resp.data["rows"] == [["Bravo", "westeurope"]]


async def test_network_types_in_table(emu: Emulator, sdk: Any) -> None:
    await estate(emu, sdk)
    resp = await q(emu, sdk, "resources | where type startswith 'microsoft.network/' | project type | order by type asc")
    assert sorted({r["type"] for r in resp.data}) == ["microsoft.network/networkinterfaces", "microsoft.network/privateendpoints", "microsoft.network/virtualnetworks"]


async def test_paging_with_skip_token(emu: Emulator, sdk: Any) -> None:
    await estate(emu, sdk)
    query = "resources | order by name asc"
    first = await q(emu, sdk, query, top=2)
    assert first.count == 2 and first.total_records == 8 and first.skip_token  # 6 + two home replications
    seen = [r["id"] for r in first.data]
    token = first.skip_token
    while token:
        nxt = await q(emu, sdk, query, top=2, skip_token=token)
        seen += [r["id"] for r in nxt.data]
        token = nxt.skip_token
    assert len(seen) == len(set(seen)) == 8
    # without an id column paging is impossible: cut at $top and flagged truncated
    cut = await q(emu, sdk, "resources | project name", top=2)
    assert cut.count == 2 and cut.result_truncated == "true" and not cut.skip_token
    err = await error_of(q(emu, sdk, "resources | project name", top=2, skip_token=first.skip_token))
    assert err.status_code == 400
    err = await error_of(q(emu, sdk, query, top=1001))
    assert err.status_code == 400


async def test_a_registry_created_mid_listing_neither_repeats_nor_shifts_the_pages(emu: Emulator, sdk: Any) -> None:
    """A skip token pages the result its first page computed (kept a minute): "aardvark", created after page one
    and sorting first, would otherwise push page one's last row onto page two (read twice). A new first page
    sees it."""
    await estate(emu, sdk)
    query = "resources | where type =~ 'Microsoft.ContainerRegistry/registries' | order by name asc"
    first = await q(emu, sdk, query, top=2)
    await registry(emu, sdk, "aardvark", location="eastus")
    rest = await q(emu, sdk, query, top=2, skip_token=first.skip_token)
    names = [r["name"] for r in first.data + rest.data]
    assert names == ["Bravo", "alpha", "gamma"] and not rest.skip_token
    again = await q(emu, sdk, query, top=2)
    assert [r["name"] for r in again.data] == ["Bravo", "aardvark"] and again.total_records == 4


async def test_unsupported_queries_are_refused_with_the_reason(emu: Emulator, sdk: Any) -> None:
    for query, part in (
        ("resourcecontainers | where type == 'x'", "resourcecontainers"),
        ("resources | summarize count() by type", "summarize"),
        ("resources | where name matches regex 'a'", "matches"),
        ("resources | where Name == 'a'", "Name"),
        ("resources | project tolower(name)", "name ="),
        ("resources | where strlen(name) > 3", "strlen"),
        ("resources | where name == 'a' |", "ends unexpectedly"),
    ):
        err = await error_of(q(emu, sdk, query))
        assert err.status_code == 400, query
        assert err.error is not None and err.error.code == "BadRequest"
        assert part in str(err.error.message), (query, err.error.message)
        assert any(d.code == "InvalidQuery" for d in err.error.details or [])


async def test_scoped_to_request_subscriptions_and_rbac(emu: Emulator, sdk: Any) -> None:
    await registry(emu, sdk, "homereg")
    other = add_subscription(emu.state, "second", "acrtui-second")
    add_group(emu.state, other, "rg-two", "eastus")
    rid = f"/subscriptions/{other}/resourceGroups/rg-two/providers/Microsoft.ContainerRegistry/registries/farreg"
    emu.state.put(rid, {"id": rid, "name": "farreg", "type": "Microsoft.ContainerRegistry/registries", "location": "eastus", "sku": {"name": "Basic", "tier": "Basic"}, "properties": {}})
    query = "resources | where type =~ 'microsoft.containerregistry/registries' | order by name asc"
    assert [r["name"] for r in (await q(emu, sdk, query)).data] == ["homereg"]
    assert [r["name"] for r in (await q(emu, sdk, query, subs=[emu.subscription_id, other])).data] == ["farreg", "homereg"]
    # a principal with Reader on one resource group of the second subscription only sees that
    st = emu.state
    outsider = emu.login("reader").object_id
    for a in [r for r in st.of_type("Microsoft.Authorization/roleAssignments") if r.props["principalId"] == outsider]:
        st.delete(a.id)
    grant(st, f"/subscriptions/{other}/resourceGroups/rg-two", "Reader", outsider)
    resp = await q(emu, sdk, query, role="reader", subs=[emu.subscription_id, other])
    assert [r["name"] for r in resp.data] == ["farreg"]


async def test_reader_may_query(emu: Emulator, sdk: Any) -> None:
    await registry(emu, sdk, "readme")
    resp = await q(emu, sdk, "resources | where name == 'readme' | project id, name", role="reader")
    assert [r["name"] for r in resp.data] == ["readme"]


def test_grammar_units() -> None:
    rows = [{"id": "1", "name": "a", "properties": {"n": 3, "tags": ["x"]}}, {"id": "2", "name": "b", "properties": {"n": 10}}]
    cols = ("id", "name", "type", "tenantId", "kind", "location", "resourceGroup", "subscriptionId", "managedBy", "sku", "plan", "properties", "tags", "identity", "zones", "extendedLocation")
    full = [{c: r.get(c) for c in cols} for r in rows]
    out, _ = run_query("resources | where properties.n > 5", full)
    assert [r["name"] for r in out] == ["b"]
    out, _ = run_query("resources | where array_length(properties.tags) == 1 | project name, first = properties.tags[0]", full)
    assert out == [{"name": "a", "first": "x"}]
    with pytest.raises(QueryError):
        run_query("resources | where name", full)  # not a boolean predicate


# ------------------------------------------------------------------ limits (issue 11): quota headers, subscriptions


async def _post(emu: Emulator, sdk: Any, body: dict[str, Any], role: str = "owner") -> Any:
    """The raw answer (status, headers, JSON) of one query through the SDK pipeline."""
    from azure.core.rest import HttpRequest

    c = graph(emu, sdk, role)
    req = HttpRequest("POST", f"{emu.url}/providers/Microsoft.ResourceGraph/resources?api-version=2021-03-01", json=body)
    return await c._client.send_request(req)


async def test_every_answer_carries_the_user_quota_and_past_it_is_429(emu: Emulator, sdk: Any) -> None:
    """Learn, guidance-for-throttled-requests: x-ms-user-quota-remaining / -resets-after (hh:mm:ss) per user."""
    emu.config.graph_quota, emu.config.graph_window_s = 2, 60.0
    body = {"subscriptions": [emu.subscription_id], "query": "resources | project id"}
    first = await _post(emu, sdk, body)
    assert first.status_code == 200 and first.headers["x-ms-user-quota-remaining"] == "1"
    assert re.fullmatch(r"\d\d:\d\d:\d\d(\.\d+)?", first.headers["x-ms-user-quota-resets-after"])
    second = await _post(emu, sdk, body)
    assert second.headers["x-ms-user-quota-remaining"] == "0"
    third = await _post(emu, sdk, body)
    assert third.status_code == 429 and third.json()["error"]["code"] == "RateLimiting"
    assert third.headers["x-ms-user-quota-remaining"] == "0" and "Retry-After" not in third.headers
    other = await _post(emu, sdk, body, role="reader")  # the quota is per user
    assert other.status_code == 200 and other.headers["x-ms-user-quota-remaining"] == "1"
    emu.config.throttle = False  # throttling off: headers still, no 429
    assert (await _post(emu, sdk, body)).status_code == 200


async def test_more_than_1000_subscriptions_per_request_is_refused(emu: Emulator, sdk: Any) -> None:
    """Learn, troubleshoot/general "Too many subscriptions": batch them (the CLI forwards 1,000)."""
    subs = [emu.subscription_id] + [f"00000000-0000-0000-0000-{i:012d}" for i in range(1000)]
    resp = await _post(emu, sdk, {"subscriptions": subs, "query": "resources | project id"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "BadRequest"
    assert [d["code"] for d in resp.json()["error"]["details"]] == ["TooManySubscriptions"]
    ok = await _post(emu, sdk, {"subscriptions": subs[:1000], "query": "resources | project id"})
    assert ok.status_code == 200


async def test_policyresources_holds_the_policy_assignments(demo_emu: Emulator, sdk: Any) -> None:
    subs = list(demo_emu.subscription_ids)
    query = "policyresources | where type =~ 'microsoft.authorization/policyassignments' | project id, name, properties"
    rows = (await q(demo_emu, sdk, query, subs=subs)).data
    want = demo_emu.state.of_type("Microsoft.Authorization/policyAssignments")
    assert sorted(r["id"].lower() for r in rows) == sorted(a.id.lower() for a in want) and rows
    assert all(r["properties"]["policyDefinitionId"] for r in rows)
    assert (await q(demo_emu, sdk, "resources | where type =~ 'microsoft.authorization/policyassignments'",
                    subs=subs)).data == []  # not in the resources table
    one = (await q(demo_emu, sdk, query, subs=subs[:1])).data  # scoped to the request's subscriptions
    assert one and all(r["id"].lower().startswith(f"/subscriptions/{subs[0].lower()}/") for r in one)


async def test_acr_child_types_are_those_learn_lists_for_the_resources_table(demo_emu: Emulator, sdk: Any) -> None:
    """Learn's table reference lists registries, replications and webhooks (and tasks…) in ``resources``, not
    tokens, scope maps, cache rules, credential sets or connected registries: the demo holds all of them."""
    subs = list(demo_emu.state.subscriptions)
    resp = await q(demo_emu, sdk, "resources | where type startswith 'microsoft.containerregistry/' | project id, type",
                   subs=subs, top=1000)
    served = {r["type"] for r in resp.data}
    assert {"microsoft.containerregistry/registries", "microsoft.containerregistry/registries/replications",
            "microsoft.containerregistry/registries/webhooks"} <= served
    held = {r.type.lower() for r in demo_emu.state.resources.values()
            if r.type.lower().startswith("microsoft.containerregistry/")}
    assert {"microsoft.containerregistry/registries/tokens", "microsoft.containerregistry/registries/cacherules",
            "microsoft.containerregistry/registries/connectedregistries"} <= held  # a control: they exist
    assert served <= {f"microsoft.containerregistry/{t}" for t in (
        "registries", "registries/replications", "registries/webhooks", "registries/tasks", "registries/taskruns",
        "registries/agentpools", "registries/buildtasks")}


def test_a_leading_type_filter_narrows_the_rows_without_changing_the_answer() -> None:
    """Graph's rows are built only for the types a query's first ``where type`` names (at fleet scale the product's
    queries scanned every resource, each page): the answer is the one the whole table gives, and a ``where`` that
    says more than the type, or not first, narrows nothing."""
    from acrtui.emulator.arm import Ctx
    from acrtui.emulator.providers.resourcegraph import leading_types, visible_rows
    from acrtui.emulator.seeds import build_seed

    st = build_seed("demo")
    owner = st.principals[st.logins["owner"]]
    ctx = Ctx("POST", "/", {}, None, owner, st, "https://x", None)
    cases = {
        "resources | where type =~ 'Microsoft.ContainerRegistry/registries' | project id, name":
            {"microsoft.containerregistry/registries"},
        "resources | where type in~ ('microsoft.network/privateEndpoints', 'Microsoft.KeyVault/vaults') | project id":
            {"microsoft.network/privateendpoints", "microsoft.keyvault/vaults"},
        "resources | where type == 'microsoft.containerregistry/registries'": {"microsoft.containerregistry/registries"},
        "policyresources | where type =~ 'Microsoft.Authorization/policyAssignments' | project id":
            {"microsoft.authorization/policyassignments"},
        "resources | where type =~ 'microsoft.containerregistry/registries' or name == 'x'": None,
        "resources | where name != '' | where type =~ 'microsoft.containerregistry/registries'": None,
        "resources | where type in~ ('microsoft.containerregistry/registries')": {"microsoft.containerregistry/registries"},
        "resources | project id": None,
    }
    assert leading_types("resources | where type in~ () | project id") is None
    kept = 0
    for query, want in cases.items():
        assert leading_types(query) == want, query
        table = "policyresources" if query.startswith("policy") else "resources"
        whole = run_query(query, visible_rows(ctx, None, table))
        narrowed = run_query(query, visible_rows(ctx, None, table, leading_types(query)))
        assert narrowed == whole, query
        kept += len(whole[0])
    assert kept > 20  # the queries do return rows
