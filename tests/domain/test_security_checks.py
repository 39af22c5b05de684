"""Issue 10's security checks on states built here (pure): key lifecycle, vault firewall, strict public access,
registry logs, Defender for Containers and image findings."""

from __future__ import annotations

import datetime as dt

import pytest

from acrtui.domain.checks import Status, get_check
from acrtui.domain.checks.cmk import duration_days
from acrtui.domain.models import (
    CheckInput,
    DefenderPlan,
    DiagnosticSetting,
    Estate,
    GapKind,
    ImageAssessment,
    ImageFinding,
    IpRule,
    KeyRotation,
    ReadGap,
    RegistryPosture,
    VaultPosture,
)
from tests.audit import fixture_estate as fx

from .test_checks import run, with_vault

NOW = fx.NOW
VA = "ContainerRegistriesVulnerabilityAssessments"


def good() -> RegistryPosture:
    reg = fx.estate().registry("prodgood")
    assert reg is not None
    return reg


def key_vault(**key: object) -> VaultPosture:
    v = fx.good_vault()
    k = v.keys[0].model_copy(update=key)
    return v.model_copy(update={"keys": [k]})


# ---------------------------------------------------------------- ACR-CMK-008 / the expiry stance


@pytest.mark.parametrize("value,days", [("P90D", 90), ("P1Y", 365), ("p2m", 60), ("P1Y2M3D", 428), ("P", None),
                                        ("90 days", None), (None, None), ("PT12H", None)])
def test_duration_days(value: str | None, days: int | None) -> None:
    assert duration_days(value) == days


ROTATE_90 = KeyRotation(auto_rotate=True, time_after_create="P90D", expiry_time="P1Y")


@pytest.mark.parametrize("key,status,text", [
    ({"rotation": None, "expires": None}, Status.FAIL, "never rotates"),
    ({"rotation": None, "expires": NOW + dt.timedelta(days=45)}, Status.FAIL,
     "expires on 2026-07-16 (45 days): the registry is locked out"),
    ({"rotation": KeyRotation(auto_rotate=False, time_before_expiry="P30D")}, Status.FAIL, "no rotation policy rotates"),
    ({"rotation": ROTATE_90, "expires": NOW + dt.timedelta(days=30), "newest_version_created": NOW - dt.timedelta(days=10)},
     Status.FAIL, "rotates on 2026-08-20, after the key expires on 2026-07-01"),
    ({"rotation": KeyRotation(auto_rotate=True, time_before_expiry="P30D"), "expires": None}, Status.FAIL,
     "never triggers"),
    ({"rotation": KeyRotation(auto_rotate=True, time_before_expiry="P30D"), "expires": NOW + dt.timedelta(days=200)},
     Status.PASS, "30 days before expiry"),
    ({"rotation": ROTATE_90, "expires": None}, Status.PASS, "90 days after each version is created"),
    ({"rotation": ROTATE_90}, Status.PASS, "before it expires on 2027-06-01"),
])
def test_key_lifecycle(key: dict[str, object], status: Status, text: str) -> None:
    reg = good()
    f = run("ACR-CMK-008", reg, with_vault(reg, key_vault(**key)))
    assert f.status is status and text in f.message, f.message


def test_key_lifecycle_does_not_apply_to_a_pinned_key_or_without_cmk() -> None:
    reg = good()
    pinned = reg.model_copy(update={"encryption": reg.encryption.model_copy(
        update={"key_identifier": "https://kv-good.vault.azure.net/keys/acr-key/v1"})})
    f = run("ACR-CMK-008", pinned)
    assert f.status is Status.NOT_APPLICABLE and "ACR-CMK-002" in f.message
    plain = reg.model_copy(update={"encryption": reg.encryption.model_copy(update={"enabled": False})})
    assert run("ACR-CMK-008", plain).status is Status.NOT_APPLICABLE


def test_key_health_passes_a_key_without_expiry_and_cites_no_expiry_rule() -> None:
    reg = good()
    f = run("ACR-CMK-004", reg, with_vault(reg, key_vault(expires=None)))
    assert f.status is Status.PASS and "no expiry" in f.message
    c = get_check("ACR-CMK-004")
    assert c is not None and "152b15f7" in c.rationale and "ACR-CMK-008" in c.rationale  # the stance, in writing
    assert "152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0" not in c.references.policy_definition_ids
    assert "CKV_AZURE_40" not in c.references.checkov


# ---------------------------------------------------------------- ACR-CMK-009, ACR-CMK-007's citations


@pytest.mark.parametrize("update,status", [
    ({"network_default_action": "Deny"}, Status.PASS),
    ({"network_default_action": "Allow", "public_network_access": "Disabled"}, Status.PASS),
    ({"network_default_action": "Allow", "public_network_access": "Enabled"}, Status.FAIL),
    ({"network_default_action": "Allow", "public_network_access": None}, Status.FAIL),
])
def test_vault_firewall(update: dict[str, object], status: Status) -> None:
    reg = good()
    assert run("ACR-CMK-009", reg, with_vault(reg, fx.good_vault().model_copy(update=update))).status is status


def test_trusted_services_check_cites_no_firewall_rule() -> None:
    c = get_check("ACR-CMK-007")
    assert c is not None and c.references.policy_definition_ids == () and c.references.psrule == ()
    assert get_check("ACR-CMK-009").references.psrule == ("Azure.KeyVault.Firewall",)  # type: ignore[union-attr]


# ---------------------------------------------------------------- ACR-NET-004


def test_strict_public_access() -> None:
    reg = good()
    assert run("ACR-NET-004", reg.model_copy(update={"public_network_access": "Disabled"})).status is Status.PASS
    restricted = reg.model_copy(update={"public_network_access": "Enabled", "default_action": "Deny",
                                        "ip_rules": [IpRule(value="203.0.113.0/24")]})
    assert run("ACR-NET-001", restricted).status is Status.PASS  # the firewall control accepts it ...
    f = run("ACR-NET-004", restricted)
    assert f.status is Status.FAIL and "ACR-NET-001" in f.message  # ... the strict one does not
    basic = reg.model_copy(update={"sku": "Basic", "public_network_access": "Enabled"})
    f = run("ACR-NET-004", basic)
    assert f.status is Status.FAIL and "needs Premium" in f.message


# ---------------------------------------------------------------- ACR-LOG-001


def logs(*settings: DiagnosticSetting) -> Estate:
    e = fx.estate()
    return e.model_copy(update={"registry_diagnostics": {good().id.lower(): list(settings)}})


LAW = "/subscriptions/s/resourceGroups/g/providers/Microsoft.OperationalInsights/workspaces/law"


@pytest.mark.parametrize("settings,status,text", [
    ((DiagnosticSetting(name="a", categories=["audit"], workspace_id=LAW),), Status.PASS, "auditable"),
    ((DiagnosticSetting(name="a", categories=["allLogs"], storage_account_id="/sa"),), Status.PASS, "auditable"),
    ((DiagnosticSetting(name="a", categories=["ContainerRegistryLoginEvents"], workspace_id=LAW),
      DiagnosticSetting(name="b", categories=["ContainerRegistryRepositoryEvents"], event_hub_rule_id="/eh")),
     Status.PASS, "auditable"),
    ((DiagnosticSetting(name="a", categories=["ContainerRegistryLoginEvents"], workspace_id=LAW),), Status.FAIL,
     "ContainerRegistryRepositoryEvents is not sent"),
    ((DiagnosticSetting(name="blank", categories=["audit"], workspace_id=""),), Status.FAIL, "are not sent"),
    ((), Status.FAIL, "no diagnostic setting"),
])
def test_registry_logs(settings: tuple[DiagnosticSetting, ...], status: Status, text: str) -> None:
    f = run("ACR-LOG-001", good(), logs(*settings))
    assert f.status is status and text in f.message, f.message


def test_registry_logs_unread_is_an_error_not_a_fail() -> None:
    reg = good()
    e = logs().model_copy(update={"gaps": [ReadGap(what=f"registry {reg.name} diagnostic settings", kind=GapKind.PERMISSION,
                                                   inputs=[CheckInput.REGISTRY_DIAGNOSTICS], registries=[reg.id])]})
    assert run("ACR-LOG-001", reg, e).status is Status.ERROR


# ---------------------------------------------------------------- ACR-DEF-001 / ACR-DEF-002


def defender(plan: DefenderPlan | None, assessment: ImageAssessment | None = None) -> Estate:
    reg = good()
    e = fx.estate()
    return e.model_copy(update={
        "defender_plans": {reg.subscription_id.lower(): plan} if plan else {},
        "image_assessments": {reg.id.lower(): assessment} if assessment else {},
    })


ON = DefenderPlan(subscription_id=fx.SUB, pricing_tier="Standard", extensions={VA: True})


@pytest.mark.parametrize("plan,status,text", [
    (None, Status.FAIL, "no Defender for Containers plan"),
    (DefenderPlan(subscription_id=fx.SUB, pricing_tier="Free"), Status.FAIL, "off (pricing tier Free)"),
    (DefenderPlan(subscription_id=fx.SUB, pricing_tier="Free", legacy_registry_tier="Standard"), Status.FAIL,
     "deprecated Defender for container registries plan is on"),
    (DefenderPlan(subscription_id=fx.SUB, pricing_tier="Standard", extensions={VA: False}), Status.FAIL,
     "extension is off"),
    (DefenderPlan(subscription_id=fx.SUB, pricing_tier="Standard"), Status.FAIL, "extension is off"),
    (ON, Status.PASS, "scans registry images"),
])
def test_defender_plan(plan: DefenderPlan | None, status: Status, text: str) -> None:
    f = run("ACR-DEF-001", good(), defender(plan))
    assert f.status is status and text in f.message, f.message


def assessment(status: str, *findings: ImageFinding) -> ImageAssessment:
    return ImageAssessment(registry_id=good().id, assessment_id=good().id + "/a", status=status, findings=list(findings))


@pytest.mark.parametrize("plan,a,status,text", [
    (DefenderPlan(subscription_id=fx.SUB, pricing_tier="Free"), None, Status.NOT_APPLICABLE, "ACR-DEF-001"),
    (ON, None, Status.FAIL, "has not assessed"),
    (ON, assessment("Healthy"), Status.PASS, "Healthy"),
    (ON, assessment("NotApplicable"), Status.PASS, "NotApplicable"),
    (ON, assessment("Unhealthy", ImageFinding(id="1", severity="High"), ImageFinding(id="2", severity="High"),
                    ImageFinding(id="3", severity="Critical")), Status.FAIL, "3 image(s) with unresolved vulnerability "
     "findings (1 Critical, 2 High)"),
])
def test_image_findings(plan: DefenderPlan, a: ImageAssessment | None, status: Status, text: str) -> None:
    f = run("ACR-DEF-002", good(), defender(plan, a))
    assert f.status is status and text in f.message, f.message


def test_image_findings_unread_is_an_error() -> None:
    reg = good()
    e = defender(ON).model_copy(update={"gaps": [ReadGap(what="Resource Graph", kind=GapKind.UNAVAILABLE,
                                                         inputs=[CheckInput.IMAGE_FINDINGS], registries=[reg.id])]})
    assert run("ACR-DEF-002", reg, e).status is Status.ERROR
