"""Plan-file loading: every kind of mistake names the file, the line and the field; valid files load whole."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from acrtui.plan.loader import PlanFileError, dump, load, parse
from acrtui.plan.schema import json_schema

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "examples" / "plans").glob("*.yaml"))
SUBNET = "/subscriptions/s/resourceGroups/g/providers/Microsoft.Network/virtualNetworks/v/subnets/sn"
HEAD = "apiVersion: acrtui/v1\nregistries:\n  - name: contosoprodacr\n"

MISTAKES = [
    # (text, line, path, message fragment)
    (HEAD + "    adminUsr: false\n", 4, "registries[0].adminUsr", "unknown key (allowed here: adminUser,"),
    (HEAD + "    adminUser: maybe\n", 4, "registries[0].adminUser", "valid boolean"),
    (HEAD + "    publicNetworkAccess: Off\n", 4, "registries[0].publicNetworkAccess", "'Enabled' or 'Disabled'"),
    (HEAD + "    networkRules:\n      ipRules:\n        - 10.0.0.0/8\n        - 10.0.0.300\n", 7,
     "registries[0].networkRules.ipRules[1]", "not an IPv4 address or CIDR"),
    (HEAD + "    networkRules:\n      ipRules: [\"2001:db8::/32\"]\n", 5, "registries[0].networkRules.ipRules[0]", "IPv4 only"),
    (HEAD + "    networkRules:\n      defaultAction: Block\n", 5, "registries[0].networkRules.defaultAction", "'Allow' or 'Deny'"),
    ("apiVersion: acrtui/v1\nregistries:\n  - name: my-registry\n", 3, "registries[0].name", "5-50 letters and digits"),
    (HEAD + f"    privateLink:\n      endpoints:\n        - name: pe1\n          subnet: {SUBNET}\n          approval: maybe\n",
     8, "registries[0].privateLink.endpoints[0].approval", "'auto' or 'manual'"),
    (HEAD + "    privateLink:\n      endpoints:\n        - name: pe1\n          subnet: /subscriptions/s/resourceGroups/g\n",
     7, "registries[0].privateLink.endpoints[0].subnet", "expected a Microsoft.Network/virtualNetworks/subnets id"),
    (HEAD + f"    privateLink:\n      endpoints:\n        - name: pe1\n          subnet: {SUBNET}\n"
     "          staticIps: {registry: 10.0.0.300}\n", 8, "registries[0].privateLink.endpoints[0].staticIps",
     "not an IPv4 address"),
    (HEAD + f"    privateLink:\n      endpoints:\n        - name: pe1\n          subnet: {SUBNET}\n"
     "          staticIps: {login: 10.0.0.5}\n", 8, "registries[0].privateLink.endpoints[0].staticIps",
     "not a member name"),
    (HEAD + "    privateLink:\n      endpoints:\n        - subnet: " + SUBNET + "\n", 6,
     "registries[0].privateLink.endpoints[0].name", "required key is missing"),
    ("apiVersion: acrtui/v1\npolicyAssignments:\n  - name: a\n    scope: /subscriptions/s\n    definition: x\n", 5,
     "policyAssignments[0].definition", "definition GUID or id"),
    ("apiVersion: acrtui/v1\npolicyAssignments:\n  - name: a\n    scope: /subscriptions/s\n"
     "    definition: dc921057-6b28-4fbe-9b83-f7bec05db6c2\n    effect: Block\n", 6, "policyAssignments[0].effect", "'Audit'"),
    ("apiVersion: acrtui/v1\ncreateCmkRegistry:\n  - name: newreg1\n    source: contosostgacr\n"
     "    keyVault: /subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/kv\n    key: k\n"
     "    identity: /subscriptions/s/resourceGroups/g/providers/Microsoft.ManagedIdentity/userAssignedIdentities/i\n"
     "    import:\n      images: [Payments/API]\n", 9, "createCmkRegistry[0].import.images[0]", "lower-case repository"),
    (HEAD + "    adminUser: false\n    adminUser: true\n", 5, "registries[0].adminUser", "duplicate key"),
    ("apiVersion: acrtui/v2\n", 1, "apiVersion", "expected 'acrtui/v1', got 'acrtui/v2'"),
    ("registries: []\n", 1, "apiVersion", "(missing)"),
    (HEAD + "    adminUser: [\n", 5, "(yaml)", "expected"),
    ("apiVersion: acrtui/v1\nregistries:\n  - name: contosoprodacr\n  - name: contosoprodacr\n", 1, "(document)",
     "registry listed twice"),
]


@pytest.mark.parametrize(("text", "line", "path", "fragment"), MISTAKES, ids=[m[2] + ":" + m[3][:20] for m in MISTAKES])
def test_each_mistake_names_file_line_and_field(tmp_path: Path, text: str, line: int, path: str, fragment: str) -> None:
    f = tmp_path / "plan.yaml"
    f.write_text(text)
    with pytest.raises(PlanFileError) as info:
        load(f)
    hits = [p for p in info.value.problems if p.startswith(f"{f}:{line}: {path}: ")]
    assert hits, info.value.problems
    assert fragment in hits[0], hits[0]


def test_every_problem_is_reported_at_once_in_line_order() -> None:
    text = HEAD + "    adminUsr: false\n    anonymousPull: perhaps\n    publicNetworkAccess: nope\n"
    with pytest.raises(PlanFileError) as info:
        parse(text, "p.yaml")
    assert [p.split(":")[1] for p in info.value.problems] == ["4", "5", "6"]


def test_missing_file_and_empty_file(tmp_path: Path) -> None:
    with pytest.raises(PlanFileError, match="cannot read"):
        load(tmp_path / "nope.yaml")
    (tmp_path / "empty.yaml").write_text("")
    with pytest.raises(PlanFileError, match="empty"):
        load(tmp_path / "empty.yaml")


def test_enums_are_canonical_and_rules_normalised_after_loading() -> None:
    d = parse(HEAD + "    publicNetworkAccess: disabled\n    networkRules: {defaultAction: deny, ipRules: [1.2.3.4/32], "
              "bypass: none}\n    dataEndpoint: true\n")
    r = d.registries[0]
    assert r.public_network_access == "Disabled" and r.network_rules is not None
    assert (r.network_rules.default_action, r.network_rules.ip_rules, r.network_rules.bypass) == ("Deny", ["1.2.3.4"], "None")
    assert r.data_endpoint is not None and r.data_endpoint.enabled


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_load_and_validate_against_the_json_schema(path: Path) -> None:
    desired = load(path)
    jsonschema.validate(yaml.safe_load(path.read_text()), json_schema())
    assert parse(dump(desired)) == desired  # the writer (export) and the reader agree


def test_schema_rejects_what_the_loader_rejects() -> None:
    schema = json_schema()
    assert schema["$schema"].endswith("2020-12/schema") and "registries" in schema["properties"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"apiVersion": "acrtui/v1", "registries": [{"name": "abcde", "adminUsr": True}]}, schema)
    json.dumps(schema)


def test_yaml_features_a_plan_may_use_still_work() -> None:
    """The bounded reader keeps PyYAML's safe semantics for what plans use: anchors, merge keys, YAML 1.1 booleans."""
    d = parse("apiVersion: acrtui/v1\nregistries:\n  - &r {name: contosoprodacr, adminUser: yes, anonymousPull: off}\n"
              "  - <<: *r\n    name: contosostgacr\n    adminUser: false\n", "p.yaml")
    first, second = d.registries
    assert (first.admin_user, first.anonymous_pull) == (True, False)
    assert (second.name, second.admin_user, second.anonymous_pull) == ("contosostgacr", False, False)


def test_alias_expansion_is_counted_not_performed() -> None:
    from acrtui.plan.loader import MAX_ALIAS_NODES

    def text(aliases: int) -> str:  # an anchored list of 9 values is 10 nodes; each alias repeats all 10
        return ("apiVersion: acrtui/v1\na: &a [" + ", ".join(["x"] * 9) + "]\nb: [" + ", ".join(["*a"] * aliases)
                + "]\n")

    with pytest.raises(PlanFileError, match="b: unknown key"):  # at the limit: read, then refused as unknown keys
        parse(text(MAX_ALIAS_NODES // 10))
    with pytest.raises(PlanFileError, match=r":3: b\[1000\]: aliases repeat more than 10,000 values"):
        parse(text(MAX_ALIAS_NODES // 10 + 1))
