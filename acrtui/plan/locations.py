"""Every location a plan names is a region of the target cloud, checked before any write.

Azure refuses an unknown location only when the write reaches it (400 ``LocationNotAvailableForResourceType`` /
``LocationNotAvailableForResourceGroup``), after earlier steps of the plan have landed. The regions come from
``GET /subscriptions/{id}/locations`` (what Azure itself lists for the subscription); names are compared as ARM
normalises them (``West US`` = ``westus``).
"""

from __future__ import annotations

from collections.abc import Iterator

from acrtui.azure.errors import translate
from acrtui.azure.session import AzureSession
from acrtui.domain.desired import DesiredState
from acrtui.domain.preflight import Finding
from acrtui.errors import AcrtuiError


def named_locations(desired: DesiredState) -> Iterator[tuple[str, str]]:
    """(subject, location) for every location the plan file sets."""
    for r in desired.registries:
        for ep in r.private_link.endpoints if r.private_link else []:
            if ep.location:
                yield f"{r.name} endpoint {ep.name}", ep.location
    for m in desired.create_cmk_registry:
        if m.location:
            yield m.name, m.location
    for a in desired.policy_assignments:
        if a.location:
            yield f"policy assignment {a.name}", a.location


def normalise(location: str) -> str:
    return location.replace(" ", "").lower()


def location_findings(desired: DesiredState, regions: list[str] | None, cloud: str, why: str = "") -> list[Finding]:
    """An error per unknown location; a warning per location when the region list could not be read."""
    out: list[Finding] = []
    for subject, loc in named_locations(desired):
        if regions is None:
            out.append(Finding("warning", subject, f"Could not check location '{loc}': the region list could not be "
                               f"read ({why}).", "Check the name against `az account list-locations -o table`."))
        elif normalise(loc) not in regions:
            out.append(Finding("error", subject, f"'{loc}' is not a region of {cloud}.",
                               f"Use one of: {', '.join(regions)}."))
    return out


async def check_locations(session: AzureSession, desired: DesiredState) -> list[Finding]:
    """Read the regions (only when the plan names a location) and check every named location against them."""
    if not any(True for _ in named_locations(desired)):
        return []
    sub = session.subscriptions[0] if session.subscriptions else None
    try:
        if sub is None:
            raise AcrtuiError("no subscription to read the regions of")
        async with translate():
            regions = sorted({normalise(str(loc.name)) async for loc in session.client("subscriptions").subscriptions.list_locations(sub)
                              if loc.name})
    except AcrtuiError as e:
        return location_findings(desired, None, session.cloud.name, e.message)
    return location_findings(desired, regions, session.cloud.name)
