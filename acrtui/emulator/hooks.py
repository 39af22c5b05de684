"""Cross-provider hooks, so providers stay in their own modules.

- ``BEFORE_WRITE``: called as ``hook(ctx, resource_id, new_body)`` before a PUT/PATCH of a tracked resource is
  stored; raise :class:`~acrtui.emulator.arm.ArmError` to refuse it (policy Deny lives here).
- ``REPLICA_ADDED``: called as ``hook(ctx, registry_resource, region)`` before a geo-replica is stored; raise to
  refuse it (private endpoints allocate one more IP in every connected subnet here).
- ``REGISTRY_DELETED``: called as ``hook(ctx, registry_resource)`` when a registry is deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

BEFORE_WRITE: list[Callable[[Any, str, dict[str, Any]], None]] = []
REPLICA_ADDED: list[Callable[[Any, Any, str], None]] = []
REGISTRY_DELETED: list[Callable[[Any, Any], None]] = []


def before_write(ctx: Any, resource_id: str, body: dict[str, Any]) -> None:
    for h in BEFORE_WRITE:
        h(ctx, resource_id, body)


def replica_added(ctx: Any, registry: Any, region: str) -> None:
    for h in REPLICA_ADDED:
        h(ctx, registry, region)


def registry_deleted(ctx: Any, registry: Any) -> None:
    for h in REGISTRY_DELETED:
        h(ctx, registry)
