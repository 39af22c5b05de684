"""Builds seeds by replaying ARM requests through the providers' own handlers, in process.

A seed made this way obeys the same rules and has the same shapes as anything a client creates over HTTP
(a private endpoint allocates its IPs, a DNS zone group writes its records), so seeds cannot drift from providers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Coroutine
from typing import Any

from ..apiversions import REGIONS, check_api_version, check_location, seed_region
from ..arm import ArmError, Ctx, Response, deterministic_guids, match, settle
from ..knobs import EmulatorConfig, Faults
from ..state import State

SEED_TIME = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)


def _run_sync(result: Any) -> Any:
    if isinstance(result, Coroutine):
        try:
            result.send(None)
        except StopIteration as stop:
            return stop.value
        result.close()
        raise RuntimeError("a provider handler suspended while building a seed")
    return result


class SeedRunner:
    """Stands in for the Emulator while a seed is built: no network, no RBAC, LROs finish at once."""

    base_url = "https://seed.invalid"

    def __init__(self, state: State, seed_name: str) -> None:
        self.state = state
        self.config = EmulatorConfig(page_size=10**9, lro_duration_s=0.0)
        self.faults = Faults()
        self.operations: dict[str, Any] = {}
        self.seed_name = seed_name

    def clock(self) -> float:
        return 0.0

    def call(self, method: str, path: str, body: Any = None, *, role: str = "owner", api_version: str = "2025-11-01") -> Any:
        """Send one ARM request to the handlers; raise on any error so a broken seed fails loudly."""
        found = match(method, path)
        if found is None:
            raise RuntimeError(f"seed: no route for {method} {path}")
        route, params = found
        try:  # the seed obeys ARM's api-version and location rules too
            check_api_version(path, api_version, None, list(REGIONS[self.state.cloud]))
            if method == "PUT" and isinstance(body, dict) and isinstance(body.get("location"), str):
                body = {**body, "location": check_location(self.state.cloud, path, seed_region(self.state.cloud, body["location"]))}
        except ArmError as e:
            raise RuntimeError(f"seed {self.seed_name}: {method} {path} refused: {e}") from e
        principal = self.state.principals[self.state.logins[role].lower()]
        ctx = Ctx(method, path, {"api-version": api_version}, body, principal, self.state, self.base_url, self)
        try:
            result: Response = _run_sync(route.handler(ctx, params))
        except ArmError as e:
            raise RuntimeError(f"seed {self.seed_name}: {method} {path} refused: {e}") from e
        settle(self)
        failed = [op for op in self.operations.values() if op.status == "Failed"]
        if failed:
            raise RuntimeError(f"seed {self.seed_name}: {method} {path} failed: {failed[0].error}")
        self.operations.clear()
        if isinstance(result.body, dict) and result.body.get("id"):
            res = self.state.get(result.body["id"])
            return res.body if res is not None else result.body
        return result.body


def seeding(state: State, name: str) -> tuple[SeedRunner, Any]:
    """A runner plus a context manager that freezes time and GUIDs while the seed is built."""
    import contextlib

    @contextlib.contextmanager
    def frozen() -> Any:
        state.frozen_now = SEED_TIME
        with deterministic_guids(name):
            try:
                yield
            finally:
                state.frozen_now = None

    return SeedRunner(state, name), frozen()
