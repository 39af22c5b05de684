"""The migration's cut-over checklist names what the source holds and the new registry does not get (issue 12).

It used to say "not carried (acrtui does not read them)" for webhooks, tokens, scope maps, cache rules and connected
registries; acrtui reads them now (acrtui/azure/registry_details.py). A list that could not be read is UNREAD, never
"none". The plan-file path is driven through the CLI against the demo emulator (real SDK over TLS); the console's
review shows the same finding (tests/tui/test_flows.py, and the parity test compares the plans).
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from acrtui.cli import cli
from acrtui.domain.desired import CmkMigration, Operator
from acrtui.domain.migration import checklist, not_carried
from acrtui.domain.models import (
    CacheRuleInfo,
    CheckInput,
    Estate,
    ReadGap,
    RegistryDetails,
    RegistryPosture,
    ScopeMapInfo,
    TokenInfo,
    WebhookInfo,
)
from acrtui.emulator import EmulatorThread

SUB = "00000000-0000-0000-0000-000000000001"
RID = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/srcacr"
KV = f"/subscriptions/{SUB}/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a"


def source(details: RegistryDetails | None, sku: str = "Premium") -> RegistryPosture:
    return RegistryPosture(id=RID, name="srcacr", subscription_id=SUB, resource_group="rg", location="eastus",
                           sku=sku, login_server="srcacr.azurecr.io", details=details)


MIG = CmkMigration.model_validate({"name": "newacr", "source": "srcacr", "keyVault": KV, "key": "k",
                                   "identity": f"/subscriptions/{SUB}/resourceGroups/rg/providers/"
                                   "Microsoft.ManagedIdentity/userAssignedIdentities/id-new"})
DETAILS = RegistryDetails(
    webhooks=[WebhookInfo(name="teamchat", scheme="https", host="chat.example.com")],
    tokens=[TokenInfo(id=f"{RID}/tokens/edge-pull", name="edge-pull")],
    scope_maps=[ScopeMapInfo(id=f"{RID}/scopeMaps/_repositories_pull", name="_repositories_pull", system_defined=True),
                ScopeMapInfo(id=f"{RID}/scopeMaps/payments-pull", name="payments-pull")],
    cache_rules=[CacheRuleInfo(name="nginx", source_repository="docker.io/library/nginx", target_repository="mirror/nginx")])


def test_names_every_item_the_source_has_and_says_none_only_when_read() -> None:
    reg = source(DETAILS)
    line = not_carried(MIG, reg, Estate(registries=[reg]))
    assert "webhooks: teamchat" in line and "tokens: edge-pull" in line
    assert "scope maps: payments-pull;" in line and "_repositories_pull" not in line  # built-in ones exist anywhere
    assert "cache rules: nginx (docker.io/library/nginx → mirror/nginx)" in line
    assert "credential sets: none" in line and "connected registries: none" in line
    assert "tasks: not read by acrtui — check az acr task list --registry srcacr" in line
    assert "does not read" not in line and "UNREAD" not in line
    assert checklist(MIG, reg, Estate(registries=[reg]), Operator())[0] == line


def test_a_list_that_could_not_be_read_is_unread_not_none() -> None:
    reg = source(DETAILS.model_copy(update={"webhooks": []}))
    gap = ReadGap(what="webhooks of srcacr", message="403 AuthorizationFailed", inputs=[CheckInput.WEBHOOKS],
                  registries=[RID])
    callback = ReadGap(what="callback of webhook srcacr/other", inputs=[CheckInput.WEBHOOKS], registries=[RID])
    line = not_carried(MIG, reg, Estate(registries=[reg], gaps=[gap, callback]))
    assert "webhooks: UNREAD (403 AuthorizationFailed) — check az acr webhook list --registry srcacr" in line
    assert "webhooks: none" not in line and "tokens: edge-pull" in line  # only the failed list is unknown
    # a callback URI that could not be read hides the URI, not the webhook's name
    named = source(DETAILS)
    assert "webhooks: teamchat" in not_carried(MIG, named, Estate(registries=[named], gaps=[callback]))
    # nothing read at all (a single-registry read-back): every kind unread
    bare = source(None)
    line = not_carried(MIG, bare, Estate(registries=[bare]))
    assert line.count("UNREAD") == 6 and "none" not in line
    # not Premium: connected registries do not exist there (and are not asked)
    std = source(DETAILS, sku="Standard")
    assert "connected registries" not in not_carried(MIG, std, Estate(registries=[std]))


def test_plan_file_lists_the_demo_source_items_by_name(thread: EmulatorThread, tmp_path: Path) -> None:
    thread.call(thread.emulator.reset)
    example = Path(__file__).resolve().parents[2] / "examples" / "plans" / "cmk-migration-contosostgacr.yaml"
    env = {**thread.emulator.env(), "ACRTUI_JOURNAL": str(tmp_path / "journal.jsonl")}
    out = CliRunner().invoke(cli, ["plan", str(example)], env=env, catch_exceptions=False)
    text = out.stdout
    assert out.exit_code == 0, text
    assert "Cut-over checklist: Not carried to contosostgcmk" in text, text
    for item in ("webhooks: teamchat", "tokens: edge-pull", "payments-pull", "cache rules: nginx",
                 "credential sets: dockerhub", "connected registries: factory-edge"):
        assert item in text, item
    assert "does not read" not in text
