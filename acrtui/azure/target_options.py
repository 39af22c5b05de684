"""What a command asked to connect to, as plain data: no Azure import, so the console's first frame (which needs
these options) does not wait for azure-core (~0.2 s). :mod:`acrtui.azure.targets` opens the session from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RetrySettings:
    """azure-core RetryPolicy settings: retries 408/429/5xx, honours Retry-After, exponential backoff otherwise."""

    total: int = 4
    backoff_factor: float = 0.5
    backoff_max: int = 30

    def kwargs(self) -> dict[str, Any]:
        return {"retry_total": self.total, "retry_backoff_factor": self.backoff_factor, "retry_backoff_max": self.backoff_max}


@dataclass
class TargetOptions:
    demo: bool = False
    cloud: str = "AzureCloud"
    subscriptions: list[str] = field(default_factory=list)
    read_only: bool = False
    concurrency: int = 16
    log_file: str | None = None
    inventory: str = "auto"  # arm | graph | auto (acrtui/azure/inventory_graph.py)
    demo_seed: str = "demo"
    polling_interval: float | None = None
    retry: RetrySettings = field(default_factory=RetrySettings)
