"""The HTML report in a real headless browser: Debian's Chromium driven by Playwright. What a reviewer sees is
asserted on the rendered page (computed colours of the posture matrix, the severity counts, a suppressed finding
and an incomplete read marked, hostile values shown as text and never run), no request leaves the page (every
request is intercepted and recorded; a control page proves the recorder sees one), and a screenshot is kept.

Needs ``chromium`` (``apt-get install -y chromium``; ``.ci/run`` installs it) or ``ACRTUI_CHROMIUM=/path``, and
the ``playwright`` package (the ``test`` extra); without either the test skips, saying which. The screenshot goes
to tmp; with ``ACRTUI_UPDATE_GOLDEN=1`` it also replaces ``screenshots/audit-html.png``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acrtui.audit import AuditReport, render, run_audit
from acrtui.domain.checks import CATALOGUE
from tests.audit import fixture_estate as fx
from tests.audit.test_suppressions import baseline, suppressions

ROOT = Path(__file__).resolve().parents[2]
HOSTILE = '"><img src=x onerror=alert(1)><script>alert(2)</script>'


def chromium_path() -> str | None:
    for candidate in (os.environ.get("ACRTUI_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser"),
                      "/usr/bin/chromium"):
        if candidate and os.path.exists(candidate):
            return candidate
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed "
                                   "(pip install -e '.[test]')")
    exe = chromium_path()
    if exe is None:
        pytest.skip("no Chromium found: apt-get install -y chromium (or set ACRTUI_CHROMIUM); see README")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=exe, headless=True, args=["--no-sandbox"])
        yield b
        b.close()


def report() -> AuditReport:
    """Every fixture registry (the orphan's vault unread: incomplete), suppressions, a baseline, and a registry whose
    tag-like values are hostile markup."""
    estate = fx.estate()
    evil = fx.good_registry().model_copy(update={"name": HOSTILE, "id": fx.reg_id("evil")})
    estate = estate.model_copy(update={"registries": [*estate.registries, evil]})
    return run_audit(estate, CATALOGUE, fx.settings(), target="test", tool_version="0.0.0-test",
                     suppressions=suppressions(), baseline=baseline())


def open_page(browser: Any, path: Path) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    requests: list[str] = []
    dialogs: list[str] = []
    doc = path.as_uri()

    def record(route: Any) -> None:
        if route.request.url != doc:
            requests.append(route.request.url)
        route.continue_() if route.request.url == doc else route.abort()

    page.route("**/*", record)
    page.on("request", lambda r: requests.append(r.url) if r.url != doc else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(doc)
    return page, requests, dialogs


def test_the_request_recorder_sees_an_external_request(browser: Any, tmp_path: Path) -> None:
    """The control: a page without acrtui's CSP that loads an image is caught, so an empty list below means
    something."""
    path = tmp_path / "control.html"
    path.write_text('<html><body><img src="https://example.invalid/x.png"></body></html>', encoding="utf-8")
    page, requests, _ = open_page(browser, path)
    page.wait_for_load_state("load")
    assert any("example.invalid" in u for u in requests)
    page.close()


def test_html_report_in_chromium(browser: Any, tmp_path: Path) -> None:
    r = report()
    path = tmp_path / "report.html"
    path.write_text(render(r, "html"), encoding="utf-8")
    page, requests, dialogs = open_page(browser, path)
    page.wait_for_load_state("load")

    def bg(selector: str) -> str:
        return str(page.eval_on_selector(selector, "e => getComputedStyle(e).backgroundColor"))

    # the posture matrix: one row per registry, cells coloured by state
    rows = page.query_selector_all("#matrix tr[data-registry]")
    assert len(rows) == len(r.registries) == 5
    cell = '#matrix tr[data-registry="{}"] td[data-family="{}"]'
    assert page.get_attribute(cell.format("prodbad", "cmk"), "data-state") == "fail"
    assert bg(cell.format("prodbad", "cmk")) == "rgb(255, 215, 213)"
    assert page.get_attribute(cell.format("prodgood", "cmk"), "data-state") == "pass"
    assert bg(cell.format("prodgood", "cmk")) == "rgb(210, 244, 220)"
    assert page.get_attribute(cell.format("devbasic", "auth"), "data-state") == "suppressed"
    assert bg(cell.format("devbasic", "auth")) == "rgb(221, 244, 255)"
    assert page.get_attribute(cell.format("prodorphan", "cmk"), "data-state") == "error"  # the vault not read
    assert page.inner_text(cell.format("prodorphan", "cmk")) == "not evaluated"

    # severity counts as rendered equal the report's
    s = r.summary()
    for sev, n in s["failedBySeverity"].items():
        assert page.inner_text(f'#severity td[data-severity="{sev}"]') == str(n)
    assert page.inner_text('#severity td[data-severity="suppressed"]') == str(s["suppressed"]) != "0"
    assert page.inner_text('#severity td[data-severity="error"]') == str(s["errors"]) != "0"

    # a suppressed finding is marked with its reason; the justification's markup is text, not markup
    sup = page.inner_text('section[data-registry="devbasic"] tr.finding[data-check="ACR-AUTH-001"]')
    assert "suppressed" in sup and "<b>used by the demo pipeline</b>" in sup and "2026-12-31" in sup
    # an incomplete read is marked: the banner and the finding
    assert page.is_visible("#incomplete") and "INCOMPLETE" in page.inner_text("#incomplete")
    orphan = page.inner_text('section[data-registry="prodorphan"] tr.finding[data-check="ACR-CMK-003"]')
    assert "not evaluated" in orphan
    # each failing finding shows its fix
    fix = page.inner_text('section[data-registry="prodbad"] tr.finding[data-check="ACR-AUTH-001"]')
    assert "az acr update -n prodbad" in fix
    # hostile values are shown, never run
    assert HOSTILE in page.inner_text("#matrix") and not page.query_selector_all("img")
    assert page.evaluate("document.scripts.length") == 0 and dialogs == []
    # self-contained: nothing was requested beyond the file itself
    assert requests == []

    shot = tmp_path / "audit-html.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if os.environ.get("ACRTUI_UPDATE_GOLDEN") == "1":
        shutil.copyfile(shot, ROOT / "screenshots" / "audit-html.png")
    page.close()
