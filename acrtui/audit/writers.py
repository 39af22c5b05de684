"""Report writers: one function per format, each ``AuditReport -> str``, deterministic for a given report.

Formats and who reads them: ``table`` (a person at a terminal), ``json`` (scripts; shape documented in
``acrtui/audit/README.md``), ``sarif`` (code scanning, SARIF 2.1.0), ``junit`` (CI test reports), ``markdown``
(a PR comment), ``csv`` (a spreadsheet).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from acrtui.domain.checks import FAMILY_ORDER, Check, Family, Severity, Status

from .runner import AuditReport, FindingRecord, _iso

FORMATS = ("table", "json", "sarif", "junit", "markdown", "csv")
INFO_URI = "https://github.com/acrtui/acrtui"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

_STATUS_WORD = {Status.PASS: "pass", Status.FAIL: "FAIL", Status.NOT_APPLICABLE: "n/a", Status.ERROR: "ERROR"}
_FAMILY_LABEL = {
    Family.CMK: "CMK",
    Family.PRIVATE_LINK: "Private Link",
    Family.NETWORK: "Network",
    Family.DATA_ENDPOINT: "Data endpoint",
    Family.AUTH: "Auth",
    Family.POLICY: "Policy",
    Family.RESILIENCE: "Resilience",
    Family.SUPPLY_CHAIN: "Supply chain",
}


def render(report: AuditReport, fmt: str) -> str:
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return writer(report)


def _by_registry(report: AuditReport) -> list[tuple[Any, list[FindingRecord]]]:
    out = []
    for r in report.registries:
        out.append((r, [f for f in report.findings if f.registry.id == r.id]))
    return out


def _incomplete_lead(report: AuditReport) -> list[str]:
    """What every human-readable format says first when the audit could not see everything in scope."""
    if report.complete:
        return []
    return ["INCOMPLETE: this audit could not read or evaluate everything in scope, so it exits 3 (even with "
            "--soft-fail) and a missing failure below proves nothing. What could not be read:"] + [
        f"  - {r}" for r in report.incomplete_reasons()]


def _order(f: FindingRecord) -> tuple[int, int]:
    """Failures first (worst first), then errors, passes, not applicable; catalogue order within."""
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 2, Status.NOT_APPLICABLE: 3}[f.status]
    return rank, -f.severity.rank


# ------------------------------------------------------------------------------------------------- table


def write_table(report: AuditReport) -> str:
    lines = [
        f"acrtui audit · {report.target} · {len(report.registries)} registries · {len(report.checks)} checks · "
        f"{_iso(report.generated_at)}",
        "",
    ]
    if not report.complete:
        lines += [*_incomplete_lead(report), ""]
    for reg, findings in _by_registry(report):
        lines.append(f"{reg.name}  ({reg.sku}, {reg.location})  {reg.id}")
        for f in sorted(findings, key=_order):
            lines.append(
                f"  {_STATUS_WORD[f.status]:<5} {f.severity.value:<8} {f.check.id:<12} {f.check.title}"
            )
            if f.status in (Status.FAIL, Status.ERROR):
                lines.append(f"  {'':<5} {'':<8} {'':<12} → {f.finding.message}")
                if f.status is Status.FAIL and f.fix:
                    lines.append(f"  {'':<5} {'':<8} {'':<12}   fix: {f.fix}")
        lines.append("")
    for e in report.errors:
        lines.append(f"warning: {e}")
    if report.errors:
        lines.append("")
    lines.append("Summary: " + report.summary_line())
    n = len(report.failing(report.fail_on))
    lines.append(
        f"{n} finding(s) at or above {report.fail_on.value}"
        if n
        else f"nothing failing at or above {report.fail_on.value}"
    )
    if not report.complete:
        lines[-1] += f" among what could be read; incomplete: {len(report.incomplete_reasons())} reason(s) above"
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------- json


def write_json(report: AuditReport) -> str:
    return json.dumps(report.to_json(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------- sarif

_SARIF_LEVEL = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}
_SECURITY_SEVERITY = {
    Severity.CRITICAL: "9.5",
    Severity.HIGH: "8.0",
    Severity.MEDIUM: "5.5",
    Severity.LOW: "3.0",
    Severity.INFO: "0.0",
}


def _rule_name(c: Check) -> str:
    return "".join(
        w[:1].upper() + w[1:] for w in c.title.replace(",", " ").replace("'", "").replace("-", " ").split()
    )


def _help(c: Check) -> tuple[str, str]:
    r = c.remediation
    refs = c.references
    text = [c.rationale, "", f"Fix: {r.text}"]
    md = [c.rationale, "", f"**Fix:** {r.text}"]
    if r.az:
        text.append(f"az: {r.az}")
        md += ["", "```sh", r.az, "```"]
    if r.action:
        text.append(f"acrtui action: {r.action}")
        md.append(f"acrtui action: `{r.action}`")
    ref_bits = [f"policy {g}" for g in refs.policy_definition_ids] + list(refs.psrule) + list(refs.checkov)
    if ref_bits:
        text.append("References: " + ", ".join(ref_bits))
        md.append("")
        md.append("References: " + ", ".join(f"`{b}`" for b in ref_bits))
    return "\n".join(text), "\n".join(md)


def write_sarif(report: AuditReport) -> str:
    rules = []
    index = {}
    for i, c in enumerate(report.checks):
        index[c.id] = i
        text, md = _help(c)
        rule: dict[str, Any] = {
            "id": c.id,
            "name": _rule_name(c),
            "shortDescription": {"text": c.title},
            "fullDescription": {"text": c.rationale},
            "help": {"text": text, "markdown": md},
            "defaultConfiguration": {"level": _SARIF_LEVEL[c.severity]},
            "properties": {
                "security-severity": _SECURITY_SEVERITY[c.severity],
                "severity": c.severity.value,
                "family": c.family.value,
                "precision": "very-high",
                "tags": ["security", "azure", "container-registry", c.family.value],
                "references": c.references.as_dict(),
            },
        }
        if c.references.docs:
            rule["helpUri"] = c.references.docs[0]
        rules.append(rule)
    results = []
    notifications = []
    for r in report.incomplete_reasons():
        notifications.append({"level": "error", "message": {"text": f"incomplete: {r}"}})
    for f in report.findings:
        if f.status is Status.ERROR:
            notifications.append(
                {
                    "level": "error",
                    "message": {"text": f"{f.check.id} on {f.registry.name}: {f.finding.message}"},
                    "descriptor": {"id": f.check.id},
                }
            )
        if f.status is not Status.FAIL:
            continue
        fp = hashlib.sha256(f"{f.check.id}|{f.registry.id.lower()}".encode()).hexdigest()[:32]
        results.append(
            {
                "ruleId": f.check.id,
                "ruleIndex": index[f.check.id],
                "kind": "fail",
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f"{f.registry.name}: {f.finding.message}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {
                                "uri": f.registry.id.lstrip("/"),
                                "uriBaseId": "AZURE_RESOURCE",
                            }
                        },
                        "logicalLocations": [
                            {"name": f.registry.name, "fullyQualifiedName": f.registry.id, "kind": "resource"}
                        ],
                    }
                ],
                "partialFingerprints": {"acrtuiFinding/v1": fp},
                "properties": {"evidence": f.finding.evidence, "severity": f.severity.value},
            }
        )
    scope = {g.text for g in report.scope_gaps}
    for e in report.errors:
        if e not in scope:  # a gap outside what this audit needed: worth saying, not a failure of the run
            notifications.append({"level": "warning", "message": {"text": e}})
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "acrtui",
                        "version": report.tool_version,
                        "informationUri": INFO_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {
                    "AZURE_RESOURCE": {
                        "description": {
                            "text": "Azure Resource Manager resource ids, relative to the cloud's ARM root"
                        }
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": report.complete,
                        "endTimeUtc": _iso(report.generated_at),
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "results": results,
                "properties": {"summary": report.summary()},
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ------------------------------------------------------------------------------------------------- junit


def write_junit(report: AuditReport) -> str:
    s = report.summary()
    root = ET.Element(
        "testsuites",
        name="acrtui audit",
        tests=str(s["findings"] + len(_unattributed(report))),
        failures=str(s["failed"]),
        errors=str(s["errors"] + len(_unattributed(report))),
        skipped=str(s["notApplicable"]),
        time="0",
        timestamp=_iso(report.generated_at),
    )
    gaps = _unattributed(report)
    if gaps:  # reads that may hide whole registries: no check ran on what they hid, so each is its own error
        suite = ET.SubElement(root, "testsuite", name="acrtui inventory", tests=str(len(gaps)), failures="0",
                              errors=str(len(gaps)), skipped="0", time="0", timestamp=_iso(report.generated_at))
        for g in gaps:
            case = ET.SubElement(suite, "testcase", classname="acrtui.inventory", name=g.what, time="0")
            el = ET.SubElement(case, "error", message=g.text, type=f"ReadGap:{g.kind.value}")
            el.text = f"{g.text}\nScope: {g.scope}\nHides: {', '.join(i.value for i in g.inputs)}"
    for reg, findings in _by_registry(report):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=reg.name,
            tests=str(len(findings)),
            failures=str(sum(f.status is Status.FAIL for f in findings)),
            errors=str(sum(f.status is Status.ERROR for f in findings)),
            skipped=str(sum(f.status is Status.NOT_APPLICABLE for f in findings)),
            time="0",
            timestamp=_iso(report.generated_at),
        )
        props = ET.SubElement(suite, "properties")
        for k, v in (("registryId", reg.id), ("sku", reg.sku), ("location", reg.location)):
            ET.SubElement(props, "property", name=k, value=v)
        for f in findings:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=f"acrtui.{f.check.family.value}.{reg.name}",
                name=f"{f.check.id} {f.check.title}",
                time="0",
            )
            if f.status is Status.FAIL:
                el = ET.SubElement(case, "failure", message=f.finding.message, type=f.severity.value)
                el.text = _detail(f)
            elif f.status is Status.ERROR:
                el = ET.SubElement(case, "error", message=f.finding.message, type="CheckError")
                el.text = _detail(f)
            elif f.status is Status.NOT_APPLICABLE:
                ET.SubElement(case, "skipped", message=f.finding.message)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _unattributed(report: AuditReport) -> list[Any]:
    """In-scope gaps that no finding carries (a listing failed: the registries themselves are unknown)."""
    return [g for g in report.scope_gaps if g.registries is None]


def _detail(f: FindingRecord) -> str:
    r = f.check.remediation
    parts = [f"{f.check.id} [{f.severity.value}] on {f.registry.id}", f.finding.message, f"Fix: {r.text}"]
    if r.az:
        parts.append(f"az: {r.az}")
    if f.finding.evidence:
        parts.append("Evidence: " + json.dumps(f.finding.evidence, sort_keys=True))
    return "\n".join(parts)


# ---------------------------------------------------------------------------------------------- markdown


def _cell(findings: list[FindingRecord]) -> str:
    if any(f.status is Status.FAIL for f in findings):
        return "✗"
    if any(f.status is Status.ERROR for f in findings):
        return "⚠"
    if any(f.status is Status.PASS for f in findings):
        return "✓"
    return "–"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_markdown(report: AuditReport) -> str:
    families = [fam for fam in FAMILY_ORDER if any(c.family is fam for c in report.checks)]
    out = ["## acrtui audit", ""]
    if not report.complete:
        lead = _incomplete_lead(report)
        out += [f"> **{lead[0]}**", ">"] + [f"> - {_md(r)}" for r in report.incomplete_reasons()] + [""]
    out += [
        f"**{report.summary_line()}**",
        "",
        f"Target `{report.target}` · {len(report.checks)} checks · generated {_iso(report.generated_at)} · "
        f"fail on `{report.fail_on.value}`",
        "",
        "| Registry | " + " | ".join(_FAMILY_LABEL[f] for f in families) + " |",
        "|---|" + "|".join(":---:" for _ in families) + "|",
    ]
    for reg, findings in _by_registry(report):
        cells = [_cell([f for f in findings if f.check.family is fam]) for fam in families]
        out.append(f"| `{reg.name}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "✓ all applicable checks pass · ✗ at least one fails · ⚠ a check could not run · – not applicable",
        "",
    ]
    for reg, findings in _by_registry(report):
        bad = [f for f in sorted(findings, key=_order) if f.status in (Status.FAIL, Status.ERROR)]
        out.append(f"### `{reg.name}` ({reg.sku}, {reg.location})")
        out.append("")
        if not bad:
            out += ["All applicable checks pass.", ""]
            continue
        out += ["| Severity | Check | Finding | Fix |", "|---|---|---|---|"]
        for f in bad:
            fix = (
                f"`{_md(f.fix)}`"
                if f.fix
                else _md(f.check.remediation.text)
            )
            status = "" if f.status is Status.FAIL else " (error)"
            out.append(
                f"| {f.severity.value}{status} | {f.check.id} {_md(f.check.title)} | {_md(f.finding.message)} | {fix} |"
            )
        out.append("")
    if report.errors:
        out += ["### Warnings", ""] + [f"- {_md(e)}" for e in report.errors] + [""]
    return "\n".join(out)


# --------------------------------------------------------------------------------------------------- csv

CSV_COLUMNS = [
    "registryName",
    "registryId",
    "checkId",
    "family",
    "severity",
    "status",
    "title",
    "message",
    "remediationAz",
    "remediationAction",
    "policyDefinitionIds",
    "psrule",
    "checkov",
    "evidence",
]


def write_csv(report: AuditReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for f in report.findings:
        refs = f.check.references
        w.writerow(
            [
                f.registry.name,
                f.registry.id,
                f.check.id,
                f.check.family.value,
                f.severity.value,
                f.status.value,
                f.check.title,
                f.finding.message,
                f.fix or "",
                f.check.remediation.action or "",
                ";".join(refs.policy_definition_ids),
                ";".join(refs.psrule),
                ";".join(refs.checkov),
                json.dumps(f.finding.evidence, sort_keys=True),
            ]
        )
    for g in _unattributed(report):  # no registry to put it on: one row per read that may hide registries
        w.writerow(["", g.scope, "", "", "", "error", f"read gap: {g.what}", g.text, "", "", "", "", "",
                    json.dumps(g.model_dump(mode="json"), sort_keys=True)])
    return buf.getvalue()


WRITERS: dict[str, Callable[[AuditReport], str]] = {
    "table": write_table,
    "json": write_json,
    "sarif": write_sarif,
    "junit": write_junit,
    "markdown": write_markdown,
    "csv": write_csv,
}


# ------------------------------------------------------------------------------------------ checks listing


def write_catalogue(checks: list[Check] | tuple[Check, ...], fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps({"schemaVersion": "1.1", "checks": [c.describe() for c in checks]}, indent=2) + "\n"
    lines = [f"{'ID':<13}{'SEVERITY':<10}{'FAMILY':<15}TITLE / REFERENCES"]
    for c in checks:
        lines.append(f"{c.id:<13}{c.severity.value:<10}{c.family.value:<15}{c.title}")
        refs = c.references
        bits = [f"policy {g}" for g in refs.policy_definition_ids] + list(refs.psrule) + list(refs.checkov)
        if bits:
            lines.append(f"{'':<38}{', '.join(bits)}")
        if c.applicability != "All SKUs":
            lines.append(f"{'':<38}applies to: {c.applicability}")
    lines.append(f"{len(checks)} checks")
    return "\n".join(lines) + "\n"
