"""Show a plan before anything is written: Terraform-style text, JSON, or the equivalent ``az`` commands.

Text: a legend, then one block per action with ``+`` create, ``~`` update in place, ``-`` destroy, ``-/+``
replace, ``old -> new`` per property and ``(known after apply)`` for what Azure assigns, then preflight findings
and ``Plan: X to add, Y to change, Z to destroy.`` — or ``No changes.``.
"""

from __future__ import annotations

import json
from typing import Any

from acrtui.domain.actions import KNOWN_AFTER_APPLY, Plan, az_order
from acrtui.domain.preflight import Finding

SYMBOL = {"create": "+", "update": "~", "delete": "-", "replace": "-/+"}
LEGEND = {"create": "create", "update": "update in place", "delete": "destroy", "replace": "destroy and then create replacement"}
NO_CHANGES = "No changes. The registries match the plan; nothing to do."
FORMATS = ("text", "json", "az")


def _v(value: Any) -> str:
    if value == KNOWN_AFTER_APPLY:
        return KNOWN_AFTER_APPLY
    if value is None:
        return "null"
    return json.dumps(value, default=str)


def summary_line(plan: Plan) -> str:
    add, change, destroy = plan.counts()
    return f"Plan: {add} to add, {change} to change, {destroy} to destroy."


def render_findings(findings: list[Finding]) -> str:
    out = []
    for f in sorted(findings, key=lambda f: f.severity != "error"):
        label = "Error" if f.severity == "error" else "Warning"
        out.append(f"{label}: {f.subject}: {f.reason}\n  Way forward: {f.way_forward}")
    return "\n\n".join(out)


def render_text(plan: Plan, findings: list[Finding] | None = None) -> str:
    findings = findings or []
    if plan.empty:
        text = NO_CHANGES + "\n"
        return text + ("\n" + render_findings(findings) + "\n" if findings else "")
    used = [op for op in ("create", "update", "delete", "replace") if any(a.op == op for a in plan.actions)]
    lines = ["acrtui used the selected subscriptions to build this plan.",
             "Resource actions are indicated with the following symbols:"]
    lines += [f"  {SYMBOL[op]:>3} {LEGEND[op]}" for op in used]
    lines += ["", "acrtui will perform the following actions:", ""]
    for a in plan.actions:
        sym = SYMBOL[a.op]
        lines.append(f"  # {a.describe()}")
        if a.depends_on:
            lines.append(f"  # (after: {', '.join(k.split(':', 1)[0] for k in a.depends_on)})")
        lines.append(f"  {sym:>3} {a.resource_type} \"{a.name}\" {{")
        width = max((len(c.path) for c in a.changes()), default=0)
        for c in a.changes():
            if a.op == "create":
                lines.append(f"      + {c.path:<{width}} = {_v(c.new)}")
            elif a.op == "delete":
                lines.append(f"      - {c.path:<{width}} = {_v(c.old)} -> null")
            else:
                lines.append(f"      ~ {c.path:<{width}} = {_v(c.old)} -> {_v(c.new)}")
        lines.append(f"        id = {_v(a.resource_id)}")
        lines.append("      }")
        lines.append("")
    if findings:
        lines += [render_findings(findings), ""]
    lines.append(summary_line(plan))
    return "\n".join(lines) + "\n"


def plan_json(plan: Plan, findings: list[Finding] | None = None, **extra: Any) -> dict[str, Any]:
    add, change, destroy = plan.counts()
    return {
        "formatVersion": "1",
        "apiVersion": "acrtui/v1",
        **extra,
        "changes": not plan.empty,
        "summary": {"add": add, "change": change, "destroy": destroy},
        "actions": [
            {"key": a.key, "kind": a.kind, "op": a.op, "resourceType": a.resource_type, "resourceId": a.resource_id,
             "description": a.describe(), "dependsOn": list(a.depends_on),
             "changes": [{"path": c.path, "old": c.old, "new": c.new} for c in a.changes()], "az": a.az()}
            for a in plan.actions
        ],
        "findings": [f.to_json() for f in findings or []],
    }


def render_json(plan: Plan, findings: list[Finding] | None = None, **extra: Any) -> str:
    return json.dumps(plan_json(plan, findings, **extra), indent=2, default=str) + "\n"


def _comment(text: str) -> str:
    """One shell comment line per line of text (a newline in a reason must not end the comment)."""
    return "\n".join("# " + line if line else "#" for line in text.splitlines() or [""])


def render_az(plan: Plan, findings: list[Finding] | None = None) -> str:
    """A shell script of the same steps, for people who must run changes by hand: it stops at the first failing
    command (``set -euo pipefail``), and each action's commands follow a comment saying what they do."""
    lines = ["#!/usr/bin/env bash", "# az CLI equivalent of this acrtui plan, in order. Review before running.",
             "# Sign in first (az login) to the cloud the plan was made against.", "set -euo pipefail", ""]
    if plan.empty:
        return "\n".join([*lines, "# " + NO_CHANGES]) + "\n"
    for f in findings or []:
        lines.append(_comment(f"{f.severity.upper()}: {f.subject}: {f.reason}"))
    if findings:
        lines.append("")
    for a in az_order(plan.actions):
        lines.append(_comment(a.describe()))
        lines += a.az()
        lines.append("")
    return "\n".join(lines)


def render(plan: Plan, findings: list[Finding] | None, fmt: str, **extra: Any) -> str:
    if fmt == "json":
        return render_json(plan, findings, **extra)
    if fmt == "az":
        return render_az(plan, findings)
    return render_text(plan, findings)
