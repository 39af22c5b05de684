"""Citations stay honest: every peer id the catalogue cites is in the committed peer list (read from the peers'
repositories, with its title, source and date), and the README's coverage table is the one the list generates.

``ACRTUI_UPDATE_GOLDEN=1`` rewrites the README's table (then review the diff).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from acrtui.domain.checks import CATALOGUE, get_check
from acrtui.domain.checks.peers import (
    CONTROLS,
    COVERAGE_END,
    COVERAGE_START,
    PEERS,
    READ_ON,
    TOOLS,
    coverage_markdown,
    peer,
)

README = Path(__file__).resolve().parents[2] / "README.md"
SOURCES = {"psrule": "Azure/PSRule.Rules.Azure", "checkov": "bridgecrewio/checkov", "prowler": "prowler-cloud/prowler",
           "policy": "Azure/azure-policy"}
ID_FORMS = {
    "psrule": r"Azure\.(ACR|KeyVault)\.[A-Za-z]+",
    "checkov": r"CKV_AZURE_\d+",
    "prowler": r"(containerregistry|defender|keyvault)_[a-z_]+",
    "policy": r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
}


def test_every_cited_peer_id_is_in_the_list_with_its_title() -> None:
    missing = [(c.id, tool, ident) for c in CATALOGUE for tool, ident in c.references.peer_ids()
               if peer(tool, ident) is None]
    assert missing == []
    for c in CATALOGUE:
        for row in c.peers():
            assert row["title"], (c.id, row)  # the peer's own title is recorded beside the id


def test_the_list_names_its_source_and_date() -> None:
    seen = set()
    for p in PEERS:
        assert p.tool in TOOLS and re.fullmatch(ID_FORMS[p.tool], p.id), p
        assert (p.tool, p.id.lower()) not in seen, p
        seen.add((p.tool, p.id.lower()))
        assert p.repo == SOURCES[p.tool] and p.path and re.fullmatch(r"[0-9a-f]{40}", p.commit), p
        assert p.title.strip() and p.control in CONTROLS and p.read_on == READ_ON, p
    assert {p.control for p in PEERS} == set(CONTROLS)  # no control without a peer rule, none unnamed


def test_the_corrected_citations() -> None:
    """Issue 10's list: each of these cited what it did not test before."""
    net1, net4, dep, pl1 = (get_check(i) for i in ("ACR-NET-001", "ACR-NET-004", "ACR-DEP-001", "ACR-PL-001"))
    assert net1 is not None and net1.references.policy_definition_ids == ("d0793b48-0edc-4296-a390-4c75d1bdfd71",)
    assert net1.references.psrule == ("Azure.ACR.Firewall",) and net1.references.checkov == ()
    assert net4 is not None and "0fdf0491-d080-4575-b627-ad0e843cba0f" in net4.references.policy_definition_ids
    assert net4.references.checkov == ("CKV_AZURE_139",)
    assert dep is not None and dep.references.checkov == ("CKV_AZURE_237",)
    assert peer("checkov", "CKV_AZURE_237").title == "Ensure dedicated data endpoints are enabled."  # type: ignore[union-attr]
    assert pl1 is not None and "Azure.ACR.MinSku" not in pl1.references.psrule
    cmk7 = get_check("ACR-CMK-007")
    assert cmk7 is not None and not cmk7.references.peer_ids()


def readme_table() -> str:
    text = README.read_text()
    start, end = text.index(COVERAGE_START) + len(COVERAGE_START) + 1, text.index(COVERAGE_END)
    return text[start:end]


def test_readme_coverage_table_is_current() -> None:
    want = coverage_markdown(CATALOGUE)
    if os.environ.get("ACRTUI_UPDATE_GOLDEN") and readme_table() != want:
        text = README.read_text()
        start, end = text.index(COVERAGE_START) + len(COVERAGE_START) + 1, text.index(COVERAGE_END)
        README.write_text(text[:start] + want + text[end:])
    assert readme_table() == want, "README coverage table is stale: run with ACRTUI_UPDATE_GOLDEN=1"


def test_coverage_table_marks_what_is_missing_and_what_only_acrtui_has() -> None:
    table = coverage_markdown(CATALOGUE)
    rows = {line.split(" | ")[0].lstrip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert "ACR-LOG-001" in rows["Registry login and repository events logged"]
    assert "not required, deliberately" in rows["Key Vault key has an expiration date"]
    assert "(only acrtui)" in rows["The registry's identity can use the key"]
    for c in CATALOGUE:
        assert c.id in table, c.id  # every check appears somewhere
