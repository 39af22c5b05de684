"""Package boundaries from ARCHITECTURE.md, checked in fresh interpreters (what actually gets imported)."""

from __future__ import annotations

import ast
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1] / "acrtui"
HEADLESS = ["acrtui.domain", "acrtui.azure", "acrtui.plan", "acrtui.audit"]


def _modules(package: str) -> list[str]:
    base = ROOT / package.split(".", 1)[1]
    if not base.exists():
        return []
    return sorted(
        "acrtui." + ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in base.rglob("*.py")
    )


def _loaded_after_import(modules: list[str]) -> set[str]:
    code = "import sys\n" + "".join(f"import {m}\n" for m in modules) + "print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(out.stdout.split())


@pytest.mark.parametrize("package", HEADLESS)
def test_headless_packages_never_load_textual(package: str) -> None:
    mods = _modules(package)
    if not mods:
        pytest.skip(f"{package} has no modules yet")
    loaded = _loaded_after_import(mods)
    assert not {m for m in loaded if m == "textual" or m.startswith("textual.")}, f"{package} loads textual"


def test_emulator_imports_no_product_code_and_no_sdk() -> None:
    loaded = _loaded_after_import(_modules("acrtui.emulator"))
    product = {m for m in loaded if m.split(".")[:2] in (["acrtui", p] for p in ("domain", "azure", "plan", "audit", "tui", "cli", "settings"))}
    assert not product, f"the emulator imports product code: {sorted(product)}"
    assert not {m for m in loaded if m == "azure" or m.startswith("azure.")}, "the emulator loads the Azure SDK"


def test_domain_imports_nothing_with_io() -> None:
    loaded = _loaded_after_import(_modules("acrtui.domain"))
    bad = {m for m in loaded if m.split(".")[0] in ("azure", "aiohttp", "textual") or m.startswith(("acrtui.azure", "acrtui.emulator", "acrtui.tui"))}
    assert not bad, f"acrtui.domain pulls in I/O or UI: {sorted(bad)}"


def test_only_the_service_layer_imports_azure_statically() -> None:
    """Static check, so a lazy import inside a function elsewhere is caught too (the emulator's test helper excepted)."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] == "azure":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else []
            for n in names:
                if n == "azure" or n.startswith("azure."):
                    offenders.append(f"{rel}:{node.lineno} imports {n}")
    allowed = {o for o in offenders if o.startswith("emulator/server.py") and "azure.identity.aio" in o}
    assert set(offenders) == allowed, f"azure.* imported outside acrtui/azure: {sorted(set(offenders) - allowed)}"
