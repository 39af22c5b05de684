"""The checks catalogue: metadata, and each check's verdict on states built here (pure: no emulator)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from acrtui.domain.checks import CATALOGUE, CheckSettings, Family, Severity, Status, get_check, select_checks
from acrtui.domain.checks.base import Check, Finding, Remediation
from acrtui.domain.models import (
    CheckInput,
    DnsRecordCheck,
    Encryption,
    Estate,
    GapKind,
    IpRule,
    KeyPosture,
    PolicyAssignmentInfo,
    PrivateEndpointConnection,
    ReadGap,
    RegistryPosture,
    Replica,
    VaultPosture,
)
from tests.audit import fixture_estate as fx

NOW = fx.NOW


def run(check_id: str, reg: RegistryPosture, estate: Estate | None = None, **settings: object) -> Finding:
    check = get_check(check_id)
    assert check is not None, check_id
    return check.run(reg, estate or fx.estate(), CheckSettings(now=NOW, **settings))  # type: ignore[arg-type]


def with_vault(reg: RegistryPosture, vault: VaultPosture) -> Estate:
    """The fixture estate where ``reg``'s vault is ``vault``, read (no read gap hides it)."""
    e = fx.estate()
    return e.model_copy(update={"vaults": [v for v in e.vaults if v.name != vault.name] + [vault],
                                "gaps": [g for g in e.gaps if not g.affects(reg.id)]})


# ------------------------------------------------------------------------------------------------ catalogue


def test_catalogue_metadata_is_complete_and_ids_are_stable() -> None:
    ids = [c.id for c in CATALOGUE]
    assert len(ids) == len(set(ids))
    for c in CATALOGUE:
        assert re.fullmatch(r"ACR-(CMK|PL|NET|DEP|AUTH|RES|POL|LOG|DEF|SC)-\d{3}", c.id), c.id
        assert c.title and c.rationale and c.remediation.text
        assert c.remediation.az or c.remediation.action, c.id
        for guid in c.references.policy_definition_ids:
            assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", guid), (
                c.id,
                guid,
            )
        for r in c.references.psrule:
            assert r.startswith(("Azure.ACR.", "Azure.KeyVault.")), r
        for r in c.references.checkov:
            assert re.fullmatch(r"CKV_AZURE_\d+", r), r
    assert {c.family for c in CATALOGUE} == set(Family)


def test_catalogue_covers_the_issue_list() -> None:
    expected = {
        "ACR-CMK-001": "5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        "ACR-PL-002": "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
        "ACR-NET-001": "d0793b48-0edc-4296-a390-4c75d1bdfd71",
        "ACR-NET-004": "0fdf0491-d080-4575-b627-ad0e843cba0f",
        "ACR-NET-003": "524b0254-c285-4903-bee6-bb8126cde579",
        "ACR-AUTH-001": "dc921057-6b28-4fbe-9b83-f7bec05db6c2",
        "ACR-AUTH-002": "9f2dea28-e834-476c-99c5-3507b4728395",
        "ACR-AUTH-003": "42781ec6-6127-4c30-bdfa-fb423a0047d3",
    }
    for cid, guid in expected.items():
        check = get_check(cid)
        assert check is not None and guid in check.references.policy_definition_ids
    assert get_check("ACR-AUTH-001").references.psrule == ("Azure.ACR.AdminUser",)  # type: ignore[union-attr]
    assert get_check("ACR-DEP-001").references.checkov == ("CKV_AZURE_237",)  # type: ignore[union-attr]
    assert get_check("ACR-RES-001").severity is Severity.INFO  # type: ignore[union-attr]


def test_select_checks_by_id_prefix_family_and_skip() -> None:
    assert [c.id for c in select_checks(["acr-cmk-001"])] == ["ACR-CMK-001"]
    assert {c.family for c in select_checks(["cmk"])} == {Family.CMK}
    assert len(select_checks(["ACR-PL"])) == 6
    skipped = select_checks(exclude=["policy", "ACR-RES-001"])
    assert all(c.family is not Family.POLICY for c in skipped) and get_check("ACR-RES-001") not in skipped
    with pytest.raises(KeyError, match="ACR-NOPE-001"):
        select_checks(["ACR-NOPE-001"])


def test_a_crashing_check_is_an_error_finding_not_a_pass() -> None:
    def boom(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
        raise RuntimeError("bad data")

    c = Check("ACR-X-001", "x", Severity.LOW, Family.AUTH, "r", Remediation("t"), boom)
    f = c.run(fx.good_registry(), fx.estate(), CheckSettings(now=NOW))
    assert f.status is Status.ERROR and "bad data" in f.message


# ----------------------------------------------------------------------------- verdicts on the fixed estate

FIXTURE_EXPECTATIONS = [
    ("prodgood", "ACR-CMK-001", Status.PASS, "customer-managed key"),
    ("devbasic", "ACR-CMK-001", Status.FAIL, "needs Premium"),
    ("prodgood", "ACR-CMK-002", Status.PASS, "no version"),
    ("prodbad", "ACR-CMK-002", Status.FAIL, "200 days ago (limit 90)"),
    ("devbasic", "ACR-CMK-002", Status.NOT_APPLICABLE, "not encrypted"),
    ("prodgood", "ACR-CMK-003", Status.PASS, "id-acr can get, wrap and unwrap"),
    ("prodbad", "ACR-CMK-003", Status.FAIL, "Key Vault Crypto Service Encryption User"),
    ("prodorphan", "ACR-CMK-003", Status.ERROR, "kv-elsewhere"),
    ("prodbad", "ACR-CMK-004", Status.FAIL, "expires in 10 days"),
    ("prodgood", "ACR-CMK-004", Status.PASS, "not expiring soon"),
    ("prodbad", "ACR-CMK-005", Status.FAIL, "no purge protection"),
    ("prodbad", "ACR-CMK-006", Status.FAIL, "AuditEvent"),
    ("prodgood", "ACR-CMK-006", Status.PASS, "AuditEvent"),
    ("prodbad", "ACR-CMK-007", Status.FAIL, "trusted-services bypass"),
    ("prodgood", "ACR-CMK-007", Status.PASS, "trusted Azure services"),
    ("devbasic", "ACR-PL-001", Status.FAIL, "Basic SKU"),
    ("devbasic", "ACR-PL-002", Status.NOT_APPLICABLE, "needs Premium"),
    ("prodorphan", "ACR-PL-002", Status.FAIL, "no approved private endpoint"),
    ("prodbad", "ACR-PL-003", Status.FAIL, "1 private endpoint connection(s) waiting"),
    ("prodbad", "ACR-PL-004", Status.FAIL, "resolves to 10.9.9.9, expected 10.1.1.5"),
    ("prodbad", "ACR-PL-004", Status.FAIL, "no A record for prodbad.eastus.data.azurecr.io"),
    ("prodgood", "ACR-PL-004", Status.PASS, "3 name(s)"),
    ("prodorphan", "ACR-PL-004", Status.NOT_APPLICABLE, "no approved private endpoint"),
    ("prodbad", "ACR-PL-005", Status.FAIL, "not linked to its VNet vnet-spoke"),
    ("prodgood", "ACR-PL-005", Status.PASS, "linked"),
    ("prodgood", "ACR-NET-001", Status.PASS, "disabled"),
    ("prodbad", "ACR-NET-001", Status.PASS, "Deny with 1 IP rule"),
    ("devbasic", "ACR-NET-001", Status.FAIL, "cannot restrict it"),
    ("prodgood", "ACR-NET-002", Status.PASS, "operator with no private path"),
    ("prodorphan", "ACR-NET-002", Status.FAIL, "nobody can push or pull"),
    ("prodbad", "ACR-NET-003", Status.FAIL, "exported"),
    ("prodbad", "ACR-DEP-001", Status.FAIL, "prodbad.eastus.data.azurecr.io:443"),
    ("prodgood", "ACR-DEP-001", Status.PASS, "prodgood.northeurope.data.azurecr.io:443"),
    ("prodbad", "ACR-AUTH-001", Status.FAIL, "admin user is enabled"),
    ("devbasic", "ACR-AUTH-002", Status.FAIL, "anonymous pull is enabled"),
    ("prodbad", "ACR-AUTH-003", Status.FAIL, "not reported"),
    ("devbasic", "ACR-AUTH-003", Status.FAIL, "accepted"),
    ("prodgood", "ACR-AUTH-003", Status.PASS, "not accepted"),
    ("prodbad", "ACR-RES-001", Status.PASS, "westeurope, eastus by the region's default"),
    ("prodgood", "ACR-RES-001", Status.PASS, "zoneRedundancy is Enabled in every region"),
    ("devbasic", "ACR-RES-001", Status.PASS, "by the region's default"),  # every tier (Learn, 2026)
    ("prodorphan", "ACR-RES-001", Status.FAIL, "ukwest has no availability zones"),
    ("prodorphan", "ACR-RES-002", Status.FAIL, "only in ukwest"),
    ("prodgood", "ACR-POL-003", Status.PASS, "Deny via ACR no public access"),
    ("prodbad", "ACR-POL-003", Status.FAIL, "does nothing"),
    ("prodbad", "ACR-POL-004", Status.FAIL, "no built-in policy"),
    ("prodgood", "ACR-POL-004", Status.PASS, "DeployIfNotExists"),
    ("devbasic", "ACR-POL-005", Status.FAIL, "non-compliant with 2 of 2"),
    ("prodgood", "ACR-POL-005", Status.PASS, "compliant with all 2"),
    ("prodorphan", "ACR-POL-005", Status.NOT_APPLICABLE, "no compliance record"),
]


@pytest.mark.parametrize(("registry", "check_id", "status", "text"), FIXTURE_EXPECTATIONS)
def test_verdicts_on_the_fixed_estate(registry: str, check_id: str, status: Status, text: str) -> None:
    e = fx.estate()
    reg = e.registry(registry)
    assert reg is not None
    f = run(check_id, reg, e)
    assert f.status is status, f.message
    assert text in f.message


def test_the_good_registry_passes_every_check() -> None:
    e = fx.estate()
    reg = e.registry("prodgood")
    assert reg is not None
    # n/a is the good state here: no enabled token to scope or expire, no connected registry, no allowed-region
    # list set, and soft delete (preview) cannot be on for a geo-replicated registry
    good_na = {"ACR-AUTH-005", "ACR-AUTH-006", "ACR-SC-006", "ACR-RES-003", "ACR-RES-004"}
    bad = [
        (c.id, f.status, f.message)
        for c in CATALOGUE
        if (f := c.run(reg, e, fx.settings())).status is not Status.PASS
        and not (c.id in good_na and f.status is Status.NOT_APPLICABLE)
    ]
    assert bad == []


# --------------------------------------------------------------------------------------------- variations


def test_zone_redundancy_property_proves_only_enabled() -> None:
    """Enabled proves zone redundancy; Disabled proves nothing in a region with zones (Azure's default there) and
    a region without zones fails whatever else is true — a replica there too."""
    reg = fx.bad_registry()
    explicit = reg.model_copy(update={"location": "westus", "zone_redundancy": "Enabled", "replicas": []})
    f = run("ACR-RES-001", explicit)
    assert f.status is Status.PASS and f.evidence["basis"] == {"westus": "zoneRedundancy Enabled"}
    f = run("ACR-RES-001", reg.model_copy(update={"replicas": [Replica(name="westus", location="westus")]}))
    assert f.status is Status.FAIL and f.message.startswith("westus has no availability zones")
    assert f.evidence["basis"]["westeurope"] == "region has availability zones (on by default)"
    home = next(r for r in reg.replicas if r.location == "eastus").model_copy(update={"location": "westeurope"})
    f = run("ACR-RES-001", reg.model_copy(update={"replicas": [home]}))  # the home-region replication is no replica
    assert f.status is Status.PASS and list(f.evidence["basis"]) == ["westeurope"]


@pytest.mark.parametrize(
    ("age", "limit", "status"),
    [(89, 90, Status.PASS), (90, 90, Status.PASS), (91, 90, Status.FAIL), (91, 120, Status.PASS)],
)
def test_pinned_key_rotation_threshold_is_configurable(age: int, limit: int, status: Status) -> None:
    reg = fx.bad_registry()
    reg = reg.model_copy(
        update={
            "encryption": reg.encryption.model_copy(
                update={"last_key_rotation": NOW - dt.timedelta(days=age)}
            )
        }
    )
    f = run("ACR-CMK-002", reg, key_rotation_max_age_days=limit)
    assert f.status is status
    assert f.evidence["ageDays"] == age and f.evidence["maxAgeDays"] == limit


def test_pinned_key_without_rotation_date_falls_back_to_the_newest_version_date() -> None:
    reg = fx.good_registry()
    enc = reg.encryption.model_copy(
        update={"key_identifier": "https://kv-good.vault.azure.net/keys/acr-key/v1"}
    )
    f = run("ACR-CMK-002", reg.model_copy(update={"encryption": enc}))
    assert f.status is Status.PASS and f.evidence["ageDays"] == 10
    f = run(
        "ACR-CMK-002",
        reg.model_copy(update={"encryption": enc}),
        fx.estate().model_copy(update={"vaults": []}),
    )
    assert f.status is Status.FAIL and "no rotation date" in f.message


@pytest.mark.parametrize(
    ("update", "status", "text"),
    [
        ({"kty": "EC"}, Status.FAIL, "not RSA"),
        ({"kty": "RSA-HSM"}, Status.PASS, "RSA-HSM"),
        ({"enabled": False}, Status.FAIL, "disabled"),
        ({"expires": NOW - dt.timedelta(days=3)}, Status.FAIL, "expired 3 days ago"),
        ({"expires": NOW + dt.timedelta(days=31)}, Status.PASS, "not expiring soon"),
        ({"expires": None}, Status.PASS, "no expiry"),
    ],
)
def test_key_health(update: dict[str, object], status: Status, text: str) -> None:
    vault = fx.good_vault()
    key = vault.keys[0].model_copy(update=update)
    vault = vault.model_copy(update={"keys": [key]})
    f = run("ACR-CMK-004", fx.good_registry(), with_vault(fx.good_registry(), vault))
    assert f.status is status and text in f.message


def test_missing_key_and_unreadable_vault() -> None:
    vault = fx.good_vault().model_copy(
        update={"keys": [KeyPosture(name="other", key_id="https://kv-good.vault.azure.net/keys/other")]}
    )
    assert run("ACR-CMK-004", fx.good_registry(), with_vault(fx.good_registry(), vault)).status is Status.FAIL
    unreadable = fx.good_vault().model_copy(update={"readable": False})
    f = run("ACR-CMK-005", fx.good_registry(), with_vault(fx.good_registry(), unreadable))
    assert f.status is Status.ERROR and "Reader" in f.message


def test_system_identity_access_uses_the_registry_principal() -> None:
    reg = fx.orphan_registry().model_copy(
        update={
            "encryption": Encryption(
                enabled=True,
                key_identifier="https://kv-good.vault.azure.net/keys/acr-key",
                identity_client_id="system",
            )
        }
    )
    vault = fx.good_vault()
    assert run("ACR-CMK-003", reg, with_vault(reg, vault)).status is Status.FAIL
    vault = vault.model_copy(update={"key_users": ["55555555-0000-0000-0000-0000000000CC"]})
    f = run("ACR-CMK-003", reg, with_vault(reg, vault))
    assert f.status is Status.PASS and "system-assigned" in f.message


def test_encryption_identity_not_attached_fails_without_looking_at_the_vault() -> None:
    reg = fx.good_registry()
    reg = reg.model_copy(
        update={"encryption": reg.encryption.model_copy(update={"identity_client_id": "not-attached"})}
    )
    f = run("ACR-CMK-003", reg)
    assert f.status is Status.FAIL and "not attached" in f.message


@pytest.mark.parametrize(
    ("vault_update", "status"),
    [
        ({"network_default_action": "Allow", "network_bypass": "None"}, Status.PASS),
        ({"network_default_action": "Deny", "network_bypass": "AzureServices"}, Status.PASS),
        ({"network_default_action": "Deny", "network_bypass": "None"}, Status.FAIL),
        (
            {
                "network_default_action": "Allow",
                "network_bypass": "None",
                "public_network_access": "Disabled",
            },
            Status.FAIL,
        ),
    ],
)
def test_vault_firewall_trusted_services(vault_update: dict[str, object], status: Status) -> None:
    vault = fx.good_vault().model_copy(update=vault_update)
    assert run("ACR-CMK-007", fx.good_registry(), with_vault(fx.good_registry(), vault)).status is status


@pytest.mark.parametrize("category", ["AuditEvent", "audit", "allLogs"])
def test_audit_logging_accepts_the_category_groups(category: str) -> None:
    vault = fx.bad_vault()
    vault = vault.model_copy(
        update={
            "diagnostic_settings": [
                vault.diagnostic_settings[0].model_copy(update={"categories": [category]})
            ]
        }
    )
    assert run("ACR-CMK-006", fx.bad_registry(), with_vault(fx.bad_registry(), vault)).status is Status.PASS


def test_public_access_open_premium_fails_and_lockout_is_not_applicable() -> None:
    reg = fx.good_registry().model_copy(
        update={"public_network_access": "Enabled", "default_action": "Allow"}
    )
    assert run("ACR-NET-001", reg).status is Status.FAIL
    assert run("ACR-NET-002", reg).status is Status.NOT_APPLICABLE


@pytest.mark.parametrize(
    ("operator_ips", "private", "status", "text"),
    [
        (("203.0.113.7",), False, Status.PASS, "inside the IP rules"),
        (("198.51.100.1",), False, Status.FAIL, "not in the IP rules and there is no private path"),
        (("198.51.100.1",), True, Status.PASS, "need the private endpoint"),
    ],
)
def test_lockout_analysis_with_operator_ips(
    operator_ips: tuple[str, ...], private: bool, status: Status, text: str
) -> None:
    reg = fx.bad_registry()
    if not private:
        reg = reg.model_copy(update={"private_endpoint_connections": []})
    f = run("ACR-NET-002", reg, operator_ips=operator_ips)
    assert f.status is status and text in f.message


def test_lockout_deny_without_rules_or_private_endpoint_fails() -> None:
    reg = fx.bad_registry().model_copy(update={"ip_rules": [], "private_endpoint_connections": []})
    f = run("ACR-NET-002", reg)
    assert f.status is Status.FAIL and "only trusted Azure services" in f.message


def test_lockout_disabled_with_private_operators_passes_without_warning() -> None:
    f = run("ACR-NET-002", fx.good_registry(), operator_on_private_network=True)
    assert f.status is Status.PASS and "lockedOutWithoutPrivatePath" not in f.evidence


def test_dns_records_missing_entirely_and_privatelink_names_match() -> None:
    e = fx.estate()
    good = e.endpoints_for(fx.good_registry())[0]
    renamed = good.model_copy(
        update={
            "records": [
                r.model_copy(update={"fqdn": r.fqdn.replace(".azurecr.io", ".privatelink.azurecr.io")})
                for r in good.records
            ]
        }
    )
    e2 = e.model_copy(update={"private_endpoints": [renamed]})
    assert run("ACR-PL-004", fx.good_registry(), e2).status is Status.PASS
    dropped = good.model_copy(update={"records": good.records[:1]})
    f = run("ACR-PL-004", fx.good_registry(), e.model_copy(update={"private_endpoints": [dropped]}))
    assert f.status is Status.FAIL and "no A record for prodgood.westeurope.data.azurecr.io" in f.message
    no_ip = good.model_copy(
        update={
            "records": [
                DnsRecordCheck(fqdn=r.fqdn, expected_ip=None, record_ips=["10.0.0.1"]) for r in good.records
            ]
        }
    )
    f = run("ACR-PL-004", fx.good_registry(), e.model_copy(update={"private_endpoints": [no_ip]}))
    assert f.status is Status.FAIL and "has no IP for" in f.message


def test_dns_checks_error_when_the_endpoint_was_not_observed() -> None:
    e = fx.estate().model_copy(update={"private_endpoints": []})
    assert run("ACR-PL-004", fx.good_registry(), e).status is Status.ERROR
    assert run("ACR-PL-005", fx.good_registry(), e).status is Status.ERROR


def test_zone_link_without_zone_group_fails() -> None:
    e = fx.estate()
    pe = e.endpoints_for(fx.good_registry())[0].model_copy(
        update={"dns_zone_ids": [], "zone_linked_vnets": []}
    )
    f = run("ACR-PL-005", fx.good_registry(), e.model_copy(update={"private_endpoints": [pe]}))
    assert f.status is Status.FAIL and "no private DNS zone group" in f.message


def test_data_endpoint_host_names_missing_a_region_fail() -> None:
    reg = fx.good_registry().model_copy(
        update={"data_endpoint_host_names": ["prodgood.westeurope.data.azurecr.io"]}
    )
    f = run("ACR-DEP-001", reg)
    assert f.status is Status.FAIL and f.evidence["missingHostNames"] == [
        "prodgood.northeurope.data.azurecr.io"
    ]


def test_data_endpoint_off_lists_the_allowlist_to_open_first() -> None:
    f = run("ACR-DEP-001", fx.bad_registry())
    assert f.evidence["clientAllowlist"] == [
        "prodbad.azurecr.io",
        "prodbad.westeurope.data.azurecr.io",
        "prodbad.eastus.data.azurecr.io",
    ]


def test_pending_connection_is_listed_with_its_description() -> None:
    f = run("ACR-PL-003", fx.bad_registry())
    assert f.evidence["pending"][0]["description"] == "please let me in"
    reg = fx.bad_registry().model_copy(
        update={
            "private_endpoint_connections": [PrivateEndpointConnection(id="x/y", name="y", status="Rejected")]
        }
    )
    f = run("ACR-PL-003", reg)
    assert f.status is Status.PASS and f.evidence["rejectedOrDisconnected"] == [
        {"name": "y", "status": "Rejected"}
    ]


def test_policy_assignment_donotenforce_and_scope_exclusion() -> None:
    e = fx.estate()
    pa = PolicyAssignmentInfo(
        id="/subscriptions/s/providers/Microsoft.Authorization/policyAssignments/a",
        name="a",
        scope=fx.RG,
        definition_id="/providers/Microsoft.Authorization/policyDefinitions/5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",
        effect="Deny",
        enforcement_mode="DoNotEnforce",
    )
    f = run("ACR-POL-001", fx.good_registry(), e.model_copy(update={"assignments": [pa]}))
    assert f.status is Status.FAIL and "does nothing" in f.message
    f = run(
        "ACR-POL-001",
        fx.good_registry(),
        e.model_copy(update={"assignments": [pa.model_copy(update={"enforcement_mode": "Default"})]}),
    )
    assert f.status is Status.PASS and "Deny" in f.message
    excluded = pa.model_copy(update={"enforcement_mode": "Default", "not_scopes": [fx.good_registry().id]})
    f = run("ACR-POL-001", fx.good_registry(), e.model_copy(update={"assignments": [excluded]}))
    assert f.status is Status.FAIL and "no built-in policy" in f.message


def test_standard_registry_ip_rule_fields_do_not_make_it_restricted_when_public_enabled() -> None:
    reg = fx.basic_registry().model_copy(update={"ip_rules": [IpRule(value="1.2.3.4")]})
    assert run("ACR-NET-001", reg).status is Status.FAIL


# ------------------------------------------------------------------------------- inputs that were not read

_READS = {  # what a check's code consults → the input it must declare (so a new check cannot forget one)
    "vault_for": CheckInput.VAULT, "_vault(": CheckInput.VAULT, "endpoints_for": CheckInput.ENDPOINTS,
    "_approved_endpoints": CheckInput.ENDPOINTS, "assignments_for": CheckInput.POLICY,
    "compliance_for": CheckInput.COMPLIANCE, "regions": CheckInput.REPLICAS,
    "expected_data_host_names": CheckInput.REPLICAS, ".replicas": CheckInput.REPLICAS,
    ".diagnostic_settings": CheckInput.VAULT_DIAGNOSTICS, ".audit_logging": CheckInput.VAULT_DIAGNOSTICS,
    "key_users": CheckInput.KEY_ACCESS, ".key(": CheckInput.KEYS, ".records": CheckInput.DNS,
    "dns_zone_ids": CheckInput.DNS,
}


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.id)
def test_every_check_declares_the_inputs_its_code_reads(check: Check) -> None:
    import inspect

    src = inspect.getsource(check.fn)
    for helper in ("_vault", "_approved_endpoints"):  # helpers count as the check's own reads
        if helper + "(" in src:
            src += inspect.getsource(getattr(inspect.getmodule(check.fn), helper))
    needed = {inp for needle, inp in _READS.items() if needle in src}
    assert needed <= set(check.inputs), f"{check.id} reads {sorted(needed - set(check.inputs))} without declaring it"


def _gap_on(reg: RegistryPosture, inp: CheckInput) -> ReadGap:
    return ReadGap(what=f"test read of {inp.value}", message="injected", kind=GapKind.UNAVAILABLE, scope=reg.id,
                   inputs=[inp], registries=[reg.id])


@pytest.mark.parametrize("check", CATALOGUE, ids=lambda c: c.id)
def test_no_check_passes_on_an_input_it_did_not_get(check: Check) -> None:
    """For every check and every input it reads: a gap on that input for the registry makes it ``error`` (or
    n/a when it does not apply to the registry at all, which is decided from the registry body alone)."""
    for reg in (fx.good_registry(), fx.bad_registry(), fx.basic_registry()):
        for inp in check.needs(reg):
            estate = fx.estate().model_copy(update={"gaps": [_gap_on(reg, inp)]})
            f = check.run(reg, estate, CheckSettings(now=NOW))
            applies = check.applies is None or check.applies(reg) is None
            assert f.status is (Status.ERROR if applies else Status.NOT_APPLICABLE), (check.id, reg.name, inp, f)
            if applies:
                assert f.evidence["missingInputs"] == [inp.value] and "test read of" in f.message
        other = fx.estate().model_copy(update={"gaps": [_gap_on(fx.orphan_registry(), i) for i in CheckInput]})
        assert check.run(reg, other, CheckSettings(now=NOW)) == check.run(reg, fx.estate().model_copy(
            update={"gaps": []}), CheckSettings(now=NOW))  # another registry's gaps change nothing here
