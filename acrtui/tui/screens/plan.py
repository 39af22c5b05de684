"""Plan review: the Terraform-style rendering, then confirmation, execution with progress, and a state re-read."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import on, work
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Checkbox, Label, ProgressBar, RichLog, Static
from textual.worker import Worker

from ...domain.preflight import Step
from ...errors import AcrtuiError
from .. import planning
from ..messages import PlanFinished, PlanProgress
from ..planning import UiPlan
from .base import ConsoleScreen
from .modals import ConfirmModal
from .wizards import Switch


def colour_plan(text: str) -> Text:
    out = Text()
    for line in text.splitlines():
        s = line.lstrip()
        style = ""
        if s.startswith("-/+"):
            style = "magenta"
        elif s.startswith("+"):
            style = "green"
        elif s.startswith("~"):
            style = "yellow"
        elif s.startswith("-"):
            style = "red"
        elif s.startswith("*"):
            style = "cyan"
        elif s.startswith("Error:"):
            style = "bold red"
        elif s.startswith("Warning:"):
            style = "bold yellow"
        elif s.startswith("Note:"):
            style = "cyan"
        elif s.startswith("Way forward:"):
            style = "italic"
        elif s.startswith("#"):
            style = "bold"
        elif s.startswith("Plan:") or s.startswith("No changes"):
            style = "bold"
        out.append(line + "\n", style=style)
    return out


_SUB = re.compile(r"/subscriptions/([0-9a-fA-F-]{36})", re.IGNORECASE)


def touched_subscriptions(plan: UiPlan) -> list[str]:
    """Every subscription a plan writes to or into: its registries', and those of each resource its steps create or
    reference (a private endpoint in a production VNet, for a sandbox registry, is a production write)."""
    ids = list(plan.subscriptions())
    texts = [plan.desired.model_dump_json()] + [a.model_dump_json() for a in plan.actions]
    for t in texts:
        ids += [m.group(1).lower() for m in _SUB.finditer(t)]
    seen: dict[str, str] = {}
    for i in ids:
        seen.setdefault(i.lower(), i)
    return list(seen.values())


# preflight speaks plan-file syntax (it serves `acrtui plan` too); the console says the same in its own keys
_CONSOLE_TERMS = (
    (re.compile(r"Add keyVaults: \[\{name: ([^,}]+), purgeProtection: true\}\] to the plan(?: \(irreversible\))?"),
     'tick "Add to this plan: turn purge protection on for \\1" under Ways forward (shift+tab, space): it adds the '
     "step and plans again (irreversible)"),
    (re.compile(r"Add keyVaults: \[\{name: ([^,}]+), networkBypass: AzureServices\}\] to the plan\.?"
                r"(?: \(az keyvault update [^)]*\))?"),
     'tick "Add to this plan: let trusted Azure services (ACR) through \\1\'s firewall" under Ways forward '
     "(shift+tab, space): it adds the step and plans again"),
    (re.compile(r"Add (?:client firewall rules first|the rules), then set dataEndpoint\.clientAllowlistAcknowledged: "
                r"true\.?"),
     'Allow them in client firewalls first, then tick "Add to this plan: client firewalls allow …" under Ways '
     "forward (shift+tab, space)"),
    (re.compile(r"Add a createCmkRegistry block: a new Premium registry with the key, import\.images from (\S+), then "
                r"move clients and retire \S+\. See docs/plan-files\.md\."),
     r"press m on \1 (CMK migration): a new Premium registry with the key, its images imported, then clients moved"),
    (re.compile(r"Change the plan so the registry complies \(e\.g\. adminUser: false\)"),
     "Change the wizard's answers so the registry complies (e.g. admin user off)"),
    (re.compile(r"remove purgeProtection from the plan if not"),
     "untick purge protection (in the wizard, or under Ways forward) if not"),
    (re.compile(r"or drop this setting from the plan"), "or change this answer in the wizard"),
    (re.compile(r"Add privateLink\.endpoints with a dnsZone linked to your network \(declare it in operator\.networks\), "
                r"or set allowLockout: true if you manage the registry from a linked VNet\."),
     "Create a private endpoint with private DNS first (esc, then p on the registry), or tick \"I have another way "
     "in\" in the firewall wizard if you manage the registry from a VNet linked to its zone."),
    (re.compile(r"Add them to networkRules\.ipRules, or set allowLockout: true\."),
     "Add them to the wizard's allowed IPs, or tick \"I have another way in\"."),
    (re.compile(r"Also set publicNetworkAccess: Disabled \(with a private endpoint\), or keep export enabled\."),
     "Also turn public network access off (f; needs a private endpoint), or keep export allowed."),
    (re.compile(r"Correct the image in import\.images"), "Correct the image filter (or typed list) in the wizard"),
    (re.compile(r"Leave remediate out, or"), "Untick the remediation task, or"),
)


def console_terms(text: str) -> str:
    for pattern, repl in _CONSOLE_TERMS:
        text = pattern.sub(repl, text)
    return text


class PlanScreen(ConsoleScreen):
    SCREEN_ID = "plan"
    VIEW = "plan review"

    def __init__(self, plan: UiPlan) -> None:
        super().__init__()
        self.plan = plan
        self.state = "review"  # review | applying | done | failed | submitted
        self.worker: Worker[None] | None = None
        self.saved_to: Path | None = None
        self.awaiting_reread = False
        self.replanning = False
        # every way forward offered so far stays offered: once added, its finding is gone but the box must stay
        self.ways: list[Step] = [] if self.read_only else plan.offered_steps()

    def about_subscriptions(self) -> list[str]:
        return touched_subscriptions(self.plan) or super().about_subscriptions()

    def headline(self) -> Text:
        """Above the fold: the plan line and how many warnings sit in the text (which scrolls: ↑↓ PgUp PgDn)."""
        findings = self.plan.planned.findings if self.plan.planned else []
        errors = sum(1 for f in findings if f.severity == "error")
        warns = len(findings) - errors + len(self.plan.notes)
        done = self.plan.planned is not None and self.plan.empty
        t = Text("No changes: Azure already matches this plan." if done else self.plan.summary() or "Planning…",
                 style="bold")
        if errors:
            t.append(f"  ✖ {errors} error(s) — nothing can be applied", style="bold red")
        if warns:
            t.append(f"  ⚠ {warns} warning(s)/note(s) below", style="bold yellow")
        t.append("   ↑↓ PgUp PgDn Home End scroll", style="dim")
        return t

    def body(self) -> Iterable[Widget]:
        yield Label(Text(f" Plan: {self.plan.title} ", style="bold reverse"), id="plan-title")
        yield Label(self.headline(), id="plan-headline")
        with Vertical(id="plan-steps"):
            yield Label(Text("Ways forward this console can add (shift+tab, space ticks; plans again):",
                             style="bold"))
            for i, step in enumerate(self.ways):
                yield Switch(f"Add to this plan: {step.label}", value=step in self.plan.steps, id=f"plan-step-{i}")
        # not a focus stop: the screen's scroll keys move it whatever has the focus, and as one the box needed two
        # shift+tabs from Cancel though the hint says one
        with VerticalScroll(id="plan-scroll", can_focus=False):
            yield Static(colour_plan(console_terms(self.plan.render())), id="plan-text")
        yield ProgressBar(id="plan-progress", total=max(len(self.plan.actions), 1), show_eta=False)
        yield RichLog(id="plan-log", markup=False, wrap=True, max_lines=200)
        with Horizontal(classes="buttons"):
            yield Button("Cancel", id="plan-cancel")
            if not self.read_only:
                yield Button("Save plan", id="plan-save")
                yield Button("Apply…", id="plan-apply", variant="warning",
                             disabled=self.plan.empty or self.plan.blocking)

    def on_mount(self) -> None:
        self.query_one("#plan-progress").display = False
        self.query_one("#plan-log").display = False
        steps = self.query_one("#plan-steps", Vertical)
        steps.styles.height = "auto"
        steps.display = bool(self.ways)
        self.query_one("#plan-cancel", Button).focus()

    @on(Checkbox.Changed, "#plan-steps Switch")
    def step_toggled(self) -> None:
        """A way forward ticked or unticked: the wizard's plan with the ticked steps, planned again (reads only)."""
        if self.state != "review":
            return
        chosen = [s for i, s in enumerate(self.ways) if self.query_one(f"#plan-step-{i}", Switch).value]
        try:
            plan = planning.with_steps(self.plan, chosen)
        except AcrtuiError as e:
            self.query_one("#plan-headline", Label).update(Text(f"✖ {e.message}", style="bold red"))
            return
        self.replanning = True
        self.query_one("#plan-apply", Button).disabled = True
        self.query_one("#plan-headline", Label).update(Text("Planning again with the ways forward ticked…",
                                                            style="bold yellow"))
        self.replan(plan)

    @work(exclusive=True, group="replan", exit_on_error=False)
    async def replan(self, plan: UiPlan) -> None:
        svc = self.app.service  # type: ignore[attr-defined]
        try:
            await svc.run(planning.prepare(svc.session, plan, self.app.journal))  # type: ignore[attr-defined]
        except AcrtuiError as e:
            self.replan_failed(e)
            raise  # the app's one failure handler shows it
        finally:
            self.replanning = False
        self.show_plan(plan)

    def replan_failed(self, e: AcrtuiError) -> None:
        """The plan shown stays the one reviewed: the boxes go back to what it holds, and the headline says so."""
        with self.prevent(Checkbox.Changed):
            for i, step in enumerate(self.ways):
                self.query_one(f"#plan-step-{i}", Switch).value = step in self.plan.steps
        self.query_one("#plan-headline", Label).update(
            Text(f"✖ Could not plan again ({e.title}); the plan below is unchanged. ", style="bold red")
            + self.headline())
        self.query_one("#plan-apply", Button).disabled = self.plan.empty or self.plan.blocking

    def show_plan(self, plan: UiPlan) -> None:
        self.plan = plan
        box = self.query_one("#plan-steps", Vertical)
        for s in plan.offered_steps():
            if s.label not in {o.label for o in self.ways}:  # a new way forward the added steps brought up
                self.ways.append(s)
                box.mount(Switch(f"Add to this plan: {s.label}", id=f"plan-step-{len(self.ways) - 1}"))
        box.display = bool(self.ways)
        self.query_one("#plan-title", Label).update(Text(f" Plan: {plan.title} ", style="bold reverse"))
        said = (f"Planned again with {len(plan.steps)} way(s) forward added. " if plan.steps
                else "Planned again without the ways forward. ")
        self.query_one("#plan-headline", Label).update(Text(said, style="bold cyan") + self.headline())
        self.query_one("#plan-text", Static).update(colour_plan(console_terms(plan.render())))
        self.query_one("#plan-progress", ProgressBar).update(total=max(len(plan.actions), 1))
        self.query_one("#plan-apply", Button).disabled = plan.empty or plan.blocking
        self.refresh_keys()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan-apply":
            self.action_apply()
        elif event.button.id == "plan-save":
            self.action_save()
        else:
            self.action_back()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        allowed = super().check_action(action, parameters)
        if allowed and action in ("apply", "save") and self.state != "review":
            return False  # applied (or applying): the plan's actions leave the key bar
        if allowed and action == "apply" and (self.plan.empty or self.plan.blocking):
            return None  # shown disabled: preflight errors or nothing to do
        return allowed

    # ------------------------------------------------------------ actions
    def action_save(self) -> None:
        if self.plan.planned is None or self.plan.empty:
            return
        svc = self.app.service  # type: ignore[attr-defined]
        directory = Path(getattr(self.app, "plan_dir", "."))
        self.saved_to = self.plan.save(directory / planning.plan_file_name(self.plan, svc.clock()), svc.target)
        self.notify(f"Plan saved to {self.saved_to} — `acrtui apply` runs it (refused once stale).",
                    title="Plan saved")

    def action_apply(self) -> None:
        if self.replanning:
            self.notify("Planning again with the ways forward ticked: apply once the new plan is shown.",
                        title="Not yet")
            return
        if self.read_only or self.plan.empty or self.plan.blocking or self.state != "review":
            return
        body = f"{self.plan.title}\n\n{self.plan.summary()}"
        warnings = [f.reason for f in (self.plan.planned.findings if self.plan.planned else [])] + self.plan.notes
        if warnings:
            body += "\n\n" + "\n".join(f"⚠ {w}" for w in warnings)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.start_apply()
            else:
                self.query_one("#plan-headline", Label).update(Text("Apply cancelled, nothing changed. ", style="bold")
                                                               + self.headline())

        self.app.push_screen(ConfirmModal("Apply this plan?", body, confirm_label="Apply",
                                          type_to_confirm=self.plan.confirm_name,
                                          danger=bool(self.plan.confirm_name)), confirmed)

    def start_apply(self) -> None:
        self.state = "applying"
        for sw in self.query("#plan-steps Switch"):
            sw.disabled = True  # the plan being applied is the one shown
        self.query_one("#plan-progress").display = True
        self.query_one("#plan-log").display = True
        for b in self.query(Button):
            b.display = b.id == "plan-cancel"
        self.query_one("#plan-cancel", Button).label = "Stop"
        self.refresh_keys()
        self.worker = self.run_plan()

    @work(exclusive=True, group="apply", exit_on_error=False)
    async def run_plan(self) -> None:
        svc = self.app.service  # type: ignore[attr-defined]
        total = len(self.plan.actions)
        done = [0]

        def progress(what: str, action: object, detail: str) -> None:
            if what == "done":
                done[0] += 1
            status = {"start": "running"}.get(what, what)
            self.post_message(PlanProgress(done[0], total, action.describe() + (f" ({detail})" if detail else ""),  # type: ignore[attr-defined]
                                           status))

        journal = self.app.journal  # type: ignore[attr-defined]
        result = await svc.run(planning.apply(svc.session, self.plan, journal, progress))  # the session's loop
        err = result.error
        lines = [f"succeeded  {k}" for k in result.succeeded] + [f"not run    {k}" for k in result.not_run]
        self.post_message(PlanFinished(result.ok, lines, err.title if err else None, err.message if err else None))
        if err is not None:
            raise err  # the app's one failure handler shows it

    def on_plan_progress(self, m: PlanProgress) -> None:
        """One line per step, when it ends; the step under way is on the headline, not printed twice."""
        self.query_one("#plan-progress", ProgressBar).update(total=max(m.total, 1), progress=m.index)
        if m.status == "running":
            self.query_one("#plan-headline", Label).update(Text(f"Applying {m.index + 1}/{m.total}: {m.summary}",
                                                                style="bold yellow"))
            return
        icon = {"done": "✓", "failed": "✗", "submitted": "⧗"}.get(m.status, " ")
        self.query_one("#plan-log", RichLog).write(f"{icon} {m.summary} — {m.status}")

    def on_plan_finished(self, m: PlanFinished) -> None:
        self.state = "done" if m.ok else "failed"
        log = self.query_one("#plan-log", RichLog)
        log.write("Applied. Re-reading state from Azure…" if m.ok else f"Stopped: {m.error_title}: {m.error_message}")
        head = ("✓ Applied — re-reading state from Azure…" if m.ok
                else f"✗ Stopped: {m.error_title} — re-reading state from Azure…")
        self.query_one("#plan-headline", Label).update(Text(head, style="bold green" if m.ok else "bold red"))
        self.query_one("#plan-cancel", Button).label = "Close"
        self.awaiting_reread = True
        self.refresh_keys()
        self.app.refresh_estate()  # type: ignore[attr-defined]

    def refresh_from_estate(self) -> None:
        """The re-read after an apply landed: say the run is over and the views show Azure's state now."""
        if not getattr(self, "awaiting_reread", False):
            return
        self.awaiting_reread = False
        estate = getattr(self.app, "estate", None)
        at = estate.observed_at.strftime("%H:%M:%S UTC") if estate and estate.observed_at else "now"
        what = {"done": "✓ Finished: all steps applied", "failed": "✗ Finished with an error",
                "submitted": "⧗ Finished waiting: what Azure accepted is still running there"}.get(self.state,
                                                                                                  "Finished")
        line = f"{what}. State re-read from Azure at {at}."
        self.query_one("#plan-log", RichLog).write(line + " esc goes back to the refreshed views.")
        self.query_one("#plan-headline", Label).update(Text(line, style="bold green" if self.state == "done"
                                                            else "bold yellow"))

    def action_back(self) -> None:
        if self.state == "applying" and self.worker is not None and self.worker.is_running:
            self.worker.cancel()
            self.state = "submitted"
            self.query_one("#plan-log", RichLog).write(
                "⧗ Stopped waiting: what Azure already accepted was submitted — still running in Azure. Re-reading state…")
            self.notify("Submitted — still running in Azure. Re-reading state.", title="Stopped waiting")
            self.query_one("#plan-cancel", Button).label = "Close"
            self.awaiting_reread = True
            self.refresh_keys()
            self.app.refresh_estate()  # type: ignore[attr-defined]
            return
        if self.state == "review":
            from .modals import CANCELLED

            self.app.notify(f"Plan not applied. {CANCELLED}", title=self.plan.title)
        self.app.pop_screen()

    async def wait_done(self, seconds: float = 30) -> None:
        """Tests: wait until the executor has finished (or stopped)."""
        for _ in range(int(seconds / 0.05)):
            if self.state != "applying":
                return
            await asyncio.sleep(0.05)
        raise AcrtuiError("plan did not finish in time")
