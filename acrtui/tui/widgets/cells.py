"""Table cells that need no domain model: the registry list's rows from the listings alone are drawn with these
before the domain and audit modules (pydantic schemas, ~0.5 s) have loaded — on a first frame with no rows yet,
importing :mod:`.posture` held the first paint back by that long."""

from __future__ import annotations

from rich.text import Text

OK = Text("✓", style="bold green")
BAD = Text("✗", style="bold red")
SEV_STYLE = {"critical": "bold white on red", "high": "bold red", "medium": "yellow", "low": "cyan", "info": "dim"}
UNKNOWN_STYLE = "bold yellow"


def mark(flag: bool | None) -> Text:
    if flag is None:
        return Text("?", style="yellow")
    return OK if flag else BAD
