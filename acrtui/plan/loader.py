"""Load a plan file: YAML → validated :class:`~acrtui.domain.desired.DesiredState`, or every mistake at once.

Each problem reads ``file:line: field.path: message`` (unknown keys, wrong types, bad enums, bad CIDRs, names,
duplicate keys, YAML syntax), so an editor or CI log jumps straight to it. Nothing is written on any error: the
loader runs before a session is even opened.

The input may be hostile, so every bound holds before anything grows in memory: the file is read by
:mod:`acrtui.files` (regular files only, at most 1 MiB, UTF-8), the YAML is read event by event from libyaml with
a nesting limit, an alias-expansion limit and no tags, and at most :data:`MAX_PROBLEMS` problems are printed.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from acrtui.domain.desired import API_VERSION, DesiredState
from acrtui.errors import ExitCode
from acrtui.files import PLAN_LIMIT, SAVED_PLAN_LIMIT, InputFileError, read_text, size_text

Loc = tuple[str | int, ...]
MAX_DEPTH = 64  # a real plan nests 6 levels; deep nesting only exhausts the stack
MAX_ALIAS_NODES = 10_000  # values that aliases may repeat, in all (9 aliases of 9 levels would be 9**9)
MAX_PROBLEMS = 50
MAX_PROBLEM_CHARS = 300  # a problem quotes the value: a 500 KB string is shown by its start


class PlanFileError(InputFileError):
    """The plan file is not valid; ``problems`` holds one ``file:line: path: message`` line each, at most
    :data:`MAX_PROBLEMS` of them and then a line saying how many more there are."""

    title = "Invalid plan file"
    exit_code = ExitCode.FINDINGS  # 1: an error in the input, as Terraform reports configuration errors

    def __init__(self, problems: list[str], more: int = 0) -> None:
        if len(problems) > MAX_PROBLEMS:
            more += len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS]
        problems = [p if len(p) <= MAX_PROBLEM_CHARS else p[:MAX_PROBLEM_CHARS - 1] + "…" for p in problems]
        if more:
            problems = [*problems, f"… and {more:,} more problem{'s' if more != 1 else ''} (fix these and run again)"]
        super().__init__(problems)


class _Fatal(Exception):
    """A structural problem that stops reading (limits, tags, keys): one located problem."""

    def __init__(self, line: int, path: Loc, message: str) -> None:
        super().__init__(message)
        self.line, self.path, self.message = line, path, message


_STD = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_STD + t for t in ("str", "int", "float", "bool", "null")}
_RESOLVER = yaml.resolver.Resolver()
_CONSTRUCTOR = yaml.constructor.SafeConstructor()


def _tag_text(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


def _scalar(ev: Any, here: Callable[[], Loc]) -> Any:
    """A scalar's value as PyYAML's SafeLoader reads it, except that dates stay text and tags are refused."""
    tag = ev.tag
    if tag in (None, "!"):
        tag = _RESOLVER.resolve(yaml.ScalarNode, ev.value, ev.implicit) if tag is None else _STD + "str"
    elif tag not in _SCALAR_TAGS:
        raise _Fatal(ev.start_mark.line + 1, here(), f"unknown tag {_tag_text(tag)}: plan files are plain YAML "
                     "(no tags); write the value itself")
    if tag == _STD + "null":
        return None
    if tag == _STD + "bool":
        got = _CONSTRUCTOR.bool_values.get(ev.value.lower())
        if got is None:
            raise _Fatal(ev.start_mark.line + 1, here(), f"{ev.value!r} is not a !!bool")
        return got
    if tag in (_STD + "int", _STD + "float"):
        node = yaml.ScalarNode(tag, ev.value, ev.start_mark, ev.end_mark)
        try:
            return (_CONSTRUCTOR.construct_yaml_int if tag.endswith("int") else _CONSTRUCTOR.construct_yaml_float)(node)
        except ValueError:
            raise _Fatal(ev.start_mark.line + 1, here(), f"{ev.value!r} is not a {_tag_text(tag)}") from None
    return ev.value  # str, and timestamps / merge-less "<<" / "=" resolved as text


class _Open:
    """A mapping or sequence being read; ``lines`` holds the line of each item (or key) for error messages."""

    __slots__ = ("anchor", "explicit", "key", "key_line", "line", "lines", "merges", "part", "size", "value")

    def __init__(self, value: Any, part: str | int | None, anchor: str | None, line: int) -> None:
        self.value, self.part, self.anchor, self.line = value, part, anchor, line
        self.size = 1
        self.key: Any = None  # the key read, waiting for its value (mappings); None: expecting a key
        self.key_line = 0
        self.lines: Any = [] if isinstance(value, list) else {}
        self.merges: list[dict[Any, Any]] = []
        self.explicit: set[Any] = set()


class Positions:
    """Line numbers of a composed document, kept beside it (one int per value, not one path per value)."""

    def __init__(self) -> None:
        self.root: Any = None
        self.tables: dict[int, Any] = {}  # id(container) -> [line of item] | {key: line of key}

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of its nearest ancestor that was in the file (a missing key: its mapping)."""
        node, best = self.root, 1
        for part in loc:
            table = self.tables.get(id(node))
            if table is None:
                break
            try:
                best, node = table[part], node[part]
            except (KeyError, IndexError, TypeError):
                break
        return best


def _compose(text: str, pos: Positions, dups: list[tuple[Loc, int]]) -> Any:
    """Plain data from YAML text, without recursion and within the limits: nesting depth, nodes added by aliases
    (an alias bomb), self-referencing aliases, tags and keys are refused at their line before anything grows."""
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, int]] = {}
    opened: set[str] = set()
    expanded = 0
    docs = 0

    def here(child: bool = True) -> Loc:
        """The path being read (only computed for an error)."""
        loc = tuple(f.part for f in stack[1:] if f.part is not None)
        if child and stack:
            f = stack[-1]
            if isinstance(f.value, list):
                return (*loc, len(f.value))
            if f.key is not None:
                return (*loc, f.key)
        return loc

    def place(value: Any, size: int, line: int, *, scalar: bool) -> None:
        if not stack:
            pos.root = value
            return
        f = stack[-1]
        f.size += size
        if isinstance(f.value, list):
            f.value.append(value)
            f.lines.append(line)
            return
        if f.key is None:  # this is a key
            if not scalar:
                raise _Fatal(line, here(False), "a key must be a plain text value, not a list or mapping")
            if not isinstance(value, str):
                raise _Fatal(line, here(False), f"key {json.dumps(value, default=str)} is not text; quote it "
                             "(\"...\") or use a key this format knows")
            f.key, f.key_line = value, line
            return
        key, f.key = f.key, None
        if key == "<<" and key not in f.explicit and _is_merge(value):
            f.merges.extend(value if isinstance(value, list) else [value])
            return
        if key in f.explicit:
            dups.append(((*here(False), key), f.key_line))
        f.explicit.add(key)
        f.value[key] = value
        f.lines[key] = f.key_line

    def part() -> str | int | None:
        if not stack:
            return None
        f = stack[-1]
        return len(f.value) if isinstance(f.value, list) else f.key

    try:
        for ev in yaml.parse(text, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader):
            line = ev.start_mark.line + 1 if ev.start_mark else 1
            if isinstance(ev, yaml.ScalarEvent):
                value = _scalar(ev, here) if ev.tag is not None or ev.implicit[0] else ev.value
                if ev.anchor:
                    anchors[ev.anchor] = (value, 1)
                place(value, 1, line, scalar=True)
            elif isinstance(ev, yaml.AliasEvent):
                if ev.anchor in opened:
                    raise _Fatal(line, here(), f"alias *{ev.anchor} refers to the node that contains it")
                if ev.anchor not in anchors:
                    raise _Fatal(line, here(), f"alias *{ev.anchor} has no anchor &{ev.anchor} before it")
                value, size = anchors[ev.anchor]
                expanded += size
                if expanded > MAX_ALIAS_NODES:
                    raise _Fatal(line, here(), f"aliases repeat more than {MAX_ALIAS_NODES:,} values in all (an "
                                 "alias bomb?); write the values out or use fewer aliases")
                place(value, size, line, scalar=not isinstance(value, dict | list))
            elif isinstance(ev, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                mapping = isinstance(ev, yaml.MappingStartEvent)
                if ev.tag not in (None, "!", _STD + ("map" if mapping else "seq")):
                    raise _Fatal(line, here(), f"unknown tag {_tag_text(ev.tag)}: plan files are plain YAML "
                                 "(no tags)")
                if stack and isinstance(stack[-1].value, dict) and stack[-1].key is None:
                    raise _Fatal(line, here(False), "a key must be a plain text value, not a list or mapping")
                if len(stack) >= MAX_DEPTH:
                    raise _Fatal(line, here()[:8], f"nested more than {MAX_DEPTH} levels deep")
                stack.append(_Open({} if mapping else [], part(), ev.anchor, line))
                if ev.anchor:
                    opened.add(ev.anchor)
            elif isinstance(ev, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                f = stack.pop()
                if f.merges:
                    merged: dict[Any, Any] = {}
                    for m in reversed(f.merges):
                        merged.update(m)
                    f.value = {**merged, **f.value}
                if f.lines:
                    pos.tables[id(f.value)] = f.lines
                if f.anchor:
                    opened.discard(f.anchor)
                    anchors[f.anchor] = (f.value, f.size)
                place(f.value, f.size, f.line, scalar=False)
            elif isinstance(ev, yaml.DocumentStartEvent):
                docs += 1
                if docs > 1:
                    raise _Fatal(line, (), "a second document (---): a plan file is one document")
    except RecursionError:  # defence in depth: the reading above does not recurse
        raise _Fatal(1, (), f"nested more than {MAX_DEPTH} levels deep") from None
    return pos.root


def _is_merge(value: Any) -> bool:
    return isinstance(value, dict) or (isinstance(value, list) and bool(value)
                                       and all(isinstance(v, dict) for v in value))


def path_text(loc: Loc) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _model_at(loc: Loc, root: type[BaseModel] = DesiredState) -> type[BaseModel] | None:
    """The model class a location points into (to list the keys allowed there)."""
    model: Any = root
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


def _message(err: dict[str, Any], root: type[BaseModel] = DesiredState) -> str:
    kind = err.get("type", "")
    msg = str(err.get("msg", ""))
    if kind == "extra_forbidden":
        model = _model_at(tuple(err["loc"][:-1]), root)
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
    if len(text) > PLAN_LIMIT:  # text that did not come through load(): the same bound
        raise PlanFileError([f"{source}:1: (file): more than 1.0 MiB; a plan file may be at most 1.0 MiB"])
    pos = Positions()
    dups: list[tuple[Loc, int]] = []
    try:
        data = _compose(text, pos, dups)
    except _Fatal as exc:
        raise PlanFileError([f"{source}:{exc.line}: {path_text(exc.path)}: {exc.message}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        problem = str(exc.problem or exc)
        if "nesting depth" in problem:  # libyaml's own bound (1,000), met while it scans ahead
            problem = f"nested more than {MAX_DEPTH} levels deep"
        if "\t" in (text.splitlines()[line - 1:line] or [""])[0]:
            problem += " (indent with spaces, not tabs)"
        raise PlanFileError([f"{source}:{line}: (yaml): {problem}"]) from None
    except yaml.YAMLError as exc:  # ReaderError and the like: the text was checked before, so only a backstop
        raise PlanFileError([f"{source}:1: (yaml): {exc}"]) from None
    if data is None:
        raise PlanFileError([f"{source}:1: (document): the file is empty (or only comments, or null); start with "
                             f"apiVersion: {API_VERSION}"])
    problems = [f"{source}:{line}: {path_text(loc)}: duplicate key" for loc, line in dups]
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the value {json.dumps(data, default=str)[:40]}"
        raise PlanFileError([f"{source}:1: (document): a plan file is a mapping (apiVersion, registries, ...), "
                             f"not {kind}"])
    if data.get("kind") == "SavedPlan":
        raise PlanFileError([f"{source}:{pos.line(('kind',))}: kind: this is a saved plan (from `acrtui plan --out`); "
                             f"apply it with `acrtui apply {source}`, or plan the plan file it came from"])
    if data.get("apiVersion") != API_VERSION:
        line = pos.line(("apiVersion",))
        got = data.get("apiVersion")
        problems.append(f"{source}:{line}: apiVersion: expected {API_VERSION!r}"
                        + (f", got {got!r}" if got is not None else " (missing)"))
        raise PlanFileError(problems)
    located_cross: list[tuple[Loc, str]] = []  # cross-entry problems the model reports with their location
    desired, errors, total = _validate(data, located_cross)
    if errors:
        located = sorted((pos.line(tuple(e["loc"])), i) for i, e in enumerate(errors))
        problems.extend(f"{source}:{line}: {path_text(tuple(errors[i]['loc']))}: {_message(dict(errors[i]))}"
                        for line, i in located[:MAX_PROBLEMS])
        raise PlanFileError(sorted(problems, key=_line_of), more=max(0, total - min(len(errors), MAX_PROBLEMS)))
    problems += [f"{source}:{pos.line(tuple(loc))}: {path_text(tuple(loc))}: {msg}" for loc, msg in located_cross]
    if problems or desired is None:
        raise PlanFileError(problems)
    return desired


_CHUNK = 500
_LISTS: dict[str, TypeAdapter[Any]] = {
    (f.alias or n): TypeAdapter(f.annotation) for n, f in DesiredState.model_fields.items()
    if f.annotation is not None and typing.get_origin(f.annotation) is list}


def _validate(data: dict[str, Any], located: list[tuple[Loc, str]]) -> tuple[DesiredState | None, list[Any], int]:
    """The desired state, or (at most about :data:`MAX_PROBLEMS`) errors and how many there are in all.

    Long lists are validated :data:`_CHUNK` entries at a time and their errors counted, not kept: a 1 MiB file
    can hold 100,000 mistakes, and pydantic's record of each costs about a kilobyte.
    """
    big = {k: v for k, v in data.items() if k in _LISTS and isinstance(v, list) and len(v) > _CHUNK}
    errors: list[Any] = []
    total = 0
    for key, items in big.items():
        for start in range(0, len(items), _CHUNK):
            try:
                _LISTS[key].validate_python(items[start:start + _CHUNK])
            except ValidationError as exc:
                total += exc.error_count()
                if len(errors) < MAX_PROBLEMS:
                    errors += [{**e, "loc": (key, start + int(e["loc"][0]), *e["loc"][1:])}
                               for e in exc.errors(include_url=False)[:MAX_PROBLEMS - len(errors)]]
    try:
        desired = DesiredState.model_validate({**data, **{k: [] for k in big}} if total else data,
                                              context={"located_problems": located})
    except ValidationError as exc:
        return None, errors + exc.errors(include_url=False)[:MAX_PROBLEMS], total + exc.error_count()
    return (None if total else desired), errors, total


def _line_of(problem: str) -> int:
    try:
        return int(problem.split(":", 2)[1])
    except (IndexError, ValueError):
        return 0


def load(path: str | Path) -> DesiredState:
    """A plan file from disk: a regular file of at most 1 MiB in UTF-8 (see :func:`acrtui.files.read_text`)."""
    try:
        text = read_text(path, limit=PLAN_LIMIT)
    except InputFileError as exc:
        raise PlanFileError(exc.problems) from None
    return parse(text, str(path))


def load_plan_or_saved(path: str | Path) -> tuple[Any, DesiredState | None]:
    """``acrtui apply FILE``: ``(SavedPlan, None)`` for a saved plan (JSON with ``kind: SavedPlan``), checked down
    to its desired state, or ``(None, DesiredState)`` for a plan file."""
    from .schema import SavedPlan

    try:
        text = read_text(path, limit=SAVED_PLAN_LIMIT, limits=f"a plan file may be at most {size_text(PLAN_LIMIT)} "
                         f"and a saved plan {size_text(SAVED_PLAN_LIMIT)}")
    except InputFileError as exc:
        raise PlanFileError(exc.problems) from None
    if text.lstrip().startswith("{") and '"SavedPlan"' in text:
        data = parse_saved(text, str(path))
        try:
            saved = SavedPlan.model_validate(data)
        except ValidationError as exc:
            raise saved_problems(exc, str(path), SavedPlan) from None
        try:
            DesiredState.model_validate(saved.desired)
        except ValidationError as exc:
            raise saved_problems(exc, str(path), DesiredState, ("desired",)) from None
        return saved, None
    if len(text.encode("utf-8")) > PLAN_LIMIT:
        raise PlanFileError([f"{path}:1: (file): the file is more than {size_text(PLAN_LIMIT)}; a plan file may be at "
                             f"most {size_text(PLAN_LIMIT)} (split it into several)"])
    return None, parse(text, str(path))


def parse_saved(text: str, source: str = "<saved plan>") -> dict[str, Any]:
    """A saved plan's JSON, checked for syntax (``file:line:col``), depth and shape; the caller validates it into
    :class:`~acrtui.plan.schema.SavedPlan`."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFileError([f"{source}:{exc.lineno}:{exc.colno}: (json): {exc.msg}"]) from None
    except RecursionError:
        raise PlanFileError([f"{source}:1: (json): nested more than {MAX_DEPTH} levels deep"]) from None
    if not isinstance(data, dict) or data.get("kind") != "SavedPlan":
        raise PlanFileError([f"{source}:1: (document): not a saved plan (a JSON object with \"kind\": \"SavedPlan\", "
                             "written by `acrtui plan --out`)"])
    todo: list[tuple[Any, int]] = [(data, 1)]
    while todo:
        value, depth = todo.pop()
        if depth > MAX_DEPTH:
            raise PlanFileError([f"{source}:1: (json): nested more than {MAX_DEPTH} levels deep"])
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        todo.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return data


def saved_problems(exc: ValidationError, source: str, model: type[BaseModel], at: Loc = ()) -> PlanFileError:
    """A saved plan that does not validate: ``file: path: message`` each, capped like a plan file's."""
    errors = exc.errors(include_url=False)
    return PlanFileError([f"{source}: {path_text((*at, *e['loc']))}: {_message(dict(e), model)}" for e in errors])


def dump(desired: DesiredState) -> str:
    """The desired state as plan-file YAML (``acrtui export``), omitting unset keys."""
    data = desired.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    data = {"apiVersion": API_VERSION, **{k: v for k, v in data.items() if k != "apiVersion"}}
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=200)
