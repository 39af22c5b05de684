"""``acrtui plan``, ``acrtui apply``, ``acrtui export`` and ``acrtui --apply FILE`` (routed here by acrtui/cli.py).

Exit codes. ``acrtui.errors.ExitCode`` is shared by every command (1 findings, 2 usage, 3 Azure); the plan
commands follow Terraform where it matters to pipelines:

| code | ``plan`` | ``plan --detailed-exitcode`` | ``apply`` / ``--apply`` |
|---|---|---|---|
| 0 | planned (changes or not) | no changes | applied, or nothing to do |
| 1 | invalid plan file, refused by preflight | same | same, a stale saved plan, or cancelled |
| 2 | usage error | **changes pending** (our own usage errors become 1, as in Terraform) | usage error |
| 3 | sign-in, permission or Azure error; something the plan depends on could not be read | same | same, including a write that failed part-way, and every write landed but the re-read to verify them failed |
| 130/143 | SIGINT / SIGTERM | same | same; the step in flight is journaled ``interrupted`` |

So with ``--detailed-exitcode`` a 2 always means "changes pending" (except click's own argument-parsing errors,
which print usage text first), and without it 2 keeps meaning "usage" as in every other acrtui command.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

import click

from acrtui.errors import AcrtuiError, ExitCode, UsageError
from acrtui.files import write_private

from .loader import PlanFileError

if TYPE_CHECKING:
    from acrtui.azure.targets import TargetOptions

T = TypeVar("T")
CHANGES_PENDING = 2


def _opts(ctx: click.Context, demo: bool, cloud: str | None, subscriptions: tuple[str, ...],
          log_file: str | None, *, writes: bool = False) -> TargetOptions:
    """This command's options merged with the top-level ones, environment and settings (acrtui/options.py);
    a usage error (a bad settings file, or a write under read-only) exits here, before any request."""
    from acrtui.options import session_options

    try:
        return session_options(ctx, demo=demo, cloud=cloud, subscriptions=subscriptions, log_file=log_file,
                               writes=writes)
    except AcrtuiError as exc:
        raise click.exceptions.Exit(_report(exc)) from None


def _options(options: TargetOptions | None) -> TargetOptions:
    from acrtui.azure.targets import TargetOptions

    return options or TargetOptions()


def _session(options: TargetOptions) -> Any:
    from acrtui.azure.targets import open_session

    return open_session(options)


def _target(options: TargetOptions) -> str:
    from acrtui.azure.targets import describe_target

    return describe_target(options)


class Stopped(Exception):
    """SIGINT or SIGTERM stopped the command."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def exit_code(self) -> int:
        return 128 + self.signum  # 130 for SIGINT, 143 for SIGTERM, as shells report them


_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class _Signals:
    """SIGINT/SIGTERM cancel the command's task, so the executor journals the step in flight and sessions close,
    instead of a KeyboardInterrupt at a random await or a silent SIGTERM death. A second signal exits at once."""

    current: _Signals | None = None

    def __init__(self, task: asyncio.Task[Any]) -> None:
        self.task = task
        self.loop = task.get_loop()
        self.got: list[int] = []
        self.installed = False

    def _on(self, signum: int) -> None:
        if self.got:
            os._exit(128 + signum)
        self.got.append(signum)
        self.task.cancel()

    def install(self) -> None:
        try:
            for sig in _SIGNALS:
                self.loop.add_signal_handler(sig, self._on, sig)
            self.installed = True
        except (ValueError, RuntimeError, NotImplementedError):  # not the main thread (embedded use), or Windows
            self.remove()

    def remove(self) -> None:
        for sig in _SIGNALS:
            with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):
                self.loop.remove_signal_handler(sig)


def _run(fn: Callable[[], Awaitable[T]]) -> T:
    """Run a command's coroutine; a signal makes it leave as :class:`Stopped`."""
    async def main() -> T:
        task = asyncio.current_task()
        assert task is not None
        sigs = _Signals.current = _Signals(task)
        sigs.install()
        try:
            return await fn()
        except asyncio.CancelledError:
            if sigs.got:
                raise Stopped(sigs.got[0]) from None
            raise
        finally:
            sigs.remove()
            _Signals.current = None

    return asyncio.run(main())


@contextlib.contextmanager
def _prompting() -> Iterator[None]:
    """Blocked on the confirmation prompt, the loop cannot run its signal handlers: a signal ends the prompt
    instead (click makes it "cancelled", nothing was changed) rather than waiting for Enter."""
    sigs = _Signals.current

    def stop(*_: object) -> None:
        raise KeyboardInterrupt

    if sigs is None or not sigs.installed:
        yield
        return
    sigs.remove()
    previous = [signal.signal(sig, stop) for sig in _SIGNALS]
    try:
        yield
    finally:
        for sig, old in zip(_SIGNALS, previous, strict=True):
            signal.signal(sig, old)
        sigs.install()


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


def _check_outputs(ctx: click.Context, *, detailed: bool = False, **paths: str | None) -> None:
    """An output path that cannot be written is a usage error naming it, before any Azure request (exit 2, or
    1 under ``--detailed-exitcode``, where 2 means "changes pending"). ``log_file`` is created 0600 here."""
    from acrtui.files import check_writable, prepare_append

    try:
        for name, path in paths.items():
            option = "--" + name.replace("_", "-")
            (prepare_append if name == "log_file" else check_writable)(path, option)
    except AcrtuiError as exc:
        code = _report(exc)
        ctx.exit(int(ExitCode.FINDINGS) if detailed and code == ExitCode.USAGE else code)


def _journal(path: str | None, session: Any) -> Any:
    """The session target's journal (``--journal`` wins); lines it cannot read are warned about once."""
    from .executor import journal_for

    return journal_for(session, path, warn=lambda m: click.echo(f"warning: {m}", err=True))


@contextlib.asynccontextmanager
async def _locked(options: TargetOptions, journal_path: str | None, source: str, box: dict[str, Any]
                  ) -> AsyncIterator[tuple[Any, Any]]:
    """The apply's session and its target's journal, held for the whole apply (a second one is refused)."""
    async with _session(options) as s:
        journal = box["journal"] = _journal(journal_path, s)
        with journal.lock(source):
            yield s, journal


def _stopped(exc: Stopped, path: str, journal: Any, applied: bool) -> int:
    """Say what a signal cut short, what Azure may still be doing and how to check; exit 128 + signal."""
    name = signal.Signals(exc.signum).name
    cut = getattr(journal, "interrupted", None)  # the executor's account of the step it cut
    if cut is None:
        if applied:
            click.echo(f"\nerror: Interrupted ({name}) after the apply finished, while re-reading; run "
                       f"`acrtui plan {path}` to check. Journal: {journal.path}", err=True)
        else:
            click.echo(f"\nerror: Interrupted ({name}): nothing was changed.", err=True)
        return exc.exit_code
    click.echo(f"\nerror: Interrupted ({name}): {cut.message}", err=True)
    click.echo(f"{cut.succeeded} action(s) had landed before it; {cut.not_run} not run. Azure may still be running "
               "the operation in flight: the request was sent and cannot be called back.", err=True)
    click.echo(f"Check what landed with `acrtui plan {path}`, or in Azure:", err=True)
    for a in cut.in_flight:
        click.echo(f"  az resource show --ids {a.resource_id}   (or the portal's Activity log for it)", err=True)
    click.echo(f"Then apply again: the next plan skips what landed. Journal: {journal.path} (the step is recorded "
               "as interrupted).", err=True)
    return exc.exit_code


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
    _check_outputs(ctx, detailed=detailed_exitcode, out=out, journal=journal_path, log_file=o.log_file)
    ctx.exit(run_plan(file, fmt=fmt, out=out, detailed=detailed_exitcode, journal_path=journal_path, options=o))


def run_plan(path: str, *, fmt: str = "text", out: str | None = None, detailed: bool = False,
             options: TargetOptions | None = None, journal_path: str | None = None) -> int:
    from .engine import make_plan
    from .loader import load
    from .render import render

    options = _options(options)
    try:
        desired = load(path)

        async def go() -> Any:
            async with _session(options) as s:
                return await make_plan(s, desired, _journal(journal_path, s))

        planned = _run(go)
    except Stopped as exc:
        click.echo(f"\nerror: Interrupted ({signal.Signals(exc.signum).name}) while planning: nothing was changed.",
                   err=True)
        return exc.exit_code
    except AcrtuiError as exc:
        code = _report(exc)
        return int(ExitCode.FINDINGS) if detailed and code == ExitCode.USAGE else code
    click.echo(render(planned.plan, planned.findings, fmt, fingerprint=planned.fingerprint), nl=False)
    if planned.blocking:
        click.echo(f"\nerror: Plan refused: {len(planned.blocking)} preflight error(s); `acrtui apply` will not "
                   "run this plan until they are fixed.", err=True)
        return int(ExitCode.FINDINGS)
    if out:
        saved = planned.saved(str(path), _target(options))
        try:
            write_private(out, saved.model_dump_json(by_alias=True, indent=2) + "\n", "--out")  # 0600: inventory
        except AcrtuiError as exc:
            return _report(exc)
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
    o = _opts(ctx, demo, cloud, subscriptions, log_file, writes=True)  # read-only: exit 2, nothing sent
    _check_outputs(ctx, journal=journal_path, log_file=o.log_file)
    yes = yes or bool(ctx.find_root().obj and ctx.find_root().obj.get("yes"))  # `acrtui --yes apply FILE`
    ctx.exit(run_apply(file, yes=yes, journal_path=journal_path, options=o))


def run_apply(path: str, *, options: TargetOptions | None = None, yes: bool = False,
              journal_path: str | None = None) -> int:
    """``acrtui --apply FILE`` and ``acrtui apply FILE``: returns the exit code."""
    from .engine import apply_planned, make_plan, plan_saved
    from .loader import load_plan_or_saved
    from .render import render_text

    options = _options(options)
    box: dict[str, Any] = {"journal": None, "applied": False}

    def progress(what: str, action: Any, detail: str) -> None:
        if what == "start":
            click.echo(f"{action.name}: {action.describe()}...", err=True)
        elif what == "failed":
            click.echo(f"{action.name}: failed: {detail}", err=True)
        elif what == "progress":
            click.echo(f"{action.name}: {detail}", err=True)
        elif detail:
            click.echo(f"{action.name}: done ({detail})", err=True)

    def read() -> tuple[Any, Any]:
        saved, desired = load_plan_or_saved(path)  # bounded, located; a FIFO or device is never read
        if saved is None:
            return None, desired
        if saved.target != _target(options):
            raise UsageError(f"{path} was planned against {saved.target}, not {_target(options)}.")
        return saved, None

    async def go() -> int:
        async with _locked(options, journal_path, str(path), box) as (s, journal):
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
                    with _prompting():
                        answer = click.prompt("\nDo you want to perform these actions? Only 'yes' will be accepted",
                                              default="", show_default=False, err=True)
                except click.Abort:
                    answer = ""  # no terminal and no input: never assume yes
                if answer.strip() != "yes":
                    click.echo("Apply cancelled. Nothing was changed.", err=True)
                    return int(ExitCode.FINDINGS)
            result = await apply_planned(s, planned, journal, source=str(path), progress=progress)
            box["applied"] = True
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
    except Stopped as exc:
        return _stopped(exc, path, box["journal"], bool(box["applied"]))
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
    _check_outputs(ctx, output=output, log_file=o.log_file)

    async def go() -> Any:
        async with _session(o) as s:
            return await export_state(s, list(registries))

    try:
        desired = _run(go)
    except Stopped as exc:
        click.echo(f"\nerror: Interrupted ({signal.Signals(exc.signum).name}): nothing was written.", err=True)
        ctx.exit(exc.exit_code)
        return
    except AcrtuiError as exc:
        ctx.exit(_report(exc))
        return
    text = dump(desired)
    if output:
        try:
            write_private(output, text, "--output")
        except AcrtuiError as exc:
            ctx.exit(_report(exc))
        click.echo(f"Wrote {len(desired.registries)} registr{'y' if len(desired.registries) == 1 else 'ies'} to {output}.",
                   err=True)
    else:
        click.echo(text, nl=False)
    ctx.exit(0)
