#!/usr/bin/env python
"""Write SVG screenshots of the console's main screens, against the demo estate, into screenshots/.

    .venv/bin/python scripts/screenshots.py [OUTDIR]

Runs the real product path (``open_session(TargetOptions(demo=True))`` starts the embedded emulator) with a frozen
clock and a fixed terminal size, so the pictures change only when the console or the demo estate does.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from acrtui.azure.targets import TargetOptions, open_session
from acrtui.tui.app import AcrtuiApp
from acrtui.tui.service import ConsoleService
from acrtui.tui.shots import SIZE, frozen_clock, tour


async def shoot(outdir: Path, read_only: bool) -> list[Path]:
    written: list[Path] = []
    service = ConsoleService(open_session(TargetOptions(demo=True, read_only=read_only)), clock=frozen_clock)
    app = AcrtuiApp(service, read_only=read_only, plan_dir=outdir, journal_path=outdir / ".journal.jsonl")
    app.animation_level = "none"

    async def save(name: str) -> None:
        if read_only and name != "read-only":
            return
        path = outdir / f"{name}.svg"
        app.save_screenshot(filename=path.name, path=str(outdir))
        written.append(path)

    async with app.run_test(size=SIZE) as pilot:
        await tour(app, pilot, save)
    return written


def main() -> int:
    outdir = Path(sys.argv[1] if len(sys.argv) > 1 else "screenshots")
    outdir.mkdir(parents=True, exist_ok=True)
    written = asyncio.run(shoot(outdir, read_only=False)) + asyncio.run(shoot(outdir, read_only=True))
    (outdir / ".journal.jsonl").unlink(missing_ok=True)
    for p in written:
        print(p)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
