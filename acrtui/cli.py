"""Entry point: ``acrtui [--demo] [--read-only] [--apply FILE]`` and its subcommands.

Subcommands import their modules lazily so ``acrtui audit`` never loads Textual and ``acrtui emulator`` never loads
the Azure SDK.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

LAZY_COMMANDS = {
    "emulator": ("acrtui.emulator.cli", "emulator_command"),
    "audit": ("acrtui.audit.cli", "audit"),
    "checks": ("acrtui.audit.cli", "checks"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name]
            try:
                cmd: Any = getattr(importlib.import_module(module), attr)
            except (ImportError, AttributeError):
                return None
            return cmd  # type: ignore[no-any-return]
        return super().get_command(ctx, name)


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(package_name="acrtui")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """acrtui — harden Azure Container Registry from the terminal."""
    if ctx.invoked_subcommand is None:
        click.echo(ctx.get_help())


def main() -> None:
    cli()
