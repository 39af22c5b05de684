"""The HTML report (``--format html``): one self-contained page for a security reviewer.

Self-contained means it needs nothing at view time: the CSS is inline, there is no script, no font, no image and
no link to fetch, and a Content-Security-Policy (``default-src 'none'``) makes a browser refuse any request even if
a value tried to start one. Every value from Azure (registry names, messages, evidence) may be hostile, so every
one goes through :func:`html.escape`; ids and classes are generated, never taken from the estate.

The page: a summary (what failed, by severity, and whether the audit is complete), the posture matrix (registries
× control families, coloured by state), then each registry's findings with their fixes, suppressions and the
checks that could not be evaluated marked; passes are folded away under each registry.
"""

from __future__ import annotations

import html
from typing import Any

from acrtui.domain.checks import FAMILY_ORDER, Severity, Status

from .runner import AuditReport, FindingRecord, _iso
from .writers import _order, _registry_order, cell_state, family_label

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5rem;color:#1b1f24;background:#fff}
h1{font-size:1.4rem;margin:0 0 .3rem}h2{font-size:1.15rem;margin:1.6rem 0 .5rem}
h3{font-size:1rem;margin:1.2rem 0 .4rem}
table{border-collapse:collapse;margin:.4rem 0}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;vertical-align:top;
text-align:left}th{background:#f6f8fa}
td.cell{text-align:center;font-weight:600;min-width:5.5rem}
.fail{background:#ffd7d5;color:#82071e}.error{background:#fff1c2;color:#7d4e00}.pass{background:#d2f4dc;color:#0f5323}
.suppressed{background:#ddf4ff;color:#0a3069}.na{background:#f6f8fa;color:#57606a}
.banner{border:2px solid #bf8700;background:#fff8c5;padding:.6rem .8rem;margin:.8rem 0}
.expired{border:2px solid #cf222e;background:#ffebe9;padding:.6rem .8rem;margin:.8rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.85em;white-space:pre-wrap;
word-break:break-all}
.muted{color:#57606a}.tag{font-size:.75em;border:1px solid currentColor;border-radius:3px;padding:0 .25rem}
"""

_STATE_WORD = {"fail": "fail", "error": "not evaluated", "suppressed": "suppressed", "pass": "pass",
               "na": "n/a"}


def _e(value: Any) -> str:
    return html.escape(str(value), quote=True)


def _state(f: FindingRecord) -> str:
    if f.suppressed:
        return "suppressed"
    return {Status.FAIL: "fail", Status.ERROR: "error", Status.PASS: "pass"}.get(f.status, "na")


def write_html(report: AuditReport) -> str:
    s = report.summary()
    families = [fam for fam in FAMILY_ORDER if any(c.family is fam for c in report.checks)]
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>acrtui audit · {_e(report.target)} · {_e(_iso(report.generated_at))}</title>",
           f"<style>{_CSS}</style></head><body>",
           "<h1>acrtui audit</h1>",
           f'<p class="muted">Target <b>{_e(report.target)}</b> · {len(report.registries)} registries · '
           f"{len(report.checks)} checks · generated {_e(_iso(report.generated_at))} · fail on "
           f"<b>{_e(report.fail_on.value)}</b> · acrtui {_e(report.tool_version)}</p>"]
    if not report.complete:
        out.append('<div class="banner" id="incomplete"><b>INCOMPLETE</b>: this audit could not read or evaluate '
                   "everything in scope (exit 3); a missing failure below proves nothing. What could not be read:"
                   "<ul>" + "".join(f"<li>{_e(r)}</li>" for r in report.incomplete_reasons()) + "</ul></div>")
    if report.expired:
        out.append('<div class="expired" id="expired"><b>Expired suppressions</b> (they no longer apply and fail '
                   "the audit):<ul>" + "".join(f"<li>{_e(w)}</li>" for w in report.warnings()[:len(report.expired)])
                   + "</ul></div>")
    out.append(f'<p id="summary"><b>{_e(report.summary_line())}</b></p>')

    out.append('<h2>Posture</h2><table id="matrix"><tr><th>registry</th>'
               + "".join(f'<th data-family="{f.value}">{_e(family_label(f))}</th>' for f in families)
               + "<th>verdict</th></tr>")
    anchors = {reg.id: f"reg-{i}" for i, reg in enumerate(report.registries)}
    for reg, findings in _registry_order(report):
        cells = []
        for fam in families:
            state = cell_state([f for f in findings if f.check.family is fam])
            cells.append(f'<td class="cell {state}" data-family="{fam.value}" data-state="{state}">'
                         f"{_STATE_WORD[state]}</td>")
        verdict = "passed" if report.passed(reg) else "failed"
        out.append(f'<tr data-registry="{_e(reg.name)}"><th><a href="#{anchors[reg.id]}">{_e(reg.name)}</a></th>'
                   + "".join(cells) + f'<td class="cell {"pass" if verdict == "passed" else "fail"}">{verdict}</td>'
                   "</tr>")
    out.append("</table>")
    out.append('<p class="muted">fail: at least one unsuppressed failure · not evaluated: a check could not run '
               "(a read failed) · suppressed: only accepted failures · n/a: no check applies</p>")

    out.append('<h2>Failed by severity</h2><table id="severity"><tr>'
               + "".join(f'<th class="{sev.value}">{sev.value}</th>' for sev in Severity)
               + '<th>suppressed</th><th>not evaluated</th></tr><tr>'
               + "".join(f'<td data-severity="{sev.value}" class="count">{s["failedBySeverity"][sev.value]}</td>'
                         for sev in Severity)
               + f'<td data-severity="suppressed" class="count">{s["suppressed"]}</td>'
               f'<td data-severity="error" class="count">{s["errors"]}</td></tr></table>')
    for reg, findings in _registry_order(report):  # a second pass: a streamed report makes the findings again
        out.append(f'<section id="{anchors[reg.id]}" class="registry" data-registry="{_e(reg.name)}">'
                   f"<h3>{_e(reg.name)} <span class=\"muted\">({_e(reg.sku)}, {_e(reg.location)})</span></h3>"
                   f'<p class="muted"><code>{_e(reg.id)}</code></p>')
        shown = [f for f in sorted(findings, key=_order) if f.status in (Status.FAIL, Status.ERROR)]
        if shown:
            out.append("<table><tr><th>status</th><th>severity</th><th>check</th><th>finding</th><th>fix</th></tr>")
            for f in shown:
                state = _state(f)
                tag = f' <span class="tag">{_e(f.baseline)}</span>' if f.baseline else ""
                if f.suppression is not None:
                    sup = f.suppression
                    fix = (f"<b>suppressed</b> until {_e(sup.expires.isoformat())}: {_e(sup.justification)} "
                           f'<span class="muted">({_e(sup.source)})</span>')
                elif f.status is Status.ERROR:
                    fix = "<b>not evaluated</b>: fix the read and run again"
                else:
                    cmd = f"<br><code>{_e(f.fix)}</code>" if f.fix else ""
                    fix = _e(f.check.remediation.text) + cmd
                out.append(f'<tr class="finding {state}" data-check="{_e(f.check.id)}" data-state="{state}">'
                           f"<td>{_STATE_WORD[state]}{tag}</td><td>{_e(f.severity.value)}</td>"
                           f"<td>{_e(f.check.id)}<br>{_e(f.check.title)}</td><td>{_e(f.finding.message)}</td>"
                           f"<td>{fix}</td></tr>")
            out.append("</table>")
        else:
            out.append("<p>All applicable checks pass.</p>")
        rest = [f for f in findings if f.status in (Status.PASS, Status.NOT_APPLICABLE)]
        if rest:
            out.append(f"<details><summary>{len(rest)} passed or not applicable</summary><ul>"
                       + "".join(f'<li class="{_state(f)}">{_e(f.check.id)} {_e(f.check.title)}: '
                                 f"{_e(_STATE_WORD[_state(f)])} — {_e(f.finding.message)}</li>" for f in rest)
                       + "</ul></details>")
        out.append("</section>")
    if report.fixed:
        out.append('<h2>Fixed since the baseline</h2><ul id="fixed">' + "".join(
            f"<li>{_e(x['checkId'])} on {_e(x['registryName'])}: {_e(x['title'])}</li>" for x in report.fixed)
            + "</ul>")
    warnings = [*report.errors, *report.warnings()]
    if warnings:
        out.append('<h2>Warnings</h2><ul id="warnings">' + "".join(f"<li>{_e(w)}</li>" for w in warnings) + "</ul>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
