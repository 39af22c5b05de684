"""The committed JSON Schema (docs/plan-v1.schema.json, for editors and CI) is what `acrtui plan --schema` prints,
and it refuses what the loader refuses for key access and key vaults."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from acrtui.plan.schema import json_schema

SCHEMA_FILE = Path(__file__).resolve().parents[2] / "docs" / "plan-v1.schema.json"
VAULT = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv-a"
IDENT = "/subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a"


def test_committed_schema_is_current() -> None:
    assert json.loads(SCHEMA_FILE.read_text()) == json_schema(), \
        "regenerate: .venv/bin/python -m acrtui plan --schema > docs/plan-v1.schema.json"


def doc(**top: Any) -> dict[str, Any]:
    return {"apiVersion": "acrtui/v1", **top}


GOOD = [
    doc(registries=[{"name": "abcde", "cmk": {"keyAccess": "granted"}}]),
    doc(registries=[{"name": "abcde", "cmk": {"keyVault": VAULT, "key": "k", "identity": IDENT, "keyAccess": "granted"}}]),
    doc(keyVaults=[{"name": "kv-a", "purgeProtection": True, "networkBypass": "AzureServices",
                    "auditLogging": {"workspace": VAULT.replace("Microsoft.KeyVault/vaults", "Microsoft.OperationalInsights/workspaces"),
                                     "categories": ["AuditEvent", "allLogs"]}}]),
    doc(keyVaults=[{"id": VAULT}]),
]
BAD = [
    doc(registries=[{"name": "abcde", "cmk": {"keyVault": VAULT, "key": "k"}}]),  # identity missing
    doc(registries=[{"name": "abcde", "cmk": {}}]),
    doc(keyVaults=[{"name": "kv-a", "purgeProtection": False}]),
    doc(keyVaults=[{"purgeProtection": True}]),
    doc(keyVaults=[{"name": "kv-a", "networkBypass": "Trusted"}]),
    doc(vaults=[{"id": VAULT}]),  # the old key: now keyVaults
]


@pytest.mark.parametrize("data", GOOD)
def test_schema_accepts(data: dict[str, Any]) -> None:
    jsonschema.validate(data, json_schema())


@pytest.mark.parametrize("data", BAD)
def test_schema_refuses(data: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, json_schema())


def test_loader_names_line_and_field_for_key_vault_and_key_access_mistakes() -> None:
    from acrtui.plan.loader import PlanFileError, parse

    text = ("apiVersion: acrtui/v1\nkeyVaults:\n  - name: kv-a\n    purge: true\n  - name: kv-b\n"
            "    purgeProtection: false\nvaults: []\nregistries:\n  - name: abcde\n"
            f"    cmk: {{keyVault: {VAULT}}}\n")
    with pytest.raises(PlanFileError) as info:
        parse(text, "p.yaml")
    problems = info.value.problems
    assert problems[0].startswith("p.yaml:4: keyVaults[0].purge: unknown key (allowed here: auditLogging, id, name,")
    assert problems[1].startswith("p.yaml:6: keyVaults[1].purgeProtection: purgeProtection can only be true")
    assert problems[2].startswith("p.yaml:7: vaults: unknown key") and "keyVaults" in problems[2]
    assert problems[3].startswith("p.yaml:10: registries[0].cmk: keyVault, key and identity come together")
