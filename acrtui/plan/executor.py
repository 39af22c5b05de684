"""Run a plan's actions in dependency order through :class:`acrtui.azure.writes.Writer`, journaling each step.

- Consecutive property changes to one registry go out as one ARM PATCH (fewer writes, and no half-applied state
  for a Deny policy to judge).
- Every write returns Azure's read-back state; the executor checks the action landed (``converged``) and journals
  what was done, when, and the result, as JSON lines (default ``$XDG_STATE_HOME/acrtui/journal.jsonl``).
- It stops at the first failure: what ran is in the journal, and a re-run (a fresh diff against fresh state)
  skips what landed and finishes the job. Image imports are journaled per image, since ARM cannot list
  repositories: the next plan imports only what is missing, and an import that finds the tag already there counts
  as done. After the imports, every tag's manifest digest in the target is compared with the source's through
  the registries' data plane: a mismatch (or a tag missing from the target) fails the step; a data plane that
  cannot be read from here leaves the step unverified (not converged, with the reason), never fine.
- A remediation task is followed until it finishes (bounded), its progress reported and journaled.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from acrtui.azure.inventory import id_parts
from acrtui.azure.vault_writes import VaultWriter
from acrtui.azure.writes import Writer
from acrtui.domain.actions import (
    Action,
    ApprovePrivateEndpointConnection,
    AssignPolicy,
    CreateCmkRegistry,
    CreateDnsZoneGroup,
    CreatePrivateDnsZone,
    CreatePrivateEndpoint,
    CreateReplication,
    CreateUserAssignedIdentity,
    EnableVaultAuditLogging,
    EnableVaultPurgeProtection,
    GrantKeyAccess,
    ImportImages,
    LinkPrivateDnsZone,
    RegistryPatch,
    RejectPrivateEndpointConnection,
    RotateKey,
    SetVaultNetworkBypass,
    StartRemediation,
    UnassignPolicy,
    group_of,
    name_of,
)
from acrtui.domain.diff import missing_logs
from acrtui.domain.models import RegistryPosture
from acrtui.errors import AcrtuiError, Conflict

from .observe import read_identity

JOURNAL_ENV = "ACRTUI_JOURNAL"
REMEDIATION_POLLS = 60  # at most this many reads of a remediation's state, REMEDIATION_POLL_S apart
REMEDIATION_POLL_S = 2.0


def default_journal_path() -> Path:
    """``$ACRTUI_JOURNAL``, else ``$XDG_STATE_HOME/acrtui/journal.jsonl`` (``~/.local/state`` by default)."""
    if os.environ.get(JOURNAL_ENV):
        return Path(os.environ[JOURNAL_ENV])
    base = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(base) / "acrtui" / "journal.jsonl"


class Journal:
    """Append-only JSON lines: one ``step`` line per action outcome, ``image`` lines per imported image."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path) if path else default_journal_path()
        self.run_id = uuid.uuid4().hex[:12]

    def write(self, event: str, **data: Any) -> dict[str, Any]:
        entry = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "run": self.run_id,
                 "event": event, **data}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")
        return entry

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # a torn last line after a crash is not fatal
        return out

    def imported(self) -> frozenset[tuple[str, str]]:
        return frozenset((str(e["target"]).lower(), str(e["image"])) for e in self.entries()
                         if e.get("event") == "image" and e.get("result") in ("imported", "already present"))


@dataclass
class ApplyResult:
    succeeded: list[str] = field(default_factory=list)
    failed: str | None = None
    error: AcrtuiError | None = None
    not_run: list[str] = field(default_factory=list)
    not_converged: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.failed is None


def _merge(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    out = dict(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def _batches(actions: list[Any]) -> list[list[Any]]:
    """Consecutive registry property changes to the same registry become one batch (one PATCH)."""
    out: list[list[Any]] = []
    for a in actions:
        if out and isinstance(a, RegistryPatch) and isinstance(out[-1][0], RegistryPatch) \
                and out[-1][0].resource_id.lower() == a.resource_id.lower():
            out[-1].append(a)
        else:
            out.append([a])
    return out


class Executor:
    def __init__(self, writer: Writer, journal: Journal, *, source: str = "",
                 progress: Callable[[str, Action, str], None] | None = None) -> None:
        self.w = writer
        self.vaults = VaultWriter(writer.s)
        self.journal = journal
        self.source = source
        self.progress = progress
        self.principals: dict[str, str] = {}  # identity id (lower) → principal id, from this run's creations
        self.unconverged: dict[str, str] = {}  # action key → why it is not known to have landed

    def _say(self, what: str, action: Action, detail: str = "") -> None:
        if self.progress is not None:
            self.progress(what, action, detail)

    async def run(self, actions: list[Any]) -> ApplyResult:
        result = ApplyResult()
        self.journal.write("apply-start", source=self.source, actions=[a.key for a in actions])
        batches = _batches(actions)
        for i, batch in enumerate(batches):
            missing = [d for a in batch for d in a.depends_on if d not in result.succeeded
                       and d in {x.key for x in actions}]
            if missing:  # only possible with a hand-edited saved plan: never run ahead of a dependency
                result.failed = batch[0].key
                result.error = AcrtuiError(f"{batch[0].key} depends on {missing[0]}, which has not run.",
                                           title="Plan order")
                result.not_run = [a.key for b in batches[i:] for a in b]
                break
            for a in batch:
                self._say("start", a)
                self.journal.write("step", action=a.key, kind=a.kind, resource=a.resource_id, status="started",
                                   description=a.describe())
            try:
                converged = await self._run(batch)
            except AcrtuiError as exc:
                for a in batch:
                    self.journal.write("step", action=a.key, kind=a.kind, resource=a.resource_id, status="failed",
                                       error=f"{exc.title}: {exc.message}", code=exc.code)
                    self._say("failed", a, exc.message)
                result.failed, result.error = batch[0].key, exc
                result.not_run = [a.key for b in batches[i + 1:] for a in b]
                for key in result.not_run:
                    self.journal.write("step", action=key, status="not run")
                break
            for a, ok in zip(batch, converged, strict=True):
                result.succeeded.append(a.key)
                if not ok:
                    result.not_converged.append(a.key)
                why = self.unconverged.get(a.key, "read-back differs")
                self.journal.write("step", action=a.key, kind=a.kind, resource=a.resource_id,
                                   status="succeeded" if ok else f"succeeded ({why})")
                self._say("done", a, "" if ok else why)
        self.journal.write("apply-end", ok=result.ok, succeeded=len(result.succeeded), failed=result.failed)
        return result

    # ------------------------------------------------------------------ dispatch (one batch)
    async def _run(self, batch: list[Any]) -> list[bool]:
        first = batch[0]
        if isinstance(first, RegistryPatch):
            patch: dict[str, Any] = {}
            for a in batch:
                patch = _merge(patch, a.patch())
            after = await self.w.update_registry(first.resource_id, patch)
            return [_landed(a, after) for a in batch]
        return [await self._one(first)]

    async def _one(self, a: Any) -> bool:
        w = self.w
        if isinstance(a, CreatePrivateEndpoint):
            ip = id_parts(a.resource_id)
            pe = await w.create_private_endpoint(ip["subscription"], ip["resource_group"], a.name, a.location,
                                                 subnet_id=a.subnet_id, registry_id=a.registry_id, manual=a.manual)
            return pe.connection_status.lower() == ("pending" if a.manual else "approved")
        if isinstance(a, CreatePrivateDnsZone):
            ip = id_parts(a.resource_id)
            zid = await w.create_dns_zone(ip["subscription"], ip["resource_group"], a.name)
            return zid.lower() == a.resource_id.lower()
        if isinstance(a, LinkPrivateDnsZone):
            vnets = await w.link_dns_zone(a.zone_id, a.vnet_id, link_name=a.name)
            return a.vnet_id.lower() in {v.lower() for v in vnets}
        if isinstance(a, CreateDnsZoneGroup):
            pe = await w.create_zone_group(a.endpoint_id, a.zone_id, name=a.name)
            return a.zone_id.lower() in {z.lower() for z in pe.dns_zone_ids}
        if isinstance(a, ApprovePrivateEndpointConnection | RejectPrivateEndpointConnection):
            status = "Approved" if isinstance(a, ApprovePrivateEndpointConnection) else "Rejected"
            reg = await w.set_connection_state(a.registry_id, a.name, status)
            return any(c.name.lower() == a.name.lower() and c.status == status for c in reg.private_endpoint_connections)
        if isinstance(a, CreateUserAssignedIdentity):
            ip = id_parts(a.resource_id)
            ident = await w.create_user_identity(ip["subscription"], ip["resource_group"], a.name, a.location)
            if ident.principal_id:
                self.principals[a.resource_id.lower()] = ident.principal_id
            return bool(ident.principal_id and ident.client_id)
        if isinstance(a, GrantKeyAccess):
            principal = a.principal_id or self.principals.get(a.identity_id.lower())
            if principal is None:
                found = await read_identity(w.s, a.identity_id)
                principal = found.principal_id if found else None
            if not principal:
                raise AcrtuiError(f"Identity {a.identity_id} has no principal id yet; retry in a minute.",
                                  title="Identity not ready")
            vault = await w.grant_key_access(a.resource_id, principal)
            return principal.lower() in vault.key_users
        if isinstance(a, RotateKey):
            new_ident = a.new_identity if (a.old_identity or "").lower() != a.new_identity.lower() else None
            reg = await w.rotate_key(a.resource_id, a.new_key_identifier, new_ident)
            return (reg.encryption.key_identifier or "").lower().rstrip("/") == a.new_key_identifier.lower().rstrip("/")
        if isinstance(a, CreateCmkRegistry):
            ip = id_parts(a.resource_id)
            # key access is the plan's own GrantKeyAccess step (or was there already): not granted twice
            reg = await w.create_cmk_registry(ip["subscription"], group_of(a.resource_id), a.name, a.location,
                                              vault_id=a.vault_id, key_name=a.key_name, identity_id=a.identity_id,
                                              key_version=a.key_version, tags=a.tags, grant_access=False)
            pinned = not a.key_version or (reg.encryption.key_identifier or "").rstrip("/").endswith("/" + a.key_version)
            return reg.encryption.enabled and pinned
        if isinstance(a, ImportImages):
            for image in a.images:
                try:
                    await w.import_images(a.resource_id, a.source_registry_id, [image])
                    res = "imported"
                except Conflict:
                    res = "already present"  # NoForce found the tag there: an earlier run imported it
                self.journal.write("image", target=a.resource_id, source=a.source_registry_id, image=image, result=res)
            return await self._verify(a)
        if isinstance(a, CreateReplication):
            reg = await w.create_replication(a.registry_id, a.location)
            return a.location.lower() in {r.lower() for r in reg.regions}
        if isinstance(a, StartRemediation):
            return await self._remediate(a)
        if isinstance(a, AssignPolicy):
            got = await w.assign_policy(a.scope, a.name, a.definition_id, effect=a.effect,
                                        enforcement_mode=a.enforcement_mode, display_name=a.display_name,
                                        parameters=a.parameters or None, location=a.location,
                                        role_definition_ids=a.role_definition_ids or None)
            return got.definition_guid == name_of(a.definition_id).lower()
        if isinstance(a, UnassignPolicy):
            await w.unassign_policy(a.resource_id)
            return True
        if isinstance(a, EnableVaultAuditLogging):
            vault = await self.vaults.set_audit_logging(a.resource_id, workspace_id=a.workspace_id,
                                                        categories=a.categories, name=a.setting_name)
            return not missing_logs(vault.diagnostic_settings, a.categories)
        if isinstance(a, EnableVaultPurgeProtection):
            return (await self.vaults.enable_purge_protection(a.resource_id)).purge_protection
        if isinstance(a, SetVaultNetworkBypass):
            vault = await self.vaults.set_network_bypass(a.resource_id, a.new)
            return vault.network_bypass.lower() == a.new.lower()
        raise AcrtuiError(f"No executor for action {a.kind}.", title="Unknown action")


    async def _verify(self, a: ImportImages) -> bool:
        """Every imported tag has the source's digest in the target (journaled per image)."""
        from acrtui.azure.dataplane import DataPlaneUnreachable, verify_imported

        src = await self.w.read.read_registry(a.source_registry_id)
        dst = await self.w.read.read_registry(a.resource_id)
        try:
            checks = await verify_imported(self.w.s, src.login_server, dst.login_server, a.images)
        except DataPlaneUnreachable as e:
            self.journal.write("verify", target=a.resource_id, result="unverified", reason=e.reason)
            self.unconverged[a.key] = f"digests not checked: {e.reason}"
            return False
        for c in checks:
            self.journal.write("verify", target=a.resource_id, image=c.image, source_digest=c.source_digest,
                               target_digest=c.target_digest, result="same digest" if c.ok else "differs")
        bad = [c for c in checks if not c.ok]
        if bad:
            first = bad[0]
            raise AcrtuiError(
                f"{len(bad)} of {len(checks)} imported tag(s) in {dst.name} do not match {src.name}: {first.image} is "
                f"{first.target_digest or 'missing'} in {dst.name}, {first.source_digest or 'missing'} in {src.name}. "
                "Do not move clients yet: re-import those tags (az acr import --force) and plan again.",
                title="Import verification failed")
        return True

    async def _remediate(self, a: StartRemediation) -> bool:
        """Start the task and follow it to its end (bounded), reporting progress; a failed task fails the step."""
        rem = await self.w.start_remediation(a.assignment_id, a.scope, a.name)
        state = str(rem.get("provisioning_state") or "Accepted")
        info: dict[str, Any] = {}
        for _ in range(REMEDIATION_POLLS):
            info = await self.w.read_remediation(str(rem["id"]))
            state = str(info.get("provisioning_state") or state)
            detail = f"remediation {state}: {info.get('succeeded') or 0} of {info.get('total') or 0} resource(s) fixed"
            self.journal.write("remediation", action=a.key, state=state, total=info.get("total"),
                               succeeded=info.get("succeeded"), failed=info.get("failed"))
            self._say("progress", a, detail)
            if state.lower() in ("succeeded", "failed", "canceled", "cancelled"):
                break
            await asyncio.sleep(REMEDIATION_POLL_S)
        if state.lower() in ("failed", "canceled", "cancelled"):
            raise AcrtuiError(f"Remediation {a.name} ended {state}: {info.get('failed') or 0} of "
                              f"{info.get('total') or 0} deployment(s) failed. See az policy remediation deployment "
                              f"list --name {a.name}.", title="Remediation failed")
        if state.lower() != "succeeded":
            self.unconverged[a.key] = f"remediation still {state}; follow it with az policy remediation show"
            return False
        return True


def _landed(a: RegistryPatch, after: RegistryPosture) -> bool:
    """Re-applying the change to the read-back state changes nothing: Azure holds what was asked."""
    sim = a.simulate(after)
    if sim == after:
        return True
    return _norm(sim) == _norm(after)


def _norm(reg: RegistryPosture) -> dict[str, Any]:
    d = reg.model_dump()
    d["ip_rules"] = sorted(r["value"] for r in d["ip_rules"])
    d["public_network_access"] = str(d["public_network_access"]).lower()
    d["default_action"] = str(d["default_action"]).lower()
    d["network_rule_bypass"] = str(d["network_rule_bypass"]).lower()
    return d
