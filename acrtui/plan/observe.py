"""Read what a plan needs: the estate plus the resources it names that the estate does not carry.

Vaults and keys of migrations, identities, subnets (free addresses), private DNS zones and their VNet links,
policy assignments read by id, and the policy definitions behind Deny assignments (for the write preview). All
reads go through the service layer's session, so they are journaled, retried and read-only-guarded like any other.

A plan is computed only on a complete read. The session's pipeline already retries what ARM says is retryable
(408, 429 and 5xx, honouring Retry-After); whatever still fails is not guessed around. A 404 is absence (the plan
may create the thing); anything else, a 403 included, is a gap, and any gap (in the estate or in the reads here)
refuses the plan with :class:`IncompleteRead`: a plan drawn from a partial picture proposes changes that are not
needed (a policy assignment that was not listed looks missing) or misses ones that are.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from acrtui.azure.dataplane import read_import_sources
from acrtui.azure.errors import translate
from acrtui.azure.inventory import (
    Inventory,
    _ci,
    _d,
    collect,
    id_parts,
    key_from_json,
    load_estate,
    policy_from_json,
    raw,
    vault_from_json,
)
from acrtui.azure.session import AzureSession
from acrtui.domain.desired import DesiredState
from acrtui.domain.diff import SubnetInfo, World, ZoneInfo, affected_registries, vnet_of
from acrtui.domain.models import Estate, KeyPosture, PolicyAssignmentInfo, UserIdentity, VaultPosture
from acrtui.errors import STOPS_EVERYTHING, AcrtuiError, ExitCode, NotFound

T = TypeVar("T")
POLICY_ASSIGNMENTS = "/providers/Microsoft.Authorization/policyAssignments/"
SHOWN_GAPS = 20


class IncompleteRead(AcrtuiError):
    """Something the plan depends on could not be read (after the pipeline's retries): nothing was planned."""

    title = "Could not read everything the plan depends on"
    exit_code = ExitCode.AZURE

    def __init__(self, gaps: list[str]) -> None:
        self.gaps = list(gaps)
        shown = self.gaps[:SHOWN_GAPS]
        if len(self.gaps) > SHOWN_GAPS:
            shown.append(f"… and {len(self.gaps) - SHOWN_GAPS} more")
        super().__init__(
            "Nothing was planned from a partial read (it could propose changes that are not needed, or miss "
            "ones that are). Could not read:\n  - " + "\n  - ".join(shown) + "\n"
            "Throttling and transient errors were already retried. Where a permission is missing, ask for a role "
            "that grants the action named; where something lives in a subscription that was not chosen, add it "
            "(--subscription); otherwise try again when Azure answers.",
            code="IncompleteRead",
        )


class Reads:
    """Runs observe's own reads: the result, None for a 404 (absence), None plus a gap for any other failure.

    Sign-in and usage errors (a read-only session) are not gaps: nothing else would work either, so they stop
    at once. The caller raises :class:`IncompleteRead` once every read has had its turn, so all gaps are named.
    """

    def __init__(self) -> None:
        self.gaps: list[str] = []

    async def __call__(self, what: str, coro: Awaitable[T]) -> T | None:
        try:
            async with translate():
                return await coro
        except STOPS_EVERYTHING:
            raise
        except NotFound:
            return None
        except AcrtuiError as e:
            self.gaps.append(f"{what}: {e.title}: {e.message}")
            return None

    def check(self) -> None:
        if self.gaps:
            raise IncompleteRead(self.gaps)


async def _maybe(coro: Any, default: Any = None) -> Any:
    """The result, or ``default`` when Azure says the resource does not exist; other errors propagate."""
    try:
        async with translate():
            return await coro
    except NotFound:
        return default


async def read_estate(session: AzureSession) -> Estate:
    """The estate, or :class:`IncompleteRead` when any part of it could not be read."""
    try:
        estate = await load_estate(session)
    except STOPS_EVERYTHING:
        raise  # not signed in, a read-only write, an untrusted certificate: said as they are
    except NotFound:
        raise  # a --subscription that is not visible
    except AcrtuiError as e:
        raise IncompleteRead([f"subscriptions: {e.title}: {e.message}"]) from None
    from acrtui.azure.registry_details import DETAIL_INPUTS

    needed = [g.text for g in estate.gaps if not g.inputs or not set(g.inputs) <= DETAIL_INPUTS]
    if needed:  # a gap only in what the registry-details checks read (e.g. webhook URIs) changes no plan
        raise IncompleteRead(needed)
    return estate


async def read_identity(session: AzureSession, identity_id: str) -> UserIdentity | None:
    ip = id_parts(identity_id)
    got = await _maybe(session.client("msi", ip["subscription"]).user_assigned_identities.get(ip["resource_group"], ip["name"]))
    if got is None:
        return None
    return UserIdentity(resource_id=str(got.id), principal_id=got.principal_id, client_id=got.client_id)


async def read_subnet(session: AzureSession, subnet_id: str) -> SubnetInfo | None:
    vnet_id = vnet_of(subnet_id)
    ip = id_parts(vnet_id)
    vnet = await _maybe(session.client("network", ip["subscription"]).virtual_networks.get(ip["resource_group"], ip["name"]))
    if vnet is None:
        return None
    body = raw(vnet)
    want = subnet_id.rstrip("/").rsplit("/", 1)[-1].lower()
    for s in _ci(_d(_ci(body, "properties")), "subnets") or []:
        if str(s.get("name", "")).lower() == want:
            p = _d(_ci(s, "properties"))
            prefix = _ci(p, "addressPrefix") or (_ci(p, "addressPrefixes") or [""])[0]
            return SubnetInfo(id=str(s.get("id") or subnet_id), prefix=str(prefix),
                              used=len(_ci(p, "ipConfigurations") or []), location=str(body.get("location", "")))
    return None


async def read_zone(session: AzureSession, zone_id: str) -> ZoneInfo:
    ip = id_parts(zone_id)
    dns = session.client("privatedns", ip["subscription"])
    zone = await _maybe(dns.private_zones.get(ip["resource_group"], ip["name"]))
    if zone is None:
        return ZoneInfo(zone_id, exists=False)
    async with translate():
        links = [raw(x) async for x in dns.virtual_network_links.list(ip["resource_group"], ip["name"])]
    vnets = tuple(sorted(str(_ci(_d(_ci(_d(_ci(lk, "properties")), "virtualNetwork")), "id")) for lk in links))
    return ZoneInfo(str(raw(zone).get("id") or zone_id), exists=True, linked_vnets=vnets)


async def read_definition(session: AzureSession, definition_id: str) -> dict[str, Any] | None:
    guid = definition_id.rstrip("/").rsplit("/", 1)[-1]
    pol = session.client("policy", session.subscriptions[0] if session.subscriptions else None)
    if "/subscriptions/" in definition_id.lower():
        return raw(await _maybe(pol.policy_definitions.get(guid))) or None
    if "/managementgroups/" in definition_id.lower():
        return None
    return raw(await _maybe(pol.policy_definitions.get_built_in(guid))) or None


async def read_assignment(session: AzureSession, assignment_id: str,
                          definitions: dict[str, dict[str, Any]]) -> PolicyAssignmentInfo | None:
    scope, _, name = assignment_id.partition(POLICY_ASSIGNMENTS)
    pol = session.client("policy", id_parts(scope)["subscription"])
    got = await _maybe(pol.policy_assignments.get(scope, name))
    if got is None:
        return None
    body = raw(got)
    info = policy_from_json(body)
    if info.effect is None:
        defn = definitions.get(info.definition_id.lower()) or await read_definition(session, info.definition_id)
        eff = _ci(_d(_ci(_d(_ci(_d(_ci(defn or {}, "properties")), "parameters")), "effect")), "defaultValue")
        info = policy_from_json(body, eff)
    return info


async def read_vault(session: AzureSession, vault_id: str, key_names: set[str]) -> VaultPosture | None:
    """A vault with the named keys, its diagnostic settings and (RBAC vaults) who may use its keys; None when
    the vault does not exist. A key that does not exist is left out (the plan may create it). Unlike the
    estate's lenient reader, any other failure raises: a vault read in part is not a vault that lacks things."""
    ip = id_parts(vault_id)
    rg, name = ip.get("resource_group", ""), ip["name"]
    kv = session.client("keyvault", ip["subscription"])
    got = await _maybe(kv.vaults.get(rg, name))
    if got is None:
        return None
    body = raw(got)
    vid = str(body.get("id") or vault_id)
    inv = Inventory(session)

    async def key(k: str) -> KeyPosture | None:
        kb = await _maybe(kv.keys.get(rg, name, k))
        if kb is None:
            return None
        versions = await _maybe(collect(kv.keys.list_versions(rg, name, k)), [])
        return key_from_json(raw(kb), versions)

    rbac = bool(_ci(_d(_ci(body, "properties")), "enableRbacAuthorization"))
    keys = [await key(k) for k in sorted(key_names)]
    diagnostics = await _maybe(inv.diagnostic_settings(vid), [])
    users = await _maybe(inv._rbac_key_users(vid), []) if rbac else []
    return vault_from_json(body, keys=[k for k in keys if k is not None], diagnostics=diagnostics,
                           rbac_key_users=users)


async def key_vault_ids(session: AzureSession, desired: DesiredState, estate: Estate, reads: Reads) -> list[str]:
    """Ids of the ``keyVaults`` entries: given, built from subscription + group, or found by name in the estate or
    in the session's subscriptions. Entries that match nothing (or several) are left to the diff to report."""
    out: list[str] = []
    listed: list[dict[str, Any]] | None = None
    for spec in desired.key_vaults:
        if spec.id:
            out.append(spec.id)
            continue
        sub = spec.subscription and next((k for k, v in estate.subscriptions.items()
                                          if spec.subscription.lower() in (k.lower(), v.lower())), spec.subscription)
        if sub and spec.resource_group:
            out.append(f"/subscriptions/{sub}/resourceGroups/{spec.resource_group}/providers/Microsoft.KeyVault/vaults/"
                       f"{spec.label}")
            continue
        if any(v.name.lower() == spec.label.lower() for v in estate.vaults):
            continue  # the diff finds it in the estate
        if listed is None:
            listed = []
            for s in list(estate.subscriptions) or list(session.subscriptions):
                listed += await reads(f"key vaults in {s}",
                                      collect(session.client("keyvault", s).vaults.list_by_subscription())) or []
        out += [str(v["id"]) for v in listed if str(v.get("name", "")).lower() == spec.label.lower()
                and (not sub or id_parts(str(v["id"]))["subscription"].lower() == sub.lower())
                and (not spec.resource_group
                     or id_parts(str(v["id"])).get("resource_group", "").lower() == spec.resource_group.lower())]
    return out


async def scope_assignments(session: AzureSession, estate: Estate, targets: list[str],
                            definitions: dict[str, dict[str, Any]], reads: Reads) -> list[PolicyAssignmentInfo]:
    """Assignments over the groups of planned registries that the estate does not see: it keeps only those over
    existing registries, so a group (or subscription) that holds none yet is read at its scope (``atScope()``:
    the group's own assignments and those inherited from above). A group that does not exist holds none."""
    seen = {a.id.lower() for a in estate.assignments}
    done: set[str] = set()
    out: list[PolicyAssignmentInfo] = []
    for t in targets:
        ip = id_parts(t)
        group = f"/subscriptions/{ip['subscription']}/resourceGroups/{ip.get('resource_group', '')}".lower()
        if group in done or any(r.id.lower().startswith(group + "/") for r in estate.registries):
            continue
        done.add(group)
        pol = session.client("policy", ip["subscription"])
        bodies = await reads(f"policy assignments at {group}", collect(pol.policy_assignments.list_for_resource_group(
            ip["resource_group"], filter="atScope()"))) or []
        for body in bodies:
            info = policy_from_json(body)
            if info.id.lower() in seen or not info.applies_to(t):
                continue
            seen.add(info.id.lower())
            if info.effect is None:
                defn = definitions.get(info.definition_id.lower()) or await reads(
                    f"policy definition {info.definition_id}", read_definition(session, info.definition_id))
                if defn is not None:
                    definitions[info.definition_id.lower()] = defn
                eff = _ci(_d(_ci(_d(_ci(_d(_ci(defn or {}, "properties")), "parameters")), "effect")), "defaultValue")
                info = policy_from_json(body, eff)
            out.append(info)
    return out


async def observe(session: AzureSession, desired: DesiredState, imported: frozenset[tuple[str, str]] = frozenset()
                  ) -> World:
    """The world a plan is computed against; :class:`IncompleteRead` when any of it could not be read."""
    from acrtui.domain.migration import expand

    estate = await read_estate(session)
    desired = expand(desired, estate)  # a migration's carried settings are read (subnets, zones) like any other
    world = World(estate=estate, imported=imported, dns_zone_name=session.cloud.private_dns_zone,
                  vault_suffix=session.cloud.vault_suffix, expanded=desired)
    reads = Reads()

    vault_keys: dict[str, set[str]] = {}
    identities: set[str] = set()
    for m in desired.create_cmk_registry:
        vault_keys.setdefault(m.key_vault, set()).add(m.key)
        identities.add(m.identity)
    for r in desired.registries:
        if r.cmk is not None and r.cmk.key_vault and r.cmk.key:
            vault_keys.setdefault(r.cmk.key_vault, set()).add(r.cmk.key)
            if r.cmk.identity and r.cmk.identity != "system":
                identities.add(r.cmk.identity)
    for vid in await key_vault_ids(session, desired, estate, reads):
        if not any(v.id.lower() == vid.lower() for v in estate.vaults):
            vault_keys.setdefault(vid, set())  # the estate reads only the vaults of CMK registries
    for vid, keys in vault_keys.items():
        known = next((v for v in estate.vaults if v.id.lower() == vid.lower()), None)
        keys = keys | {k.name for k in known.keys} if known else keys  # keep what the estate read
        vault = await reads(f"key vault {id_parts(vid)['name']}", read_vault(session, vid, keys))
        if vault is not None:
            world.vaults[vid.lower()] = vault
    for iid in sorted(identities):
        world.identities[iid.lower()] = await reads(f"identity {iid}", read_identity(session, iid))
    world.contents = await read_import_sources(session, desired, estate)  # every tag to import exists (preflight)

    for r in desired.registries:
        for ep in r.private_link.endpoints if r.private_link else []:
            if ep.subnet.lower() not in world.subnets:
                world.subnets[ep.subnet.lower()] = await reads(f"subnet {ep.subnet}", read_subnet(session, ep.subnet))
            if ep.dns_zone and ep.dns_zone.lower() not in world.zones:
                zone = await reads(f"private DNS zone {ep.dns_zone}", read_zone(session, ep.dns_zone))
                world.zones[ep.dns_zone.lower()] = zone or ZoneInfo(ep.dns_zone, exists=False)

    # definitions behind enforced assignments over the registries the plan touches (Deny preview)
    wanted_defs: set[str] = {a.definition for a in desired.policy_assignments}
    regs = affected_registries(desired, world)
    targets = [r.id for r in regs]
    for m in desired.create_cmk_registry:
        src = estate.registry(m.source)
        if src is not None:
            targets.append(f"/subscriptions/{m.subscription or src.subscription_id}/resourceGroups/"
                           f"{m.resource_group or src.resource_group}/providers/Microsoft.ContainerRegistry/registries/{m.name}")
    world.scope_assignments = await scope_assignments(session, estate, targets, world.definitions, reads)
    for a in world.all_assignments():
        if (a.effect or "deny").lower() == "deny" and any(a.applies_to(t) for t in targets):
            wanted_defs.add(a.definition_id)
    for did in sorted(wanted_defs):
        defn = await reads(f"policy definition {did}", read_definition(session, did))
        if defn is not None:
            world.definitions[did.lower()] = defn
    for spec in desired.policy_assignments:
        world.assignments[spec.assignment_id.lower()] = await reads(
            f"policy assignment {spec.assignment_id}", read_assignment(session, spec.assignment_id, world.definitions))
    reads.check()
    from .reads import read_plan_dependencies

    await read_plan_dependencies(session, desired, world)  # subscriptions, definitions, names, permissions
    return world
