"""``acrtui audit`` and ``acrtui checks``: the headless, read-only audit (the lead registers both in acrtui/cli.py).

Exit codes (``acrtui.errors.ExitCode``): 0 nothing failing at or above ``--fail-on`` (default high); 1 findings at
or above it; 2 usage error; 3 sign-in, permission or Azure error, or anything in scope that could not be read or
evaluated (the report then says "incomplete" in every format). ``--soft-fail`` turns 1 into 0 but never hides 2
or 3: an audit that could not run, or could not see, is not a clean audit.

The session is always read-only: the pipeline's guard refuses any write before it leaves the process, so an
audit is safe to run with an Owner credential and works with Reader.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import sys
from collections.abc import Iterable
from typing import Any

import click

from acrtui.domain.checks import CATALOGUE, CheckSettings, Severity, select_checks
from acrtui.errors import AcrtuiError, ExitCode
from acrtui.files import check_writable, prepare_append, write_private

from .preview import PreviewReport, build_preview, render_preview
from .runner import run_audit, select_registries
from .writers import FORMATS, render, write_catalogue

SEVERITIES = [s.value for s in Severity]


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("acrtui")
    except Exception:
        return "0"


async def _load(options: Any, preview: str | None) -> tuple[Any, list[dict[str, Any]], str]:
    """Estate (and the policy definition to preview) through the read-only service layer."""
    from acrtui.azure.inventory import load_estate
    from acrtui.azure.targets import describe_target, open_session

    target = describe_target(options)
    session = open_session(options)
    async with session:
        estate = await load_estate(session)
        definitions = (
            await _fetch_definitions(session, preview, list(estate.subscriptions)) if preview else []
        )
    return estate, definitions, target


async def _fetch_definitions(session: Any, id_or_name: str, subscriptions: list[str]) -> list[dict[str, Any]]:
    """The definition from Azure (never a local copy): by GUID/id directly, by display name from the lists."""
    from acrtui.azure.errors import translate
    from acrtui.azure.inventory import raw

    pol = session.client("policy", subscriptions[0] if subscriptions else None)
    key = id_or_name.strip()
    guid = key.rstrip("/").rsplit("/", 1)[-1]
    async with translate():
        if "/subscriptions/" in key.lower():
            return [raw(await pol.policy_definitions.get(guid))]
        if _looks_like_guid(guid):
            return [raw(await pol.policy_definitions.get_built_in(guid))]
        found = [raw(d) async for d in pol.policy_definitions.list_built_in()]
        found += [raw(d) async for d in pol.policy_definitions.list()]
    return found


def _looks_like_guid(s: str) -> bool:
    parts = s.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for c in "".join(parts)
    )


def _emit(text: str | Iterable[str], output: str | None) -> None:
    if output:
        try:
            write_private(output, text, "--output")  # 0600: a report is the estate's inventory and weaknesses
        except AcrtuiError as exc:
            _fail(exc)
    else:
        for piece in [text] if isinstance(text, str) else text:
            click.echo(piece, nl=False)


def _colour(output: str | None) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org: any non-empty value)."""
    import os

    if output or os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(sys.stdout.isatty())


def _fail(exc: AcrtuiError) -> None:
    click.echo(f"error: {exc.title}: {exc.message}", err=True)
    sys.exit(int(exc.exit_code))


@click.command("audit")
@click.option("--demo", is_flag=True, help="Audit the embedded emulator's demo estate instead of Azure.")
@click.option(
    "--subscription",
    "subscriptions",
    multiple=True,
    metavar="S",
    help="Subscription id or name (repeatable).",
)
@click.option(
    "--registry", "registries", multiple=True, metavar="NAME", help="Registry name or id (repeatable)."
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option(
    "--output", "-o", type=click.Path(dir_okay=False), help="Write the report to FILE instead of stdout."
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 on a failure at or above this.",
)
@click.option(
    "--soft-fail", is_flag=True,
    help="Exit 0 even with findings (still 2/3 when the audit could not run or could not read all it needed)."
)
@click.option(
    "--check", "include", multiple=True, metavar="ID", help="Only these checks (id, id prefix or family)."
)
@click.option(
    "--skip-check",
    "exclude",
    multiple=True,
    metavar="ID",
    help="Skip these checks (id, id prefix or family).",
)
@click.option(
    "--preview-policy", metavar="ID|NAME", help="Preview a policy definition's compliance on the registries."
)
@click.option("--effect", help="Effect for --preview-policy (must be one the definition allows).")
@click.option("--scope", help="Scope for --preview-policy (subscription, resource group or registry id).")
@click.option(
    "--key-max-age-days",
    type=click.IntRange(min=1),
    default=90,
    show_default=True,
    help="Pinned CMK key age limit.",
)
@click.option(
    "--key-expiry-days",
    type=click.IntRange(min=0),
    default=30,
    show_default=True,
    help="Warn when a key expires within.",
)
@click.option(
    "--operator-ip",
    "operator_ips",
    multiple=True,
    metavar="IP",
    help="Operator public IP, for the lock-out analysis.",
)
@click.option(
    "--suppressions", "suppressions_path", type=click.Path(dir_okay=False), metavar="PATH",
    help="Suppressions file (default: audit.suppressions in settings, else ./acrtui.suppressions.yaml if present).",
)
@click.option(
    "--baseline", "baseline_path", type=click.Path(dir_okay=False), metavar="FILE",
    help="A previous JSON report: mark failures new / unchanged and list what was fixed.",
)
@click.option("--fail-on-new", is_flag=True, help="With --baseline: exit 1 only on new failures.")
@click.option("--show-passed", is_flag=True, help="Table: list passed and not-applicable checks too.")
@click.option("--now", "now_text", hidden=True, help="Evaluate as of this ISO time (reproducible reports).")
def audit(
    demo: bool,
    subscriptions: tuple[str, ...],
    registries: tuple[str, ...],
    fmt: str,
    output: str | None,
    fail_on: str,
    soft_fail: bool,
    include: tuple[str, ...],
    exclude: tuple[str, ...],
    preview_policy: str | None,
    effect: str | None,
    scope: str | None,
    key_max_age_days: int,
    key_expiry_days: int,
    operator_ips: tuple[str, ...],
    suppressions_path: str | None,
    baseline_path: str | None,
    fail_on_new: bool,
    show_passed: bool,
    now_text: str | None,
) -> None:
    """Audit registries read-only and report findings (table, json, sarif, junit, markdown, csv, html)."""
    ctx = click.get_current_context()
    parent = ctx.find_root().obj or {}
    try:  # before any request: an unwritable report path is a usage error (2), never "findings" (1)
        check_writable(output, "--output")
        prepare_append(parent.get("log_file"), "--log-file")
    except AcrtuiError as exc:
        _fail(exc)
    try:
        from acrtui.options import session_options
        from acrtui.settings import load_settings

        # `acrtui --demo --cloud X audit` works like `acrtui audit --demo`; always read-only (the pipeline's guard)
        options = session_options(ctx, demo=demo, subscriptions=subscriptions, read_only=True)
        user = load_settings()
    except AcrtuiError as e:
        raise click.UsageError(e.message) from None
    defaulted = click.core.ParameterSource.DEFAULT
    if ctx.get_parameter_source("key_max_age_days") == defaulted:
        key_max_age_days = user.audit.key_rotation_max_age_days
    if ctx.get_parameter_source("key_expiry_days") == defaulted:
        key_expiry_days = user.audit.key_expiry_warning_days
    operator_ips = operator_ips or tuple(user.audit.operator_ips)
    try:
        checks = select_checks(include, exclude)
    except KeyError as exc:
        raise click.BadParameter(
            f"no check matches {exc.args[0]!r} (see `acrtui checks`)", param_hint="--check/--skip-check"
        ) from None
    if not checks and not preview_policy:
        raise click.UsageError("every check was skipped: nothing to audit")
    if (effect or scope) and not preview_policy:
        raise click.UsageError("--effect and --scope go with --preview-policy")
    if preview_policy and fmt not in ("table", "json"):
        raise click.UsageError("--preview-policy prints table or json")
    try:
        now = (
            dt.datetime.fromisoformat(now_text.replace("Z", "+00:00"))
            if now_text
            else dt.datetime.now(dt.UTC)
        )
    except ValueError:
        raise click.BadParameter(f"not an ISO time: {now_text}", param_hint="--now") from None
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    if fail_on_new and not baseline_path:
        raise click.UsageError("--fail-on-new needs --baseline (the previous JSON report to compare with)")
    # the suppressions and the baseline are inputs like a plan file: a bad one stops here, before any request
    from . import baseline as baseline_mod
    from . import suppressions as suppressions_mod

    try:
        sup_file = suppressions_mod.default_path(suppressions_path or user.audit.suppressions)
        sups = suppressions_mod.load(sup_file, [c.id for c in CATALOGUE]) if sup_file else []
        base = baseline_mod.load(baseline_path) if baseline_path else None
    except AcrtuiError as exc:
        _fail(exc)
        return

    failed: AcrtuiError | None = None
    try:
        estate, definitions, target = asyncio.run(_load(options, preview_policy))
        for note in estate.notes:  # how it was read (auto fell back from Resource Graph to ARM): not a gap
            click.echo(f"note: {note}", err=True)
    except AcrtuiError as exc:
        if exc.exit_code != ExitCode.AZURE or preview_policy:
            _fail(exc)
            return
        failed = exc  # sign-in or Azure failed before anything was read: still an (empty, incomplete) report
        from acrtui.azure.targets import TargetOptions, describe_target

        estate, definitions, target = _unread_estate(exc), [], describe_target(TargetOptions(demo=demo))
    except Exception as exc:  # an SDK error the service layer did not translate: still "Azure error", exit 3
        if type(exc).__module__.startswith("azure."):
            click.echo(f"error: Azure error: {exc}", err=True)
            sys.exit(int(ExitCode.AZURE))
        raise

    try:
        regs = select_registries(estate, registries) if failed is None else []
    except KeyError as exc:
        if estate.unattributed_gaps:  # it may be in a subscription whose registries could not be listed
            _fail(AcrtuiError(f"registry {exc.args[0]} is not among those read, and "
                              + "; ".join(g.text for g in estate.unattributed_gaps)
                              + ". Fix the read (permission, throttling, outage) and run again.",
                              title="Registry not read"))
        raise click.BadParameter(f"registry not found: {exc.args[0]}", param_hint="--registry") from None

    if preview_policy:
        try:
            preview: PreviewReport = build_preview(
                definitions, preview_policy, regs, effect=effect, scope=scope, now=now
            )
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        _emit(render_preview(preview, fmt), output)
        hidden = [] if registries else estate.unattributed_gaps
        for g in hidden:  # registries nobody saw were not previewed either
            click.echo(f"incomplete: {g.text}", err=True)
        if hidden:
            sys.exit(int(ExitCode.AZURE))
        sys.exit(0 if soft_fail or not preview.non_compliant else int(ExitCode.FINDINGS))

    settings = CheckSettings(
        now=now,
        key_rotation_max_age_days=key_max_age_days,
        key_expiry_warning_days=key_expiry_days,
        operator_ips=operator_ips,
        firewall_open_share=user.audit.firewall_open_share,
        allowed_regions=tuple(user.audit.allowed_regions),
    )
    report = run_audit(
        estate,
        checks,
        settings,
        registries=regs,
        fail_on=Severity(fail_on),
        target=target,
        tool_version=_version(),
        named=bool(registries) and failed is None,
        suppressions=sups,
        baseline=base,
        fail_on_new=fail_on_new,
        stream=True,  # findings made registry by registry as the writer goes, never all held (issue 11)
    )
    if fmt == "json":  # streamed: a fleet's report is never one string
        from .writers import iter_json

        _emit(iter_json(report), output)
    else:
        _emit(render(report, fmt, colour=_colour(output), show_passed=show_passed), output)
    for w in report.warnings():
        click.echo(f"warning: {w}", err=True)
    if failed is not None:
        click.echo(f"error: {failed.title}: {failed.message}", err=True)
    if output or not report.complete:
        click.echo(report.summary_line(), err=True)
    sys.exit(report.exit_code(soft_fail))


def _unread_estate(exc: AcrtuiError) -> Any:
    """The estate of an audit that could read nothing: one gap that may hide every registry."""
    from acrtui.domain.models import CheckInput, Estate, GapKind, ReadGap

    kind = {"PermissionDenied": GapKind.PERMISSION, "Throttled": GapKind.THROTTLED}.get(type(exc).__name__)
    if kind is None:
        kind = GapKind.UNAVAILABLE if exc.title == "Azure unreachable" else GapKind.ERROR
    what = "sign-in" if type(exc).__name__ == "SignInError" else "estate"
    return Estate(gaps=[ReadGap(what=what, message=exc.message, kind=kind, scope="/", inputs=[CheckInput.REGISTRIES],
                                registries=None, action=getattr(exc, "action", None))])


@click.command("checks")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def checks(fmt: str) -> None:
    """List the audit checks: id, severity, family, title and references."""
    click.echo(write_catalogue(CATALOGUE, fmt), nl=False)
