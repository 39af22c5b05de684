"""Load a plan file: YAML → validated :class:`~acrtui.domain.desired.DesiredState`, or every mistake at once.

Each problem reads ``file:line: field.path: message`` (unknown keys, wrong types, bad enums, bad CIDRs, names,
duplicate keys, YAML syntax), so an editor or CI log jumps straight to it. Nothing is written on any error: the
loader runs before a session is even opened.
"""

from __future__ import annotations

import json
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from acrtui.domain.desired import API_VERSION, DesiredState
from acrtui.errors import AcrtuiError, ExitCode

Loc = tuple[str | int, ...]


class PlanFileError(AcrtuiError):
    """The plan file is not valid; ``problems`` holds one ``file:line: path: message`` line each."""

    title = "Invalid plan file"
    exit_code = ExitCode.FINDINGS  # 1: an error in the input, as Terraform reports configuration errors

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _positions(node: yaml.Node, loc: Loc, out: dict[Loc, int], dups: list[tuple[Loc, int]]) -> None:
    """1-based line of every key (for mappings) and item, keyed by its path."""
    out.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for k, v in node.value:
            key = str(k.value)
            if key in seen:
                dups.append(((*loc, key), k.start_mark.line + 1))
            seen.add(key)
            out[(*loc, key)] = k.start_mark.line + 1
            _positions(v, (*loc, key), out, dups)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            out[(*loc, i)] = v.start_mark.line + 1
            _positions(v, (*loc, i), out, dups)


def _line(loc: Loc, positions: dict[Loc, int]) -> int:
    while loc and loc not in positions:
        loc = loc[:-1]
    return positions.get(loc, 1)


def path_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _model_at(loc: Loc) -> type[BaseModel] | None:
    """The model class a location points into (to list the keys allowed there)."""
    model: Any = DesiredState
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None
        field = next((f for n, f in model.model_fields.items() if part in (n, f.alias)), None)
        if field is None:
            return None
        model = _unwrap(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def _unwrap(tp: Any) -> Any:
    for _ in range(6):
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin in (list, typing.Union, types.UnionType):
            args = [a for a in typing.get_args(tp) if a is not type(None)]
            tp = args[0] if args else tp
        else:
            break
    return tp


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        model = _model_at(tuple(err["loc"][:-1]))
        allowed = sorted((f.alias or n) for n, f in model.model_fields.items()) if model else []
        return "unknown key" + (f" (allowed here: {', '.join(allowed)})" if allowed else "")
    if kind == "missing":
        return "required key is missing"
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if kind in ("literal_error", "enum") or kind.endswith("_type") or kind.endswith("_parsing"):
        got = err.get("input")
        if not isinstance(got, dict | list):
            msg += f" (got {json.dumps(got, default=str)})"
    return msg


def parse(text: str, source: str = "<plan>") -> DesiredState:
    """Validate plan-file text; raises :class:`PlanFileError` listing every problem."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        raise PlanFileError([f"{source}:{line}: (yaml): {exc.problem or exc}"]) from None
    if node is None:
        raise PlanFileError([f"{source}:1: (document): the file is empty; start with apiVersion: {API_VERSION}"])
    positions: dict[Loc, int] = {}
    dups: list[tuple[Loc, int]] = []
    _positions(node, (), positions, dups)
    problems = [f"{source}:{line}: {path_text(loc)}: duplicate key" for loc, line in dups]
    loader = yaml.SafeLoader(text)
    try:
        data = loader.construct_document(node)
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise PlanFileError([f"{source}:1: (document): a plan file is a mapping (apiVersion, registries, ...)"])
    if data.get("apiVersion") != API_VERSION:
        line = positions.get(("apiVersion",), 1)
        got = data.get("apiVersion")
        problems.append(f"{source}:{line}: apiVersion: expected {API_VERSION!r}"
                        + (f", got {got!r}" if got is not None else " (missing)"))
        raise PlanFileError(problems)
    located: list[tuple[Loc, str]] = []  # cross-entry problems the model reports with their location
    try:
        desired = DesiredState.model_validate(data, context={"located_problems": located})
    except ValidationError as exc:
        for err in exc.errors():
            loc = tuple(err["loc"])
            problems.append(f"{source}:{_line(loc, positions)}: {path_text(loc)}: {_message(dict(err))}")
        raise PlanFileError(sorted(problems, key=_line_of)) from None
    problems += [f"{source}:{_line(loc, positions)}: {path_text(loc)}: {msg}" for loc, msg in located]
    if problems:
        raise PlanFileError(problems)
    return desired


def _line_of(problem: str) -> int:
    try:
        return int(problem.split(":", 2)[1])
    except (IndexError, ValueError):
        return 0


def load(path: str | Path) -> DesiredState:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise PlanFileError([f"{p}:1: (file): cannot read: {exc.strerror or exc}"]) from None
    return parse(text, str(path))


def dump(desired: DesiredState) -> str:
    """The desired state as plan-file YAML (``acrtui export``), omitting unset keys."""
    data = desired.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data = {"apiVersion": API_VERSION, **{k: v for k, v in data.items() if k != "apiVersion"}}
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=200)
