"""Issue 8 §1 and §10: every command honours ``--read-only`` and the global options, or refuses them.

Commands are found by walking the root click group (``list_commands`` / ``get_command``, recursively), so a new
command is run here without editing this file: one missing from the example tables runs with no arguments and is
named in a warning. ``acrtui`` itself is two entries: ``--apply FILE`` (:data:`ROOT`) and the console
(:data:`CONSOLE`), which goes through the real CLI path (only ``AcrtuiApp.run`` is replaced, by a recorder) and is
then driven with Textual's pilot. The sessions a command opened are recorded by wrapping
``acrtui.azure.targets.open_session``; what reached Azure is read from the emulator's own request log.
"""

from __future__ import annotations

import asyncio
import json
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from acrtui.azure import targets
from acrtui.azure.registry_details import SOFT_DELETE_API
from acrtui.cli import cli
from acrtui.emulator import EmulatorConfig, EmulatorThread, RequestRecord
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.keymap import ACTIONS, REGISTRY_TABS

PLANS = sorted((Path(__file__).resolve().parents[1] / "examples" / "plans").glob("*.yaml"))
ROOT: tuple[str, ...] = ()  # `acrtui --apply FILE`
CONSOLE = ("<console>",)  # `acrtui` with no command
WRITE_KEYS = [a.key for a in ACTIONS if a.write]
SANDBOX = "eb6a6f1e-d6af-5096-8df3-4e3c8b7b0c17"  # contoso-sandbox in the demo seed (every cloud)
ANON = "apiVersion: acrtui/v1\nregistries:\n  - name: sandboxstd\n    anonymousPull: false\n"


def command_paths() -> list[tuple[str, ...]]:
    """``ROOT``, ``CONSOLE`` and every command and subcommand the root group serves."""

    def walk(group: click.Group, ctx: click.Context, prefix: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        for name in group.list_commands(ctx):
            cmd = group.get_command(ctx, name)
            assert cmd is not None, name
            yield (*prefix, name)
            if isinstance(cmd, click.Group):
                yield from walk(cmd, click.Context(cmd, parent=ctx, info_name=name), (*prefix, name))

    assert isinstance(cli, click.Group)
    return [ROOT, CONSOLE, *walk(cli, click.Context(cli, info_name="acrtui"), ())]


PATHS = command_paths()
NO_SESSION = {("checks",), ("emulator",)}  # never talk to Azure: they refuse the session options instead
SESSION_PATHS = [p for p in PATHS if p not in NO_SESSION]


def ids(path: tuple[str, ...]) -> str:
    return " ".join(path) or "--apply"


# ------------------------------------------------------------------------------------------------ harness


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    log: list[RequestRecord]  # what reached the emulator during the run (a --demo run: its own emulator's log)
    sessions: list[Any] = field(default_factory=list)  # every session the command opened
    app: Any = None

    @property
    def arm(self) -> list[RequestRecord]:
        return [r for r in self.log if r.kind == "arm"]


async def drive_console(app: AcrtuiApp, *, press_write_keys: bool) -> None:
    """Open every subscription and the registry list; with ``press_write_keys``, every change key everywhere."""

    async def until(pilot: Any, cond: Any) -> None:
        for _ in range(600):
            if cond():
                return
            await pilot.pause(0.05)
        raise AssertionError("the console did not get there")

    from acrtui.tui.screens.lists import AuditScreen, RegistryListScreen
    from acrtui.tui.screens.registry import RegistryScreen
    from acrtui.tui.screens.wizards import Wizard

    app.animation_level = "none"
    async with app.run_test(size=(160, 48)) as pilot:
        await until(pilot, lambda: bool(app.subscriptions))
        await pilot.press("ctrl+a")
        await until(pilot, lambda: app.estate is not None and isinstance(app.screen, RegistryListScreen))
        if not press_write_keys:
            return
        for key in WRITE_KEYS:
            await pilot.press(key)
            assert isinstance(app.screen, RegistryListScreen), key
        assert app.estate is not None
        # the registry view's bindings depend on the tab, not the registry: every tab of one registry, and the
        # other kinds (Standard, Basic) on their first tab
        kinds = {"contosoprodpinned": len(REGISTRY_TABS), "contosostgstd": 1, "sandboxbasic": 1}
        for reg in [r for r in app.estate.registries if r.name in kinds]:
            app.open_registry(reg.id)
            await until(pilot, lambda: isinstance(app.screen, RegistryScreen))
            for i in range(kinds[reg.name]):
                await pilot.press(str(i + 1))
                for key in WRITE_KEYS:
                    await pilot.press(key)
                    assert not isinstance(app.screen, Wizard), f"{key} opened a wizard on {reg.name}"
            await pilot.press("escape")
            await until(pilot, lambda: isinstance(app.screen, RegistryListScreen))
        await pilot.press("ctrl+f")
        await until(pilot, lambda: isinstance(app.screen, AuditScreen))
        for key in WRITE_KEYS:
            await pilot.press(key)


class Harness:
    """Runs ``acrtui [GLOBALS] COMMAND ARGS`` in process against a module-wide emulator, reset before each run."""

    def __init__(self, thread: EmulatorThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
        self.thread, self.emu, self.tmp = thread, thread.emulator, tmp_path
        self.sessions: list[Any] = []
        self.apps: list[AcrtuiApp] = []
        real = targets.open_session

        def recording(options: Any, env: Any = None) -> Any:
            s = real(options, env)
            self.sessions.append(s)
            return s

        monkeypatch.setattr(targets, "open_session", recording)
        monkeypatch.setattr(AcrtuiApp, "run", lambda app, *a, **k: self.apps.append(app) or 0)
        self.env = {**self.emu.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}

    def __call__(self, path: tuple[str, ...], args: list[str], *, globals_: tuple[str, ...] = (),
                 env: dict[str, str] | None = None, target: str = "emulator", press_write_keys: bool = False) -> Run:
        self.thread.call(self.emu.reset)
        self.sessions.clear()
        self.apps.clear()
        command = [] if path in (ROOT, CONSOLE) else list(path)
        run_env = {**self.env, **(env or {})} if target == "emulator" else dict(env or {})
        r = CliRunner().invoke(cli, [*globals_, *command, *args], env=run_env, catch_exceptions=False)
        app = None
        if path == CONSOLE and r.exit_code == 0:
            assert len(self.apps) == 1, r.output
            app = self.apps[0]
            asyncio.run(drive_console(app, press_write_keys=press_write_keys))
        if target == "demo":
            log = [r for s in self.sessions if s.emulator is not None for r in s.emulator.request_log]
        else:
            log = self.thread.call(lambda: list(self.emu.request_log))
        return Run(r.exit_code, r.stdout, r.stderr, log, list(self.sessions), app)


def _thread(cloud: str) -> Iterator[EmulatorThread]:
    t = EmulatorThread("demo", cloud=cloud, config=EmulatorConfig(throttle=False))  # full reads in a row: no 429s
    t.start()
    yield t
    t.stop()


@pytest.fixture(scope="module")
def thread() -> Iterator[EmulatorThread]:
    yield from _thread("AzureCloud")


@pytest.fixture(scope="module")
def gov_thread() -> Iterator[EmulatorThread]:
    yield from _thread("AzureUSGovernment")


@pytest.fixture
def run(thread: EmulatorThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Harness:
    return Harness(thread, monkeypatch, tmp_path)


@pytest.fixture
def gov(gov_thread: EmulatorThread, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Harness:
    return Harness(gov_thread, monkeypatch, tmp_path)


@pytest.fixture
def anon(tmp_path: Path) -> str:
    p = tmp_path / "anon.yaml"
    p.write_text(ANON)
    return str(p)


def writes(run: Run) -> list[str]:
    return [f"{r.method} {r.path} -> {r.status}" for r in run.log if r.is_write]


# ----------------------------------------------------------------------------------- §1 read-only, every path


def read_only_examples(saved: str, out: Path) -> dict[tuple[str, ...], list[tuple[list[str], set[int]]]]:
    """Arguments (and the exit codes that mean "worked" or, for writes, "refused") per command."""
    plans = [str(p) for p in PLANS]
    return {
        ROOT: [(["--apply", p, "--yes"], {2}) for p in [*plans, saved]] + [(["--apply", plans[0]], {2})],
        CONSOLE: [([], {0})],
        ("apply",): [([p, "--yes"], {2}) for p in [*plans, saved]] + [([plans[0]], {2})],
        ("plan",): [([p], {0, 1}) for p in plans]
        + [([plans[0], "--format", "json"], {0}), ([plans[0], "--out", str(out / "again.json")], {0}),
           (["--schema"], {0})],
        ("export",): [([], {0}), (["-o", str(out / "estate.yaml")], {0})],
        ("audit",): [([], {0, 1}), (["--format", "sarif"], {0, 1})],
        ("checks",): [([], {0})],
        ("emulator",): [(["--seed", "no-such-seed"], {2})],  # it serves until interrupted; a bad seed exits first
    }


@pytest.fixture
def saved_plan(run: Harness, tmp_path: Path) -> str:
    saved = tmp_path / "saved.json"
    r = run(("plan",), [str(PLANS[0]), "--out", str(saved)], globals_=("--read-only",))
    assert r.code == 0 and json.loads(saved.read_text())["kind"] == "SavedPlan", r.stderr
    assert writes(r) == []
    return str(saved)


@pytest.mark.parametrize("path", PATHS, ids=ids)
def test_read_only_makes_no_write(path: tuple[str, ...], run: Harness, tmp_path: Path,
                                  request: pytest.FixtureRequest) -> None:
    """``acrtui --read-only …`` for every command: zero writes reach the emulator; apply is refused (exit 2)
    before any request at all, not even for a token; reading commands still work on a read-only session."""
    saved = request.getfixturevalue("saved_plan") if path in (ROOT, ("apply",)) else "unused.json"
    examples = read_only_examples(saved, tmp_path).get(path)
    if examples is None:
        warnings.warn(f"`acrtui {ids(path)}` has no example in read_only_examples: ran it with no arguments",
                      stacklevel=1)
        examples = [([], set())]
    for args, codes in examples:
        r = run(path, args, globals_=("--read-only",), press_write_keys=True)
        assert writes(r) == [], f"{ids(path)} {args}: {writes(r)}"
        assert not codes or r.code in codes, f"{ids(path)} {args}: exit {r.code}\n{r.stdout}\n{r.stderr}"
        if r.code == 2 and path in (ROOT, ("apply",)):
            assert r.log == [] and r.sessions == [], f"{ids(path)} {args}: sent {[x.path for x in r.log]}"
            assert "read-only" in r.stderr.lower() and "acrtui plan" in r.stderr
        assert all(s.read_only for s in r.sessions), f"{ids(path)} {args}: a session that may write"
        if path == CONSOLE:
            assert r.app.read_only and r.app.service.session.read_only and r.arm


@pytest.mark.parametrize("how", ["env", "settings"])
def test_read_only_from_environment_or_settings_file(how: str, run: Harness, anon: str,
                                                     monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    env = {}
    if how == "env":
        env["ACRTUI_READ_ONLY"] = "1"
    else:
        (tmp_path / "config.yaml").write_text("read_only: true\n")
        env["ACRTUI_CONFIG"] = str(tmp_path / "config.yaml")
    for path, args in ((("apply",), [anon, "--yes"]), (ROOT, ["--apply", anon, "--yes"])):
        r = run(path, args, env=env)
        assert r.code == 2 and r.log == [] and "ACRTUI_READ_ONLY" in r.stderr, r.stderr
    r = run(("plan",), [anon], env=env)
    assert r.code == 0 and r.sessions[0].read_only and writes(r) == []
    console = run(CONSOLE, [], env=env)
    assert console.app.read_only and writes(console) == []


# ------------------------------------------------------------------------------ §10 options take effect


def session_examples(anon: str) -> dict[tuple[str, ...], list[str]]:
    return {ROOT: ["--apply", anon, "--yes"], CONSOLE: [], ("apply",): [anon, "--yes"], ("plan",): [anon],
            ("export",): ["--registry", "sandboxstd"], ("audit",): ["--format", "json"]}


def session_run(h: Harness, path: tuple[str, ...], anon: str, **kw: Any) -> Run:
    args = session_examples(anon).get(path)
    if args is None:
        warnings.warn(f"`acrtui {ids(path)}` has no example in session_examples: ran it with no arguments",
                      stacklevel=1)
    r = h(path, args or [], **kw)
    assert r.sessions, (f"`acrtui {ids(path)}` opened no session: add it to session_examples and to "
                        "acrtui.cli.SESSION_COMMANDS (or to NO_SESSION if it never talks to Azure)"
                        f"\n{r.stdout}\n{r.stderr}")
    assert r.code in (0, 1), f"{ids(path)}: exit {r.code}\n{r.stdout}\n{r.stderr}"
    return r


@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_cloud_option_reaches_the_session(path: tuple[str, ...], run: Harness, anon: str) -> None:
    """``--demo --cloud AzureUSGovernment``: the in-process emulator serves that cloud, so its login servers
    end in ``.azurecr.us``, and the session carries the cloud's DNS zone and vault suffix."""
    r = session_run(run, path, anon, globals_=("--demo", "--cloud", "AzureUSGovernment"), target="demo")
    for s in r.sessions:
        assert s.cloud.name == "AzureUSGovernment" and s.emulator.cloud == "AzureUSGovernment"
        assert (s.cloud.private_dns_zone, s.cloud.vault_suffix) == ("privatelink.azurecr.us", "vault.usgovcloudapi.net")
    assert r.arm, "the session was not used"
    if path == ("audit",):  # what the user sees
        servers = re.findall(r'"loginServer": "([^"]+)"', r.stdout)
        assert servers and all(x.endswith(".azurecr.us") for x in servers), servers


@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_acrtui_cloud_environment_reaches_the_session(path: tuple[str, ...], gov: Harness, anon: str) -> None:
    """``ACRTUI_CLOUD`` against an emulator serving that cloud; an explicit ``--cloud`` still wins over it."""
    r = session_run(gov, path, anon, env={"ACRTUI_CLOUD": "AzureUSGovernment"})
    assert [s.cloud.name for s in r.sessions] == ["AzureUSGovernment"] * len(r.sessions) and r.arm
    assert all(s.cloud.private_dns_zone == "privatelink.azurecr.us" for s in r.sessions)
    r = session_run(gov, path, anon, env={"ACRTUI_CLOUD": "AzureUSGovernment"}, globals_=("--cloud", "AzureCloud"))
    assert {s.cloud.name for s in r.sessions} == {"AzureCloud"}


@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_log_file_gets_every_request(path: tuple[str, ...], run: Harness, anon: str, tmp_path: Path) -> None:
    log = tmp_path / "requests.log"
    r = session_run(run, path, anon, globals_=("--log-file", str(log)))
    assert log.exists(), f"{ids(path)}: --log-file was not written"
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    logged = {e["request_id"] for e in lines}
    assert r.arm and lines
    assert {x.request_id for x in r.arm} <= logged, f"{ids(path)}: requests missing from the log file"
    assert all(e["url"].startswith(run.emu.url) for e in lines)


@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_acrtui_concurrency_bounds_requests_in_flight(path: tuple[str, ...], run: Harness, anon: str) -> None:
    """``ACRTUI_CONCURRENCY=1``: the emulator never serves two of the command's ARM requests at once."""
    r = session_run(run, path, anon, env={"ACRTUI_CONCURRENCY": "1"})
    assert {s.concurrency for s in r.sessions} == {1}
    assert len(r.arm) > 1 and max(x.in_flight for x in r.arm) == 1, [(x.path, x.in_flight) for x in r.arm]


def test_the_in_flight_measure_sees_concurrency(run: Harness, thread: EmulatorThread) -> None:
    """The control for the test above: with concurrency 8 and some latency the same log shows overlap."""
    thread.call(setattr, thread.emulator.config, "latency_ms", 20.0)
    try:
        r = run(("audit",), [], env={"ACRTUI_CONCURRENCY": "8"})
    finally:
        thread.call(setattr, thread.emulator.config, "latency_ms", 0.0)
    assert r.code in (0, 1) and 1 < max(x.in_flight for x in r.arm) <= 8


@pytest.mark.parametrize("source", ["settings", "option"])
@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_subscriptions_limit_what_is_read(path: tuple[str, ...], source: str, run: Harness, anon: str,
                                          tmp_path: Path) -> None:
    """The settings file's ``subscriptions`` (and its ``concurrency``), or ``acrtui --subscription``: no other
    subscription's resources are read."""
    config = tmp_path / "config.yaml"
    config.write_text(f"subscriptions: [{SANDBOX}]\nconcurrency: 4\n" if source == "settings" else "concurrency: 4\n")
    globals_ = ("--subscription", SANDBOX) if source == "option" else ()
    r = session_run(run, path, anon, env={"ACRTUI_CONFIG": str(config)}, globals_=globals_)
    assert {s.concurrency for s in r.sessions} == {4}
    touched = {x.path.split("/")[2].lower() for x in r.arm if x.path.lower().startswith("/subscriptions/")
               and len(x.path.split("/")) > 3}
    assert touched == {SANDBOX}, f"{ids(path)}: read {touched}"


@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_bad_settings_are_a_usage_error_before_any_request(path: tuple[str, ...], run: Harness, anon: str,
                                                           tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    for text, env in (("concurrency: 0\n", {}), ("", {"ACRTUI_CLOUD": "AzureMoon"}), ("", {"ACRTUI_CONCURRENCY": "x"})):
        config.write_text(text)
        args = session_examples(anon).get(path, [])
        r = run(path, args, env={"ACRTUI_CONFIG": str(config), **env})
        assert r.code == 2 and r.log == [] and r.sessions == [], f"{ids(path)} {text!r} {env}: {r.code} {r.stderr}"


def _listings(r: Run) -> tuple[list[RequestRecord], list[RequestRecord]]:
    """(Resource Graph listing queries, ARM registry lists) a run sent. Defender's image assessments are read from
    Resource Graph on both paths (only ``securityresources`` has them): those queries are not the listing, so they
    are told apart by what the product asked for, counted in ``GRAPH_LISTINGS``."""
    queries = [x for x in r.arm if x.method == "POST" and x.path.lower().endswith("/microsoft.resourcegraph/resources")]
    graph = queries if GRAPH_LISTINGS["calls"] else []
    arm = [x for x in r.arm if x.method == "GET" and x.api_version != SOFT_DELETE_API  # read through ARM on both
           and x.path.lower().endswith("/providers/microsoft.containerregistry/registries")]
    GRAPH_LISTINGS["calls"] = 0
    return graph, arm


GRAPH_LISTINGS = {"calls": 0}


def _listed_by_graph(path: tuple[str, ...], graph: list[RequestRecord], arm: list[RequestRecord]) -> bool:
    """Listed through Resource Graph: the console also lists each subscription's registries through ARM while
    Graph answers (rows appear per subscription; tui/service.py), at most once per subscription (3 in the demo)."""
    return bool(graph) and (len(arm) <= 3 if ids(path) == "<console>" else not arm)


@pytest.fixture(autouse=True)
def _count_graph_listings(monkeypatch: pytest.MonkeyPatch) -> None:
    from acrtui.azure import inventory_graph

    real = inventory_graph.list_graph

    async def counted(*a: Any, **k: Any) -> Any:
        GRAPH_LISTINGS["calls"] += 1
        return await real(*a, **k)

    GRAPH_LISTINGS["calls"] = 0
    monkeypatch.setattr(inventory_graph, "list_graph", counted)


@pytest.mark.parametrize("mode", ["graph", "arm"])
@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_inventory_option_reaches_the_session(path: tuple[str, ...], mode: str, run: Harness, anon: str) -> None:
    """``acrtui --inventory graph|arm``: the session carries it and the estate is listed that way — Resource Graph
    and no ARM registry list, or ARM lists and no Resource Graph query at all."""
    r = session_run(run, path, anon, globals_=("--inventory", mode))
    assert {s.inventory for s in r.sessions} == {mode}
    graph, arm = _listings(r)
    if mode == "graph":
        assert _listed_by_graph(path, graph, arm), f"{ids(path)}: {len(graph)} Graph queries, {len(arm)} ARM lists"
    else:
        assert arm and not graph, f"{ids(path)}: {len(graph)} Graph queries, {len(arm)} ARM registry lists"


@pytest.mark.parametrize("source", ["env", "settings"])
@pytest.mark.parametrize("path", SESSION_PATHS, ids=ids)
def test_inventory_from_environment_or_settings(path: tuple[str, ...], source: str, run: Harness, anon: str,
                                                 tmp_path: Path) -> None:
    """``ACRTUI_INVENTORY=graph`` or the settings file's ``inventory: graph``; an explicit ``--inventory`` wins."""
    config = tmp_path / "config.yaml"
    config.write_text("inventory: graph\n" if source == "settings" else "")
    env = {"ACRTUI_CONFIG": str(config), **({"ACRTUI_INVENTORY": "graph"} if source == "env" else {})}
    r = session_run(run, path, anon, env=env)
    graph, arm = _listings(r)
    assert {s.inventory for s in r.sessions} == {"graph"} and _listed_by_graph(path, graph, arm)
    r = session_run(run, path, anon, env=env, globals_=("--inventory", "arm"))
    graph, arm = _listings(r)
    assert {s.inventory for s in r.sessions} == {"arm"} and arm and not graph


def test_a_bad_inventory_setting_is_a_usage_error(run: Harness, tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("inventory: fast\n")
    r = run(("audit",), [], env={"ACRTUI_CONFIG": str(config)})
    assert r.code == 2 and "inventory" in r.stderr and r.log == []


@pytest.mark.parametrize("path", sorted(NO_SESSION), ids=ids)
@pytest.mark.parametrize("option", [["--demo"], ["--cloud", "AzureUSGovernment"], ["--subscription", SANDBOX],
                                    ["--log-file", "x.log"], ["--yes"], ["--apply", "plan.yaml"],
                                    ["--inventory", "graph"]], ids=str)
def test_session_options_are_refused_where_they_cannot_apply(path: tuple[str, ...], option: list[str],
                                                            run: Harness) -> None:
    r = run(path, ["--help"], globals_=tuple(option))
    assert r.code == 2 and "has no effect" in r.stderr and option[0] in r.stderr and r.log == []


@pytest.mark.parametrize("globals_,command", [(("--yes",), []), (("--apply", "p.yaml"), ["plan", "p.yaml"]),
                                              (("--yes",), ["plan", "p.yaml"])])
def test_top_level_write_options_are_refused_where_they_cannot_apply(globals_: tuple[str, ...],
                                                                     command: list[str], run: Harness) -> None:
    r = CliRunner().invoke(cli, [*globals_, *command], env=run.env)
    assert r.exit_code == 2 and "has no effect" in r.stderr and not run.apps


def test_top_level_yes_is_honoured_by_apply(run: Harness, anon: str) -> None:
    r = run(("apply",), [anon], globals_=("--yes",))
    assert r.code == 0 and "Apply complete!" in r.stdout and writes(r)
