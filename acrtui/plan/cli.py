"""``acrtui plan``, ``acrtui apply``, ``acrtui export`` and ``acrtui --apply FILE`` (routed here by acrtui/cli.py).

Exit codes. ``acrtui.errors.ExitCode`` is shared by every command (1 findings, 2 usage, 3 Azure); the plan
commands follow Terraform where it matters to pipelines:

| code | ``plan`` | ``plan --detailed-exitcode`` | ``apply`` / ``--apply`` |
|---|---|---|---|
| 0 | planned (changes or not) | no changes | applied, or nothing to do |
| 1 | invalid plan file, refused by preflight | same | same, a stale saved plan, or cancelled |
| 2 | usage error | **changes pending** (our own usage errors become 1, as in Terraform) | usage error |
| 3 | sign-in, permission or Azure error; something the plan depends on could not be read | same | same, including a write that failed part-way, and every write landed but the re-read to verify them failed |

So with ``--detailed-exitcode`` a 2 always means "changes pending" (except click's own argument-parsing errors,
which print usage text first), and without it 2 keeps meaning "usage" as in every other acrtui command.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from acrtui.errors import AcrtuiError, ExitCode, UsageError

from .loader import PlanFileError

T = TypeVar("T")
CHANGES_PENDING = 2


def _opts(ctx: click.Context, demo: bool, cloud: str | None, subscriptions: tuple[str, ...],
          log_file: str | None) -> dict[str, Any]:
    """Merge this command's options with the top-level ones (``acrtui --demo plan FILE`` works too)."""
    root = ctx.find_root().obj or {}
    return {"demo": demo or bool(root.get("demo")), "cloud": cloud or root.get("cloud") or "AzureCloud",
            "subscriptions": list(subscriptions) or list(root.get("subscriptions") or []),
            "log_file": log_file or root.get("log_file")}


def _session(demo: bool, cloud: str, subscriptions: list[str], log_file: str | None) -> Any:
    from acrtui.azure.targets import TargetOptions, open_session

    return open_session(TargetOptions(demo=demo, cloud=cloud, subscriptions=subscriptions, log_file=log_file))


def _target(demo: bool) -> str:
    from acrtui.azure.targets import TargetOptions, describe_target

    return describe_target(TargetOptions(demo=demo))


def _run(fn: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(fn())  # type: ignore[arg-type]


def _report(exc: AcrtuiError) -> int:
    from .engine import PlanRefused

    if isinstance(exc, PlanFileError):
        click.echo(f"error: {exc.title}:", err=True)
        for p in exc.problems:
            click.echo(f"  {p}", err=True)
        click.echo("Nothing was changed.", err=True)
    elif isinstance(exc, PlanRefused) and exc.findings:
        from .render import render_findings

        click.echo(render_findings(exc.findings), err=True)
        click.echo(f"\nerror: {exc.title}: {exc.message}", err=True)
    else:
        click.echo(f"error: {exc.title}: {exc.message}", err=True)
    return int(exc.exit_code)


def _journal(path: str | None) -> Any:
    from .executor import Journal

    return Journal(path)


def _is_saved(path: str) -> bool:
    try:
        head = Path(path).read_text(encoding="utf-8")
    except OSError:
        return False
    if not head.lstrip().startswith("{"):
        return False
    try:
        return json.loads(head).get("kind") == "SavedPlan"
    except ValueError:
        return False


# ------------------------------------------------------------------------------------------------------ plan


@click.command("plan")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["text", "json", "az"]), default="text", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False), help="Save the plan (with what it saw) for `acrtui apply`.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 no changes, 1 error, 2 changes pending.")
@click.option("--schema", is_flag=True, help="Print the plan file's JSON Schema and exit.")
@click.option("--demo", is_flag=True, help="Plan against the embedded emulator's demo estate.")
@click.option("--cloud", type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]), default=None)
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID")
@click.option("--log-file", type=click.Path(dir_okay=False))
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False), help="Journal file (for imports done).")
@click.pass_context
def plan_command(ctx: click.Context, file: str | None, fmt: str, out: str | None, detailed_exitcode: bool,
                 schema: bool, demo: bool, cloud: str | None, subscriptions: tuple[str, ...], log_file: str | None,
                 journal_path: str | None) -> None:
    """Show what applying a plan file would change (nothing is written)."""
    if schema:
        from .schema import json_schema

        click.echo(json.dumps(json_schema(), indent=2))
        ctx.exit(0)
    if not file:
        raise click.UsageError("missing FILE (or use --schema)")
    o = _opts(ctx, demo, cloud, subscriptions, log_file)
    ctx.exit(run_plan(file, fmt=fmt, out=out, detailed=detailed_exitcode, journal_path=journal_path, **o))


def run_plan(path: str, *, fmt: str = "text", out: str | None = None, detailed: bool = False, demo: bool = False,
             cloud: str = "AzureCloud", subscriptions: list[str] | None = None, log_file: str | None = None,
             journal_path: str | None = None) -> int:
    from .engine import make_plan
    from .loader import load
    from .render import render

    try:
        desired = load(path)

        async def go() -> Any:
            async with _session(demo, cloud, subscriptions or [], log_file) as s:
                return await make_plan(s, desired, _journal(journal_path))

        planned = _run(go)
    except AcrtuiError as exc:
        code = _report(exc)
        return int(ExitCode.FINDINGS) if detailed and code == ExitCode.USAGE else code
    click.echo(render(planned.plan, planned.findings, fmt, fingerprint=planned.fingerprint), nl=False)
    if planned.blocking:
        click.echo(f"\nerror: Plan refused: {len(planned.blocking)} preflight error(s); `acrtui apply` will not "
                   "run this plan until they are fixed.", err=True)
        return int(ExitCode.FINDINGS)
    if out:
        saved = planned.saved(str(path), _target(demo))
        Path(out).write_text(saved.model_dump_json(by_alias=True, indent=2) + "\n", encoding="utf-8")
        click.echo(f"\nSaved the plan to {out}. Apply it with: acrtui apply {out}", err=True)
    if detailed and not planned.plan.empty:
        return CHANGES_PENDING
    return int(ExitCode.OK)


# ----------------------------------------------------------------------------------------------------- apply


@click.command("apply")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--demo", is_flag=True, help="Apply against the embedded emulator's demo estate.")
@click.option("--cloud", type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]), default=None)
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID")
@click.option("--log-file", type=click.Path(dir_okay=False))
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False), help="Journal file (JSON lines).")
@click.pass_context
def apply_command(ctx: click.Context, file: str, yes: bool, demo: bool, cloud: str | None,
                  subscriptions: tuple[str, ...], log_file: str | None, journal_path: str | None) -> None:
    """Apply a plan file (or a saved plan from `acrtui plan --out`): show the diff, confirm, write, journal."""
    o = _opts(ctx, demo, cloud, subscriptions, log_file)
    ctx.exit(run_apply(file, yes=yes, journal_path=journal_path, **o))


def run_apply(path: str, *, demo: bool = False, cloud: str = "AzureCloud", subscriptions: list[str] | None = None,
              yes: bool = False, log_file: str | None = None, journal_path: str | None = None) -> int:
    """``acrtui --apply FILE`` and ``acrtui apply FILE``: returns the exit code."""
    from .engine import apply_planned, make_plan, plan_saved
    from .loader import load
    from .render import render_text
    from .schema import SavedPlan

    journal = _journal(journal_path)

    def progress(what: str, action: Any, detail: str) -> None:
        if what == "start":
            click.echo(f"{action.name}: {action.describe()}...", err=True)
        elif what == "failed":
            click.echo(f"{action.name}: failed: {detail}", err=True)
        elif detail:
            click.echo(f"{action.name}: done ({detail})", err=True)

    def read() -> tuple[Any, Any]:
        if not _is_saved(path):
            return None, load(path)
        try:
            saved = SavedPlan.model_validate_json(Path(path).read_text(encoding="utf-8"))
        except ValueError as exc:
            raise UsageError(f"{path} is not a valid saved plan: {exc}") from None
        if saved.target != _target(demo):
            raise UsageError(f"{path} was planned against {saved.target}, not {_target(demo)}.")
        return saved, None

    async def go() -> int:
        async with _session(demo, cloud, subscriptions or [], log_file) as s:
            planned = await (plan_saved(s, saved, journal) if saved else make_plan(s, desired, journal))
            if planned.plan.empty:
                click.echo(render_text(planned.plan, planned.findings), nl=False)
                return int(ExitCode.OK)
            click.echo(render_text(planned.plan, planned.findings), nl=False)
            if planned.blocking:
                click.echo(f"\nerror: Plan refused: {len(planned.blocking)} preflight error(s); nothing was changed.",
                           err=True)
                return int(ExitCode.FINDINGS)
            if not yes:
                try:
                    answer = click.prompt("\nDo you want to perform these actions? Only 'yes' will be accepted",
                                          default="", show_default=False, err=True)
                except click.Abort:
                    answer = ""  # no terminal and no input: never assume yes
                if answer.strip() != "yes":
                    click.echo("Apply cancelled. Nothing was changed.", err=True)
                    return int(ExitCode.FINDINGS)
            result = await apply_planned(s, planned, journal, source=str(path), progress=progress)
            if not result.ok:
                assert result.error is not None
                done = len(result.succeeded)
                click.echo(f"\nerror: {result.error.title}: {result.error.message}", err=True)
                click.echo(f"{done} of {len(planned.plan.actions)} action(s) applied before the failure; "
                           f"{len(result.not_run)} not run. Journal: {journal.path}. Fix the cause and apply again: "
                           "the next plan skips what already landed.", err=True)
                return int(result.error.exit_code)
            return await verify_applied(s, planned, result, journal, f"acrtui plan {saved.source if saved else path}")

    try:
        saved, desired = read()
        return _run(go)
    except AcrtuiError as exc:
        return _report(exc)


async def verify_applied(session: Any, planned: Any, result: Any, journal: Any, replan: str) -> int:
    """Every write landed: re-plan on a fresh read to verify it. Three outcomes, said as they are:

    - verified: "Apply complete!", exit 0 (a re-plan that still shows changes is a warning: Azure may settle);
    - landed, but the re-read failed (throttled, unreachable, a permission): exit 3, saying every write landed
      and how to verify, instead of passing a read failure off as a failed (or a verified) apply;
    - the write path failed: handled by the caller before this (exit 3 with what ran).
    """
    from .engine import make_plan
    from .render import render_findings, summary_line

    add, change, destroy = planned.plan.counts()
    landed = f"Resources: {add} added, {change} changed, {destroy} destroyed. Journal: {journal.path}"
    try:
        again = await make_plan(session, planned.desired, journal)
    except AcrtuiError as exc:
        click.echo(f"\nApplied, not verified: every write landed ({landed}), but re-reading Azure to verify "
                   "them failed.")
        if result.not_converged:
            click.echo("Warning: Azure's read-back differs for: " + ", ".join(result.not_converged), err=True)
        click.echo(f"error: {exc.title}: {exc.message}", err=True)
        click.echo(f"Nothing needs undoing. Run `{replan}` to verify: it shows no changes when everything is in "
                   "place.", err=True)
        return int(ExitCode.AZURE)
    click.echo(f"\nApply complete! {landed}")
    if result.not_converged:
        click.echo("Warning: Azure's read-back differs for: " + ", ".join(result.not_converged), err=True)
    if not again.plan.empty:
        click.echo("Re-plan after apply still shows changes (Azure may still be settling):\n"
                   + summary_line(again.plan), err=True)
    if again.findings and not planned.findings:
        click.echo(render_findings(again.findings), err=True)
    return int(ExitCode.OK)


# ---------------------------------------------------------------------------------------------------- export


@click.command("export")
@click.option("--registry", "registries", multiple=True, metavar="NAME", help="Only these registries (repeatable).")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="Write the plan file here instead of stdout.")
@click.option("--demo", is_flag=True, help="Export the embedded emulator's demo estate.")
@click.option("--cloud", type=click.Choice(["AzureCloud", "AzureUSGovernment", "AzureChinaCloud"]), default=None)
@click.option("--subscription", "subscriptions", multiple=True, metavar="ID")
@click.option("--log-file", type=click.Path(dir_okay=False))
@click.pass_context
def export_command(ctx: click.Context, registries: tuple[str, ...], output: str | None, demo: bool,
                   cloud: str | None, subscriptions: tuple[str, ...], log_file: str | None) -> None:
    """Write today's state as a plan file; planning it back shows "No changes."."""
    from .engine import export_state
    from .loader import dump

    o = _opts(ctx, demo, cloud, subscriptions, log_file)

    async def go() -> Any:
        async with _session(o["demo"], o["cloud"], o["subscriptions"], o["log_file"]) as s:
            return await export_state(s, list(registries))

    try:
        desired = _run(go)
    except AcrtuiError as exc:
        ctx.exit(_report(exc))
        return
    text = dump(desired)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        click.echo(f"Wrote {len(desired.registries)} registr{'y' if len(desired.registries) == 1 else 'ies'} to {output}.",
                   err=True)
    else:
        click.echo(text, nl=False)
    ctx.exit(0)
