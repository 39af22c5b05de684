"""Baselines: compare this audit with a previous JSON report (``--baseline previous.json``) so a pull request is
gated on what it introduces (``--fail-on-new``), the way code-scanning tools gate pull requests.

A finding's identity is stable across runs: check id + registry id (case-insensitive) + subject (the evidence's
``subject`` when a check reports one per sub-resource, else empty). Against the baseline's failing findings, each
failing finding now is ``new`` or ``unchanged``; a baseline failure whose identity this audit evaluated and found
passing or not applicable is ``fixed``. One this audit did not evaluate (another --check, a registry not selected,
an ``error``) is not fixed: unknown is not fine.

The baseline is read like any input: a regular file (at most 64 MiB, UTF-8), JSON, an acrtui report of schema
major 1; anything else is a usage error (exit 2) naming ``file:line:col``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acrtui.errors import AcrtuiError, ExitCode
from acrtui.files import InputFileError, MiB, read_text

BASELINE_LIMIT = 64 * MiB  # a 1,000-registry × 40-check report is about 40 MB

Identity = tuple[str, str, str]


class BaselineError(AcrtuiError):
    title = "Invalid baseline"
    exit_code = ExitCode.USAGE

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem}\nGive a JSON report written by `acrtui audit --format json` (or drop --baseline).")


def identity(check_id: str, registry_id: str, evidence: Any) -> Identity:
    subject = evidence.get("subject") if isinstance(evidence, dict) else None
    return check_id.upper(), registry_id.lower(), str(subject or "")


@dataclass
class Baseline:
    source: str
    generated_at: str | None
    failing: dict[Identity, dict[str, Any]] = field(default_factory=dict)  # identity -> the baseline's finding

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "generatedAt": self.generated_at}


def load(path: str | Path) -> Baseline:
    p = str(path)
    try:
        text = read_text(p, limit=BASELINE_LIMIT, what="baseline report")
    except InputFileError as exc:
        raise BaselineError("\n".join(exc.problems)) from None
    except AcrtuiError as exc:
        raise BaselineError(exc.message) from None
    return parse(text, p)


def parse(text: str, source: str) -> Baseline:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{source}:{exc.lineno}:{exc.colno}: (json): {exc.msg}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("tool"), dict) or doc["tool"].get("name") != "acrtui":
        raise BaselineError(f"{source}:1: (document): not an acrtui JSON report (no tool.name \"acrtui\")")
    version = str(doc.get("schemaVersion", ""))
    if version.split(".")[0] not in ("1", "2"):  # both carry checkId, registryId, status, evidence per finding
        raise BaselineError(f"{source}:1: schemaVersion: {version or '(missing)'} is not a 1.x or 2.x report this "
                            "acrtui reads")
    findings = doc.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f"{source}:1: findings: missing or not a list")
    out = Baseline(source=source, generated_at=doc.get("generatedAt") if isinstance(doc.get("generatedAt"), str)
                   else None)
    for i, f in enumerate(findings):
        if not (isinstance(f, dict) and all(isinstance(f.get(k), str) for k in ("checkId", "registryId", "status"))):
            raise BaselineError(f"{source}:{_line(text, i)}: findings[{i}]: needs checkId, registryId and status "
                                "(text)")
        if f["status"] == "fail":  # suppressed ones too: a finding accepted before is not new
            out.failing[identity(f["checkId"], f["registryId"], f.get("evidence"))] = f
    return out


def _line(text: str, index: int) -> int:
    """Roughly where findings[index] starts (the line of its checkId), for the message."""
    pos = -1
    for _ in range(index + 1):
        pos = text.find('"checkId"', pos + 1)
        if pos < 0:
            return 1
    return text.count("\n", 0, pos) + 1
