"""Settings: file (XDG or ACRTUI_CONFIG), then environment, then command-line overrides; bad input is a usage error."""

from __future__ import annotations

from pathlib import Path

import pytest

from acrtui.errors import UsageError
from acrtui.settings import config_path, load_settings


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ACRTUI_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings()
    assert s.cloud == "AzureCloud" and s.keymap == {} and s.audit.key_rotation_max_age_days == 90
    assert config_path() == tmp_path / "acrtui" / "config.yaml"


def test_file_then_env_then_overrides(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "acrtui.yaml"
    cfg.write_text("cloud: AzureUSGovernment\nsubscriptions: [a]\nkeymap: {app.audit: f2}\naudit: {operator_ips: [198.51.100.9]}\n")
    monkeypatch.setenv("ACRTUI_CONFIG", str(cfg))
    s = load_settings()
    assert (s.cloud, s.subscriptions, s.keymap, s.audit.operator_ips) == ("AzureUSGovernment", ["a"], {"app.audit": "f2"}, ["198.51.100.9"])
    monkeypatch.setenv("ACRTUI_CLOUD", "AzureChinaCloud")
    assert load_settings().cloud == "AzureChinaCloud"
    assert load_settings(subscriptions=["b"]).subscriptions == ["b"]
    assert load_settings(subscriptions=[]).subscriptions == ["a"]  # an empty option does not erase the file's value


def test_bad_settings_name_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "acrtui.yaml"
    cfg.write_text("concurrency: 0\n")
    monkeypatch.setenv("ACRTUI_CONFIG", str(cfg))
    with pytest.raises(UsageError, match="concurrency"):
        load_settings()
    cfg.write_text("keymap: [\n")
    with pytest.raises(UsageError, match="not valid YAML"):
        load_settings()
    monkeypatch.setenv("ACRTUI_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(UsageError, match="does not exist"):
        load_settings()


def test_audit_takes_thresholds_from_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import json

    from click.testing import CliRunner

    from acrtui.cli import cli

    def cmk002(extra: list[str]) -> str:
        out = CliRunner().invoke(cli, ["audit", "--demo", "--registry", "contosoprodpinned", "--check", "ACR-CMK-002",
                                       "--format", "json", "--soft-fail", "--now", "2026-06-01T00:00:00Z", *extra])
        assert out.exit_code == 0, out.output
        return str(json.loads(out.output)["findings"][0]["status"])

    cfg = tmp_path / "acrtui.yaml"
    monkeypatch.setenv("ACRTUI_CONFIG", str(cfg))
    cfg.write_text("audit: {key_rotation_max_age_days: 30}\n")
    assert cmk002([]) == "fail"  # pinned since the seed (2026-01-15): older than 30 days
    cfg.write_text("audit: {key_rotation_max_age_days: 400}\n")
    assert cmk002([]) == "pass"
    assert cmk002(["--key-max-age-days", "30"]) == "fail"  # the option beats the file


def test_the_defaults_path_agrees_with_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no file and no ACRTUI_* setting, session_options skips the pydantic model (the console's first frame
    waits for it); its options must equal what the model gives, and any setting in the environment (any case,
    nested too) or a file takes the model's path."""
    import dataclasses

    from acrtui import options as options_module
    from acrtui.config import FIELDS, only_defaults
    from acrtui.settings import Settings

    assert set(FIELDS) == set(Settings.model_fields)  # a new setting must also stop the defaults path
    for name in [k for k in __import__("os").environ if k.upper().startswith("ACRTUI_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert only_defaults()
    given = {"cloud": "AzureUSGovernment", "subscriptions": ["s1"], "log_file": str(tmp_path / "l"), "inventory": "arm"}
    for kw in ({}, given):
        quick = options_module.session_options(None, **kw)
        monkeypatch.setattr(options_module, "only_defaults", lambda: False, raising=False)
        monkeypatch.setattr("acrtui.config.only_defaults", lambda env=None: False)
        slow = options_module.session_options(None, **kw)
        monkeypatch.undo()
        monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
        assert dataclasses.asdict(quick) == dataclasses.asdict(slow), kw
    for env in ("ACRTUI_CONCURRENCY", "acrtui_read_only", "ACRTUI_AUDIT__OPERATOR_IPS"):
        monkeypatch.setenv(env, "1")
        assert not only_defaults(), env
        monkeypatch.delenv(env)
    monkeypatch.setenv("ACRTUI_EMULATOR_URL", "https://127.0.0.1:1")  # not a setting
    assert only_defaults()
    (tmp_path / "acrtui").mkdir()
    (tmp_path / "acrtui" / "config.yaml").write_text("concurrency: 3\n")
    assert not only_defaults() and options_module.session_options(None).concurrency == 3
