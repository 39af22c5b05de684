"""Run a plan's actions in dependency order through :class:`acrtui.azure.writes.Writer`, journaling each step.

- Consecutive property changes to one registry go out as one ARM PATCH (fewer writes, and no half-applied state
  for a Deny policy to judge).
- Every write returns Azure's read-back state; the executor checks the action landed (``converged``) and journals
  what was done, when, and the result, as JSON lines: one file per target (``default_journal_path``), held by
  one apply at a time, bounded by compaction, unreadable lines reported and skipped.
- A cancellation (Ctrl-C or SIGTERM in the CLI, quitting the console) is journaled ``interrupted`` with the step in
  flight, and described in ``journal.interrupted`` for the caller to say what Azure may still be doing.
- Each step line carries the action's ``kind`` (its type in the plan file) and its ``operation``: what was done,
  e.g. ``DisableDataEndpoint`` for an ``EnableDataEndpoint`` step with ``new: false``.
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
import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import socket
import stat
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
from acrtui.domain.models import RegistryPosture, normalise_key_id
from acrtui.errors import AcrtuiError, Conflict, ExitCode, UsageError

from .observe import read_identity

JOURNAL_ENV = "ACRTUI_JOURNAL"
MAX_BYTES = 4 * 1024 * 1024  # compact (and rotate) finished runs away when an apply finds the journal larger
KEEP_UNFINISHED = 10  # runs that never ended (killed) kept through a compaction, newest first
REMEDIATION_POLLS = 60  # at most this many reads of a remediation's state, REMEDIATION_POLL_S apart
REMEDIATION_POLL_S = 2.0


def _state_dir() -> Path:
    return Path(os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")) / "acrtui"


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "unknown"


def target_key(session: Any) -> str | None:
    """Which estate a session writes to, as a file name: ``azure-<cloud>-<tenant>``, ``emulator-<host_port>``;
    ``None`` for the demo (its estate lives only as long as the process, so does its journal)."""
    if session.target == "demo":
        return None
    if session.target == "emulator":
        return "emulator-" + _safe(urlsplit(session.cloud.arm_endpoint).netloc)
    tenant = os.environ.get("AZURE_TENANT_ID") or getattr(session.credential, "_tenant_id", None) or "default-tenant"
    return f"azure-{_safe(session.cloud.name)}-{_safe(str(tenant))}"


def default_journal_path(session: Any = None) -> Path:
    """``$ACRTUI_JOURNAL``, else one file per target under ``$XDG_STATE_HOME/acrtui/journals/``; a demo session
    journals to a fresh temporary directory, never to the user's state directory."""
    if os.environ.get(JOURNAL_ENV):
        return Path(os.environ[JOURNAL_ENV])
    if session is None:
        return _state_dir() / "journal.jsonl"
    key = target_key(session)
    if key is None:  # an unguessable name, created (0700) only if the demo applies something
        return Path(tempfile.gettempdir()) / f"acrtui-demo-{uuid.uuid4().hex}" / "journal.jsonl"
    return _state_dir() / "journals" / f"{key}.jsonl"


def journal_for(session: Any, path: str | Path | None = None, *,
                warn: Callable[[str], None] | None = None) -> Journal:
    """The journal of this session's target (``--journal`` / ``$ACRTUI_JOURNAL`` win)."""
    return Journal(path or default_journal_path(session), warn=warn)


class JournalLocked(AcrtuiError):
    """Another apply holds the journal's lock: two applies of one estate are never interleaved."""

    title = "Another apply is running"
    exit_code = ExitCode.FINDINGS


class Interrupted(AcrtuiError):
    """What a cancelled apply cut (a signal, the console's Stop), kept in ``Journal.interrupted``; the cancellation
    itself propagates. ``in_flight``: the steps whose operations Azure may still be running."""

    title = "Interrupted"

    def __init__(self, message: str, *, in_flight: list[Any], detail: str = "", succeeded: int = 0,
                 not_run: int = 0) -> None:
        super().__init__(message)
        self.in_flight = in_flight
        self.detail = detail
        self.succeeded = succeeded
        self.not_run = not_run


def _open_private(path: Path, flags: int) -> int:
    """Open (creating 0600, in a 0700 directory) and tighten a file an older acrtui left world-readable."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, flags | os.O_CREAT, 0o600)
    except OSError as exc:
        raise UsageError(f"Cannot write the journal file {path}: {exc.strerror or exc}. Pass --journal PATH (or set "
                         f"{JOURNAL_ENV}) to a writable place.", title="Journal not writable") from None
    try:
        st = os.fstat(fd)
        if stat.S_ISREG(st.st_mode) and st.st_mode & 0o077 and st.st_uid == os.getuid():
            os.fchmod(fd, 0o600)
    except OSError:
        pass
    return fd


def _check_line(raw: bytes) -> tuple[dict[str, Any] | None, str]:
    """A journal line as an entry, or why it cannot be one."""
    try:
        entry = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return None, "not UTF-8"
    except ValueError:
        return None, "not valid JSON (a line torn by a crash?)"
    if not isinstance(entry, dict):
        return None, f"a JSON {type(entry).__name__}, not an object"
    if not isinstance(entry.get("event"), str):
        return None, "no \"event\" string"
    if entry["event"] == "image":
        for k in ("target", "image", "result"):
            if not isinstance(entry.get(k), str):
                return None, f"an image line without a \"{k}\" string"
    return entry, ""


class Journal:
    """Append-only JSON lines: one ``step`` line per action outcome, ``image`` lines per imported image.

    Lines that cannot be read are reported once through ``warn`` and skipped: a hand edit or a torn write never
    stops the next plan. An apply holds :meth:`lock` (``flock`` on ``<journal>.lock``), and on taking it
    compacts the file when it is over ``max_bytes``: the old file becomes ``<journal>.1`` and the new one keeps
    the imports done (what the planner reads, :meth:`imported`) and the last runs that never finished (killed).
    """

    def __init__(self, path: str | Path | None = None, *, warn: Callable[[str], None] | None = None,
                 max_bytes: int = MAX_BYTES) -> None:
        self.path = Path(path) if path else default_journal_path()
        self.run_id = uuid.uuid4().hex[:12]
        self.warn = warn
        self.max_bytes = max_bytes
        self.warned: set[str] = set()
        self._lock_fd: int | None = None
        self.interrupted: Interrupted | None = None  # set when an apply was cancelled mid-step
        self._lock_depth = 0

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(self.path.name + ".lock")

    def write(self, event: str, **data: Any) -> dict[str, Any]:
        entry = {"time": dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds"), "run": self.run_id,
                 "event": event, **data}
        fd = _open_private(self.path, os.O_WRONLY | os.O_APPEND)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write(json.dumps(entry, default=str) + "\n")
        return entry

    def _warn(self, message: str) -> None:
        if message not in self.warned:
            self.warned.add(message)
            if self.warn is not None:
                self.warn(message)

    def _lines(self) -> list[tuple[int, dict[str, Any]]]:
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            self._warn(f"journal {self.path}: not read ({exc.strerror or exc}); imports done earlier will be "
                       "checked again")
            return []
        out = []
        for n, raw in enumerate(data.splitlines(), 1):
            if not raw.strip():
                continue
            entry, why = _check_line(raw)
            if entry is None:
                self._warn(f"journal {self.path}: line {n} skipped: {why}")
            else:
                out.append((n, entry))
        return out

    def entries(self) -> list[dict[str, Any]]:
        return [e for _, e in self._lines()]

    def imported(self) -> frozenset[tuple[str, str]]:
        return frozenset((e["target"].lower(), e["image"]) for e in self.entries()
                         if e["event"] == "image" and e["result"] in ("imported", "already present"))

    # ------------------------------------------------------------------ one apply at a time
    @contextlib.contextmanager
    def lock(self, source: str = "") -> Iterator[None]:
        """Hold the journal for one apply (re-entrant); a second process is refused with who holds it."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        fd = _open_private(self.lock_path, os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _holder(fd)
            os.close(fd)
            raise JournalLocked(
                f"The journal {self.path} is held by {holder}. Wait for that apply to finish (the lock goes with "
                "its process), then plan again: it will skip what landed. Or pass another --journal.") from None
        except OSError:
            os.close(fd)
            raise
        self._lock_fd, self._lock_depth = fd, 1
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps({"pid": os.getpid(), "host": socket.gethostname(), "source": source,
                                      "started": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}).encode(), 0)
            self.compact()
            yield
        finally:
            self._lock_depth = 0
            self._lock_fd = None
            os.close(fd)  # releases the flock

    def compact(self, *, force: bool = False) -> bool:
        """Rotate to ``<journal>.1`` and keep only unfinished runs and imports done, when over ``max_bytes``."""
        try:
            size = self.path.stat().st_size
        except OSError:
            return False
        if size <= self.max_bytes and not force:
            return False
        lines = self._lines()
        finished = {e.get("run") for _, e in lines if e["event"] in ("apply-end", "interrupted")}
        unfinished = list(dict.fromkeys(e.get("run") for _, e in lines if e.get("run") not in finished))
        recent = set(unfinished[-KEEP_UNFINISHED:])
        facts: dict[tuple[str, str], dict[str, Any]] = {}
        keep: list[dict[str, Any]] = []
        for _, e in lines:
            if e["event"] == "image" and e["result"] in ("imported", "already present"):
                facts[(e["target"].lower(), e["image"])] = e
            elif e.get("run") in recent:
                keep.append(e)
        rotated = self.path.with_name(self.path.name + ".1")
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = _open_private(tmp, os.O_WRONLY | os.O_TRUNC)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            for e in [*facts.values(), *keep]:
                f.write(json.dumps(e, default=str) + "\n")
        os.replace(self.path, rotated)
        os.replace(tmp, self.path)
        self.write("compacted", bytes_before=size, kept=len(facts) + len(keep), rotated_to=str(rotated))
        return True


def _holder(fd: int) -> str:
    """Who holds a lock, from what it wrote into the lock file."""
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode("utf-8"))
        return (f"pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}, "
                f"applying {info.get('source') or 'a plan'}")
    except (OSError, ValueError, AttributeError):
        return "another acrtui apply"


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
        self.in_flight = ""  # the image an ImportImages step is importing (an interruption names it)
        self.unconverged: dict[str, str] = {}  # action key → why it is not known to have landed

    def _say(self, what: str, action: Action, detail: str = "") -> None:
        if self.progress is not None:
            self.progress(what, action, detail)

    async def run(self, actions: list[Any]) -> ApplyResult:
        """Run under the journal's lock; a cancellation (a signal, the console's Stop) is journaled, and described
        in ``journal.interrupted``, before it propagates."""
        with self.journal.lock(self.source):
            return await self._run_all(actions)

    async def _run_all(self, actions: list[Any]) -> ApplyResult:
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
                self.journal.write("step", action=a.key, kind=a.kind, operation=a.operation, resource=a.resource_id,
                                   status="started", description=a.describe())
            self.in_flight = ""
            try:
                converged = await self._run(batch)
            except asyncio.CancelledError:
                rest = [a.key for b in batches[i + 1:] for a in b]
                extra = {"image": self.in_flight} if self.in_flight else {}
                for a in batch:
                    self.journal.write("step", action=a.key, kind=a.kind, operation=a.operation,
                                       resource=a.resource_id, status="interrupted", **extra)
                for key in rest:
                    self.journal.write("step", action=key, status="not run")
                self.journal.write("interrupted", in_flight=[a.key for a in batch], succeeded=len(result.succeeded),
                                   not_run=len(rest))
                what = "; ".join(a.describe() for a in batch) + (f" (image {self.in_flight})" if self.in_flight else "")
                self.journal.interrupted = Interrupted(
                    f"The apply stopped while this was in flight: {what}.", in_flight=batch, detail=self.in_flight,
                    succeeded=len(result.succeeded), not_run=len(rest))
                raise  # a cancellation stays one: callers (the CLI's signal handler, the console) say what it cut
            except AcrtuiError as exc:
                for a in batch:
                    self.journal.write("step", action=a.key, kind=a.kind, operation=a.operation,
                                       resource=a.resource_id, status="failed", error=f"{exc.title}: {exc.message}",
                                       code=exc.code)
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
                self.journal.write("step", action=a.key, kind=a.kind, operation=a.operation, resource=a.resource_id,
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
                                                 subnet_id=a.subnet_id, registry_id=a.registry_id, manual=a.manual,
                                                 request_message=a.request_message, static_ips=a.static_ips or None)
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
            return normalise_key_id(reg.encryption.key_identifier) == normalise_key_id(a.new_key_identifier)
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
                self.in_flight = image
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
