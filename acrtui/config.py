"""Where settings come from, and their defaults, without pydantic: the console's first frame waits for the
options, and pydantic-settings with the models costs ~0.3 s. When no settings file exists and no ``ACRTUI_*``
setting is in the environment, the options are the defaults plus the command line (click has validated those),
so :func:`acrtui.options.session_options` skips the model; anything else goes through
:class:`acrtui.settings.Settings`, which takes its defaults from here."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DEFAULTS: dict[str, Any] = {"cloud": "AzureCloud", "concurrency": 48, "read_only": False, "inventory": "auto",
                            "log_file": None}
# Every top-level field of acrtui.settings.Settings (a test keeps this in step): ACRTUI_<FIELD>, any case,
# ACRTUI_<FIELD>__<SUB> for nested ones, is read by pydantic-settings.
FIELDS = ("cloud", "subscriptions", "concurrency", "log_file", "read_only", "inventory", "keymap", "audit")


def config_path(env: Mapping[str, str] | None = None) -> Path:
    env = os.environ if env is None else env
    explicit = env.get("ACRTUI_CONFIG")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "acrtui" / "config.yaml"


def only_defaults(env: Mapping[str, str] | None = None) -> bool:
    """No settings file and no setting in the environment: nothing for the model to read or refuse."""
    env = os.environ if env is None else env
    if env.get("ACRTUI_CONFIG") or config_path(env).exists():
        return False
    for name in env:
        upper = name.upper()
        if upper.startswith("ACRTUI_") and upper[7:].split("__")[0].lower() in FIELDS:
            return False
    return True
