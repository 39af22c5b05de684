"""The checks catalogue: every audit check with a stable id, severity, family, rationale, remediation and references.

Ids are stable (``ACR-<FAMILY>-<NNN>``): reports, suppressions (``--skip-check``) and pipelines key on them.
"""

from __future__ import annotations

from . import auth, cmk, monitoring, network, policy, registry
from .base import (
    FAMILY_ORDER,
    Check,
    CheckSettings,
    Family,
    Finding,
    References,
    Remediation,
    Severity,
    Status,
)

CATALOGUE: tuple[Check, ...] = tuple(cmk.CHECKS + network.CHECKS + auth.CHECKS + policy.CHECKS + monitoring.CHECKS
                                     + registry.CHECKS)
_BY_ID = {c.id.upper(): c for c in CATALOGUE}
assert len(_BY_ID) == len(CATALOGUE), "duplicate check id"


def get_check(check_id: str) -> Check | None:
    return _BY_ID.get(check_id.upper())


def select_checks(
    include: list[str] | tuple[str, ...] = (), exclude: list[str] | tuple[str, ...] = ()
) -> list[Check]:
    """Catalogue order; ``include`` empty means all. Ids may also be a prefix (``ACR-CMK``) or a family (``cmk``).

    Raises ``KeyError`` naming any id that matches nothing, so a typo in a pipeline is not a silent pass.
    """

    def match(pattern: str) -> list[Check]:
        p = pattern.strip().upper()
        hits = [
            c
            for c in CATALOGUE
            if c.id.upper() == p or c.id.upper().startswith(p + "-") or c.family.value.upper() == p
        ]
        if not hits:
            raise KeyError(pattern)
        return hits

    chosen = {c.id for pat in include for c in match(pat)} if include else {c.id for c in CATALOGUE}
    dropped = {c.id for pat in exclude for c in match(pat)}
    return [c for c in CATALOGUE if c.id in chosen and c.id not in dropped]


__all__ = [
    "CATALOGUE",
    "FAMILY_ORDER",
    "Check",
    "CheckSettings",
    "Family",
    "Finding",
    "References",
    "Remediation",
    "Severity",
    "Status",
    "get_check",
    "select_checks",
]
