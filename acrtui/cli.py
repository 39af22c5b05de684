"""Entry point: ``acrtui [--demo] [--read-only] [--apply FILE]`` and subcommands."""

from __future__ import annotations

import click


@click.group(invoke_without_command=True)
@click.pass_context
def cli(ctx: click.Context) -> None:
    """acrtui — harden Azure Container Registry from the terminal."""


def main() -> None:
    cli()
