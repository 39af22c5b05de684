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
from collections.abc import Iterator
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


class _Tally:
    """What the summary, exit code, verdicts and baseline comparison need of every finding, gathered in one pass
    (counters, each registry's worst failure, the ``error`` findings): a fleet's 470,000 findings are never held
    at once (issue 11)."""

    def __init__(self, baseline: Baseline | None) -> None:
        self.baseline = baseline
        self.count = 0
        self.status: Counter[str] = Counter()  # "suppressed" | a status value
        self.failing: Counter[Severity] = Counter()  # unsuppressed failures by severity
        self.new_failing: Counter[Severity] = Counter()  # …of them, new against the baseline
        self.marks: Counter[str | None] = Counter()  # baseline marks of failed findings (suppressed ones too)
        self.worst: dict[str, int] = {}  # registry id (lower) -> worst unsuppressed failure's severity rank
        self.errors: list[FindingRecord] = []  # status error: few, and every format names each
        self.used: set[int] = set()  # id() of suppressions that accepted a failure
        self.fixed: dict[Any, dict[str, Any]] = {}  # baseline identity -> what this audit found passing
        self.unread: set[str] | None = None  # registry ids (lower) of the errors, once asked

    def add(self, f: FindingRecord) -> None:
        self.count += 1
        st = f.finding.status
        self.status["suppressed" if f.suppression is not None else st.value] += 1
        if st is Status.ERROR:
            self.errors.append(f)
        elif st is Status.FAIL:
            self.marks[f.baseline] += 1
            if f.suppression is not None:
                self.used.add(id(f.suppression))
            else:
                sev = f.check.severity
                self.failing[sev] += 1
                if f.baseline == "new":
                    self.new_failing[sev] += 1
                key = f.registry.id.lower()
                self.worst[key] = max(self.worst.get(key, -1), sev.rank)
        elif self.baseline is not None and self.baseline.failing:  # pass / not applicable: fixed since the baseline?
            ident = f.identity
            old = self.baseline.failing.get(ident)
            if old is not None:
                self.fixed[ident] = {"checkId": f.check.id, "registryId": f.registry.id,
                                     "registryName": f.registry.name, "title": f.check.title,
                                     "status": st.value, "was": str(old.get("message", ""))}

    def fixed_list(self) -> list[dict[str, Any]]:
        """In the baseline's order."""
        if self.baseline is None:
            return []
        return [self.fixed[k] for k in self.baseline.failing if k in self.fixed]


@dataclass
class _Source:
    """How the findings are made again, registry by registry: the checks are pure, so a writer's pass over the
    findings evaluates them afresh instead of the report holding them all."""

    estate: Estate
    settings: CheckSettings
    live: list[Suppression]
    baseline: Baseline | None

    def records(self, reg: RegistryPosture, checks: list[Check]) -> list[FindingRecord]:
        vault = self.estate.vault_for(reg)  # once per registry, not per check
        out = []
        for c in checks:
            f = FindingRecord(c, reg, c.run(reg, self.estate, self.settings), vault)
            if f.finding.status is Status.FAIL:
                hit = next((s for s in self.live if s.matches(c.id, reg.name, reg.id)), None)
                if hit is not None:
                    f = replace(f, suppression=hit)
                if self.baseline is not None:
                    f = replace(f, baseline="unchanged" if f.identity in self.baseline.failing else "new")
            out.append(f)
        return out


class _Findings:
    """``report.findings`` of a streamed report: iterable (each pass evaluates the checks again), sized."""

    def __init__(self, report: AuditReport) -> None:
        self._report = report

    def __iter__(self) -> Iterator[FindingRecord]:
        for _, fs in self._report.by_registry():
            yield from fs

    def __len__(self) -> int:
        return self._report.tally.count

    def __bool__(self) -> bool:
        return len(self) > 0


@dataclass
class AuditReport:
    """The audit of a set of registries. Findings are either held (``run_audit``'s default: the console reads
    them many times) or streamed (``stream=True``): made registry by registry on each pass, one registry's at a
    time in memory, with the totals kept from the first pass (:class:`_Tally`)."""

    generated_at: dt.datetime
    registries: list[RegistryPosture]
    checks: list[Check]
    held: list[FindingRecord] | None  # None: streamed from ``source``
    source: _Source | None = None
    fail_on: Severity = Severity.HIGH
    target: str = "azure"
    subscriptions: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # partial-read problems from the inventory
    tool_version: str = "0"
    gaps: list[ReadGap] = field(default_factory=list)  # every read gap of the estate
    registries_named: bool = False  # --registry chose them: a listing gap elsewhere cannot hide one of them
    suppressions: list[Suppression] = field(default_factory=list)  # every one loaded
    expired: list[Suppression] = field(default_factory=list)  # past their date: they fail the audit
    baseline: Baseline | None = None
    fail_on_new: bool = False  # only new failures (against the baseline) count towards the exit code
    _tally: _Tally | None = field(default=None, init=False, repr=False, compare=False)
    _groups: dict[str, list[FindingRecord]] | None = field(default=None, init=False, repr=False, compare=False)

    # ------------------------------------------------------------ the findings
    @property
    def findings(self) -> list[FindingRecord] | _Findings:
        return self.held if self.held is not None else _Findings(self)

    def findings_of(self, reg: RegistryPosture) -> list[FindingRecord]:
        """One registry's findings, catalogue order."""
        if self.held is None:
            assert self.source is not None
            return self.source.records(reg, self.checks)
        if self._groups is None:
            self._groups = {}
            for f in self.held:
                self._groups.setdefault(f.registry.id, []).append(f)
        return self._groups.get(reg.id, [])

    def by_registry(self) -> Iterator[tuple[RegistryPosture, list[FindingRecord]]]:
        """Each registry with its findings, report order; the first whole pass also keeps the totals."""
        tally = _Tally(self.baseline) if self._tally is None else None
        for reg in self.registries:
            fs = self.findings_of(reg)
            if tally is not None:
                for f in fs:
                    tally.add(f)
            yield reg, fs
        if tally is not None and self._tally is None:
            self._tally = tally

    @property
    def tally(self) -> _Tally:
        if self._tally is None:
            for _ in self.by_registry():
                pass
        assert self._tally is not None
        return self._tally

    @property
    def unmatched(self) -> list[Suppression]:
        """Live suppressions that accepted no failing finding."""
        used = self.tally.used
        return [s for s in self.suppressions if not s.expired(self.generated_at) and id(s) not in used]

    @property
    def fixed(self) -> list[dict[str, Any]]:
        """Baseline failures this audit evaluated and found passing or not applicable."""
        return self.tally.fixed_list()

    # ------------------------------------------------------------ verdicts
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
        return list(self.tally.errors)

    @property
    def complete(self) -> bool:
        return not self.scope_gaps and not self.tally.errors

    def incomplete_reasons(self) -> list[str]:
        """Why the audit is incomplete: each gap in scope, then checks that could not run for another reason."""
        out = [g.text for g in self.scope_gaps]
        explained = {g.text for g in self.gaps}
        for f in self.tally.errors:
            if not any(t in f.finding.message for t in explained):
                out.append(f"{f.check.id} on {f.registry.name}: {f.finding.message}")
        return out

    def unread_registries(self) -> set[str]:
        """Registry ids (lower) with a check that could not be evaluated: they have not passed."""
        t = self.tally
        if t.unread is None:
            t.unread = {f.registry.id.lower() for f in t.errors}
        return t.unread

    def failing(self, at_or_above: Severity | None = None) -> list[FindingRecord]:
        """Unsuppressed failures at or above a severity (a pass over the findings)."""
        floor = (at_or_above or Severity.INFO).rank
        return [f for f in self.findings if f.failing and f.severity.rank >= floor]

    def failing_count(self, at_or_above: Severity | None = None, *, new: bool = False) -> int:
        """How many :meth:`failing` (only new ones with ``new``), from the totals."""
        floor = (at_or_above or Severity.INFO).rank
        counts = self.tally.new_failing if new else self.tally.failing
        return sum(n for s, n in counts.items() if s.rank >= floor)

    def gating(self) -> list[FindingRecord]:
        """The failures that decide exit 1: at or above ``fail_on``, and only new ones with ``--fail-on-new``."""
        return [f for f in self.failing(self.fail_on) if not self.fail_on_new or f.baseline == "new"]

    def gating_count(self) -> int:
        return self.failing_count(self.fail_on, new=self.fail_on_new)

    def exit_code(self, soft_fail: bool = False) -> int:
        """3 incomplete (``--soft-fail`` does not hide it); else 1 when a gating failure or an expired suppression
        remains (``--soft-fail``: 0), 0 otherwise."""
        if not self.complete:
            return int(ExitCode.AZURE)
        if soft_fail:
            return 0
        return 1 if self.gating_count() or self.expired else 0

    def passed(self, reg: RegistryPosture) -> bool:
        """A registry passed: every check was evaluated and none failed (unsuppressed) at or above ``--fail-on``."""
        key = reg.id.lower()
        return self.tally.worst.get(key, -1) < self.fail_on.rank and key not in self.unread_registries()

    def worst_failure(self, reg: RegistryPosture) -> int:
        """The severity rank of the registry's worst unsuppressed failure, -1 when none."""
        return self.tally.worst.get(reg.id.lower(), -1)

    def summary(self) -> dict[str, Any]:
        t = self.tally
        unread = self.unread_registries()
        out = {
            "complete": self.complete,
            "registries": len(self.registries),
            "registriesPassed": sum(1 for r in self.registries if self.passed(r)),
            "registriesNotEvaluated": len(unread),
            "checks": len(self.checks),
            "findings": t.count,
            "passed": t.status.get("pass", 0),
            "failed": t.status.get("fail", 0),
            "notApplicable": t.status.get("not_applicable", 0),
            "errors": t.status.get("error", 0),
            "suppressed": t.status.get("suppressed", 0),
            "expiredSuppressions": len(self.expired),
            "readGaps": len(self.scope_gaps),
            "failedBySeverity": {s.value: t.failing.get(s, 0) for s in Severity},
            "failOn": self.fail_on.value,
            "failingAtOrAboveFailOn": self.failing_count(self.fail_on),
        }
        if self.baseline is not None:
            out["baseline"] = {"new": t.marks.get("new", 0), "unchanged": t.marks.get("unchanged", 0),
                               "fixed": len(self.fixed), "failOnNew": self.fail_on_new,
                               "newAtOrAboveFailOn": self.failing_count(self.fail_on, new=True)}
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

    def json_head(self) -> dict[str, Any]:
        """The JSON report's fields before ``findings`` (acrtui/audit/README.md, "JSON"): known before any check runs."""
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
        }

    def json_tail(self) -> dict[str, Any]:
        """The fields after ``findings``: the totals of every finding."""
        return {
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

    def to_json(self, *, findings: bool = True) -> dict[str, Any]:
        """The JSON report as one tree; ``findings=False`` leaves them out (an empty list). The CLI streams it
        instead (writers.iter_json)."""
        return {**self.json_head(), "findings": [f.to_json() for f in self.findings] if findings else [],
                **self.json_tail()}

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
    stream: bool = False,
) -> AuditReport:
    """Run each check on each registry (registry order, then catalogue order). ``named``: the registries were
    chosen by name (``--registry``), so a gap that could hide other registries is out of scope. ``suppressions``
    accept failures (never errors); ``baseline`` marks failures new / unchanged and finds the fixed ones.
    ``stream``: evaluate nothing now; each pass of a writer makes the findings registry by registry (the CLI:
    a fleet's findings never all in memory). Otherwise every finding is made now and held."""
    settings = settings or CheckSettings()
    regs = registries if registries is not None else select_registries(estate)
    sups = list(suppressions or [])
    live = [s for s in sups if not s.expired(settings.now)]
    report = AuditReport(
        generated_at=settings.now,
        registries=list(regs),
        checks=list(checks),
        held=None,
        source=_Source(estate, settings, live, baseline),
        suppressions=sups,
        expired=[s for s in sups if s.expired(settings.now)],
        baseline=baseline,
        fail_on_new=fail_on_new,
        fail_on=fail_on,
        target=target,
        subscriptions=dict(estate.subscriptions),
        errors=list(estate.errors),
        tool_version=tool_version,
        gaps=list(estate.gaps),
        registries_named=named,
    )
    if not stream:
        report.held = [f for _, fs in report.by_registry() for f in fs]  # the pass also keeps the totals
        report.source = None
    return report
