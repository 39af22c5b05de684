"""The entry point: help lists every command without importing them; usage errors exit 2."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from acrtui.cli import LAZY_COMMANDS, SHORT_HELP, cli


def test_help_lists_every_command_with_its_summary() -> None:
    out = CliRunner().invoke(cli, ["--help"])
    assert out.exit_code == 0
    for name in LAZY_COMMANDS:
        assert name in out.output and SHORT_HELP[name] in out.output


def test_help_imports_no_heavy_module() -> None:
    code = "import sys\nfrom click.testing import CliRunner\nfrom acrtui.cli import cli\nCliRunner().invoke(cli, ['--help'])\nprint('\\n'.join(sys.modules))"
    loaded = set(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split())
    assert not {m for m in loaded if m.startswith(("azure", "textual", "aiohttp"))}


def test_every_lazy_command_loads() -> None:
    for name in LAZY_COMMANDS:
        assert cli.get_command(click_ctx(), name) is not None, name


def click_ctx() -> object:
    import click

    return click.Context(cli)


def test_apply_and_read_only_conflict_is_a_usage_error() -> None:
    out = CliRunner().invoke(cli, ["--read-only", "--apply", "plan.yaml"])
    assert out.exit_code == 2 and "--read-only" in out.output
