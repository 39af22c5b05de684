"""The audit runner: every selected check against every selected registry of an estate, into one report.

Pure (no I/O): the CLI loads the estate through the read-only service layer, then calls :func:`run_audit`.

An audit that could not see everything in scope is *incomplete*: a read gap that hides an input a selected check
needs for a selected registry, a gap that may hide whole registries (a listing failed), or an ``error`` finding.
An incomplete report never exits 0 or 1: it exits 3, whatever ``--soft-fail`` says.
"""

from __future__ import annotations

import datetime as dt
import shlex
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from acrtui.domain.checks import CATALOGUE, Check, CheckSettings, Finding, Severity, Status
from acrtui.domain.models import Estate, ReadGap, RegistryPosture, VaultPosture
from acrtui.errors import ExitCode

if TYPE_CHECKING:
    from .baseline import Baseline
    from .suppressions import Suppression

# 2.0: check-level text (title, rationale, remediation, references) once per check under ``checks``; a finding
# names its check by ``checkId`` and carries its own ``command`` (acrtui/audit/README.md, "JSON")
SCHEMA_VERSION = "2.0"


@dataclass(frozen=True, slots=True)  # one per check × registry: 470,000 at fleet:10000x20
class FindingRecord:
    check: Check
    registry: RegistryPosture
    finding: Finding
    vault: VaultPosture | None = None  # the registry's key vault, when it has a CMK and the vault was read
    suppression: Suppression | None = None  # a live suppression that accepts this failure
    baseline: str | None = None  # failures against --baseline: "new" | "unchanged"

    @property
    def status(self) -> Status:
        return self.finding.status

    @property
    def suppressed(self) -> bool:
        return self.suppression is not None

    @property
    def failing(self) -> bool:
        """Failed and not accepted by a suppression: what counts towards --fail-on."""
        return self.finding.status is Status.FAIL and self.suppression is None

    @property
    def identity(self) -> tuple[str, str, str]:
        from .baseline import identity

        return identity(self.check.id, self.registry.id, self.finding.evidence)

    @property
    def severity(self) -> Severity:
        return self.check.severity

    @property
    def fix(self) -> str | None:
        """The check's ``az`` command with this registry's names filled in, shell-quoted (placeholders it cannot
        know stay)."""
        az = self.check.remediation.az
        if az is None or "<" not in az:
            return az
        reg = self.registry
        rg_id = f"/subscriptions/{reg.subscription_id}/resourceGroups/{reg.resource_group}"
        # <scope>: where an assignment that guards this registry goes — its resource group (see policy_fix)
        known = {"<registry>": reg.name, "<registry-id>": reg.id, "<rg>": reg.resource_group, "<scope>": rg_id,
                 "<rg-id>": rg_id, "<subscription>": reg.subscription_id}
        if self.vault is not None:
            known.update({"<vault-id>": self.vault.id, "<vault-rg>": self.vault.resource_group,
                          "<vault-subscription>": self.vault.subscription_id})
        enc = reg.encryption
        if enc.vault_name:
            known["<vault>"] = enc.vault_name
        if enc.key_name:
            known["<key>"] = enc.key_name
        if enc.key_identifier and enc.key_name:
            known["<versionless-key-id>"] = enc.key_identifier.rsplit("/keys/", 1)[0] + f"/keys/{enc.key_name}"
        user = next((u for u in reg.identity.user_assigned if u.client_id and u.client_id == enc.identity_client_id), None)
        if user is not None:
            known["<identity-id>"] = user.resource_id
            if user.principal_id:
                known["<principal-id>"] = user.principal_id
        for placeholder, value in known.items():
            if value and placeholder in az:  # a builder may have quoted the placeholder itself: that form first
                az = az.replace(shlex.quote(placeholder), shlex.quote(value)).replace(placeholder, shlex.quote(value))
        return az

    def to_json(self) -> dict[str, Any]:
        """What is this finding's own; the check's text is in the report's ``checks`` (schema 2.0)."""
        return {
            "checkId": self.check.id,
            "registryId": self.registry.id,
            "registryName": self.registry.name,
            "family": self.check.family.value,
            "status": self.finding.status.value,
            "severity": self.check.severity.value,
            "message": self.finding.message,
            "evidence": self.finding.evidence,
            "command": self.fix if self.finding.status is Status.FAIL else None,  # a fix only where one is due
            "suppression": None if self.suppression is None else {"kind": "external", **self.suppression.to_json()},
            "baseline": self.baseline,
        }


@dataclass
class AuditReport:
    generated_at: dt.datetime
    registries: list[RegistryPosture]
    checks: list[Check]
    findings: list[FindingRecord]
    fail_on: Severity = Severity.HIGH
    target: str = "azure"
    subscriptions: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # partial-read problems from the inventory
    tool_version: str = "0"
    gaps: list[ReadGap] = field(default_factory=list)  # every read gap of the estate
    registries_named: bool = False  # --registry chose them: a listing gap elsewhere cannot hide one of them
    suppressions: list[Suppression] = field(default_factory=list)  # every one loaded
    expired: list[Suppression] = field(default_factory=list)  # past their date: they fail the audit
    unmatched: list[Suppression] = field(default_factory=list)  # live, but accepted no failing finding
    baseline: Baseline | None = None
    fixed: list[dict[str, Any]] = field(default_factory=list)  # baseline failures this audit found passing
    fail_on_new: bool = False  # only new failures (against the baseline) count towards the exit code
    _not_passed: tuple[Any, set[str]] | None = field(default=None, init=False, repr=False, compare=False)

    def in_scope(self, gap: ReadGap) -> bool:
        """Does this gap hide something this audit needed: a registry (when none were named) or an input a
        selected check reads for a selected registry?"""
        if gap.registries is None:
            return not self.registries_named
        for reg in self.registries:
            if gap.affects(reg.id) and any(set(gap.inputs) & set(c.needs(reg)) for c in self.checks):
                return True
        return False

    @property
    def scope_gaps(self) -> list[ReadGap]:
        return [g for g in self.gaps if self.in_scope(g)]

    @property
    def error_findings(self) -> list[FindingRecord]:
        return [f for f in self.findings if f.status is Status.ERROR]

    @property
    def complete(self) -> bool:
        return not self.scope_gaps and not self.error_findings

    def incomplete_reasons(self) -> list[str]:
        """Why the audit is incomplete: each gap in scope, then checks that could not run for another reason."""
        out = [g.text for g in self.scope_gaps]
        explained = {g.text for g in self.gaps}
        for f in self.error_findings:
            if not any(t in f.finding.message for t in explained):
                out.append(f"{f.check.id} on {f.registry.name}: {f.finding.message}")
        return out

    def unread_registries(self) -> set[str]:
        """Registry ids (lower) with a check that could not be evaluated: they have not passed."""
        return {f.registry.id.lower() for f in self.error_findings}

    def failing(self, at_or_above: Severity | None = None) -> list[FindingRecord]:
        """Unsuppressed failures at or above a severity."""
        floor = (at_or_above or Severity.INFO).rank
        return [f for f in self.findings if f.failing and f.severity.rank >= floor]

    def gating(self) -> list[FindingRecord]:
        """The failures that decide exit 1: at or above ``fail_on``, and only new ones with ``--fail-on-new``."""
        return [f for f in self.failing(self.fail_on) if not self.fail_on_new or f.baseline == "new"]

    def exit_code(self, soft_fail: bool = False) -> int:
        """3 incomplete (``--soft-fail`` does not hide it); else 1 when a gating failure or an expired suppression
        remains (``--soft-fail``: 0), 0 otherwise."""
        if not self.complete:
            return int(ExitCode.AZURE)
        if soft_fail:
            return 0
        return 1 if self.gating() or self.expired else 0

    def passed(self, reg: RegistryPosture) -> bool:
        """A registry passed: every check was evaluated and none failed (unsuppressed) at or above ``--fail-on``.
        (One pass over the findings per report, not per registry: a fleet has 10,000 registries.)"""
        key = (self.fail_on, len(self.findings))
        if self._not_passed is None or self._not_passed[0] != key:
            ids = {f.registry.id.lower() for f in self.failing(self.fail_on)} | self.unread_registries()
            self._not_passed = (key, ids)
        return reg.id.lower() not in self._not_passed[1]

    def summary(self) -> dict[str, Any]:
        status = Counter("suppressed" if f.suppressed else f.status.value for f in self.findings)
        sev = Counter(f.severity.value for f in self.failing())
        out = {
            "complete": self.complete,
            "registries": len(self.registries),
            "registriesPassed": sum(1 for r in self.registries if self.passed(r)),
            "registriesNotEvaluated": len(self.unread_registries()),
            "checks": len(self.checks),
            "findings": len(self.findings),
            "passed": status.get("pass", 0),
            "failed": status.get("fail", 0),
            "notApplicable": status.get("not_applicable", 0),
            "errors": status.get("error", 0),
            "suppressed": status.get("suppressed", 0),
            "expiredSuppressions": len(self.expired),
            "readGaps": len(self.scope_gaps),
            "failedBySeverity": {s.value: sev.get(s.value, 0) for s in Severity},
            "failOn": self.fail_on.value,
            "failingAtOrAboveFailOn": len(self.failing(self.fail_on)),
        }
        if self.baseline is not None:
            marks = Counter(f.baseline for f in self.findings if f.status is Status.FAIL)
            out["baseline"] = {"new": marks.get("new", 0), "unchanged": marks.get("unchanged", 0),
                               "fixed": len(self.fixed), "failOnNew": self.fail_on_new,
                               "newAtOrAboveFailOn": sum(f.baseline == "new" for f in self.failing(self.fail_on))}
        return out

    def summary_line(self) -> str:
        s = self.summary()
        sev = ", ".join(f"{n} {k}" for k, n in s["failedBySeverity"].items())
        line = (
            f"{s['failed']} failed ({sev}) · {s['passed']} passed · {s['notApplicable']} not applicable · "
            f"{s['errors']} errors · registries passed: {s['registriesPassed']}/{s['registries']}"
        )
        if s["suppressed"] or s["expiredSuppressions"]:
            line += f" · {s['suppressed']} suppressed"
            if s["expiredSuppressions"]:
                line += f" · {s['expiredSuppressions']} suppressions EXPIRED"
        if "baseline" in s:
            b = s["baseline"]
            line += f" · baseline: {b['new']} new, {b['unchanged']} unchanged, {b['fixed']} fixed"
        if not s["complete"]:
            line = f"INCOMPLETE ({s['readGaps']} read gaps, {s['errors']} checks not evaluated) · " + line
        return line

    def to_json(self, *, findings: bool = True) -> dict[str, Any]:
        """The JSON report (acrtui/audit/README.md, "JSON"); ``findings=False`` leaves them out (an empty list) for a writer
        that streams them."""
        return {
            "schemaVersion": SCHEMA_VERSION,
            "tool": {"name": "acrtui", "version": self.tool_version},
            "generatedAt": _iso(self.generated_at),
            "target": self.target,
            "subscriptions": [{"id": k, "name": v} for k, v in sorted(self.subscriptions.items())],
            "registries": [
                {
                    "id": r.id,
                    "name": r.name,
                    "subscriptionId": r.subscription_id,
                    "resourceGroup": r.resource_group,
                    "location": r.location,
                    "sku": r.sku,
                    "loginServer": r.login_server,
                }
                for r in self.registries
            ],
            "checks": [c.describe() for c in self.checks],
            "findings": [f.to_json() for f in self.findings] if findings else [],
            "complete": self.complete,
            "incomplete": self.incomplete_reasons(),
            "errors": list(self.errors),
            "gaps": [{**g.model_dump(mode="json"), "inScope": self.in_scope(g)} for g in self.gaps],
            "suppressions": {
                "expired": [s.to_json() for s in self.expired],
                "unmatched": [s.to_json() for s in self.unmatched],
            },
            "baseline": None if self.baseline is None else {**self.baseline.to_json(), "fixed": self.fixed},
            "summary": self.summary(),
        }

    def warnings(self) -> list[str]:
        """What a person should know that is not a finding: suppressions that lapsed or match nothing."""
        out = [f"{s.source}: suppression of {s.check} on {s.registry} expired on {s.expires.isoformat()}: it no "
               "longer applies and fails the audit; renew it (new date, fresh justification) or remove it"
               for s in self.expired]
        out += [f"{s.source}: suppression of {s.check} on {s.registry} matches no failing finding in this audit; "
                "remove it if the control now passes" for s in self.unmatched]
        return out


def _iso(t: dt.datetime) -> str:
    t = t if t.tzinfo else t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def select_registries(estate: Estate, names: list[str] | tuple[str, ...] = ()) -> list[RegistryPosture]:
    """Registries by name or id (case-insensitive), in estate order; ``KeyError`` names any that is missing."""
    if not names:
        return sorted(estate.registries, key=lambda r: (r.name.lower(), r.id.lower()))
    wanted = [n.lower() for n in names]
    found = [r for r in estate.registries if r.name.lower() in wanted or r.id.lower() in wanted]
    missing = [n for n in names if not any(n.lower() in (r.name.lower(), r.id.lower()) for r in found)]
    if missing:
        raise KeyError(", ".join(missing))
    return sorted(found, key=lambda r: (r.name.lower(), r.id.lower()))


def run_audit(
    estate: Estate,
    checks: list[Check] | tuple[Check, ...] = CATALOGUE,
    settings: CheckSettings | None = None,
    *,
    registries: list[RegistryPosture] | None = None,
    fail_on: Severity = Severity.HIGH,
    target: str = "azure",
    tool_version: str = "0",
    named: bool = False,
    suppressions: list[Suppression] | None = None,
    baseline: Baseline | None = None,
    fail_on_new: bool = False,
) -> AuditReport:
    """Run each check on each registry (registry order, then catalogue order). ``named``: the registries were
    chosen by name (``--registry``), so a gap that could hide other registries is out of scope. ``suppressions``
    accept failures (never errors); ``baseline`` marks failures new / unchanged and finds the fixed ones."""
    settings = settings or CheckSettings()
    regs = registries if registries is not None else select_registries(estate)
    # each registry's vault looked up once, not once per check (a scan of every vault: seconds at 10,000 registries)
    findings = [FindingRecord(c, r, c.run(r, estate, settings), vault) for r in regs
                for vault in (estate.vault_for(r),) for c in checks]
    sups = list(suppressions or [])
    live = [s for s in sups if not s.expired(settings.now)]
    used: set[int] = set()
    for i, f in enumerate(findings):
        if f.status is not Status.FAIL:
            continue
        hit = next((s for s in live if s.matches(f.check.id, f.registry.name, f.registry.id)), None)
        if hit is not None:
            used.add(id(hit))
            findings[i] = f = replace(f, suppression=hit)
        if baseline is not None:
            findings[i] = replace(f, baseline="unchanged" if f.identity in baseline.failing else "new")
    fixed = []
    if baseline is not None:
        now = {f.identity: f for f in findings}
        for ident, old in baseline.failing.items():
            cur = now.get(ident)
            if cur is not None and cur.status in (Status.PASS, Status.NOT_APPLICABLE):
                fixed.append({"checkId": cur.check.id, "registryId": cur.registry.id,
                              "registryName": cur.registry.name, "title": cur.check.title,
                              "status": cur.status.value, "was": str(old.get("message", ""))})
    return AuditReport(
        suppressions=sups,
        expired=[s for s in sups if s.expired(settings.now)],
        unmatched=[s for s in live if id(s) not in used],
        baseline=baseline,
        fixed=fixed,
        fail_on_new=fail_on_new,
        generated_at=settings.now,
        registries=list(regs),
        checks=list(checks),
        findings=findings,
        fail_on=fail_on,
        target=target,
        subscriptions=dict(estate.subscriptions),
        errors=list(estate.errors),
        tool_version=tool_version,
        gaps=list(estate.gaps),
        registries_named=named,
    )
