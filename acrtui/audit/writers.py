"""Report writers: one function per format, each ``AuditReport -> str``, deterministic for a given report.

Formats and who reads them: ``table`` (a person at a terminal), ``json`` (scripts; shape documented in
``acrtui/audit/README.md``), ``sarif`` (code scanning, SARIF 2.1.0), ``junit`` (CI test reports), ``markdown``
(a PR comment), ``csv`` (a spreadsheet), ``html`` (a reviewer: one self-contained page, see html.py).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from acrtui.domain.checks import FAMILY_ORDER, Check, Family, Severity, Status

from .runner import AuditReport, FindingRecord, _iso

FORMATS = ("table", "json", "sarif", "junit", "markdown", "csv", "html")
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
    Family.MONITORING: "Monitoring",
    Family.SUPPLY_CHAIN: "Supply chain",
}


def render(report: AuditReport, fmt: str, *, colour: bool = False, show_passed: bool = False) -> str:
    """``colour`` and ``show_passed`` shape the table only (the machine formats always hold every finding)."""
    if fmt == "table":
        return write_table(report, colour=colour, show_passed=show_passed)
    if fmt == "html":
        from .html import write_html

        return write_html(report)
    writer = WRITERS.get(fmt)
    if writer is None:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    return writer(report)


def _by_registry(report: AuditReport) -> Iterator[tuple[Any, list[FindingRecord]]]:
    """Each registry with its findings, in report order (a streamed report makes them one registry at a time)."""
    return report.by_registry()


def _incomplete_lead(report: AuditReport) -> list[str]:
    """What every human-readable format says first when the audit could not see everything in scope."""
    if report.complete:
        return []
    return ["INCOMPLETE: this audit could not read or evaluate everything in scope, so it exits 3 (even with "
            "--soft-fail) and a missing failure below proves nothing. What could not be read:"] + [
        f"  - {r}" for r in report.incomplete_reasons()]


def _order(f: FindingRecord) -> tuple[int, int]:
    """Failures first (worst first), then errors, suppressed failures, passes, not applicable; catalogue order
    within."""
    rank = {Status.FAIL: 0, Status.ERROR: 1, Status.PASS: 3, Status.NOT_APPLICABLE: 4}[f.status]
    return (2 if f.suppressed else rank), -f.severity.rank


# ------------------------------------------------------------------------------------------------- table

_ANSI = {"fail": "\x1b[1;31m", "error": "\x1b[1;33m", "pass": "\x1b[32m", "na": "\x1b[2m", "sup": "\x1b[36m",
         "bold": "\x1b[1m", "reset": "\x1b[0m"}


def _registry_order(report: AuditReport) -> Iterator[tuple[Any, list[FindingRecord]]]:
    """Registries with failures first (worst first), then those that could not be evaluated, then the rest; sorted
    on the report's totals, each registry's findings made as it comes."""
    unread = report.unread_registries()

    def key(reg: Any) -> tuple[int, int, str]:
        worst = report.worst_failure(reg)
        return (0 if worst >= 0 else 1 if reg.id.lower() in unread else 2, -worst, reg.name.lower())
    for reg in sorted(report.registries, key=key):
        yield reg, report.findings_of(reg)


def write_table(report: AuditReport, *, colour: bool = False, show_passed: bool = False) -> str:
    """Failures first (registries and findings); passes and not-applicable hidden unless ``show_passed``."""
    def c(kind: str, text: str) -> str:
        return f"{_ANSI[kind]}{text}{_ANSI['reset']}" if colour else text

    lines = [
        f"acrtui audit · {report.target} · {len(report.registries)} registries · {len(report.checks)} checks · "
        f"{_iso(report.generated_at)}",
        "",
    ]
    if not report.complete:
        lines += [c("error", _incomplete_lead(report)[0]), *_incomplete_lead(report)[1:], ""]
    for reg, findings in _registry_order(report):
        if report.passed(reg):
            verdict = c("pass", f"passed at {report.fail_on.value}" if any(f.failing for f in findings) else "passed")
        elif any(f.failing and f.severity.rank >= report.fail_on.rank for f in findings):
            verdict = c("fail", "FAILED")
        else:
            verdict = c("error", "NOT EVALUATED")
        lines.append(f"{c('bold', reg.name)}  ({reg.sku}, {reg.location})  {verdict}  {reg.id}")
        hidden = Counter[str]()
        for f in sorted(findings, key=_order):
            if f.status in (Status.PASS, Status.NOT_APPLICABLE) and not show_passed:
                hidden[f.status.value] += 1
                continue
            if f.suppressed:
                word, kind = "SUPPR", "sup"
            else:
                word = _STATUS_WORD[f.status]
                kind = {Status.FAIL: "fail", Status.ERROR: "error", Status.PASS: "pass"}.get(f.status, "na")
            tag = f" [{f.baseline}]" if f.baseline else ""
            lines.append(f"  {c(kind, f'{word:<5}')} {f.severity.value:<8} {f.check.id:<12} {f.check.title}{tag}")
            if f.status in (Status.FAIL, Status.ERROR):
                lines.append(f"  {'':<5} {'':<8} {'':<12} → {f.finding.message}")
                if f.suppression is not None:
                    s = f.suppression
                    lines.append(f"  {'':<5} {'':<8} {'':<12}   suppressed until {s.expires.isoformat()} "
                                 f"({s.source}): {s.justification}")
                elif f.status is Status.FAIL and f.fix:
                    lines.append(f"  {'':<5} {'':<8} {'':<12}   fix: {f.fix}")
        if hidden:
            bits = ", ".join(f"{n} {'passed' if k == 'pass' else 'not applicable'}" for k, n in sorted(hidden.items(),
                                                                                                       reverse=True))
            lines.append(f"  ({bits}; --show-passed lists them)")
        lines.append("")
    if report.fixed:
        lines.append(f"Fixed since the baseline ({report.baseline.source if report.baseline else ''}):")
        lines += [f"  {c('pass', 'fixed')} {x['checkId']:<12} {x['registryName']}  {x['title']}" for x in report.fixed]
        lines.append("")
    for e in report.errors:
        lines.append(f"warning: {e}")
    for w in report.warnings():
        lines.append(f"warning: {w}")
    if report.errors or report.warnings():
        lines.append("")
    lines.append("Summary: " + report.summary_line())
    n = report.gating_count()
    what = "new finding(s)" if report.fail_on_new else "finding(s)"
    lines.append(
        f"{n} {what} at or above {report.fail_on.value}"
        if n
        else f"nothing {'new ' if report.fail_on_new else ''}failing at or above {report.fail_on.value}"
    )
    if report.expired:
        lines[-1] += f"; {len(report.expired)} expired suppression(s) fail the audit"
    if not report.complete:
        lines[-1] += f" among what could be read; incomplete: {len(report.incomplete_reasons())} reason(s) above"
    return "\n".join(lines) + "\n"


# -------------------------------------------------------------------------------------------------- json


def iter_json(report: AuditReport, chunk: int = 1 << 16) -> Iterator[str]:
    """The JSON report in pieces of about ``chunk`` characters: the document indented, each finding compact on its
    own line. One pass: each registry's findings are encoded as they are made, and the fields after them (summary,
    completeness) come from the totals of that pass — a fleet's findings never exist together."""
    buf: list[str] = ["{\n"]
    size = 0

    def field(k: str, v: Any, end: str = ",\n") -> str:
        return f"  {json.dumps(k)}: " + json.dumps(v, indent=2, ensure_ascii=False).replace("\n", "\n  ") + end

    buf += [field(k, v) for k, v in report.json_head().items()]
    buf.append('  "findings": [')
    n = 0
    for _, fs in report.by_registry():
        for f in fs:
            line = ("," if n else "") + "\n    " + json.dumps(f.to_json(), ensure_ascii=False)
            n += 1
            buf.append(line)
            size += len(line)
            if size >= chunk:
                yield "".join(buf)
                buf, size = [], 0
    buf.append(("\n  ]" if n else "]") + ",\n")
    tail = report.json_tail()
    buf += [field(k, v, ",\n" if i < len(tail) - 1 else "\n") for i, (k, v) in enumerate(tail.items())]
    buf.append("}\n")
    yield "".join(buf)


def write_json(report: AuditReport) -> str:
    return "".join(iter_json(report))


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
        result = _sarif_result(f, index)
        if f.suppression is not None:  # still a result: code scanning shows it as dismissed, with the reason
            sup = f.suppression
            result["suppressions"] = [{"kind": "external", "justification": sup.justification,
                                       "location": _sarif_file_location(sup.source),
                                       "properties": {"expires": sup.expires.isoformat()}}]
        if f.baseline:
            result["baselineState"] = f.baseline
        results.append(result)
    for x in report.fixed:  # fixed since the baseline: SARIF's "absent" results
        results.append({"ruleId": x["checkId"], "ruleIndex": index[x["checkId"]], "kind": "pass", "level": "none",
                        "baselineState": "absent",
                        "message": {"text": f"{x['registryName']}: fixed since the baseline ({x['status']})"},
                        "locations": [_sarif_location(x["registryId"], x["registryName"])],
                        "partialFingerprints": {"acrtuiFinding/v1": _fingerprint(x["checkId"], x["registryId"])}})
    config = [{"level": "error" if s in report.expired else "warning", "message": {"text": w},
               "locations": [_sarif_file_location(s.source)]}
              for s, w in zip([*report.expired, *report.unmatched], report.warnings(), strict=True)]
    scope = {g.text for g in report.scope_gaps}
    for e in report.errors:
        if e not in scope:  # a gap outside what this audit needed: worth saying, not a failure of the run
            notifications.append({"level": "warning", "message": {"text": e}})
    doc = _sarif_doc(report, rules, results, notifications, config)
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _fingerprint(check_id: str, registry_id: str) -> str:
    return hashlib.sha256(f"{check_id}|{registry_id.lower()}".encode()).hexdigest()[:32]


def _sarif_location(registry_id: str, name: str) -> dict[str, Any]:
    return {
        "physicalLocation": {"artifactLocation": {"uri": registry_id.lstrip("/"), "uriBaseId": "AZURE_RESOURCE"}},
        "logicalLocations": [{"name": name, "fullyQualifiedName": registry_id, "kind": "resource"}],
    }


def _sarif_file_location(source: str) -> dict[str, Any]:
    """``file:line`` of a suppression as a SARIF location."""
    path, _, line = source.rpartition(":")
    return {"physicalLocation": {"artifactLocation": {"uri": path.replace("\\", "/")},
                                 "region": {"startLine": int(line) if line.isdigit() else 1}}}


def _sarif_result(f: FindingRecord, index: dict[str, int]) -> dict[str, Any]:
    return {
        "ruleId": f.check.id,
        "ruleIndex": index[f.check.id],
        "kind": "fail",
        "level": _SARIF_LEVEL[f.severity],
        "message": {"text": f"{f.registry.name}: {f.finding.message}"},
        "locations": [_sarif_location(f.registry.id, f.registry.name)],
        "partialFingerprints": {"acrtuiFinding/v1": _fingerprint(f.check.id, f.registry.id)},
        "properties": {"evidence": f.finding.evidence, "severity": f.severity.value},
    }


def _sarif_doc(report: AuditReport, rules: list[Any], results: list[Any], notifications: list[Any],
               config: list[Any]) -> dict[str, Any]:
    return {
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
                        "toolConfigurationNotifications": config,  # expired / unmatched suppressions
                    }
                ],
                "results": results,
                "properties": {"summary": report.summary()},
            }
        ],
    }


# ------------------------------------------------------------------------------------------------- junit


def write_junit(report: AuditReport) -> str:
    s = report.summary()
    root = ET.Element(
        "testsuites",
        name="acrtui audit",
        tests=str(s["findings"] + len(_unattributed(report)) + len(report.expired)),
        failures=str(s["failed"] + len(report.expired)),
        errors=str(s["errors"] + len(_unattributed(report))),
        skipped=str(s["notApplicable"] + s["suppressed"]),
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
    if report.expired:  # a lapsed risk acceptance fails the audit: one failure each, located in the file
        suite = ET.SubElement(root, "testsuite", name="acrtui suppressions", tests=str(len(report.expired)),
                              failures=str(len(report.expired)), errors="0", skipped="0", time="0",
                              timestamp=_iso(report.generated_at))
        for sup, text in zip(report.expired, report.warnings(), strict=False):
            case = ET.SubElement(suite, "testcase", classname="acrtui.suppressions",
                                 name=f"{sup.check} {sup.registry} ({sup.source})", time="0")
            el = ET.SubElement(case, "failure", message=text, type="ExpiredSuppression")
            el.text = f"{text}\nJustification was: {sup.justification}"
    for reg, findings in _by_registry(report):
        suite = ET.SubElement(
            root,
            "testsuite",
            name=reg.name,
            tests=str(len(findings)),
            failures=str(sum(f.failing for f in findings)),
            errors=str(sum(f.status is Status.ERROR for f in findings)),
            skipped=str(sum(f.status is Status.NOT_APPLICABLE or f.suppressed for f in findings)),
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
            if f.suppression is not None:
                sup = f.suppression
                ET.SubElement(case, "skipped", message=f"suppressed until {sup.expires.isoformat()} ({sup.source}): "
                              f"{sup.justification} — finding: {f.finding.message}")
            elif f.status is Status.FAIL:
                new = f"[{f.baseline}] " if f.baseline else ""
                el = ET.SubElement(case, "failure", message=new + f.finding.message, type=f.severity.value)
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


def cell_state(findings: list[FindingRecord]) -> str:
    """One family of one registry: fail (an unsuppressed failure), error, suppressed, pass or n/a."""
    if any(f.failing for f in findings):
        return "fail"
    if any(f.status is Status.ERROR for f in findings):
        return "error"
    if any(f.suppressed for f in findings):
        return "suppressed"
    if any(f.status is Status.PASS for f in findings):
        return "pass"
    return "na"


_CELL = {"fail": "✗", "error": "⚠", "suppressed": "⊘", "pass": "✓", "na": "–"}


def _cell(findings: list[FindingRecord]) -> str:
    return _CELL[cell_state(findings)]


def family_label(fam: Family) -> str:
    return _FAMILY_LABEL.get(fam) or fam.value.replace("-", " ").capitalize()


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
        "| Registry | " + " | ".join(family_label(f) for f in families) + " |",
        "|---|" + "|".join(":---:" for _ in families) + "|",
    ]
    for reg, findings in _by_registry(report):
        cells = [_cell([f for f in findings if f.check.family is fam]) for fam in families]
        out.append(f"| `{reg.name}` | " + " | ".join(cells) + " |")
    out += [
        "",
        "✓ all applicable checks pass · ✗ at least one fails · ⚠ a check could not run · ⊘ only suppressed "
        "failures · – not applicable",
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
            if f.baseline:
                status += f" ({f.baseline})"
            if f.suppression is not None:
                sup = f.suppression
                status += " (suppressed)"
                fix = _md(f"suppressed until {sup.expires.isoformat()} ({sup.source}): {sup.justification}")
            out.append(
                f"| {f.severity.value}{status} | {f.check.id} {_md(f.check.title)} | {_md(f.finding.message)} | {fix} |"
            )
        out.append("")
    if report.fixed:
        out += ["### Fixed since the baseline", ""] + [
            f"- {x['checkId']} on `{x['registryName']}`: {_md(x['title'])}" for x in report.fixed] + [""]
    if report.errors or report.warnings():
        out += ["### Warnings", ""] + [f"- {_md(e)}" for e in [*report.errors, *report.warnings()]] + [""]
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
    "suppressed",
    "suppressionJustification",
    "suppressionExpires",
    "suppressionSource",
    "baseline",
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
                "true" if f.suppressed else "false",
                f.suppression.justification if f.suppression else "",
                f.suppression.expires.isoformat() if f.suppression else "",
                f.suppression.source if f.suppression else "",
                f.baseline or "",
            ]
        )
    for g in _unattributed(report):  # no registry to put it on: one row per read that may hide registries
        w.writerow(["", g.scope, "", "", "", "error", f"read gap: {g.what}", g.text, "", "", "", "", "",
                    json.dumps(g.model_dump(mode="json"), sort_keys=True), "false", "", "", "", ""])
    for sup, text in zip(report.expired, report.warnings(), strict=False):  # a lapsed acceptance fails the audit
        w.writerow([sup.registry, "", sup.check, "", "", "fail", "expired suppression", text, "", "", "", "", "",
                    json.dumps(sup.to_json(), sort_keys=True), "false", sup.justification, sup.expires.isoformat(),
                    sup.source, ""])
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
        peers = [f"{p['tool']} {p['id']}: {p['title']}" for p in c.peers()]  # as the peers title them
        for text in peers or ["no peer equivalent: only acrtui checks this"]:
            lines.append(f"{'':<38}{text}")
        if c.applicability != "All SKUs":
            lines.append(f"{'':<38}applies to: {c.applicability}")
    lines.append(f"{len(checks)} checks")
    return "\n".join(lines) + "\n"
