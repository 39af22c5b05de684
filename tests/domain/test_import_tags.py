"""preflight.import_tags: every tag a migration imports exists in its source, as the data plane showed it."""

from __future__ import annotations

from acrtui.domain.content import RegistryContent
from acrtui.domain.diff import diff
from acrtui.domain.preflight import Finding, errors, preflight

from . import plan_fixture as fx

MIG = {"name": "newcmkreg", "source": "openpremium", "keyVault": fx.VAULT, "key": "acr-cmk", "identity": fx.IDENT}
SRC = fx.rid("openpremium")
READ = RegistryContent(SRC, "openpremium.azurecr.io", ("app/api", "app/web"),
                       {"app/api": {"1.0": "sha256:a", "1.1": "sha256:b"}, "app/web": {"2.0": "sha256:c"}})


def run(images: list[str], content: RegistryContent | None) -> list[Finding]:
    w = fx.world(contents={SRC.lower(): content} if content else {})
    d = fx.desired(createCmkRegistry=[{**MIG, "import": {"images": images}}])
    return [f for f in preflight(diff(d, w), d, w) if f.subject == "openpremium"]


def test_tags_that_exist_pass() -> None:
    assert run(["app/api:1.1", "app/web:2.0"], READ) == []


def test_a_missing_tag_or_repository_is_an_error_naming_what_exists() -> None:
    found = errors(run(["app/api:1.2", "app/web:2.0", "app/db"], READ))
    assert [f.reason for f in found] == [
        "Cannot import app/api:1.2: app/api:1.2 does not exist in openpremium (app/api has 1.0, 1.1).",
        "Cannot import app/db:latest: repository app/db does not exist in openpremium (it has app/api, app/web).",
    ]
    assert all(f.action and f.action.startswith("ImportImages") for f in found)


def test_an_unreadable_data_plane_is_a_warning_not_a_pass() -> None:
    content = RegistryContent(SRC, "openpremium.azurecr.io", unreadable="403: public network access is off.",
                              way_forward="Run from a network with a private path.")
    found = run(["app/api:9.9"], content)
    assert [f.severity for f in found] == ["warning"]
    assert "could not be verified: 403" in found[0].reason and "private path" in found[0].way_forward


def test_no_read_no_finding_here() -> None:
    """A source the data plane was not asked about (not an existing registry) is the diff's to report."""
    assert run(["app/api:9.9"], None) == []
