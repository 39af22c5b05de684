"""Microsoft.KeyVault: vaults (soft delete, purge protection, access policies, RBAC mode, network ACLs) and keys.

Served for azure-mgmt-keyvault 14.x (api-version 2026-05-15). Vault PUT is an LRO (201 + Azure-AsyncOperation on
create, 200 on update); PATCH and ``accessPolicies/{add|replace|remove}`` are synchronous; DELETE answers 200/204;
purge is an LRO (202). ``keys.create_if_not_exist`` answers only 200 and returns an existing key unchanged: a new key
version is a data-plane operation the emulator does not serve, so seeds and tests call :func:`new_key_version`
(and :func:`disable_key`, :func:`set_key_expiry`) in process. The product must rotate by pointing at a version that
the data plane made.

Facts for other providers (the registry's customer-managed keys): :func:`identity_can_use_key`,
:func:`trusted_services_allowed`, :func:`key_from_uri`; seeds build vaults and keys with :func:`add_vault` and
:func:`add_key`, which produce the same bodies as the HTTP API.

Unconfirmed (no public source pins these down; what the emulator does):
- Invalid vault name: 400 ``VaultNameNotValid``; checkNameAvailability reason ``AccountNameInvalid``.
- A soft-deleted name is reported by checkNameAvailability as ``nameAvailable: false`` / ``AlreadyExists``.
- ``enableSoftDelete: false`` is refused (400 ``BadRequest``) on create and once on, as soft delete can no longer
  be opted out of since February 2025; seeded legacy vaults may still have it off and keep it off. The exact
  message is ours. ``enablePurgeProtection: false`` is refused always, with Azure's published message.
- ``enableRbacAuthorization`` defaults to true on create (Learn: API 2026-02-01 and later), although the SDK
  docstring still says false; on update an omitted value keeps the vault's current mode.
- PUT on an existing vault keeps omitted sticky properties (soft delete, purge protection, retention, RBAC mode)
  and resets the other omitted ones to their defaults. Retention days can only be set at creation (400).
- ``createMode: recover`` without a deleted vault of that name: 400 ``DeletedVaultNotFound``; recovery restores the
  vault (same id) with its keys and versions; role assignments on it are gone, as Azure documents.
- Deleted-vault GET for an unknown name: 404 ``DeletedVaultNotFound``. Purging a purge-protected deleted vault
  before its scheduled date: 409 ``ConflictError``. Deleted vaults past their scheduled purge date disappear.
- Validation errors (sku, tenant, access policy permissions, network ACLs, key parameters) are 400 ``BadRequest``
  with our wording; HSM key types need a premium vault; ``oct-HSM`` is refused (Managed HSM only).
- ``update_access_policy`` answers 200 with the request's policies echoed as VaultAccessPolicyParameters, id
  ``<vault id>/accessPolicies/<kind>``. ``add`` merges permissions per (objectId, applicationId); ``remove``
  removes the listed permissions and drops an entry left with none; ``replace`` replaces the whole list.
- A key version resource is named by its version id. A new version copies the key's type, size, curve, operations
  and exportability, is enabled and has no ``nbf``/``exp``.
- Network ACLs come back normalised as real vaults return them: a single IP ``1.2.3.4`` as ``1.2.3.4/32``
  (hashicorp/terraform-provider-azurerm#2164: a plain address re-applied on every run until written with /32)
  and subnet ids lower-cased (seen in real responses; issue 9). The CIDR is stored as given, not re-based.
- Trusted services (the registry) pass a vault's firewall when ``bypass`` is ``AzureServices``, even with
  ``publicNetworkAccess: Disabled`` (the SDK docstring says trusted-service traffic is still allowed).
- The generic ``GET /subscriptions/{sub}/resources`` (``vaults.list``) is served here only until another provider
  registers that path; then it defers to that handler.
"""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import re
from typing import Any

from .. import hooks
from ..arm import (
    ROUTES,
    ArmError,
    Ctx,
    Response,
    bad_request,
    get_ci,
    lro,
    merge_patch,
    new_guid,
    page,
    res_id,
    route,
    system_data,
)
from ..rbac import allowed
from ..state import Principal, Resource, State, stable_uuid
from .resources import require_rg

VAULT_TYPE = "Microsoft.KeyVault/vaults"
KEY_TYPE = "Microsoft.KeyVault/vaults/keys"
VERSION_TYPE = "Microsoft.KeyVault/vaults/keys/versions"
DELETED_TYPE = "Microsoft.KeyVault/deletedVaults"
POLICY_TYPE = "Microsoft.KeyVault/vaults/accessPolicies"

VAULT_NAME_RX = re.compile(r"^[a-zA-Z][a-zA-Z0-9-]{1,22}[a-zA-Z0-9]$")
KEY_NAME_RX = re.compile(r"^[a-zA-Z0-9-]{1,127}$")
GUID_RX = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

PERMISSIONS: dict[str, set[str]] = {
    "keys": {
        "all", "encrypt", "decrypt", "wrapkey", "unwrapkey", "sign", "verify", "get", "list", "create", "update",
        "import", "delete", "backup", "restore", "recover", "purge", "release", "rotate", "getrotationpolicy",
        "setrotationpolicy",
    },
    "secrets": {"all", "get", "list", "set", "delete", "backup", "restore", "recover", "purge"},
    "certificates": {
        "all", "get", "list", "delete", "create", "import", "update", "managecontacts", "getissuers", "listissuers",
        "setissuers", "deleteissuers", "manageissuers", "recover", "purge", "backup", "restore",
    },
    "storage": {
        "all", "get", "list", "delete", "set", "update", "regeneratekey", "recover", "purge", "backup", "restore",
        "setsas", "listsas", "getsas", "deletesas",
    },
}
KEY_OPS = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey", "import", "release"]
DEFAULT_OPS = {"RSA": ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"], "EC": ["sign", "verify"]}
RSA_SIZES = (2048, 3072, 4096)
CURVES = ("P-256", "P-384", "P-521", "P-256K")
KTYS = {"rsa": "RSA", "rsa-hsm": "RSA-HSM", "ec": "EC", "ec-hsm": "EC-HSM", "oct-hsm": "oct-HSM"}
MAX_POLICIES = 1024
MAX_IP_RULES = 1000

NAME_RULE = (
    "A vault's name must be between 3-24 alphanumeric characters. The name must begin with a letter, end with a "
    "letter or digit, and not contain consecutive hyphens. Follow this link for more information: "
    "https://go.microsoft.com/fwlink/?linkid=2147742"
)


# ---------------------------------------------------------------- small helpers


def valid_vault_name(name: str) -> bool:
    return bool(VAULT_NAME_RX.match(name)) and "--" not in name


def vault_uri(state: State, vault_name: str) -> str:
    return f"https://{vault_name}.{state.suffix('vault')}/"


def key_uri(state: State, vault_name: str, key_name: str, version: str | None = None) -> str:
    """``keyUri`` / ``keyUriWithVersion`` as the ARM keys API writes them: with the default port
    (``https://<vault>.vault.azure.net:443/keys/<k>[/<v>]``; REST spec example getKey.json, 2023-07-01), although
    ``vaultUri`` has none. Both forms name the same key wherever a key id is accepted."""
    base = f"https://{vault_name}.{state.suffix('vault')}:443/keys/{key_name}"
    return f"{base}/{version}" if version else base


def find_vault(state: State, name: str) -> Resource | None:
    """Vault names are global: at most one active vault has a name."""
    return state.find_name(VAULT_TYPE, name)


def _unix(state: State) -> int:
    return int(state.now().timestamp())


def _norm_location(loc: str) -> str:
    return loc.lower().replace(" ", "")



def _bool(v: Any, field: str) -> bool | None:
    if v is None:
        return None
    if not isinstance(v, bool):
        raise bad_request("BadRequest", f"The value of the property '{field}' must be a boolean.")
    return v


def _new_version_id(state: State, key_id: str) -> str:
    n = len(state.of_type(VERSION_TYPE, key_id))
    base = stable_uuid("kv-key-version", key_id.lower(), str(n), state.now_iso()).replace("-", "")
    while state.get(f"{key_id}/versions/{base}") is not None:
        base = new_guid().replace("-", "")
    return base


# ---------------------------------------------------------------- deleted vaults


def _deleted_id(sub: str, location: str, name: str) -> str:
    return f"/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{_norm_location(location)}/deletedVaults/{name}"


def _expire_deleted(state: State) -> None:
    """Azure purges a deleted vault on its scheduled purge date."""
    now = state.now()
    for r in state.of_type(DELETED_TYPE):
        when = dt.datetime.fromisoformat(str(r.props["scheduledPurgeDate"]).replace("Z", "+00:00"))
        if when <= now:
            state.delete(r.id)


def find_deleted(state: State, name: str) -> Resource | None:
    _expire_deleted(state)
    return state.find_name(DELETED_TYPE, name)


def _soft_delete(state: State, vault: Resource) -> None:
    """Move a vault (and its keys) to the deleted vaults, or drop it when soft delete is off (legacy vaults)."""
    props = vault.props
    rid = vault.id
    children = [
        {"id": r.id, "body": copy.deepcopy(r.body), "extra": copy.deepcopy(r.extra)}
        for k, r in state.resources.items()
        if k.startswith(rid.lower() + "/") and r.type.lower().startswith(VAULT_TYPE.lower() + "/")
    ]
    state.delete(rid)
    if not props.get("enableSoftDelete"):
        return
    sub = rid.split("/")[2]
    now = state.now()
    days = int(props.get("softDeleteRetentionInDays") or 90)
    did = _deleted_id(sub, vault.body["location"], vault.body["name"])
    body = {
        "id": did,
        "name": vault.body["name"],
        "type": DELETED_TYPE,
        "properties": {
            "vaultId": rid,
            "location": vault.body["location"],
            "deletionDate": now.isoformat().replace("+00:00", "Z"),
            "scheduledPurgeDate": (now + dt.timedelta(days=days)).isoformat().replace("+00:00", "Z"),
            "tags": dict(vault.body.get("tags") or {}),
            "purgeProtectionEnabled": bool(props.get("enablePurgeProtection")),
        },
    }
    state.put(did, body, {"vault": copy.deepcopy(vault.body), "vaultExtra": copy.deepcopy(vault.extra), "children": children})


# ---------------------------------------------------------------- vault validation and bodies

_STICKY = ("enableSoftDelete", "enablePurgeProtection", "softDeleteRetentionInDays", "enableRbacAuthorization")
_KNOWN = (
    "tenantId", "sku", "accessPolicies", "vaultUri", "enabledForDeployment", "enabledForDiskEncryption",
    "enabledForTemplateDeployment", "enableSoftDelete", "softDeleteRetentionInDays", "enableRbacAuthorization",
    "createMode", "enablePurgeProtection", "networkAcls", "publicNetworkAccess",
)


def _canon(props: dict[str, Any]) -> dict[str, Any]:
    """Property names in their documented casing (ARM accepts any casing)."""
    out: dict[str, Any] = {}
    for k in _KNOWN:
        v = get_ci(props, k)
        if v is not None:
            out[k] = v
    return out


def _check_sku(sku: Any) -> dict[str, str]:
    if not isinstance(sku, dict) or not get_ci(sku, "name"):
        raise bad_request("BadRequest", "The parameter 'sku' is required and must have a name.")
    name = str(get_ci(sku, "name"))
    if name.lower() not in ("standard", "premium"):
        raise bad_request("BadRequest", f"The SKU name '{name}' is not valid. Allowed values: standard, premium.")
    family = str(get_ci(sku, "family") or "A")
    if family != "A":
        raise bad_request("BadRequest", f"The SKU family '{family}' is not valid. Allowed values: A.")
    return {"family": "A", "name": name.lower()}


def _check_policies(state: State, policies: Any) -> list[dict[str, Any]]:
    if not isinstance(policies, list):
        raise bad_request("BadRequest", "The property 'accessPolicies' must be an array.")
    if len(policies) > MAX_POLICIES:
        raise bad_request("BadRequest", f"A vault can have at most {MAX_POLICIES} access policies.")
    out = []
    for i, p in enumerate(policies):
        if not isinstance(p, dict):
            raise bad_request("BadRequest", f"accessPolicies[{i}] must be an object.")
        tenant, oid = get_ci(p, "tenantId"), get_ci(p, "objectId")
        if not tenant or not GUID_RX.match(str(tenant)):
            raise bad_request("BadRequest", f"accessPolicies[{i}].tenantId must be a GUID.")
        if not oid:
            raise bad_request("BadRequest", f"accessPolicies[{i}].objectId is required.")
        entry: dict[str, Any] = {"tenantId": str(tenant), "objectId": str(oid)}
        app = get_ci(p, "applicationId")
        if app:
            entry["applicationId"] = str(app)
        perms = get_ci(p, "permissions")
        if not isinstance(perms, dict):
            raise bad_request("BadRequest", f"accessPolicies[{i}].permissions is required.")
        entry["permissions"] = _check_permissions(perms, f"accessPolicies[{i}].permissions")
        out.append(entry)
    return out


def _check_permissions(perms: dict[str, Any], where: str) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for k, v in perms.items():
        cat = k.lower()
        if cat not in PERMISSIONS:
            raise bad_request("BadRequest", f"{where}.{k} is not a permission category.")
        if not isinstance(v, list):
            raise bad_request("BadRequest", f"{where}.{k} must be an array.")
        for j, perm in enumerate(v):
            if str(perm).lower() not in PERMISSIONS[cat]:
                raise bad_request("BadRequest", f"Invalid value found at {where}.{cat}[{j}]: {perm}")
        out[cat] = [str(x) for x in v]
    for cat in ("keys", "secrets", "certificates"):
        out.setdefault(cat, [])
    return out


def _check_acls(acls: Any) -> dict[str, Any]:
    if not isinstance(acls, dict):
        raise bad_request("BadRequest", "The property 'networkAcls' must be an object.")
    bypass = str(get_ci(acls, "bypass") or "AzureServices")
    default = str(get_ci(acls, "defaultAction") or "Allow")
    if bypass.lower() not in ("azureservices", "none"):
        raise bad_request("BadRequest", f"The value '{bypass}' of networkAcls.bypass is not valid. Allowed values: AzureServices, None.")
    if default.lower() not in ("allow", "deny"):
        raise bad_request("BadRequest", f"The value '{default}' of networkAcls.defaultAction is not valid. Allowed values: Allow, Deny.")
    ips = get_ci(acls, "ipRules") or []
    vnets = get_ci(acls, "virtualNetworkRules") or []
    if len(ips) > MAX_IP_RULES:
        raise bad_request("BadRequest", f"A vault can have at most {MAX_IP_RULES} IP rules.")
    rules = []
    for i, r in enumerate(ips):
        value = str(get_ci(r, "value") or "")
        try:
            net = ipaddress.ip_network(value, strict=False)
        except ValueError:
            net = None
        if net is None or net.version != 4:
            raise bad_request("BadRequest", f"networkAcls.ipRules[{i}].value '{value}' is not a valid IPv4 address or CIDR range.")
        rules.append({"value": value if "/" in value else f"{value}/32"})  # Azure stores a single address as /32
    vrules = []
    for i, r in enumerate(vnets):
        vid = get_ci(r, "id")
        if not vid or "/subnets/" not in str(vid).lower():
            raise bad_request("BadRequest", f"networkAcls.virtualNetworkRules[{i}].id must be a subnet id.")
        entry: dict[str, Any] = {"id": str(vid).lower()}  # Azure answers subnet ids lower-cased
        ign = get_ci(r, "ignoreMissingVnetServiceEndpoint")
        if ign is not None:
            entry["ignoreMissingVnetServiceEndpoint"] = bool(ign)
        vrules.append(entry)
    return {
        "bypass": "AzureServices" if bypass.lower() == "azureservices" else "None",
        "defaultAction": "Allow" if default.lower() == "allow" else "Deny",
        "ipRules": rules,
        "virtualNetworkRules": vrules,
    }


def _vault_props(state: State, name: str, want: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    """Validate requested properties against Azure's rules and fill in what Azure fills in."""
    tenant = want.get("tenantId")
    if not tenant or not GUID_RX.match(str(tenant)):
        raise bad_request("BadRequest", "The parameter 'tenantId' is required and must be a GUID.")
    sku = _check_sku(want.get("sku"))
    soft = _bool(want.get("enableSoftDelete"), "enableSoftDelete")
    purge = _bool(want.get("enablePurgeProtection"), "enablePurgeProtection")
    rbac_mode = _bool(want.get("enableRbacAuthorization"), "enableRbacAuthorization")
    old_soft = bool(old.get("enableSoftDelete")) if old is not None else None
    if purge is False:
        raise bad_request(
            "BadRequest",
            'The property "enablePurgeProtection" cannot be set to false. Enabling the purge protection for a vault is an irreversible action.',
        )
    if soft is False and (old is None or old_soft):
        raise bad_request(
            "BadRequest",
            'The property "enableSoftDelete" cannot be set to false. Soft delete is enabled on all key vaults and, once enabled, cannot be disabled.',
        )
    if old is not None:
        soft = old_soft if soft is None else soft
        purge = purge or bool(old.get("enablePurgeProtection")) or None
        rbac_mode = old.get("enableRbacAuthorization") if rbac_mode is None else rbac_mode
    else:
        soft = True if soft is None else soft
        rbac_mode = True if rbac_mode is None else rbac_mode
    if purge and not soft:
        raise bad_request("BadRequest", "Purge protection can only be enabled on a vault with soft delete enabled.")
    days = want.get("softDeleteRetentionInDays")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or not 7 <= days <= 90):
        raise bad_request("BadRequest", "The property 'softDeleteRetentionInDays' accepts values from 7 to 90.")
    if old is not None:
        old_days = old.get("softDeleteRetentionInDays")
        if days is not None and old_days is not None and days != old_days:
            raise bad_request("BadRequest", "The property 'softDeleteRetentionInDays' can only be set when the vault is created.")
        days = old_days if days is None else days
    elif soft:
        days = 90 if days is None else days
    pna = str(want.get("publicNetworkAccess") or "Enabled")
    allowed_pna = {"enabled": "Enabled", "disabled": "Disabled", "securedbyperimeter": "SecuredByPerimeter"}
    if pna.lower() not in allowed_pna:
        raise bad_request("BadRequest", f"The value '{pna}' of publicNetworkAccess is not valid. Allowed values: Enabled, Disabled.")
    props: dict[str, Any] = {
        "sku": sku,
        "tenantId": str(tenant),
        "accessPolicies": _check_policies(state, want.get("accessPolicies") or []),
        "enabledForDeployment": bool(_bool(want.get("enabledForDeployment"), "enabledForDeployment")),
        "enabledForDiskEncryption": bool(_bool(want.get("enabledForDiskEncryption"), "enabledForDiskEncryption")),
        "enabledForTemplateDeployment": bool(_bool(want.get("enabledForTemplateDeployment"), "enabledForTemplateDeployment")),
        "enableSoftDelete": soft,
        "enableRbacAuthorization": rbac_mode,
        "networkAcls": _check_acls(want.get("networkAcls") or {}),
        "vaultUri": old["vaultUri"] if old else vault_uri(state, name),
        "provisioningState": "Succeeded",
        "publicNetworkAccess": allowed_pna[pna.lower()],
    }
    if days is not None:
        props["softDeleteRetentionInDays"] = days
    if purge:
        props["enablePurgeProtection"] = True
    return props


def _name_taken(state: State, name: str, rid: str) -> bool:
    other = find_vault(state, name)
    if other is not None and other.id.lower() != rid.lower():
        return True
    return name.lower() in {n.lower() for n in state.globally_taken.get("vaults", set())}


def _taken_error(name: str) -> ArmError:
    return ArmError(
        409,
        "VaultAlreadyExists",
        f"The vault name '{name}' is already in use. Vault names are globally unique so it is possible that the name "
        "is already taken. If you are sure that the vault name was not taken then it is possible that a vault with the "
        "same name was recently deleted but not purged after being placed in a recoverable state. If the vault is in a "
        "recoverable state then the vault will need to be purged before reusing the name. For more information on soft "
        "delete and purging a vault follow this link https://go.microsoft.com/fwlink/?linkid=2147740.",
    )


def _in_deleted_state_error() -> ArmError:
    return ArmError(
        409,
        "ConflictError",
        "A vault with the same name already exists in deleted state. You need to either recover or purge existing key "
        "vault. Follow this link https://go.microsoft.com/fwlink/?linkid=2149745 for more information on soft delete.",
    )


def _location_error(name: str, old: str, new: str, rg: str) -> ArmError:
    return ArmError(
        400,
        "InvalidResourceLocation",
        f"The resource '{name}' already exists in location '{old}' in resource group '{rg}'. A resource with the same "
        f"name cannot be created in location '{new}'. Please select a new resource name.",
    )


def add_vault(
    state: State,
    sub: str,
    rg: str,
    name: str,
    location: str,
    *,
    properties: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
    principal: Principal | None = None,
) -> Resource:
    """Create a vault in process (seeds), with the same rules and body as a PUT; ``provisioningState`` Succeeded."""
    props = {"tenantId": state.tenant_id, "sku": {"family": "A", "name": "standard"}, **(properties or {})}
    legacy_soft_off = get_ci(props, "enableSoftDelete") is False  # seeds may model pre-2025 vaults
    want = _canon({k: v for k, v in props.items() if k.lower() != "enablesoftdelete"} if legacy_soft_off else props)
    rid = res_id(sub, rg, VAULT_TYPE, name)
    body: dict[str, Any] = {
        "id": rid,
        "name": name,
        "type": VAULT_TYPE,
        "location": _norm_location(location),
        "tags": dict(tags or {}),
        "systemData": system_data(state, principal),
        "properties": _vault_props(state, name, want, None),
    }
    if legacy_soft_off:
        body["properties"]["enableSoftDelete"] = False
        body["properties"].pop("softDeleteRetentionInDays", None)
        body["properties"].pop("enablePurgeProtection", None)
    return state.put(rid, body)


# ---------------------------------------------------------------- vault routes

VAULTS = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults"


def _get_vault(ctx: Ctx, p: dict[str, str]) -> Resource:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], VAULT_TYPE, p["name"]))
    if res is None:
        raise ArmError(
            404,
            "ResourceNotFound",
            f"The Resource '{VAULT_TYPE}/{p['name']}' under resource group '{p['rg']}' was not found. For more details "
            "please go to https://aka.ms/ARMResourceNotFoundFix",
        )
    return res


def _recover(ctx: Ctx, p: dict[str, str], data: dict[str, Any]) -> Response:
    deleted = find_deleted(ctx.state, p["name"])
    loc = _norm_location(str(data.get("location") or ""))
    if deleted is None or _norm_location(str(deleted.props["location"])) != loc:
        raise bad_request("DeletedVaultNotFound", f"No deleted vault named '{p['name']}' was found in location '{loc}' to recover.")
    rid = res_id(p["sub"], p["rg"], VAULT_TYPE, p["name"])
    if deleted.props["vaultId"].lower() != rid.lower():
        raise bad_request(
            "BadRequest",
            f"The deleted vault '{p['name']}' belonged to '{deleted.props['vaultId']}' and can only be recovered there.",
        )
    body = copy.deepcopy(deleted.extra["vault"])
    body["properties"]["provisioningState"] = "RegisteringDns"
    body["systemData"] = system_data(ctx.state, ctx.principal, body.get("systemData"))
    hooks.before_write(ctx, rid, body)
    children = deleted.extra.get("children", [])
    ctx.state.delete(deleted.id)
    ctx.state.put(rid, body, deleted.extra.get("vaultExtra") or {})
    for c in children:
        ctx.state.put(c["id"], c["body"], c["extra"])
    return lro(ctx, 200, body, rid)


@route("PUT", VAULTS + "/{name}")
def put_vault(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    name = p["name"]
    if not valid_vault_name(name):
        raise bad_request("VaultNameNotValid", f"The vault name '{name}' is invalid. {NAME_RULE}")
    data = ctx.json()
    location = get_ci(data, "location")
    if not location:
        raise bad_request("LocationRequired", "The location property is required for this definition.")
    props_in = get_ci(data, "properties")
    if not isinstance(props_in, dict):
        raise bad_request("BadRequest", "The parameter 'properties' is required.")
    want = _canon(props_in)
    rid = res_id(p["sub"], p["rg"], VAULT_TYPE, name)
    existing = ctx.state.get(rid)
    if _name_taken(ctx.state, name, rid):
        raise _taken_error(name)
    if existing is None:
        if str(want.get("createMode", "default")).lower() == "recover":
            return _recover(ctx, p, data)
        if find_deleted(ctx.state, name) is not None:
            raise _in_deleted_state_error()
    elif _norm_location(str(location)) != existing.body["location"]:
        raise _location_error(existing.body["name"], existing.body["location"], _norm_location(str(location)), p["rg"])
    old = existing.props if existing else None
    if old is not None:
        for k in _STICKY:
            if k not in want and k in old:
                want[k] = old[k]
    props = _vault_props(ctx.state, existing.body["name"] if existing else name, want, old)
    tags = get_ci(data, "tags")
    body: dict[str, Any] = {
        "id": existing.body["id"] if existing else rid,
        "name": existing.body["name"] if existing else name,
        "type": VAULT_TYPE,
        "location": existing.body["location"] if existing else _norm_location(str(location)),
        "tags": dict(tags) if isinstance(tags, dict) else {},
        "systemData": system_data(ctx.state, ctx.principal, existing.body.get("systemData") if existing else None),
        "properties": props,
    }
    hooks.before_write(ctx, rid, body)
    if existing is not None:
        ctx.state.put(rid, body)
        return Response(200, body)
    props["provisioningState"] = "RegisteringDns"
    ctx.state.put(rid, body)
    return lro(ctx, 201, body, rid)


@route("PATCH", VAULTS + "/{name}")
def patch_vault(ctx: Ctx, p: dict[str, str]) -> Response:
    res = _get_vault(ctx, p)
    data = ctx.json()
    patch_props = get_ci(data, "properties") or {}
    if not isinstance(patch_props, dict):
        raise bad_request("BadRequest", "The parameter 'properties' must be an object.")
    patch = _canon(patch_props)
    patch.pop("createMode", None)
    merged = merge_patch(_canon(res.props), patch)
    if "networkAcls" in patch:  # replaced whole, like accessPolicies (an array)
        merged["networkAcls"] = patch["networkAcls"]
    props = _vault_props(ctx.state, res.body["name"], merged, res.props)
    body = copy.deepcopy(res.body)
    body["properties"] = props
    tags = get_ci(data, "tags")
    if isinstance(tags, dict):
        body["tags"] = dict(tags)
    body["systemData"] = system_data(ctx.state, ctx.principal, res.body.get("systemData"))
    hooks.before_write(ctx, res.id, body)
    ctx.state.put(res.id, body)
    return Response(200, body)


@route("GET", VAULTS + "/{name}")
def get_vault(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _get_vault(ctx, p).body)


@route("DELETE", VAULTS + "/{name}")
def delete_vault(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    res = ctx.state.get(res_id(p["sub"], p["rg"], VAULT_TYPE, p["name"]))
    if res is None:
        return Response(204)
    _soft_delete(ctx.state, res)
    return Response(200)


def _top(ctx: Ctx, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    top = ctx.query.get("$top")
    if top:
        try:
            return items[: max(0, int(top))]
        except ValueError as exc:
            raise bad_request("InvalidParameter", "The $top parameter is not valid.") from exc
    return items


@route("GET", VAULTS)
def list_vaults_rg(ctx: Ctx, p: dict[str, str]) -> Response:
    require_rg(ctx, p["sub"], p["rg"])
    items = [r.body for r in ctx.state.of_type(VAULT_TYPE, f"/subscriptions/{p['sub']}/resourceGroups/{p['rg']}")]
    return page(ctx, _top(ctx, items))


@route("GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/vaults")
def list_vaults_sub(ctx: Ctx, p: dict[str, str]) -> Response:
    items = [r.body for r in ctx.state.of_type(VAULT_TYPE, f"/subscriptions/{p['sub']}")]
    return page(ctx, _top(ctx, items))


_TYPE_FILTER_RX = re.compile(r"resourcetype\s+eq\s+'([^']+)'", re.IGNORECASE)


@route("GET", "/subscriptions/{sub}/resources")
async def list_resources(ctx: Ctx, p: dict[str, str]) -> Response:
    """``vaults.list`` uses the generic resources list; defer to a provider that serves it properly if one does."""
    for other in ROUTES:
        m_other = other.regex.match(ctx.path) if other.method == "GET" and other.handler is not list_resources else None
        if m_other:
            result = other.handler(ctx, m_other.groupdict())
            return result if isinstance(result, Response) else await result
    m = _TYPE_FILTER_RX.search(ctx.query.get("$filter", ""))
    rtype = m.group(1).lower() if m else None
    prefix = f"/subscriptions/{p['sub']}/".lower()
    items: list[dict[str, Any]] = []
    for k, r in ctx.state.resources.items():
        if not k.startswith(prefix) or "location" not in r.body or r.type.lower() == "microsoft.resources/resourcegroups":
            continue
        if rtype and r.type.lower() != rtype:
            continue
        item: dict[str, Any] = {k2: r.body[k2] for k2 in ("id", "name", "type", "location", "tags", "kind", "sku", "identity") if k2 in r.body}
        items.append(item)
    return page(ctx, _top(ctx, items))


@route("POST", "/subscriptions/{sub}/providers/Microsoft.KeyVault/checkNameAvailability", action="Microsoft.KeyVault/checkNameAvailability/read")
def check_name(ctx: Ctx, p: dict[str, str]) -> Response:
    data = ctx.json()
    name = str(get_ci(data, "name") or "")
    rtype = str(get_ci(data, "type") or "")
    if rtype.lower() != VAULT_TYPE.lower():
        raise bad_request("BadRequest", f"The resource type '{rtype}' is not valid. Allowed value: {VAULT_TYPE}.")
    if not valid_vault_name(name):
        return Response(200, {"nameAvailable": False, "reason": "AccountNameInvalid", "message": f"The vault name '{name}' is invalid. {NAME_RULE}"})
    if _name_taken(ctx.state, name, "") or find_deleted(ctx.state, name) is not None:
        return Response(200, {"nameAvailable": False, "reason": "AlreadyExists", "message": f"The vault name '{name}' is already in use."})
    return Response(200, {"nameAvailable": True})


def _policy_key(e: dict[str, Any]) -> tuple[str, str]:
    return (str(e.get("objectId", "")).lower(), str(e.get("applicationId") or "").lower())


@route("PUT", VAULTS + "/{name}/accessPolicies/{kind}")
def update_access_policy(ctx: Ctx, p: dict[str, str]) -> Response:
    res = _get_vault(ctx, p)
    kind = p["kind"].lower()
    if kind not in ("add", "replace", "remove"):
        raise bad_request("BadRequest", f"The access policy operation '{p['kind']}' is not valid. Allowed values: add, replace, remove.")
    data = ctx.json()
    props = get_ci(data, "properties")
    if not isinstance(props, dict) or get_ci(props, "accessPolicies") is None:
        raise bad_request("BadRequest", "The parameter 'properties.accessPolicies' is required.")
    incoming = _check_policies(ctx.state, get_ci(props, "accessPolicies"))
    current = copy.deepcopy(res.props.get("accessPolicies") or [])
    if kind == "replace":
        current = incoming
    else:
        for entry in incoming:
            match = next((c for c in current if _policy_key(c) == _policy_key(entry)), None)
            if kind == "add":
                if match is None:
                    current.append(copy.deepcopy(entry))
                    continue
                for cat, perms in entry["permissions"].items():
                    have = match["permissions"].setdefault(cat, [])
                    low = {x.lower() for x in have}
                    have.extend(x for x in perms if x.lower() not in low)
            elif match is not None:
                for cat, perms in entry["permissions"].items():
                    drop = {x.lower() for x in perms}
                    match["permissions"][cat] = [x for x in match["permissions"].get(cat, []) if x.lower() not in drop]
                if not any(match["permissions"].values()):
                    current.remove(match)
    if len(current) > MAX_POLICIES:
        raise bad_request("BadRequest", f"A vault can have at most {MAX_POLICIES} access policies.")
    body = copy.deepcopy(res.body)
    body["properties"]["accessPolicies"] = current
    body["systemData"] = system_data(ctx.state, ctx.principal, res.body.get("systemData"))
    hooks.before_write(ctx, res.id, body)
    ctx.state.put(res.id, body)
    return Response(
        200,
        {
            "id": f"{res.id}/accessPolicies/{kind}",
            "name": kind,
            "type": POLICY_TYPE,
            "location": res.body["location"],
            "properties": {"accessPolicies": incoming},
        },
    )


DELETED = "/subscriptions/{sub}/providers/Microsoft.KeyVault/locations/{loc}/deletedVaults/{name}"


def _get_deleted(ctx: Ctx, p: dict[str, str]) -> Resource:
    _expire_deleted(ctx.state)
    res = ctx.state.get(_deleted_id(p["sub"], p["loc"], p["name"]))
    if res is None:
        raise ArmError(404, "DeletedVaultNotFound", f"The deleted vault '{p['name']}' was not found in location '{p['loc']}'.")
    return res


@route("GET", DELETED)
def get_deleted(ctx: Ctx, p: dict[str, str]) -> Response:
    return Response(200, _get_deleted(ctx, p).body)


@route("GET", "/subscriptions/{sub}/providers/Microsoft.KeyVault/deletedVaults")
def list_deleted(ctx: Ctx, p: dict[str, str]) -> Response:
    _expire_deleted(ctx.state)
    return page(ctx, [r.body for r in ctx.state.of_type(DELETED_TYPE, f"/subscriptions/{p['sub']}")])


@route("POST", DELETED + "/purge")
def purge_deleted(ctx: Ctx, p: dict[str, str]) -> Response:
    res = _get_deleted(ctx, p)
    if res.props.get("purgeProtectionEnabled"):
        raise ArmError(
            409,
            "ConflictError",
            f"The vault '{p['name']}' has purge protection enabled and cannot be purged before its scheduled purge date "
            f"{res.props['scheduledPurgeDate']}.",
        )
    rid = res.id

    def done() -> None:
        ctx.state.delete(rid)

    return lro(ctx, 202, None, rid, done, location_header=True)


# ---------------------------------------------------------------- keys


def _recovery_level(vault_props: dict[str, Any]) -> str:
    if not vault_props.get("enableSoftDelete"):
        return "Purgeable"
    return "Recoverable" if vault_props.get("enablePurgeProtection") else "Recoverable+Purgeable"


def _key_spec(vault: Resource, props: dict[str, Any]) -> dict[str, Any]:
    """Validated key parameters: kty, size or curve, operations, attributes, rotation and release policies."""
    raw_kty = get_ci(props, "kty")
    if not raw_kty:
        raise bad_request("BadRequest", "The parameter 'kty' is required.")
    kty = KTYS.get(str(raw_kty).lower())
    if kty is None:
        raise bad_request("BadRequest", f"The key type '{raw_kty}' is not valid. Allowed values: RSA, RSA-HSM, EC, EC-HSM.")
    if kty == "oct-HSM":
        raise bad_request("BadRequest", "Key type 'oct-HSM' is only supported by Managed HSM, not by key vaults.")
    if kty.endswith("-HSM") and str(vault.props.get("sku", {}).get("name", "")).lower() != "premium":
        raise bad_request("BadRequest", f"Key type '{kty}' requires a premium SKU vault; '{vault.body['name']}' is standard.")
    spec: dict[str, Any] = {"kty": kty}
    size, curve = get_ci(props, "keySize"), get_ci(props, "curveName")
    if kty.startswith("RSA"):
        if curve is not None:
            raise bad_request("BadRequest", "The parameter 'curveName' is only valid for EC keys.")
        size = 2048 if size is None else size
        if size not in RSA_SIZES:
            raise bad_request("BadRequest", f"The key size {size} is not valid for RSA keys. Allowed values: 2048, 3072, 4096.")
        spec["keySize"] = size
    else:
        if size is not None:
            raise bad_request("BadRequest", "The parameter 'keySize' is only valid for RSA keys; EC keys take 'curveName'.")
        curve = "P-256" if curve is None else str(curve)
        if curve not in CURVES:
            raise bad_request("BadRequest", f"The curve '{curve}' is not valid. Allowed values: {', '.join(CURVES)}.")
        spec["curveName"] = curve
    ops = get_ci(props, "keyOps")
    if ops is None:
        ops = list(DEFAULT_OPS["RSA" if kty.startswith("RSA") else "EC"])
    by_low = {o.lower(): o for o in KEY_OPS}
    if not isinstance(ops, list) or any(str(o).lower() not in by_low for o in ops):
        raise bad_request("BadRequest", f"The key operations {ops} are not valid. Allowed values: {', '.join(KEY_OPS)}.")
    spec["keyOps"] = [by_low[str(o).lower()] for o in ops]
    attrs = get_ci(props, "attributes") or {}
    spec["attributes"] = {}
    for k in ("enabled", "nbf", "exp", "exportable"):
        v = get_ci(attrs, k)
        if v is not None:
            if k in ("nbf", "exp") and (not isinstance(v, int) or isinstance(v, bool)):
                raise bad_request("BadRequest", f"The attribute '{k}' must be a Unix time in seconds.")
            spec["attributes"][k] = v
    if spec["attributes"].get("exportable") and not get_ci(props, "release_policy"):
        raise bad_request("BadRequest", "An exportable key requires a release policy.")
    for src, dst in (("rotationPolicy", "rotationPolicy"), ("release_policy", "release_policy")):
        v = get_ci(props, src)
        if v is not None:
            if not isinstance(v, dict):
                raise bad_request("BadRequest", f"The parameter '{src}' must be an object.")
            spec[dst] = copy.deepcopy(v)
    return spec


def _version_body(state: State, vault: Resource, key_name: str, version: str, spec: dict[str, Any], tags: dict[str, str]) -> dict[str, Any]:
    now = _unix(state)
    attrs: dict[str, Any] = {"enabled": spec["attributes"].get("enabled", True)}
    for k in ("nbf", "exp"):
        if k in spec["attributes"]:
            attrs[k] = spec["attributes"][k]
    attrs.update({"created": now, "updated": now, "recoveryLevel": _recovery_level(vault.props)})
    attrs["exportable"] = bool(spec["attributes"].get("exportable", False))
    props: dict[str, Any] = {"attributes": attrs, "kty": spec["kty"], "keyOps": list(spec["keyOps"])}
    if "keySize" in spec:
        props["keySize"] = spec["keySize"]
    if "curveName" in spec:
        props["curveName"] = spec["curveName"]
    vname = vault.body["name"]
    props["keyUri"] = key_uri(state, vname, key_name)
    props["keyUriWithVersion"] = key_uri(state, vname, key_name, version)
    if "rotationPolicy" in spec:
        rp = copy.deepcopy(spec["rotationPolicy"])
        rattrs = rp.get("attributes") if isinstance(rp.get("attributes"), dict) else {}
        rp["attributes"] = {**rattrs, "created": now, "updated": now}
        props["rotationPolicy"] = rp
    if "release_policy" in spec:
        props["release_policy"] = spec["release_policy"]
    key_id = f"{vault.id}/keys/{key_name}"
    return {
        "id": f"{key_id}/versions/{version}",
        "name": version,
        "type": VERSION_TYPE,
        "location": vault.body["location"],
        "tags": dict(tags),
        "properties": props,
    }


def _key_body_from_version(vault: Resource, key_name: str, version_body: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(version_body)
    body.update({"id": f"{vault.id}/keys/{key_name}", "name": key_name, "type": KEY_TYPE})
    return body


def _store_version(state: State, vault: Resource, key_name: str, vbody: dict[str, Any]) -> Resource:
    key_id = f"{vault.id}/keys/{key_name}"
    existing = state.get(key_id)
    extra = existing.extra if existing else {}
    extra["current"] = vbody["name"]
    key = state.put(key_id, _key_body_from_version(vault, key_name, vbody), extra)
    state.put(vbody["id"], vbody)
    return key


def add_key(
    state: State,
    vault_name: str,
    key_name: str,
    *,
    kty: str = "RSA",
    key_size: int | None = None,
    curve_name: str | None = None,
    key_ops: list[str] | None = None,
    attributes: dict[str, Any] | None = None,
    rotation_policy: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> Resource:
    """Create a key with its first version in process (seeds); same rules and body as ``create_if_not_exist``."""
    vault = find_vault(state, vault_name)
    if vault is None:
        raise KeyError(f"no vault named {vault_name!r}")
    props: dict[str, Any] = {"kty": kty}
    for k, v in (("keySize", key_size), ("curveName", curve_name), ("keyOps", key_ops), ("attributes", attributes), ("rotationPolicy", rotation_policy)):
        if v is not None:
            props[k] = v
    spec = _key_spec(vault, props)
    key_id = f"{vault.id}/keys/{key_name}"
    return _store_version(state, vault, key_name, _version_body(state, vault, key_name, _new_version_id(state, key_id), spec, tags or {}))


def _key_res(state: State, vault_name: str, key_name: str) -> tuple[Resource, Resource]:
    vault = find_vault(state, vault_name)
    if vault is None:
        raise KeyError(f"no vault named {vault_name!r}")
    key = state.get(f"{vault.id}/keys/{key_name}")
    if key is None:
        raise KeyError(f"no key {key_name!r} in vault {vault_name!r}")
    return vault, key


def new_key_version(state: State, vault_name: str, key_name: str) -> str:
    """Make a new current version of a key, as the data plane's create/rotate would; returns the version id.

    Not reachable over ARM (real ARM never makes a second version): tests and the demo seed call it directly.
    """
    vault, key = _key_res(state, vault_name, key_name)
    kp = key.props
    spec: dict[str, Any] = {"kty": kp["kty"], "keyOps": list(kp.get("keyOps") or []), "attributes": {"exportable": kp["attributes"].get("exportable", False)}}
    for k in ("keySize", "curveName", "rotationPolicy", "release_policy"):
        if k in kp:
            spec[k] = copy.deepcopy(kp[k])
    version = _new_version_id(state, key.id)
    vbody = _version_body(state, vault, key_name, version, spec, key.body.get("tags") or {})
    if "rotationPolicy" in kp:  # the key's policy is not re-created by a rotation
        vbody["properties"]["rotationPolicy"] = copy.deepcopy(kp["rotationPolicy"])
    _store_version(state, vault, key_name, vbody)
    return version


def _set_attrs(state: State, vault_name: str, key_name: str, changes: dict[str, Any]) -> None:
    _vault, key = _key_res(state, vault_name, key_name)
    current = state.get(f"{key.id}/versions/{key.extra['current']}")
    for r in (key, current):
        if r is None:
            continue
        attrs = r.props["attributes"]
        for k, v in changes.items():
            if v is None:
                attrs.pop(k, None)
            else:
                attrs[k] = v
        attrs["updated"] = _unix(state)


def disable_key(state: State, vault_name: str, key_name: str, enabled: bool = False) -> None:
    """Disable (or re-enable) a key's current version (a data-plane update; for seeds and tests)."""
    _set_attrs(state, vault_name, key_name, {"enabled": enabled})


def set_key_expiry(state: State, vault_name: str, key_name: str, expires: dt.datetime | int | None) -> None:
    """Set or clear ``exp`` (Unix seconds) on a key's current version (a data-plane update; for seeds and tests)."""
    exp = int(expires.timestamp()) if isinstance(expires, dt.datetime) else expires
    _set_attrs(state, vault_name, key_name, {"exp": exp})


KEYS = VAULTS + "/{vault}/keys"


def _vault_for_keys(ctx: Ctx, p: dict[str, str]) -> Resource:
    return _get_vault(ctx, {"sub": p["sub"], "rg": p["rg"], "name": p["vault"]})


def _key_not_found(vault: str, key: str) -> ArmError:
    return ArmError(404, "ResourceNotFound", f"The Resource '{KEY_TYPE}/{vault}/{key}' was not found.")


@route("PUT", KEYS + "/{key}")
def create_key_if_not_exist(ctx: Ctx, p: dict[str, str]) -> Response:
    vault = _vault_for_keys(ctx, p)
    if not KEY_NAME_RX.match(p["key"]):
        raise bad_request("BadRequest", f"The key name '{p['key']}' is invalid: use 1-127 letters, digits and hyphens.")
    existing = ctx.state.get(f"{vault.id}/keys/{p['key']}")
    if existing is not None:
        return Response(200, existing.body)
    data = ctx.json()
    props = get_ci(data, "properties")
    if not isinstance(props, dict):
        raise bad_request("BadRequest", "The parameter 'properties' is required.")
    spec = _key_spec(vault, props)
    tags = get_ci(data, "tags")
    key_id = f"{vault.id}/keys/{p['key']}"
    vbody = _version_body(ctx.state, vault, p["key"], _new_version_id(ctx.state, key_id), spec, tags if isinstance(tags, dict) else {})
    key_body = _key_body_from_version(vault, p["key"], vbody)
    hooks.before_write(ctx, key_id, key_body)
    return Response(200, _store_version(ctx.state, vault, p["key"], vbody).body)


@route("GET", KEYS + "/{key}")
def get_key(ctx: Ctx, p: dict[str, str]) -> Response:
    vault = _vault_for_keys(ctx, p)
    key = ctx.state.get(f"{vault.id}/keys/{p['key']}")
    if key is None:
        raise _key_not_found(p["vault"], p["key"])
    return Response(200, key.body)


@route("GET", KEYS)
def list_keys(ctx: Ctx, p: dict[str, str]) -> Response:
    vault = _vault_for_keys(ctx, p)
    return page(ctx, [r.body for r in ctx.state.of_type(KEY_TYPE, vault.id)])


@route("GET", KEYS + "/{key}/versions/{version}")
def get_key_version(ctx: Ctx, p: dict[str, str]) -> Response:
    vault = _vault_for_keys(ctx, p)
    v = ctx.state.get(f"{vault.id}/keys/{p['key']}/versions/{p['version']}")
    if v is None:
        raise _key_not_found(p["vault"], f"{p['key']}/versions/{p['version']}")
    return Response(200, v.body)


@route("GET", KEYS + "/{key}/versions")
def list_key_versions(ctx: Ctx, p: dict[str, str]) -> Response:
    vault = _vault_for_keys(ctx, p)
    key_id = f"{vault.id}/keys/{p['key']}"
    if ctx.state.get(key_id) is None:
        raise _key_not_found(p["vault"], p["key"])
    return page(ctx, [r.body for r in ctx.state.of_type(VERSION_TYPE, key_id)])


# ---------------------------------------------------------------- data-plane facts for other providers


def key_from_uri(state: State, uri: str) -> tuple[Resource, Resource | None, str | None] | None:
    """(vault, key or None, version or None) for a key identifier ``https://<vault>.<suffix>/keys/<name>[/<ver>]``.

    None when no active vault has that host name.
    """
    m = re.match(r"^https://([^./]+)\.([^/:]+)(?::443)?/keys/([^/]+)(?:/([^/?]+))?/?$", uri.strip(), re.IGNORECASE)
    if not m or m.group(2).lower() != state.suffix("vault"):
        return None
    vault = find_vault(state, m.group(1))
    if vault is None:
        return None
    key = state.get(f"{vault.id}/keys/{m.group(3)}")
    return vault, key, m.group(4)


def _has_perms(policy: dict[str, Any], need: set[str]) -> bool:
    have = {str(x).lower() for x in (policy.get("permissions") or {}).get("keys", [])}
    return "all" in have or need <= have


def identity_can_use_key(state: State, vault_resource: Resource, principal_id: str, key_name: str | None = None) -> bool:
    """Whether a principal may get, wrap and unwrap keys in this vault (access policies, or RBAC data actions).

    Access policies: an entry for the object id without an applicationId (a compound identity does not count),
    with key permissions get + wrapKey + unwrapKey (or all). RBAC vaults: the data actions keys/read,
    keys/wrap/action and keys/unwrap/action at the key's scope (``key_name``) or the vault's.
    """
    props = vault_resource.props
    oid = principal_id.lower()
    if props.get("enableRbacAuthorization"):
        scope = f"{vault_resource.id}/keys/{key_name}" if key_name else vault_resource.id
        return all(
            allowed(state, oid, f"Microsoft.KeyVault/vaults/keys/{a}", scope, data=True)
            for a in ("read", "wrap/action", "unwrap/action")
        )
    need = {"get", "wrapkey", "unwrapkey"}
    return any(
        str(p.get("objectId", "")).lower() == oid and not p.get("applicationId") and _has_perms(p, need)
        for p in props.get("accessPolicies") or []
    )


def trusted_services_allowed(vault_resource: Resource) -> bool:
    """Whether a trusted Azure service (the registry) gets through the vault's network rules."""
    props = vault_resource.props
    acls = props.get("networkAcls") or {}
    if str(acls.get("bypass", "AzureServices")).lower() == "azureservices":
        return True
    return str(props.get("publicNetworkAccess", "Enabled")).lower() == "enabled" and str(acls.get("defaultAction", "Allow")).lower() == "allow"
