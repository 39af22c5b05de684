"""User settings: ``$XDG_CONFIG_HOME/acrtui/config.yaml`` (or the file ``ACRTUI_CONFIG`` names), then ``ACRTUI_*``
environment variables, then command-line options — later wins.

```yaml
cloud: AzureCloud
read_only: true            # every command: the console without writes, apply refused (ACRTUI_READ_ONLY=1 too)
subscriptions: [contoso-production]
keymap: {app.audit: f2, registry.rotate: ctrl+k}   # remap keys by binding id (see `?` in the console)
audit: {key_rotation_max_age_days: 60, operator_ips: [198.51.100.9], firewall_open_share: 0.01,
        allowed_regions: [westeurope, northeurope]}
inventory: auto            # arm | graph | auto: how registries are listed (acrtui/azure/inventory_graph.py)
```
"""

from __future__ import annotations

import os
from typing import Any, Literal

import yaml
from pydantic import BaseModel, Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from .config import DEFAULTS, config_path
from .domain.address_space import DEFAULT_OPEN_SHARE
from .errors import UsageError


class AuditSettings(BaseModel):
    key_rotation_max_age_days: int = Field(default=90, ge=1)
    key_expiry_warning_days: int = Field(default=30, ge=0)
    operator_ips: list[str] = Field(default_factory=list)
    # IP rules admitting more than this share of the public IPv4 internet make a firewall "open" (audit) and a
    # plan warning; 0.01 = 1%, about two /8s. The whole internet (0.0.0.0/0) is open at any setting.
    firewall_open_share: float = Field(default=DEFAULT_OPEN_SHARE, gt=0, le=1)
    suppressions: str | None = None  # the audit's suppressions file (else ./acrtui.suppressions.yaml if present)
    # regions a registry's data may live in (home and replicas, ACR-RES-003); empty: not judged (the check is n/a)
    allowed_regions: list[str] = Field(default_factory=list)

    @field_validator("allowed_regions")
    @classmethod
    def _regions(cls, v: list[str]) -> list[str]:
        """``West Europe`` and ``westeurope`` name the same region (ARM's normal form is the second)."""
        return [r.lower().replace(" ", "") for r in v if r.strip()]


class _YamlSource(PydanticBaseSettingsSource):
    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = config_path()
        if not path.exists():
            if os.environ.get("ACRTUI_CONFIG"):
                raise UsageError(f"ACRTUI_CONFIG names {path}, which does not exist")
            return {}
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except yaml.YAMLError as e:
            raise UsageError(f"{path}: not valid YAML: {e}") from e
        if not isinstance(data, dict):
            raise UsageError(f"{path}: the settings file must be a mapping")
        return data


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ACRTUI_", env_nested_delimiter="__", extra="forbid")

    cloud: str = DEFAULTS["cloud"]
    subscriptions: list[str] = Field(default_factory=list)
    concurrency: int = Field(default=DEFAULTS["concurrency"], ge=1, le=64)
    log_file: str | None = DEFAULTS["log_file"]
    read_only: bool = DEFAULTS["read_only"]
    inventory: Literal["arm", "graph", "auto"] = DEFAULTS["inventory"]  # ACRTUI_INVENTORY; --inventory
    keymap: dict[str, str] = Field(default_factory=dict)
    audit: AuditSettings = AuditSettings()

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource, dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, _YamlSource(settings_cls)


def load_settings(**overrides: Any) -> Settings:
    """Settings with command-line ``overrides`` (None values ignored); a bad file is a usage error naming it."""
    try:
        return Settings(**{k: v for k, v in overrides.items() if v not in (None, [], ())})
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise UsageError(f"settings ({config_path()} or ACRTUI_* environment): {where}: {first['msg']}") from e
