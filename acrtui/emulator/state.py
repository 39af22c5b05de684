"""The emulator's world: tenant, principals, subscriptions and every resource as its ARM JSON body.

Resources are keyed by their lower-cased id (ARM ids are case-insensitive) and keep the casing they were
created with. ``extra`` holds what Azure keeps but ARM does not show (repositories in a registry, a NIC's
allocations). The whole state serialises to JSON for ``--state FILE``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CLOUDS: dict[str, dict[str, str]] = {
    "AzureCloud": {"acr": "azurecr.io", "vault": "vault.azure.net", "dns_zone": "privatelink.azurecr.io"},
    "AzureUSGovernment": {"acr": "azurecr.us", "vault": "vault.usgovcloudapi.net", "dns_zone": "privatelink.azurecr.us"},
    "AzureChinaCloud": {"acr": "azurecr.cn", "vault": "vault.azure.cn", "dns_zone": "privatelink.azurecr.cn"},
}


@dataclass
class Principal:
    object_id: str
    client_id: str
    display_name: str
    secret: str | None = None  # None: a managed identity (no client-credential sign-in)
    kind: str = "ServicePrincipal"


@dataclass
class Resource:
    id: str
    body: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def type(self) -> str:
        return str(self.body.get("type", ""))

    @property
    def props(self) -> dict[str, Any]:
        return self.body.setdefault("properties", {})


def stable_uuid(*parts: str) -> str:
    """Deterministic GUIDs so seeds are the same every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "acrtui-emulator:" + "/".join(parts)))


class State:
    def __init__(self, tenant_id: str, cloud: str = "AzureCloud") -> None:
        self.tenant_id = tenant_id
        self.cloud = cloud
        self.principals: dict[str, Principal] = {}  # by object id (lower)
        self.subscriptions: dict[str, dict[str, Any]] = {}  # by subscription id (lower)
        self.resources: dict[str, Resource] = {}
        self._by_type: dict[str, dict[str, Resource]] = {}  # lower type -> {lower id: resource}, for fast lists
        self.globally_taken: dict[str, set[str]] = {}  # name uniqueness outside this tenant: {"registries": {...}}
        self.frozen_now: dt.datetime | None = None
        self.logins: dict[str, str] = {}  # seeded sign-ins: role name ("owner", "reader") -> object id

    # ---------------------------------------------------------------- time
    def now(self) -> dt.datetime:
        return self.frozen_now or dt.datetime.now(dt.UTC)

    def now_iso(self) -> str:
        return self.now().isoformat().replace("+00:00", "Z")

    # ---------------------------------------------------------------- principals
    def add_principal(self, p: Principal) -> Principal:
        self.principals[p.object_id.lower()] = p
        return p

    def principal_by_client_id(self, client_id: str) -> Principal | None:
        cid = client_id.lower()
        return next((p for p in self.principals.values() if p.client_id.lower() == cid), None)

    def principal(self, object_id: str) -> Principal | None:
        return self.principals.get(object_id.lower())

    # ---------------------------------------------------------------- subscriptions
    def add_subscription(self, sub_id: str, name: str) -> dict[str, Any]:
        """A subscription as ``GET /subscriptions/{id}`` returns it (REST spec example resources
        stable/2022-12-01/GetSubscription.json: ``managedByTenants`` is always listed, empty when no tenant manages it)."""
        body = {
            "id": f"/subscriptions/{sub_id}",
            "subscriptionId": sub_id,
            "tenantId": self.tenant_id,
            "displayName": name,
            "state": "Enabled",
            "authorizationSource": "RoleBased",
            "subscriptionPolicies": {"locationPlacementId": "Public_2014-09-01", "quotaId": "PayAsYouGo_2014-09-01", "spendingLimit": "Off"},
            "managedByTenants": [],
        }
        self.subscriptions[sub_id.lower()] = body
        return body

    def subscription(self, sub_id: str) -> dict[str, Any] | None:
        return self.subscriptions.get(sub_id.lower())

    # ---------------------------------------------------------------- resources
    def get(self, rid: str) -> Resource | None:
        return self.resources.get(rid.lower().rstrip("/"))

    def put(self, rid: str, body: dict[str, Any], extra: dict[str, Any] | None = None) -> Resource:
        key = rid.lower().rstrip("/")
        old = self.resources.get(key)
        if old is not None:
            retyped = str(body.get("type", "")).lower() != old.type.lower()
            if retyped:
                self._unindex(key, old)
            old.body = body
            if extra is not None:
                old.extra = extra
            if retyped:
                self._by_type.setdefault(old.type.lower(), {})[key] = old
            return old
        res = Resource(rid, body, extra or {})
        self.resources[key] = res
        self._by_type.setdefault(res.type.lower(), {})[key] = res
        return res

    def _unindex(self, key: str, res: Resource) -> None:
        for bucket in self._by_type.values():
            if bucket.get(key) is res:
                del bucket[key]
                return

    def delete(self, rid: str) -> Resource | None:
        """Remove a resource and everything below it (children, extension resources)."""
        key = rid.lower().rstrip("/")
        gone = self.resources.pop(key, None)
        if gone is not None:
            self._unindex(key, gone)
        for k in [k for k in self.resources if k.startswith(key + "/")]:
            self._unindex(k, self.resources.pop(k))
        return gone

    def of_type(self, rtype: str, under: str = "") -> list[Resource]:
        """Resources of a type, optionally below an id prefix (subscription, group or parent resource)."""
        bucket = self._by_type.get(rtype.lower(), {})
        prefix = under.lower().rstrip("/") + "/" if under else ""
        if not prefix:
            return list(bucket.values())
        return [r for k, r in bucket.items() if k.startswith(prefix)]

    def types(self) -> list[str]:
        """Lower-cased resource types present (for providers that list several child types)."""
        return [t for t, bucket in self._by_type.items() if bucket]

    def find_name(self, rtype: str, name: str) -> Resource | None:
        """A top-level resource by name across every subscription (global-name types: registries, vaults)."""
        n = name.lower()
        return next((r for k, r in self._by_type.get(rtype.lower(), {}).items() if k.rsplit("/", 1)[-1] == n), None)

    def suffix(self, kind: str) -> str:
        return CLOUDS[self.cloud][kind]

    # ---------------------------------------------------------------- persistence
    def to_json(self) -> dict[str, Any]:
        return {
            "tenantId": self.tenant_id,
            "cloud": self.cloud,
            "principals": [asdict(p) for p in self.principals.values()],
            "subscriptions": list(self.subscriptions.values()),
            "resources": [{"id": r.id, "body": r.body, "extra": r.extra} for r in self.resources.values()],
            "globallyTaken": {k: sorted(v) for k, v in self.globally_taken.items()},
            "logins": self.logins,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> State:
        st = cls(data["tenantId"], data.get("cloud", "AzureCloud"))
        for p in data.get("principals", []):
            st.add_principal(Principal(**p))
        for s in data.get("subscriptions", []):
            st.subscriptions[s["subscriptionId"].lower()] = s
        for r in data.get("resources", []):
            st.put(r["id"], r["body"], r.get("extra") or {})
        st.globally_taken = {k: set(v) for k, v in data.get("globallyTaken", {}).items()}
        st.logins = dict(data.get("logins", {}))
        return st

    def save(self, path: Path) -> None:
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_json(), indent=1))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> State:
        return cls.from_json(json.loads(path.read_text()))
