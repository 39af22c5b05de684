"""The registry checks (acrtui/domain/checks/registry.py) on hand-built postures: the edges of each stance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from acrtui.domain.checks import CheckSettings, Severity, Status, get_check
from acrtui.domain.models import (
    CacheRuleInfo,
    CredentialSetInfo,
    Estate,
    PrivateEndpointConnection,
    RegistryDetails,
    RegistryPosture,
    Replica,
    ScopeMapInfo,
    TokenInfo,
    WebhookInfo,
)
from acrtui.settings import AuditSettings

NOW = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)
SUB = "00000000-0000-0000-0000-000000000001"
RID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/reg1"


def reg(details: RegistryDetails | None = RegistryDetails(), **kw: Any) -> RegistryPosture:
    base: dict[str, Any] = dict(id=RID, name="reg1", subscription_id=SUB, resource_group="rg", location="westeurope",
                                sku="Premium", login_server="reg1.azurecr.io", details=details)
    return RegistryPosture(**{**base, **kw})


def run(check_id: str, r: RegistryPosture, **settings: Any) -> tuple[Status, str]:
    c = get_check(check_id)
    assert c is not None
    f = c.run(r, Estate(subscriptions={SUB: "prod"}, registries=[r]), CheckSettings(now=NOW, **settings))
    return f.status, f.message


def token(name: str, scope_map: str, expiries: list[dt.datetime | None], enabled: bool = True) -> TokenInfo:
    return TokenInfo(id=f"{RID}/tokens/{name}", name=name, enabled=enabled, scope_map_id=f"{RID}/scopeMaps/{scope_map}",
                     password_expiries=expiries)


def scope_map(name: str, *actions: str) -> ScopeMapInfo:
    return ScopeMapInfo(id=f"{RID}/scopeMaps/{name}", name=name, actions=list(actions))


DETAIL_CHECKS = ["ACR-AUTH-004", "ACR-AUTH-005", "ACR-AUTH-006", "ACR-SC-001", "ACR-SC-002", "ACR-SC-004",
                 "ACR-SC-005", "ACR-SC-006", "ACR-NET-005", "ACR-NET-006", "ACR-RES-003"]


@pytest.mark.parametrize("check_id", DETAIL_CHECKS)
def test_details_never_read_is_an_error_not_a_pass(check_id: str) -> None:
    status, msg = run(check_id, reg(details=None))
    assert status is Status.ERROR and "not read" in msg


@pytest.mark.parametrize(("actions", "broad"), [
    (["repositories/*/content/write"], True),
    (["repositories/*/content/delete"], True),
    (["repositories/*/metadata/write"], True),
    (["repositories/*/content/read", "repositories/*/metadata/read"], False),
    (["repositories/team/*/content/write"], False),  # a prefix wildcard: broad, but not every repository
    (["repositories/app/content/write", "repositories/app/content/delete"], False),
])
def test_token_scope_flags_push_or_delete_on_every_repository(actions: list[str], broad: bool) -> None:
    d = RegistryDetails(scope_maps=[scope_map("sm", *actions)], tokens=[token("t", "sm", [NOW])])
    status, _ = run("ACR-AUTH-005", reg(d))
    assert status is (Status.FAIL if broad else Status.PASS)


def test_disabled_broad_tokens_do_not_count_and_unknown_scope_maps_are_errors() -> None:
    d = RegistryDetails(scope_maps=[scope_map("_repositories_admin", "repositories/*/content/delete")],
                        tokens=[token("old", "_repositories_admin", [None], enabled=False)])
    assert run("ACR-AUTH-005", reg(d))[0] is Status.NOT_APPLICABLE
    assert run("ACR-AUTH-004", reg(d))[0] is Status.PASS
    d = RegistryDetails(tokens=[token("t", "gone", [NOW])])
    assert run("ACR-AUTH-005", reg(d))[0] is Status.ERROR


def test_token_expiry() -> None:
    sm = [scope_map("sm", "repositories/a/content/read")]
    never = RegistryDetails(scope_maps=sm, tokens=[token("t", "sm", [NOW + dt.timedelta(days=5), None])])
    assert run("ACR-AUTH-006", reg(never)) == (Status.FAIL, "token password(s) that never expire: t")
    expired = RegistryDetails(scope_maps=sm, tokens=[token("t", "sm", [NOW - dt.timedelta(days=1)])])
    status, msg = run("ACR-AUTH-006", reg(expired))
    assert status is Status.PASS and "already expired" in msg


@pytest.mark.parametrize(("uri_host", "private"), [
    ("10.1.2.3", True), ("172.20.0.1", True), ("192.168.1.1", True), ("fd00::1", True),
    ("203.0.113.50", False),  # documentation range: stands for an internet address (Python calls it private)
    ("52.1.2.3", False), ("hooks.example.com", False),
])
def test_webhook_destinations(uri_host: str, private: bool) -> None:
    d = RegistryDetails(webhooks=[WebhookInfo(name="h", scheme="https", host=uri_host)])
    assert run("ACR-NET-006", reg(d))[0] is (Status.PASS if private else Status.FAIL)
    assert run("ACR-NET-005", reg(d))[0] is Status.PASS


def test_disabled_webhooks_are_not_judged_and_http_fails() -> None:
    off = RegistryDetails(webhooks=[WebhookInfo(name="h", enabled=False, scheme="http", host="52.1.2.3")])
    assert run("ACR-NET-005", reg(off))[0] is Status.NOT_APPLICABLE
    plain = RegistryDetails(webhooks=[WebhookInfo(name="h", scheme="http", host="10.0.0.1")])
    assert run("ACR-NET-005", reg(plain))[0] is Status.FAIL


def test_cache_rule_credentials() -> None:
    cs = f"{RID}/credentialSets/hub"
    rule = CacheRuleInfo(name="r", source_repository="docker.io/library/nginx", target_repository="nginx",
                         credential_set_id=cs)
    healthy = CredentialSetInfo(id=cs, name="hub", health=["Healthy"], identity=True)
    assert run("ACR-SC-005", reg(RegistryDetails(cache_rules=[rule], credential_sets=[healthy])))[0] is Status.PASS
    sick = healthy.model_copy(update={"health": ["Unhealthy"]})
    status, msg = run("ACR-SC-005", reg(RegistryDetails(cache_rules=[rule], credential_sets=[sick])))
    assert status is Status.FAIL and "Unhealthy" in msg
    status, msg = run("ACR-SC-005", reg(RegistryDetails(cache_rules=[rule])))
    assert status is Status.FAIL and "does not exist" in msg
    anon = rule.model_copy(update={"credential_set_id": None})
    status, msg = run("ACR-SC-005", reg(RegistryDetails(cache_rules=[anon])))
    assert status is Status.FAIL and "anonymously" in msg
    assert run("ACR-SC-004", reg(RegistryDetails(cache_rules=[anon])))[0] is Status.PASS
    wild = anon.model_copy(update={"source_repository": "docker.io/library/*"})
    assert run("ACR-SC-004", reg(RegistryDetails(cache_rules=[wild])))[0] is Status.FAIL
    assert run("ACR-SC-004", reg(RegistryDetails()))[0] is Status.NOT_APPLICABLE


def test_soft_delete_stances() -> None:
    assert run("ACR-RES-003", reg(RegistryDetails(soft_delete_enabled=True, soft_delete_days=7)))[0] is Status.PASS
    assert run("ACR-RES-003", reg(RegistryDetails(soft_delete_enabled=None)))[0] is Status.ERROR
    geo = reg(RegistryDetails(soft_delete_enabled=False), replicas=[Replica(name="ne", location="northeurope")])
    assert run("ACR-RES-003", geo)[0] is Status.NOT_APPLICABLE
    retention = RegistryDetails(soft_delete_enabled=False, retention_enabled=True, retention_days=7)
    assert run("ACR-RES-003", reg(retention))[0] is Status.NOT_APPLICABLE
    assert run("ACR-RES-003", reg(RegistryDetails(soft_delete_enabled=False)))[0] is Status.FAIL


def test_allowed_regions() -> None:
    r = reg(replicas=[Replica(name="ne", location="northeurope")])
    assert run("ACR-RES-004", r)[0] is Status.NOT_APPLICABLE
    assert run("ACR-RES-004", r, allowed_regions=("westeurope", "northeurope"))[0] is Status.PASS
    status, msg = run("ACR-RES-004", r, allowed_regions=("westeurope",))
    assert status is Status.FAIL and "northeurope" in msg
    assert AuditSettings(allowed_regions=["West Europe", " "]).allowed_regions == ["westeurope"]


def test_foreign_private_endpoint_connections() -> None:
    other = "/subscriptions/99999999-0000-0000-0000-000000000009/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/pe"
    mine = f"/subscriptions/{SUB}/resourceGroups/x/providers/Microsoft.Network/privateEndpoints/pe"

    def conn(pe: str, status: str) -> PrivateEndpointConnection:
        return PrivateEndpointConnection(id=f"{RID}/privateEndpointConnections/c", name="c", private_endpoint_id=pe,
                                         status=status)

    assert run("ACR-PL-006", reg(private_endpoint_connections=[conn(mine, "Approved")]))[0] is Status.PASS
    status, msg = run("ACR-PL-006", reg(private_endpoint_connections=[conn(other, "Approved")]))
    assert status is Status.FAIL and "approved" in msg and "99999999" in msg
    status, msg = run("ACR-PL-006", reg(private_endpoint_connections=[conn(other, "Pending")]))
    assert status is Status.FAIL and "pending" in msg
    assert run("ACR-PL-006", reg(private_endpoint_connections=[conn(other, "Rejected")]))[0] is Status.PASS
    assert run("ACR-PL-006", reg(sku="Standard"))[0] is Status.NOT_APPLICABLE


def test_content_trust_is_info_with_the_removal_date() -> None:
    c = get_check("ACR-SC-003")
    assert c is not None and c.severity is Severity.INFO
    status, msg = run("ACR-SC-003", reg(trust_policy_enabled=True))
    assert status is Status.FAIL and "2028-03-31" in msg
    assert run("ACR-SC-003", reg())[0] is Status.PASS


def test_vnet_rules_and_connected_registries() -> None:
    subnet = f"/subscriptions/{SUB}/resourceGroups/n/providers/Microsoft.Network/virtualNetworks/v/subnets/s"
    assert run("ACR-NET-007", reg(virtual_network_rules=[subnet]))[0] is Status.FAIL
    assert run("ACR-NET-007", reg())[0] is Status.PASS
    from acrtui.domain.models import ConnectedRegistryInfo

    ro = RegistryDetails(connected_registries=[ConnectedRegistryInfo(name="e", mode="ReadOnly")])
    assert run("ACR-SC-006", reg(ro))[0] is Status.PASS
    rw = RegistryDetails(connected_registries=[ConnectedRegistryInfo(name="e", mode="Registry")])  # legacy name
    assert run("ACR-SC-006", reg(rw))[0] is Status.FAIL
