"""Built-in policy definitions as ARM serves them, built from :mod:`.definitions` (Azure's ids, names, versions,
categories, modes, parameters and rules). Categories: Container Registry, Key Vault, Monitoring (diagnostic settings
for registries), Network, Resilience, Mission, Security Center.

What the emulator does with them is its own (providers/policy.py, policyinsights.py): it evaluates ``if`` with the
rule interpreter in ``rules.py``; DeployIfNotExists remediations record a failed deployment naming what is missing
instead of deploying templates; ``Microsoft.KeyVault.Data`` (key-level) rules are served but not evaluated, since
the emulator has no Key Vault data plane.
"""

from __future__ import annotations

import copy
from typing import Any

from .definitions import DEFINITIONS

DEFINITION_TYPE = "Microsoft.Authorization/policyDefinitions"


def _body(d: dict[str, Any]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"version": d["version"], "category": d["category"]}
    if d["preview"]:
        metadata["preview"] = True
    return {
        "properties": {
            "displayName": d["displayName"],
            "policyType": "BuiltIn",
            "mode": d["mode"],
            "description": d["description"],
            "metadata": metadata,
            "version": d["version"],
            "versions": [d["version"]],
            "parameters": copy.deepcopy(d["parameters"]),
            "policyRule": copy.deepcopy(d["policyRule"]),
        },
        "id": f"/providers/{DEFINITION_TYPE}/{d['name']}",
        "type": DEFINITION_TYPE,
        "name": d["name"],
    }


BUILTIN_DEFINITIONS: dict[str, dict[str, Any]] = {d["name"].lower(): _body(d) for d in DEFINITIONS}


def builtin(name: str) -> dict[str, Any] | None:
    """A fresh copy of a built-in definition body by its GUID name (case-insensitive)."""
    body = BUILTIN_DEFINITIONS.get(name.lower())
    return copy.deepcopy(body) if body else None


def all_builtins() -> list[dict[str, Any]]:
    return [copy.deepcopy(b) for b in BUILTIN_DEFINITIONS.values()]
