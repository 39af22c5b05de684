"""Plan review: the Terraform-style rendering, then confirmation, execution with progress, and a state re-read."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path

from rich.text import Text
from textual import work
from textual.containers import Horizontal, VerticalScroll
from textual.widget import Widget
from textual.widgets import Button, Label, ProgressBar, RichLog, Static
from textual.worker import Worker

from ...errors import AcrtuiError
from ..messages import PlanFinished, PlanProgress
from ..planning import Step, UiPlan, execute
from .base import ConsoleScreen
from .modals import ConfirmModal


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
        elif s.startswith("# !") or s.startswith("Warning:"):
            style = "bold red"
        elif s.startswith("#"):
            style = "bold"
        elif s.startswith("Plan:") or s.startswith("No changes"):
            style = "bold"
        out.append(line + "\n", style=style)
    return out


class PlanScreen(ConsoleScreen):
    SCREEN_ID = "plan"
    VIEW = "plan review"

    def __init__(self, plan: UiPlan) -> None:
        super().__init__()
        self.plan = plan
        self.state = "review"  # review | applying | done | failed | submitted
        self.worker: Worker[None] | None = None
        self.saved_to: Path | None = None

    def body(self) -> Iterable[Widget]:
        yield Label(Text(f" Plan: {self.plan.title} ", style="bold reverse"), id="plan-title")
        with VerticalScroll(id="plan-scroll"):
            yield Static(colour_plan(self.plan.render()), id="plan-text")
        yield ProgressBar(id="plan-progress", total=max(len(self.plan.steps), 1), show_eta=False)
        yield RichLog(id="plan-log", markup=False, wrap=True, max_lines=200)
        with Horizontal(classes="buttons"):
            yield Button("Cancel", id="plan-cancel")
            if not self.read_only:
                yield Button("Save plan", id="plan-save")
                yield Button("Apply…", id="plan-apply", variant="warning", disabled=self.plan.empty)

    def on_mount(self) -> None:
        self.query_one("#plan-progress").display = False
        self.query_one("#plan-log").display = False
        self.query_one("#plan-cancel", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "plan-apply":
            self.action_apply()
        elif event.button.id == "plan-save":
            self.action_save()
        else:
            self.action_back()

    # ------------------------------------------------------------ actions
    def action_save(self) -> None:
        directory = Path(getattr(self.app, "plan_dir", "."))
        name = "".join(ch if ch.isalnum() else "-" for ch in self.plan.title.lower()).strip("-")[:60]
        stamp = self.app.service.clock().strftime("%Y%m%dT%H%M%SZ")  # type: ignore[attr-defined]
        self.saved_to = self.plan.save(directory / f"acrtui-plan-{name}-{stamp}.json")
        self.notify(f"Plan saved to {self.saved_to}", title="Plan saved")

    def action_apply(self) -> None:
        if self.read_only or self.plan.empty or self.state != "review":
            return
        n = self.plan.counts()
        body = (f"{self.plan.title}\n\n{n['add']} to add, {n['change']} to change, {n['destroy']} to destroy"
                + (f", {n['run']} to run" if n["run"] else "") + ".")
        if self.plan.warnings:
            body += "\n\n" + "\n".join(f"⚠ {w}" for w in self.plan.warnings)

        def confirmed(ok: bool | None) -> None:
            if ok:
                self.start_apply()

        self.app.push_screen(ConfirmModal("Apply this plan?", body, confirm_label="Apply",
                                          type_to_confirm=self.plan.confirm_name,
                                          danger=bool(self.plan.confirm_name)), confirmed)

    def start_apply(self) -> None:
        self.state = "applying"
        self.query_one("#plan-progress").display = True
        self.query_one("#plan-log").display = True
        for b in self.query(Button):
            b.disabled = b.id != "plan-cancel"
        self.query_one("#plan-cancel", Button).label = "Stop"
        self.worker = self.run_plan()

    @work(exclusive=True, group="apply", exit_on_error=False)
    async def run_plan(self) -> None:
        from acrtui.azure.writes import Writer

        writer = Writer(self.app.service.session)  # type: ignore[attr-defined]

        def progress(i: int, total: int, step: Step, status: str) -> None:
            self.post_message(PlanProgress(i, total, step.summary, status))

        result = await execute(self.plan, writer, progress)
        lines = [f"{r.status:>9}  {r.step.summary}" + (f" — {r.detail}" if r.detail else "") for r in result.results]
        err = result.error
        self.post_message(PlanFinished(result.ok, lines, err.title if err else None, err.message if err else None))
        if err is not None:
            raise err  # the app's one failure handler shows it

    def on_plan_progress(self, m: PlanProgress) -> None:
        self.query_one("#plan-progress", ProgressBar).update(total=max(m.total, 1), progress=m.index)
        icon = {"running": "…", "done": "✓", "failed": "✗", "submitted": "⧗"}.get(m.status, " ")
        if m.status != "running":
            self.query_one("#plan-log", RichLog).write(f"{icon} {m.summary} — {m.status}")
        else:
            self.query_one("#plan-log", RichLog).write(f"{icon} {m.summary}")

    def on_plan_finished(self, m: PlanFinished) -> None:
        self.state = "done" if m.ok else "failed"
        log = self.query_one("#plan-log", RichLog)
        log.write("Applied. Re-reading state from Azure…" if m.ok else f"Stopped: {m.error_title}: {m.error_message}")
        self.query_one("#plan-cancel", Button).label = "Close"
        self.app.refresh_estate()  # type: ignore[attr-defined]

    def action_back(self) -> None:
        if self.state == "applying" and self.worker is not None and self.worker.is_running:
            self.worker.cancel()
            self.state = "submitted"
            self.query_one("#plan-log", RichLog).write(
                "⧗ Stopped waiting: what Azure already accepted was submitted — still running in Azure. Re-reading state…")
            self.notify("Submitted — still running in Azure. Re-reading state.", title="Stopped waiting")
            self.query_one("#plan-cancel", Button).label = "Close"
            self.app.refresh_estate()  # type: ignore[attr-defined]
            return
        self.app.pop_screen()

    async def wait_done(self, seconds: float = 30) -> None:
        """Tests: wait until the executor has finished (or stopped)."""
        for _ in range(int(seconds / 0.05)):
            if self.state != "applying":
                return
            await asyncio.sleep(0.05)
        raise AcrtuiError("plan did not finish in time")
