"""The plan file's schema (``apiVersion: acrtui/v1``) and the saved-plan format.

The plan file's models live in :mod:`acrtui.domain.desired` (the diff is pure and reads them); this module names
them for the plan front, exports the JSON Schema (``acrtui plan --schema``) and defines the saved plan
(``acrtui plan FILE --out saved.json``): the actions plus a fingerprint of what was observed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from acrtui.domain.actions import AnyAction
from acrtui.domain.desired import (
    API_VERSION,
    Cmk,
    CmkMigration,
    Connection,
    DataEndpoint,
    DesiredState,
    Endpoint,
    KeyVaultSpec,
    NetworkRules,
    Operator,
    PolicyAssignmentSpec,
    PrivateLink,
    RegistrySpec,
)
from acrtui.domain.diff import World, affected_registries, endpoints_of

PlanDocument = DesiredState
SCHEMA_ID = "https://acrtui.dev/schemas/plan-v1.json"

__all__ = [
    "API_VERSION",
    "Cmk",
    "CmkMigration",
    "Connection",
    "DataEndpoint",
    "Endpoint",
    "KeyVaultSpec",
    "NetworkRules",
    "Operator",
    "PlanDocument",
    "PolicyAssignmentSpec",
    "PrivateLink",
    "RegistrySpec",
    "SavedPlan",
    "fingerprint",
    "json_schema",
]


def json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a plan file, for editors and CI validation."""
    schema = PlanDocument.model_json_schema(by_alias=True, mode="validation")
    return {**schema, "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
            "title": "acrtui plan file (acrtui/v1)"}


class SavedPlan(BaseModel):
    """A plan as planned: applying it later is refused if the fingerprint of the same resources changed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    api_version: Literal["acrtui/v1"] = Field("acrtui/v1", alias="apiVersion")
    kind: Literal["SavedPlan"] = "SavedPlan"
    created: dt.datetime
    source: str
    target: str
    fingerprint: str
    desired: dict[str, Any]
    actions: list[AnyAction]


def fingerprint(desired: DesiredState, world: World) -> str:
    """A digest of everything the plan read: the registries it names, their endpoints, vaults, identities,
    subnets, zones and policy assignments. Any change there makes a saved plan stale."""
    regs = affected_registries(desired, world)
    ids = {r.id.lower() for r in regs}
    data = {
        "registries": [r.model_dump(mode="json") for r in regs],
        "endpoints": [p.model_dump(mode="json") for p in endpoints_of(world, regs)],
        "vaults": sorted((v.model_dump(mode="json") for v in [*world.vaults.values(), *world.estate.vaults]),
                         key=lambda v: str(v["id"]).lower()),
        "identities": {k: (v.model_dump(mode="json") if v else None) for k, v in sorted(world.identities.items())},
        "subnets": {k: (vars(v) if v else None) for k, v in sorted(world.subnets.items())},
        "zones": {k: [v.exists, sorted(x.lower() for x in v.linked_vnets)] for k, v in sorted(world.zones.items())},
        "assignments": sorted(
            [a.model_dump(mode="json") for a in world.all_assignments() if any(a.applies_to(i) for i in ids)]
            + [a.model_dump(mode="json") for a in world.assignments.values() if a is not None]
            + [a.model_dump(mode="json") for a in world.scope_assignments],
            key=lambda a: str(a["id"]).lower()),
        "imported": sorted(f"{t}|{i}" for t, i in world.imported),
    }
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
