"""Typed messages: workers post these and never touch widgets; the app and screens react to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual.message import Message

if TYPE_CHECKING:
    from acrtui.domain.models import Estate

    from .planning import UiPlan


@dataclass
class SubscriptionsLoaded(Message):
    subscriptions: dict[str, str]


@dataclass
class EstateProgress(Message):
    stage: str
    done: int
    total: int


@dataclass
class EstateLoaded(Message):
    estate: Estate
    report: Any = None  # its audit, computed off the UI loop (None: the app audits it)


@dataclass
class PlanProgress(Message):
    index: int
    total: int
    summary: str
    status: str  # running | done | failed | submitted


@dataclass
class PlanFinished(Message):
    ok: bool
    lines: list[str]
    error_title: str | None = None
    error_message: str | None = None


@dataclass
class PlanReady(Message):
    plan: UiPlan


@dataclass
class ServiceReady(Message):
    """The session is open (the Azure SDK and, for the demo, the emulator were loaded in a worker)."""


@dataclass
class RegistriesListed(Message):
    """One subscription's registries are listed: rows to show while the rest of the estate is read (``partial``:
    the pages so far, more to come)."""

    subscription: str
    registries: list[Any]
    partial: bool = False
