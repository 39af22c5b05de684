"""Fidelity: every body the emulator returns must deserialise into the SDK's model and back without losing a field.

Two model families live in the Azure SDK: the newer "hybrid" models (``_utils/model_base.py``; a raw mapping plus
typed attributes) and msrest models (``_serialization.py``). For hybrid models every key the emulator sent must be
a known REST field, checked recursively through the typed attribute values; for msrest models the body must survive
``deserialize`` → ``serialize(keep_readonly=True)``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any


def _norm(v: Any) -> Any:
    if isinstance(v, str):
        try:
            d = dt.datetime.fromisoformat(v.replace("Z", "+00:00"))
        except ValueError:
            return v
        if "T" in v:
            return d.astimezone(dt.UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    return v


def _is_hybrid(obj: Any) -> bool:
    return hasattr(obj, "_attr_to_rest_field")


def _hybrid_lost(model: Any, raw: Any, path: str) -> list[str]:
    lost: list[str] = []
    if not isinstance(raw, dict):
        return lost
    fields = {rf._rest_name: attr for attr, rf in model._attr_to_rest_field.items()}
    for key, value in raw.items():
        if key not in fields:
            if isinstance(model, dict) and not model._attr_to_rest_field:
                continue  # free-form object (e.g. tags, parameters)
            lost.append(f"{path}.{key}")
            continue
        typed = getattr(model, fields[key])
        if _is_hybrid(typed):
            lost += _hybrid_lost(typed, value, f"{path}.{key}")
        elif isinstance(typed, list) and isinstance(value, list):
            for i, (t, v) in enumerate(zip(typed, value, strict=False)):
                if _is_hybrid(t):
                    lost += _hybrid_lost(t, v, f"{path}.{key}[{i}]")
    return lost


def _subset_lost(raw: Any, out: Any, path: str) -> list[str]:
    if isinstance(raw, dict):
        if not isinstance(out, dict):
            return [path]
        lost: list[str] = []
        for k, v in raw.items():
            if v is None:
                continue
            if k not in out:
                lost.append(f"{path}.{k}")
            else:
                lost += _subset_lost(v, out[k], f"{path}.{k}")
        return lost
    if isinstance(raw, list):
        if not isinstance(out, list) or len(out) != len(raw):
            return [path]
        return [x for i, (a, b) in enumerate(zip(raw, out, strict=True)) for x in _subset_lost(a, b, f"{path}[{i}]")]
    return [] if _norm(raw) == _norm(out) else [f"{path} ({raw!r} != {out!r})"]


def lost_fields(model_cls: type, raw: dict[str, Any]) -> list[str]:
    """Paths of fields in ``raw`` that ``model_cls`` drops or changes."""
    if hasattr(model_cls, "_attribute_map"):  # msrest
        model = model_cls.deserialize(raw)  # type: ignore[attr-defined]
        return _subset_lost(raw, model.serialize(keep_readonly=True), "$")
    return _hybrid_lost(model_cls(raw), raw, "$")


def assert_roundtrip(model_cls: type, raw: dict[str, Any]) -> None:
    lost = lost_fields(model_cls, raw)
    assert not lost, f"{model_cls.__name__} loses fields the emulator sent: {lost}"
