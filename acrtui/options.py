"""Session options from every source, decided in one place: every command that opens a session calls
:func:`session_options`, so an option cannot be honoured by one command and silently dropped by another.

Precedence, later wins: the settings file, ``ACRTUI_*`` environment, the top-level options (``acrtui --cloud X
audit``), the subcommand's own options (``acrtui plan --cloud X``). Read-only is decided here once (any source
turns it on, nothing turns it off) and enforced by the session's pipeline guard; a command that writes asks with
``writes=True`` and is refused before it sends anything. No Azure import at module level (``acrtui --help``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import UsageError

if TYPE_CHECKING:
    import click

    from .azure.target_options import TargetOptions

# Top-level options that only a command opening a session can honour (cli.py refuses them for the others).
SESSION_GLOBALS = ("demo", "cloud", "subscriptions", "log_file", "inventory")


def root_options(ctx: click.Context | None) -> Mapping[str, Any]:
    """What ``acrtui [OPTIONS] COMMAND`` was given (acrtui/cli.py stores it on the root context)."""
    if ctx is None:
        return {}
    return ctx.find_root().obj or {}


def session_options(ctx: click.Context | None = None, *, demo: bool = False, cloud: str | None = None,
                    subscriptions: Sequence[str] = (), log_file: str | None = None, read_only: bool = False,
                    writes: bool = False, inventory: str | None = None) -> TargetOptions:
    """``TargetOptions`` for this command: its own options over the top-level ones over environment and settings.

    Raises :class:`UsageError` (exit 2) for a bad settings file or value, and, when ``writes`` is set, for a
    read-only run: nothing has been sent at that point, not even a token request.
    """
    from .azure.clouds import get_cloud
    from .azure.target_options import TargetOptions
    from .config import DEFAULTS, only_defaults

    root = root_options(ctx)
    given = {"cloud": cloud or root.get("cloud"),
             "subscriptions": list(subscriptions) or list(root.get("subscriptions") or []),
             "log_file": log_file or root.get("log_file"), "inventory": inventory or root.get("inventory")}
    settings: Any
    if only_defaults():  # nothing but click-checked values: no model to build (the console's first frame waits)
        from types import SimpleNamespace

        settings = SimpleNamespace(**{**DEFAULTS, "subscriptions": [],
                                      **{k: v for k, v in given.items() if v not in (None, [])}})
    else:
        from .settings import load_settings

        settings = load_settings(**given)
    cloud_name = get_cloud(settings.cloud).name  # an unknown ACRTUI_CLOUD / settings cloud is a usage error here
    ro_flag = bool(read_only or root.get("read_only"))
    if writes and (ro_flag or settings.read_only):
        source = "--read-only" if ro_flag else "read_only (ACRTUI_READ_ONLY or the settings file)"
        raise UsageError(f"this command writes to Azure and {source} is set, so nothing was sent. See what it "
                         "would change with `acrtui plan FILE`, or run it without read-only.", title="Read-only")
    return TargetOptions(demo=bool(demo or root.get("demo")), cloud=cloud_name,
                         subscriptions=list(settings.subscriptions), read_only=ro_flag or settings.read_only,
                         concurrency=settings.concurrency, log_file=settings.log_file, inventory=settings.inventory)
