"""Every built-in definition the catalogue cites can be previewed: before issue 9 the Key Vault ones were missing
from the emulator and ``acrtui audit --demo --preview-policy 152b15f7-…`` exited 3 (PolicyDefinitionNotFound)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from acrtui.cli import cli
from acrtui.domain.checks import CATALOGUE


def test_cited_key_vault_definitions_preview() -> None:
    cited = sorted({g for c in CATALOGUE for g in c.references.policy_definition_ids if c.id.startswith("ACR-CMK")})
    assert "d8cf8476-a2ec-4916-896e-992351803c44" in cited  # 152b15f7 is no longer cited (ACR-CMK-004's stance)
    for guid in cited:
        r = CliRunner().invoke(cli, ["audit", "--demo", "--preview-policy", guid, "--format", "json", "--soft-fail"])
        assert r.exit_code == 0, (guid, r.output)
        assert json.loads(r.stdout)["definition"]["name"] == guid
