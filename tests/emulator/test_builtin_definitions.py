"""Every built-in policy definition the emulator serves is Azure's own: its key fields match the real definition
recorded in ``builtin_definitions/manifest.json`` (key fields and rule hashes taken from Azure/azure-policy at the commit named there, one
source path per definition), read back through the real ``azure-mgmt-resource`` PolicyClient. And every definition
acrtui's catalogue cites exists, so ``acrtui audit --preview-policy <guid>`` can read it."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from azure.mgmt.resource.policy.aio import PolicyClient

from acrtui.domain.checks import CATALOGUE
from acrtui.emulator import Emulator
from acrtui.emulator.policy.builtins import BUILTIN_DEFINITIONS

MANIFEST = json.loads((Path(__file__).parent / "builtin_definitions" / "manifest.json").read_text())
# named by issue 9 besides the catalogue's own citations
ISSUE_LISTED = {"696cb1d3-2dcf-4b44-aa7a-caccd18b1b96", "c4857be7-912a-4c75-87e6-e30292bcdf78",
                "090c7b07-b4ed-4561-ad20-e9075f3ccaff", "56288eb2-4350-461d-9ece-2bb242269dce"}


def _sha(x: Any) -> str:
    return hashlib.sha256(json.dumps(x, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _key_fields(gid: str, props: dict[str, Any]) -> dict[str, Any]:
    """The fields the manifest records, computed the same way from a served definition."""
    rule, params = props["policyRule"], props["parameters"]
    eff = next((v for k, v in params.items() if k.lower() == "effect"), None)
    det = rule["then"].get("details")
    details = None
    if isinstance(det, dict):
        details = {
            "type": det.get("type"),
            "existenceConditionSha256": _sha(det["existenceCondition"]) if "existenceCondition" in det else None,
            "roleDefinitionIds": det.get("roleDefinitionIds"),
            "operationsSha256": _sha(det["operations"]) if "operations" in det else None,
        }
    return {
        "id": f"/providers/Microsoft.Authorization/policyDefinitions/{gid}",
        "displayName": props["displayName"],
        "version": props["metadata"]["version"],
        "category": props["metadata"]["category"],
        "mode": props["mode"],
        "effect": {"allowedValues": eff.get("allowedValues"), "defaultValue": eff.get("defaultValue")}
        if eff else {"fixed": rule["then"]["effect"]},
        "parameters": {k: {"type": v.get("type"), "allowedValues": v.get("allowedValues"), "defaultValue": v.get("defaultValue"),
                           "assignPermissions": (v.get("metadata") or {}).get("assignPermissions")} for k, v in params.items()},
        "ifSha256": _sha(rule["if"]),
        "thenEffect": rule["then"]["effect"],
        "details": details,
    }


def test_manifest_names_its_source() -> None:
    assert MANIFEST["source"] == "https://github.com/Azure/azure-policy" and len(MANIFEST["commit"]) == 40
    assert all(d["path"].startswith("built-in-policies/policyDefinitions/") for d in MANIFEST["definitions"].values())
    assert set(BUILTIN_DEFINITIONS) == set(MANIFEST["definitions"])  # no emulator built-in without a real source


async def test_served_definitions_match_the_real_ones(emu: Emulator, sdk: Any) -> None:
    client = sdk(PolicyClient, emu)
    for gid, real in MANIFEST["definitions"].items():
        got = await client.policy_definitions.get_built_in(gid)
        params = {k: {"type": v.type, "allowedValues": v.allowed_values, "defaultValue": v.default_value,
                      "metadata": {"assignPermissions": v.metadata.assign_permissions} if v.metadata else {}}
                  for k, v in (got.parameters or {}).items()}
        props = {"displayName": got.display_name, "metadata": got.metadata, "mode": got.mode, "parameters": params,
                 "policyRule": got.policy_rule}
        want = {k: v for k, v in real.items() if k != "path"}
        assert _key_fields(gid, props) == want, real["path"]
        assert got.id == real["id"] and got.version == real["version"] and got.policy_type == "BuiltIn"


def test_fixes_issue_9_named() -> None:
    e9585a95 = BUILTIN_DEFINITIONS["e9585a95-5b8c-4d03-b193-dc7eb5ac4c32"]["properties"]
    assert e9585a95["version"] == "1.0.1" and e9585a95["parameters"]["privateDnsZoneId"]["metadata"]["assignPermissions"]
    assert BUILTIN_DEFINITIONS["9d2b0a20-57d6-474c-9d12-44a4a20999c6"]["properties"]["metadata"]["category"] == "Resilience"
    pe = json.dumps(BUILTIN_DEFINITIONS["d85c6833-7d33-4cf5-a915-aaa2de84405f"]["properties"]["policyRule"])
    # the endpoint's location is the subnet's VNet's: reference(<vnet id>).location, not the group's
    assert "[parameters('subnetLocation')]" in pe and "split(parameters('privateEndpointSubnetId'),'/subnets')" in pe
    assert "resourceGroup().location" not in pe


def test_every_cited_definition_exists() -> None:
    cited = {g.lower() for c in CATALOGUE for g in c.references.policy_definition_ids}
    assert cited and cited | ISSUE_LISTED <= set(BUILTIN_DEFINITIONS)
    kv = {g for g, d in BUILTIN_DEFINITIONS.items() if d["properties"]["metadata"]["category"] == "Key Vault"}
    assert kv == {"152b15f7-8e1f-4c1f-ab71-8c010ba5dbc0", "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
                  "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53", "cf820ca0-f99e-4f3e-84fb-66e913812d21",
                  "55615ac9-af46-4a59-874e-391cc3dfb490", "d8cf8476-a2ec-4916-896e-992351803c44"}
