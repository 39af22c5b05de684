"""The shapes of the checks catalogue: a check's metadata, its pure function, and the finding it returns.

A check never reads Azure: it is ``fn(registry, estate, settings) -> Finding``. "Not applicable" (a Basic
registry cannot have a private endpoint) is its own status and never counts as a pass; "error" means the check
could not decide (the vault was unreadable, data was missing) and is reported, not hidden.

Each check declares the inputs it reads (:class:`~acrtui.domain.models.CheckInput`); when the inventory could not
read one of them for a registry, :meth:`Check.run` returns ``error`` with the read's reason instead of running the
check on the empty default: no check passes (or is n/a) on input it did not get.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from acrtui.domain.address_space import DEFAULT_OPEN_SHARE
from acrtui.domain.models import CheckInput, Estate, RegistryPosture


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Higher is worse; used for ``--fail-on`` and sorting."""
        return {"critical": 4, "high": 3, "medium": 2, "low": 1, "info": 0}[self.value]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Family(StrEnum):
    CMK = "cmk"
    PRIVATE_LINK = "private-link"
    NETWORK = "network"
    DATA_ENDPOINT = "data-endpoint"
    AUTH = "auth"
    POLICY = "policy"
    RESILIENCE = "resilience"
    MONITORING = "monitoring"  # the registry's audit trail and Defender's image scans
    SUPPLY_CHAIN = "supply-chain"  # what content gets into the registry: quarantine, signing, cache rules, sync


FAMILY_ORDER = list(Family)


@dataclass(frozen=True)
class References:
    """Cross-references to what other tools call the same control (only where one exists and tests the same thing:
    every id must be in :mod:`.peers`, the list read from the peers' repositories)."""

    policy_definition_ids: tuple[str, ...] = ()  # built-in policy definition GUIDs
    psrule: tuple[str, ...] = ()  # PSRule for Azure rule names (Azure.ACR.*, Azure.KeyVault.*)
    checkov: tuple[str, ...] = ()  # Checkov CKV_AZURE_* ids
    docs: tuple[str, ...] = ()  # Microsoft Learn pages
    prowler: tuple[str, ...] = ()  # Prowler azure check ids

    def peer_ids(self) -> list[tuple[str, str]]:
        """(tool, id) of every peer rule cited, in the order psrule, checkov, prowler, policy."""
        return ([("psrule", x) for x in self.psrule] + [("checkov", x) for x in self.checkov]
                + [("prowler", x) for x in self.prowler] + [("policy", x) for x in self.policy_definition_ids])

    def peer_labels(self) -> list[str]:
        """One short label per cited peer rule: ``Azure.ACR.AdminUser``, ``CKV_AZURE_137``, ``policy <guid>``."""
        return [f"policy {i}" if t == "policy" else f"prowler {i}" if t == "prowler" else i for t, i in self.peer_ids()]

    def as_dict(self) -> dict[str, list[str]]:
        return {
            "policyDefinitionIds": [
                f"/providers/Microsoft.Authorization/policyDefinitions/{g}"
                for g in self.policy_definition_ids
            ],
            "psrule": list(self.psrule),
            "checkov": list(self.checkov),
            "prowler": list(self.prowler),
            "docs": list(self.docs),
        }


@dataclass(frozen=True)
class Remediation:
    """How to fix it: prose, the ``az`` command (with ``<placeholders>``), and the acrtui action that does it."""

    text: str
    az: str | None = None
    action: str | None = None  # acrtui plan action name, e.g. "SetPublicNetworkAccess"

    def as_dict(self) -> dict[str, str | None]:
        return {"text": self.text, "az": self.az, "action": self.action}


@dataclass(frozen=True)
class CheckSettings:
    """Thresholds and context a check may use. ``now`` is injected so reports are reproducible."""

    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    key_rotation_max_age_days: int = 90  # a pinned key version older than this fails ACR-CMK-002
    key_expiry_warning_days: int = 30  # a key expiring within this fails ACR-CMK-004
    operator_ips: tuple[str, ...] = ()  # public IPs operators manage from (for the lock-out analysis)
    operator_on_private_network: bool = False  # operators reach the registry through a private endpoint
    # a firewall whose IP rules admit more than this share of the public IPv4 internet is open (ACR-NET-001)
    firewall_open_share: float = DEFAULT_OPEN_SHARE
    # regions a registry's data may live in (ACR-RES-003); empty: not judged
    allowed_regions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)  # a fleet audit holds ~47 per registry
class Finding:
    """What one check says about one registry."""

    status: Status
    message: str
    evidence: dict[str, Any] = field(default_factory=dict)


CheckFn = Callable[[RegistryPosture, Estate, CheckSettings], Finding]
Applicability = Callable[[RegistryPosture], str | None]  # returns the reason it does NOT apply, or None
Reads = Callable[[RegistryPosture], tuple[CheckInput, ...]]  # the inputs a check reads for this registry


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    family: Family
    rationale: str
    remediation: Remediation
    fn: CheckFn
    references: References = References()
    applies: Applicability | None = None
    applicability: str = "All SKUs"
    inputs: tuple[CheckInput, ...] = ()  # what it may read besides the registry's own body (which every check reads)
    reads: Reads | None = None  # the subset it reads for a given registry, when that depends on the registry

    def needs(self, reg: RegistryPosture) -> tuple[CheckInput, ...]:
        """The inputs this check reads for this registry."""
        return self.reads(reg) if self.reads is not None else self.inputs

    def run(self, reg: RegistryPosture, estate: Estate, settings: CheckSettings) -> Finding:
        """Applicability (which reads only the registry body), then the inputs, then the check; a missing input or
        an exception is an ``error`` finding, never a crash or a pass."""
        if self.applies is not None:
            reason = self.applies(reg)
            if reason:
                return Finding(Status.NOT_APPLICABLE, reason)
        needed = set(self.needs(reg))
        gaps = estate.gaps_for(reg, needed) if needed else []
        if gaps:
            missing = sorted({i.value for g in gaps for i in g.inputs if i in needed})
            return Finding(
                Status.ERROR,
                f"could not be evaluated: {', '.join(missing)} not read ({'; '.join(g.text for g in gaps)})",
                {"missingInputs": missing, "readGaps": [g.what for g in gaps]},
            )
        try:
            return self.fn(reg, estate, settings)
        except Exception as exc:  # a bug or missing data in one check must not stop the audit
            return Finding(Status.ERROR, f"check could not run: {type(exc).__name__}: {exc}")

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "family": self.family.value,
            "applicability": self.applicability,
            "inputs": [i.value for i in self.inputs],
            "rationale": self.rationale,
            "remediation": self.remediation.as_dict(),
            "references": self.references.as_dict(),
            "peers": self.peers(),
        }

    def peers(self) -> list[dict[str, str]]:
        """The peer rules this check is equivalent to, with the titles the peers give them (:mod:`.peers`)."""
        from .peers import TOOL_NAMES, peer

        out = []
        for tool, ident in self.references.peer_ids():
            p = peer(tool, ident)
            out.append({"tool": TOOL_NAMES[tool], "id": ident, "title": p.title if p else ""})
        return out


def premium_only(reg: RegistryPosture) -> str | None:
    return None if reg.premium else f"{reg.sku} SKU: this feature needs Premium"


def ok(message: str, **evidence: Any) -> Finding:
    return Finding(Status.PASS, message, evidence)


def fail(message: str, **evidence: Any) -> Finding:
    return Finding(Status.FAIL, message, evidence)


def na(message: str, **evidence: Any) -> Finding:
    return Finding(Status.NOT_APPLICABLE, message, evidence)


def error(message: str, **evidence: Any) -> Finding:
    return Finding(Status.ERROR, message, evidence)
