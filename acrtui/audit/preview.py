"""``acrtui audit --preview-policy``: what a policy definition would say about the observed registries, before
anyone assigns it. The rule is evaluated locally by :mod:`acrtui.domain.policy_eval`.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from acrtui.domain.models import RegistryPosture
from acrtui.domain.policy_eval import (
    Evaluation,
    PolicyDefinition,
    PolicyError,
    find_definition,
    preview_registries,
    resolve_effect,
)

from .runner import _iso


@dataclass(frozen=True)
class PreviewReport:
    definition: PolicyDefinition
    effect: str
    scope: str | None
    evaluations: list[Evaluation]
    generated_at: dt.datetime

    @property
    def non_compliant(self) -> list[Evaluation]:
        return [e for e in self.evaluations if e.compliance == "NonCompliant"]

    @property
    def deny_blocks(self) -> list[Evaluation]:
        """With Deny, any write that leaves these registries as they are would be refused."""
        return [e for e in self.non_compliant if self.effect.lower() == "deny"]

    def to_json(self) -> dict[str, Any]:
        return {
            "schemaVersion": "1.0",
            "generatedAt": _iso(self.generated_at),
            "definition": {
                "id": self.definition.id,
                "name": self.definition.name,
                "displayName": self.definition.display_name,
            },
            "effect": self.effect,
            "scope": self.scope,
            "results": [
                {
                    "registryId": e.resource_id,
                    "registryName": e.resource_name,
                    "compliance": e.compliance,
                    "matched": e.matched,
                    "reason": e.reason,
                    "denyWouldBlockWrites": e in self.deny_blocks,
                }
                for e in self.evaluations
            ],
            "summary": {
                "registries": len(self.evaluations),
                "nonCompliant": len(self.non_compliant),
                "denyWouldBlock": len(self.deny_blocks),
            },
        }


def build_preview(
    definitions: Sequence[Mapping[str, Any]],
    id_or_name: str,
    registries: list[RegistryPosture],
    *,
    effect: str | None = None,
    scope: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    now: dt.datetime | None = None,
) -> PreviewReport:
    """Raises ``PolicyError`` (a ``ValueError``) for an unknown definition, a disallowed effect or a bad rule."""
    defn = find_definition(list(definitions), id_or_name)
    if scope:
        s = scope.lower().rstrip("/")
        registries = [r for r in registries if r.id.lower() == s or r.id.lower().startswith(s + "/")]
        if not registries:
            raise PolicyError(f"no observed registry is inside scope {scope}")
    evaluations = preview_registries(defn, registries, parameters=parameters, effect=effect)

    return PreviewReport(
        defn, resolve_effect(defn, parameters, effect), scope, evaluations, now or dt.datetime.now(dt.UTC)
    )


def render_preview(p: PreviewReport, fmt: str = "table") -> str:
    if fmt == "json":
        return json.dumps(p.to_json(), indent=2) + "\n"
    name = p.definition.display_name or p.definition.name
    lines = [
        f"Policy preview: {name}",
        f"  definition {p.definition.id or p.definition.name}",
        f"  effect {p.effect} · scope {p.scope or 'all observed registries'} · evaluated locally {_iso(p.generated_at)}",
        "",
    ]
    width = max([len(e.resource_name) for e in p.evaluations] + [8])
    for e in p.evaluations:
        lines.append(f"  {e.compliance:<13} {e.resource_name:<{width}}  {e.reason}")
    lines.append("")
    lines.append(f"{len(p.non_compliant)} of {len(p.evaluations)} registries non-compliant")
    if p.effect.lower() == "deny":
        if p.deny_blocks:
            names = ", ".join(e.resource_name for e in p.deny_blocks)
            lines.append(
                f"With Deny, writes to {names} would be refused (403 RequestDisallowedByPolicy) unless they fix it"
            )
        else:
            lines.append("With Deny, no observed registry would have its writes refused")
    return "\n".join(lines) + "\n"
