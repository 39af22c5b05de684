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
    "plan": ("acrtui.plan.cli", "plan_command"),
    "apply": ("acrtui.plan.cli", "apply_command"),
    "export": ("acrtui.plan.cli", "export_command"),
}

# `acrtui --help` lists these without importing the commands (the emulator alone pulls in aiohttp).
SHORT_HELP = {
    "apply": "Apply a plan file or a saved plan (idempotent; journals every step).",
    "audit": "Audit registries read-only and report findings.",
    "checks": "List the audit checks: id, severity, family, title and references.",
    "emulator": "Run the embedded Azure emulator and print how to reach it.",
    "export": "Write today's state as a plan file.",
    "plan": "Show what a plan file would change (Terraform-style).",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *LAZY_COMMANDS})

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS:
            module, attr = LAZY_COMMANDS[name]
            cmd: Any = getattr(importlib.import_module(module), attr)  # a broken import should fail loudly
            return cmd  # type: ignore[no-any-return]
        return super().get_command(ctx, name)


# Subcommands that open a session and so honour the top-level --demo/--cloud/--subscription/--log-file (through
# acrtui.options.session_options); the others refuse them instead of ignoring them. --read-only suits every
# command: those here make their session read-only (apply refuses), the others never talk to Azure.
SESSION_COMMANDS = {"audit", "plan", "apply", "export"}
CLOUDS = ["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]
INVENTORY_MODES = ["arm", "graph", "auto"]  # acrtui/azure/inventory_graph.py MODES


FLAGS = {"apply_file": "--apply", "yes": "--yes", "demo": "--demo", "cloud": "--cloud",
         "subscriptions": "--subscription", "log_file": "--log-file", "inventory": "--inventory"}


def _refuse_unused_globals(ctx: click.Context, command: str | None) -> None:
    """A top-level option the command cannot honour is a usage error, never silently ignored."""
    given = [p for p in FLAGS if ctx.get_parameter_source(p) not in (None, click.core.ParameterSource.DEFAULT)]
    if command is None:  # the console, or --apply FILE
        unused = [p for p in given if p == "yes" and not ctx.params["apply_file"]]
        where = "the console (it goes with --apply FILE)"
    else:
        allowed = {"demo", "cloud", "subscriptions", "log_file", "inventory"} if command in SESSION_COMMANDS else set()
        if command == "apply":
            allowed.add("yes")
        unused = [p for p in given if p not in allowed]
        where = f"`acrtui {command}` (see `acrtui {command} --help` for its own options)"
    if unused:
        raise click.UsageError(f"{', '.join(FLAGS[p] for p in unused)} has no effect on {where}.")


@click.group(cls=LazyGroup, invoke_without_command=True)
@click.version_option(package_name="acrtui")
@click.option("--demo", is_flag=True, help="Run against the embedded Azure emulator with the demo estate.")
@click.option("--read-only", is_flag=True, help="No write on any path: removed from the console, refused by apply "
              "and in the HTTP pipeline.")
@click.option("--apply", "apply_file", type=click.Path(dir_okay=False), metavar="PLAN.yaml", help="Apply a plan file (shows the diff first).")
@click.option("--yes", is_flag=True, help="With --apply FILE or `apply`: do not ask for confirmation.")
@click.option("--cloud", default=None, type=click.Choice(CLOUDS),
              help="Default: ACRTUI_CLOUD, then the settings file, then AzureCloud.")
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID", help="Limit to these subscriptions (repeatable).")
@click.option("--log-file", type=click.Path(dir_okay=False), help="Append every Azure request (secrets redacted) here.")
@click.option("--inventory", type=click.Choice(INVENTORY_MODES), default=None,
              help="How registries are listed: arm (per subscription), graph (Azure Resource Graph) or auto (Graph "
              "above 10 subscriptions or 50 registries). Default: ACRTUI_INVENTORY, the settings file, then auto.")
@click.pass_context
def cli(ctx: click.Context, demo: bool, read_only: bool, apply_file: str | None, yes: bool, cloud: str | None,
        subscriptions: tuple[str, ...], log_file: str | None, inventory: str | None) -> None:
    """acrtui — harden Azure Container Registry from the terminal.

    Without a subcommand it opens the console (``--read-only`` for audit-only); ``--apply FILE`` applies a plan file.
    """
    ctx.obj = {"demo": demo, "read_only": read_only, "cloud": cloud, "subscriptions": list(subscriptions),
               "log_file": log_file, "yes": yes, "inventory": inventory}
    _refuse_unused_globals(ctx, ctx.invoked_subcommand)
    _check_log_file(ctx, log_file)
    if ctx.invoked_subcommand is not None:
        return
    from acrtui.errors import AcrtuiError
    from acrtui.options import session_options

    try:
        options = session_options(ctx, writes=bool(apply_file))  # read-only --apply: refused, nothing sent
    except AcrtuiError as e:
        click.echo(f"error: {e.title}: {e.message}", err=True)
        ctx.exit(int(e.exit_code))
    if apply_file:
        from acrtui.plan.cli import run_apply

        ctx.exit(run_apply(apply_file, options=options, yes=yes))
    from acrtui.tui.app import run_tui

    ctx.exit(run_tui(options))


def _check_log_file(ctx: click.Context, log_file: str | None) -> None:
    """An unwritable ``--log-file`` is a usage error (exit 2) before any command runs; a new one is created 0600."""
    if not log_file:
        return
    from acrtui.errors import AcrtuiError
    from acrtui.files import prepare_append

    try:
        prepare_append(log_file, "--log-file")
    except AcrtuiError as exc:
        click.echo(f"error: {exc.title}: {exc.message}", err=True)
        ctx.exit(int(exc.exit_code))


def main() -> None:
    cli()
