"""Suppressions: accepted risks, written down with a justification and an expiry, so a pipeline stays green on
what a person decided to accept — and turns red again when the decision lapses.

The file (``acrtui.suppressions.yaml`` in the working directory, ``audit.suppressions`` in the settings file or
``--suppressions PATH``)::

    suppressions:
      - check: ACR-NET-001            # a check id, or a glob over ids (ACR-POL-*)
        registry: dev*                # a registry name, a resource id, or a glob over either (case-insensitive)
        justification: dev registries are reached from the office range; see RISK-123
        expires: 2026-09-30           # an ISO date: the suppression holds through that day (UTC)

It may be hostile (a pipeline reads it from a pull request), so it is read like a plan file: a regular file of at
most 1 MiB in UTF-8 (:func:`acrtui.files.read_text`), composed by the plan loader's non-recursive YAML reader
(nesting, alias and tag limits), and every problem is reported as ``file:line: path: message`` (exit 2: a bad
suppressions file is a usage error, and nothing is read from Azure).

Only ``fail`` findings can be suppressed: an ``error`` (a check that could not run) is unknown, and no file makes
the unknown fine. An **expired** suppression suppresses nothing and fails the audit (exit 1, ``--soft-fail`` turns
it to 0 like any finding) with its ``file:line``, whatever the finding says now, so a lapsed risk acceptance is
renewed or removed deliberately. A suppression that matches no failing finding is a warning (stale, or a typo).
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from acrtui.errors import AcrtuiError, ExitCode
from acrtui.files import PLAN_LIMIT, InputFileError, read_text

DEFAULT_FILE = "acrtui.suppressions.yaml"
_FIELDS = ("check", "registry", "justification", "expires")


class SuppressionsError(AcrtuiError):
    """The suppressions file is unusable: one ``file:line: path: message`` per problem."""

    title = "Invalid suppressions file"
    exit_code = ExitCode.USAGE

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems[:50]) + "\nFix the file (or pass --suppressions with another) and run again.")
        self.problems = problems


@dataclass(frozen=True)
class Suppression:
    check: str  # id or glob, upper case
    registry: str  # name, id or glob, lower case
    justification: str
    expires: dt.date
    source: str  # "file:line" of the entry

    def matches(self, check_id: str, registry_name: str, registry_id: str) -> bool:
        if not fnmatch.fnmatchcase(check_id.upper(), self.check):
            return False
        return any(fnmatch.fnmatchcase(v.lower(), self.registry) for v in (registry_name, registry_id))

    def expired(self, now: dt.datetime) -> bool:
        return now.astimezone(dt.UTC).date() > self.expires

    def to_json(self) -> dict[str, Any]:
        return {"check": self.check, "registry": self.registry, "justification": self.justification,
                "expires": self.expires.isoformat(), "source": self.source}


def default_path(configured: str | None) -> str | None:
    """``--suppressions`` / settings first; else ``acrtui.suppressions.yaml`` when the working directory has one."""
    if configured:
        return configured
    return DEFAULT_FILE if os.path.exists(DEFAULT_FILE) else None


def load(path: str | Path, known_checks: list[str]) -> list[Suppression]:
    """The file's suppressions, or :class:`SuppressionsError` listing every problem with its line."""
    p = str(path)
    try:
        text = read_text(p, limit=PLAN_LIMIT, what="suppressions file")
    except InputFileError as exc:
        raise SuppressionsError(exc.problems) from None
    except AcrtuiError as exc:  # a FIFO, a directory: a usage error already
        raise SuppressionsError([exc.message]) from None
    return parse(text, p, known_checks)


def parse(text: str, source: str, known_checks: list[str]) -> list[Suppression]:
    from acrtui.plan.loader import Positions, _compose, _Fatal, path_text

    pos = Positions()
    dups: list[tuple[Any, int]] = []
    try:
        data = _compose(text, pos, dups)
    except _Fatal as exc:
        raise SuppressionsError([f"{source}:{exc.line}: {path_text(exc.path)}: {exc.message}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise SuppressionsError([f"{source}:{mark.line + 1 if mark else 1}: (yaml): {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise SuppressionsError([f"{source}:1: (yaml): {exc}"]) from None
    problems = [f"{source}:{line}: {path_text(loc)}: duplicate key" for loc, line in dups]

    def at(*loc: Any) -> str:
        return f"{source}:{pos.line(tuple(loc))}: {path_text(tuple(loc)) if loc else '(document)'}"

    if not isinstance(data, dict) or not isinstance(data.get("suppressions"), list):
        raise SuppressionsError([f"{at()}: expected a mapping with a list `suppressions:` (check, registry, "
                                 "justification, expires per entry)"])
    extra = sorted(k for k in data if k != "suppressions")
    problems += [f"{at(k)}: unknown key (the file has only `suppressions`)" for k in extra]
    known = [c.upper() for c in known_checks]
    out: list[Suppression] = []
    for i, entry in enumerate(data["suppressions"]):
        base = ("suppressions", i)
        if not isinstance(entry, dict):
            problems.append(f"{at(*base)}: an entry is a mapping of {', '.join(_FIELDS)}")
            continue
        problems += [f"{at(*base, k)}: unknown key; an entry has {', '.join(_FIELDS)}" for k in entry
                     if k not in _FIELDS]
        bad = False
        values: dict[str, str] = {}
        for k in _FIELDS:
            v = entry.get(k)
            if not isinstance(v, str) or not v.strip():
                where = at(*base, k) if k in entry else at(*base)
                problems.append(f"{where}: `{k}` is required (non-empty text)")
                bad = True
            else:
                values[k] = v.strip()
        if bad:
            continue
        check = values["check"].upper()
        if not any(fnmatch.fnmatchcase(c, check) for c in known):
            problems.append(f"{at(*base, 'check')}: {values['check']!r} matches no check (see `acrtui checks`)")
            continue
        try:
            expires = dt.date.fromisoformat(values["expires"][:10])
        except ValueError:
            problems.append(f"{at(*base, 'expires')}: {values['expires']!r} is not an ISO date (2026-09-30)")
            continue
        out.append(Suppression(check=check, registry=values["registry"].lower(),
                               justification=values["justification"], expires=expires,
                               source=f"{source}:{pos.line((*base,))}"))
    if problems:
        raise SuppressionsError(problems)
    return out
