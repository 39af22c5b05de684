"""The issue's must-show scenario driven by the real, unchanged Azure CLI (``az``) against the emulator.

Asserts the same results as the SDK tests (test_privatelink, test_policy, test_policyinsights): auto-approved private
endpoint → Approved connection and data endpoints on; manual → Pending until approved through the ACR API; a DNS zone
group writes A records for the registry and every region's data endpoint; a later replica that does not fit a
connected subnet fails with SubnetIsFull; a Deny assignment refuses a non-compliant registry write with
RequestDisallowedByPolicy; policy states report the non-compliant registry; CMK at creation with a user-assigned
identity and a vault access policy.

The CLI is set up with exactly the lines ``acrtui emulator --print-az-setup`` prints (:func:`az_setup_lines`).
It is not a project dependency: the test runs when ``ACRTUI_AZ_CLI`` names an ``az`` binary or ``az`` is on PATH.
Key Vault keys are made with ``az rest`` on the ARM keys API: ``az keyvault key create`` is a data-plane command
(it talks to ``https://<vault>.vault.azure.net``), which the emulator does not serve.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acrtui.emulator import EmulatorConfig
from acrtui.emulator.cli import az_setup_lines
from acrtui.emulator.server import Emulator, EmulatorThread

AZ = os.environ.get("ACRTUI_AZ_CLI") or shutil.which("az")
SKIP_REASON = (
    "Azure CLI not installed; see CONTRIBUTING: python -m venv /tmp/azcli && /tmp/azcli/bin/pip install azure-cli, "
    "then ACRTUI_AZ_CLI=/tmp/azcli/bin/az"
)
needs_az = pytest.mark.skipif(not AZ or not Path(AZ).is_file(), reason=SKIP_REASON)

TIMEOUT_S = 180  # one az call (the CLI takes ~1 s to start; LROs here finish at once)
RG = "rg-empty"
PUBLIC_ACCESS = "0fdf0491-d080-4575-b627-ad0e843cba0f"  # Public network access should be disabled for ACR


class AzFailed(AssertionError):
    pass


class Az:
    """Runs ``az`` with the environment the setup lines export; JSON output parsed."""

    def __init__(self, emu: Emulator, config_dir: Path) -> None:
        self.emu = emu
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AZURE_", "REQUESTS_CA_BUNDLE"))}
        self.env["AZURE_CORE_NO_COLOR"] = "true"
        self.config_dir = config_dir

    def setup(self) -> None:
        """Run the printed setup lines: ``export K=V`` sets the environment, ``az …`` runs the CLI."""
        for line in az_setup_lines(self.emu):
            words = shlex.split(line)
            if words[0] == "export":
                key, _, value = words[1].partition("=")
                self.env[key] = str(self.config_dir) if value.startswith("$(mktemp") else value
            else:
                assert words[0] == "az", line
                self.run(*words[1:], output=None)

    def run(self, *args: str, output: str | None = "json") -> subprocess.CompletedProcess[str]:
        assert AZ is not None
        cmd = [AZ, *args, "--only-show-errors"] + (["-o", output] if output else [])
        return subprocess.run(
            cmd, env=self.env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False
        )

    def __call__(self, *args: str) -> Any:
        p = self.run(*args)
        if p.returncode != 0:
            raise AzFailed(f"az {' '.join(args)} → exit {p.returncode}\n{p.stderr}")
        return json.loads(p.stdout) if p.stdout.strip() else None

    def fails(self, *args: str) -> str:
        """The error code of a command that must fail (from the CLI's ``(Code) message`` line)."""
        p = self.run(*args)
        assert p.returncode != 0, f"az {' '.join(args)} succeeded: {p.stdout[:500]}"
        err = p.stderr
        assert "(" in err and ")" in err, err
        return err.split("(", 1)[1].split(")", 1)[0]


def _get_json(emu: Emulator, path: str) -> Any:
    ctx = ssl.create_default_context(cafile=str(emu.ca_path))
    with urllib.request.urlopen(emu.url + path, context=ctx, timeout=10) as resp:
        return json.loads(resp.read())


def test_cloud_metadata_as_the_cli_reads_it() -> None:
    """``az cloud register`` GETs ``<ARM URL>/metadata/endpoints?api-version=2022-09-01``: one object, with the
    keys the CLI's ``_arm_to_cli_mapper`` reads; a URL given with a trailing slash makes the path start with '//'."""
    with EmulatorThread("empty") as emu:
        for path in (
            "/metadata/endpoints?api-version=2022-09-01",
            "//metadata/endpoints?api-version=2022-09-01",
        ):
            meta = _get_json(emu, path)
            assert meta["name"] == "acrtui-emulator"
            assert meta["resourceManager"] == emu.url + "/"
            assert meta["authentication"]["loginEndpoint"].rstrip("/") == emu.url
            assert meta["authentication"]["audiences"][0] == emu.url + "/"
            assert (
                meta["suffixes"]["acrLoginServer"] == "azurecr.io"
                and meta["suffixes"]["keyVaultDns"] == "vault.azure.net"
            )
            assert {"portal", "gallery", "graphAudience", "microsoftGraphResourceId"} <= meta.keys()
        oidc = _get_json(emu, f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration")
        assert oidc["token_endpoint"] == f"{emu.url}/{emu.tenant_id}/oauth2/v2.0/token"
        lines = az_setup_lines(emu)
        login = next(line for line in lines if line.startswith("az login"))
        assert f"--password={emu.login('owner').client_secret}" in shlex.split(
            login
        )  # a secret may start with '-'
        assert f"az cloud register -n acrtui-emulator --endpoint-resource-manager {emu.url}" in lines


@pytest.fixture(scope="module")
def az(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Az]:
    """One emulator (page size 2, so the CLI follows nextLink) and a CLI signed in through the setup lines."""
    with EmulatorThread("empty", config=EmulatorConfig(page_size=2)) as emu:
        cli = Az(emu, tmp_path_factory.mktemp("azure-config"))
        cli.setup()
        yield cli


@pytest.mark.slow
@needs_az
def test_setup_lines_sign_in_to_the_emulator_cloud(az: Az) -> None:
    cloud = az("cloud", "show")
    assert cloud["name"] == "acrtui-emulator"
    assert cloud["endpoints"]["resourceManager"].rstrip("/") == az.emu.url
    assert cloud["suffixes"]["acrLoginServerEndpoint"] == ".azurecr.io"
    account = az("account", "show")
    assert (account["id"], account["tenantId"]) == (az.emu.subscription_id, az.emu.tenant_id)
    assert account["user"] == {"name": az.emu.login("owner").client_id, "type": "servicePrincipal"}
    seen = [(r.kind, r.method, r.path, r.status) for r in az.emu.request_log]
    tenant = az.emu.tenant_id
    assert ("metadata", "GET", "/metadata/endpoints", 200) in seen
    assert ("metadata", "GET", f"/{tenant}/v2.0/.well-known/openid-configuration", 200) in seen
    assert ("token", "POST", f"/{tenant}/oauth2/v2.0/token", 200) in seen
    assert az("group", "list", "--query", "[].name") == [RG]


@pytest.mark.slow
@needs_az
def test_private_endpoints_dns_and_replicas(az: Az) -> None:
    reg = az("acr", "create", "-g", RG, "-n", "clireg", "--sku", "Premium", "-l", "eastus")
    assert (reg["loginServer"], reg["dataEndpointEnabled"]) == ("clireg.azurecr.io", False)
    assert az("acr", "update", "-n", "clireg", "--admin-enabled", "true")["adminUserEnabled"] is True
    assert az("acr", "show", "-n", "clireg")["adminUserEnabled"] is True
    az("acr", "create", "-g", RG, "-n", "clibasic", "--sku", "Basic", "-l", "eastus")
    az("acr", "create", "-g", RG, "-n", "clistd", "--sku", "Standard", "-l", "westus")
    assert sorted(r["name"] for r in az("acr", "list", "-g", RG)) == [
        "clibasic",
        "clireg",
        "clistd",
    ]  # 2 pages

    az(
        "network",
        "vnet",
        "create",
        "-g",
        RG,
        "-n",
        "vnet1",
        "-l",
        "eastus",
        "--address-prefixes",
        "10.0.0.0/16",
    )
    az(
        "network",
        "vnet",
        "subnet",
        "create",
        "-g",
        RG,
        "--vnet-name",
        "vnet1",
        "-n",
        "auto",
        "--address-prefixes",
        "10.0.1.0/24",
    )
    az(
        "network",
        "vnet",
        "subnet",
        "create",
        "-g",
        RG,
        "--vnet-name",
        "vnet1",
        "-n",
        "manual",
        "--address-prefixes",
        "10.0.2.0/29",
    )
    pe = [
        "network",
        "private-endpoint",
        "create",
        "-g",
        RG,
        "-l",
        "eastus",
        "--vnet-name",
        "vnet1",
        "--private-connection-resource-id",
        reg["id"],
        "--group-id",
        "registry",
        "--connection-name",
        "conn",
    ]

    az(*pe, "-n", "pe-auto", "--subnet", "auto")
    r = az("acr", "show", "-n", "clireg")
    assert [c["privateLinkServiceConnectionState"]["status"] for c in r["privateEndpointConnections"]] == [
        "Approved"
    ]
    assert r["dataEndpointEnabled"] is True
    assert r["dataEndpointHostNames"] == ["clireg.eastus.data.azurecr.io"]

    az(*pe, "-n", "pe-manual", "--subnet", "manual", "--manual-request", "--request-message", "please")
    conns = {
        c["privateEndpoint"]["id"].rsplit("/", 1)[1]: c
        for c in az("acr", "private-endpoint-connection", "list", "-r", "clireg")
    }
    assert {k: c["privateLinkServiceConnectionState"]["status"] for k, c in conns.items()} == {
        "pe-auto": "Approved",
        "pe-manual": "Pending",
    }
    done = az(
        "acr",
        "private-endpoint-connection",
        "approve",
        "-r",
        "clireg",
        "-n",
        conns["pe-manual"]["name"],
        "--description",
        "ok",
    )
    assert done["privateLinkServiceConnectionState"]["status"] == "Approved"
    got = az("network", "private-endpoint", "show", "-g", RG, "-n", "pe-manual")
    assert (
        got["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]["status"]
        == "Approved"
    )

    az(
        "acr", "replication", "create", "-r", "clireg", "-l", "westeurope"
    )  # auto: 3rd IP; the manual /29: its last
    zone = az("network", "private-dns", "zone", "create", "-g", RG, "-n", "privatelink.azurecr.io")
    assert zone["location"] == "global"
    az(
        "network",
        "private-dns",
        "link",
        "vnet",
        "create",
        "-g",
        RG,
        "-z",
        "privatelink.azurecr.io",
        "-n",
        "link1",
        "-v",
        "vnet1",
        "-e",
        "false",
    )
    az(
        "network",
        "private-endpoint",
        "dns-zone-group",
        "create",
        "-g",
        RG,
        "--endpoint-name",
        "pe-auto",
        "-n",
        "default",
        "--private-dns-zone",
        "privatelink.azurecr.io",
        "--zone-name",
        "acr",
    )
    records = az(
        "network", "private-dns", "record-set", "a", "list", "-g", RG, "-z", "privatelink.azurecr.io"
    )
    a = {x["name"]: [i["ipv4Address"] for i in x["aRecords"]] for x in records}
    assert a == {
        "clireg": ["10.0.1.4"],
        "clireg.eastus.data": ["10.0.1.5"],
        "clireg.westeurope.data": ["10.0.1.6"],
    }
    subnet = ["network", "vnet", "subnet", "show", "-g", RG, "--vnet-name", "vnet1", "-n", "auto"]
    assert len(az(*subnet)["ipConfigurations"]) == 3

    assert az.fails("acr", "replication", "create", "-r", "clireg", "-l", "northeurope") == "SubnetIsFull"
    assert [x["location"] for x in az("acr", "replication", "list", "-r", "clireg")] == ["westeurope"]
    assert len(az(*subnet)["ipConfigurations"]) == 3  # rolled back everywhere


@pytest.mark.slow
@needs_az
def test_customer_managed_key_at_creation(az: Az) -> None:
    ident = az("identity", "create", "-g", RG, "-n", "id-acr", "-l", "eastus")
    vault = az(
        "keyvault",
        "create",
        "-g",
        RG,
        "-n",
        "kv-acrtui-cli",
        "-l",
        "eastus",
        "--enable-purge-protection",
        "true",
        "--enable-rbac-authorization",
        "false",
        "--no-self-perms",
    )
    assert (
        vault["properties"]["enablePurgeProtection"] is True and vault["properties"]["accessPolicies"] == []
    )
    key = az(
        "rest",
        "--method",
        "put",
        "--url",
        f"{vault['id']}/keys/cmk?api-version=2026-05-15",
        "--body",
        json.dumps({"properties": {"kty": "RSA", "keySize": 2048}}),
    )
    key_uri = key["properties"]["keyUri"]
    assert key_uri == "https://kv-acrtui-cli.vault.azure.net/keys/cmk"
    cmk = [
        "acr",
        "create",
        "-g",
        RG,
        "--sku",
        "Premium",
        "-l",
        "eastus",
        "--identity",
        ident["id"],
        "--key-encryption-key",
        key_uri,
    ]

    assert (
        az.fails(*cmk, "-n", "clicmknokey") == "KeyVaultAccessForbidden"
    )  # no access policy for the identity yet
    assert az("acr", "list", "-g", RG, "--query", "[?name=='clicmknokey']") == []
    policy = az(
        "keyvault",
        "set-policy",
        "-n",
        "kv-acrtui-cli",
        "--object-id",
        ident["principalId"],
        "--key-permissions",
        "get",
        "wrapKey",
        "unwrapKey",
    )
    assert sorted(policy["properties"]["accessPolicies"][0]["permissions"]["keys"]) == [
        "get",
        "unwrapKey",
        "wrapKey",
    ]
    reg = az(*cmk, "-n", "clicmk")
    enc = reg["encryption"]
    assert enc["status"] == "enabled"
    assert enc["keyVaultProperties"]["identity"] == ident["clientId"]
    assert (
        enc["keyVaultProperties"]["keyIdentifier"] == key_uri
        and enc["keyVaultProperties"]["keyRotationEnabled"] is True
    )
    assert ident["id"].lower() in {k.lower() for k in reg["identity"]["userAssignedIdentities"]}


@pytest.mark.slow
@needs_az
def test_policy_deny_and_states(az: Az) -> None:
    az("group", "create", "-n", "rg-policy", "-l", "eastus")
    az("acr", "create", "-g", "rg-policy", "-n", "clipublic", "--sku", "Premium", "-l", "eastus")
    az(
        "acr",
        "create",
        "-g",
        "rg-policy",
        "-n",
        "cliprivate",
        "--sku",
        "Premium",
        "-l",
        "eastus",
        "--public-network-enabled",
        "false",
    )
    a = az(
        "policy",
        "assignment",
        "create",
        "-n",
        "deny-public",
        "--display-name",
        "Deny public ACR",
        "-g",
        "rg-policy",
        "--policy",
        PUBLIC_ACCESS,
        "--params",
        json.dumps({"effect": {"value": "Deny"}}),
    )
    assert a["policyDefinitionId"] == f"/providers/Microsoft.Authorization/policyDefinitions/{PUBLIC_ACCESS}"
    assert a["parameters"] == {"effect": {"value": "Deny"}} and a["enforcementMode"] == "Default"

    assert (
        az.fails("acr", "update", "-n", "clipublic", "--admin-enabled", "true") == "RequestDisallowedByPolicy"
    )
    assert (
        az.fails("acr", "update", "-n", "cliprivate", "--public-network-enabled", "true")
        == "RequestDisallowedByPolicy"
    )
    assert (
        az.fails("acr", "create", "-g", "rg-policy", "-n", "clidenied", "--sku", "Premium", "-l", "eastus")
        == "RequestDisallowedByPolicy"
    )
    p = az.run("acr", "update", "-n", "cliprivate", "--public-network-enabled", "true")
    assert "PolicyViolation" in p.stderr and a["id"] in p.stderr
    assert az("acr", "show", "-n", "cliprivate")["publicNetworkAccess"] == "Disabled"
    assert az("acr", "show", "-n", "clipublic")["adminUserEnabled"] is False
    assert (
        az("acr", "update", "-n", "cliprivate", "--admin-enabled", "true")["adminUserEnabled"] is True
    )  # compliant

    states = az("policy", "state", "list", "-g", "rg-policy", "--filter", "complianceState eq 'NonCompliant'")
    assert {
        (s["resourceId"].rsplit("/", 1)[1], s["policyAssignmentName"], s["complianceState"]) for s in states
    } == {("clipublic", "deny-public", "NonCompliant")}
    summary = az("policy", "state", "summarize", "-g", "rg-policy")
    assert summary["results"]["nonCompliantResources"] == 1
    az("policy", "state", "trigger-scan", "-g", "rg-policy")
    az("policy", "assignment", "delete", "-n", "deny-public", "-g", "rg-policy")
    assert az("acr", "update", "-n", "clipublic", "--admin-enabled", "true")["adminUserEnabled"] is True


@pytest.mark.slow
@needs_az
def test_throttling_429_is_absorbed_by_the_cli_retry(tmp_path: Path) -> None:
    """ARM's read bucket scaled down to 2.5 requests (refill 0.25/s): the third read gets 429 with Retry-After,
    which the CLI's retry policy waits out; every command still succeeds."""
    with EmulatorThread("empty", config=EmulatorConfig(throttle_scale=100)) as emu:
        cli = Az(emu, tmp_path)
        cli.setup()
        for _ in range(4):
            assert cli("group", "list", "--query", "[].name") == [RG]
        reads = [r for r in emu.request_log if r.path.lower().endswith("/resourcegroups")]
        assert 429 in [r.status for r in reads] and reads[-1].status == 200
        assert sum(r.status == 200 for r in reads) == 4
