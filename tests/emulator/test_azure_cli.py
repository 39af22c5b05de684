"""The issue's must-show scenario driven by the real, unchanged Azure CLI (``az``) against the emulator.

Asserts the same results as the SDK tests (test_privatelink, test_policy, test_policyinsights): auto-approved private
endpoint → Approved connection and data endpoints on; manual → Pending until approved through the ACR API; a DNS zone
group writes A records for the registry and every region's data endpoint; a later replica that does not fit a
connected subnet fails with SubnetIsFull; a Deny assignment refuses a non-compliant registry write with
RequestDisallowedByPolicy; policy states report the non-compliant registry; the CMK path (identity, access-policy
vault whose owner the CLI finds through Microsoft Graph, key over ARM, role assignment by appId, CMK at creation,
encryption show/rotate-key); 429s absorbed by the CLI's retry. Plus a sample of the ``az`` lines the product
prints for its changes.

The CLI is set up with exactly the lines ``acrtui emulator --print-az-setup`` prints (:func:`az_setup_lines`).
It is not a project dependency: those tests run when ``ACRTUI_AZ_CLI`` names an ``az`` binary or ``az`` is on PATH.
What the CLI cannot do against the emulator, and why:
- ``az keyvault key create/set-attributes/list`` are data-plane commands (they talk to ``https://<vault>.vault.azure.net``,
  a real DNS name) and the emulator serves no Key Vault data plane: keys are made with ``az rest`` on the ARM keys API.
- Microsoft Graph is served for service principals only (acrtui/emulator/graph.py): ``--upn`` lookups find no user.
The tests without ``az`` check what the emulator does for the CLI (cloud metadata, provider namespaces, '//' paths).
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
from azure.core.exceptions import ResourceNotFoundError
from azure.core.rest import HttpRequest
from azure.mgmt.resource.resources import models as rm
from azure.mgmt.resource.resources.aio import ResourceManagementClient

from acrtui.emulator import EmulatorConfig
from acrtui.emulator.cli import az_setup_lines
from acrtui.emulator.server import Emulator, EmulatorThread

from .fidelity import assert_roundtrip

AZ = os.environ.get("ACRTUI_AZ_CLI") or shutil.which("az")
SKIP_REASON = (
    "Azure CLI not installed; see CONTRIBUTING: python -m venv /tmp/azcli && /tmp/azcli/bin/pip install azure-cli, "
    "then ACRTUI_AZ_CLI=/tmp/azcli/bin/az"
)
needs_az = pytest.mark.skipif(not AZ or not Path(AZ).is_file(), reason=SKIP_REASON)

TIMEOUT_S = 180  # per az call (the CLI takes ~1 s to start; LROs here finish at once)
RG = "rg-empty"
PUBLIC_ACCESS = "0fdf0491-d080-4575-b627-ad0e843cba0f"  # Public network access should be disabled for ACR


class Az:
    """Runs ``az`` (a command line, split like a shell would) with the environment the setup lines export."""

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
                p = self.run(line.removeprefix("az "), output=None)
                assert p.returncode == 0, f"{line}\n{p.stderr}"

    def run(self, line: str, output: str | None = "json") -> subprocess.CompletedProcess[str]:
        assert AZ is not None
        cmd = [AZ, *shlex.split(line), "--only-show-errors"] + (["-o", output] if output else [])
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False)

    def __call__(self, line: str) -> Any:
        p = self.run(line)
        assert p.returncode == 0, f"az {line} → exit {p.returncode}\n{p.stderr}"
        return json.loads(p.stdout) if p.stdout.strip() else None

    def fails(self, line: str) -> str:
        """The ARM error code of a command that must fail (the CLI prints ``(Code) message``)."""
        p = self.run(line)
        assert p.returncode != 0, f"az {line} succeeded: {p.stdout[:500]}"
        assert "(" in p.stderr and ")" in p.stderr, p.stderr
        return p.stderr.split("(", 1)[1].split(")", 1)[0]


def q(value: Any) -> str:
    """Shell-quote a value (JSON for dicts and lists) for a command line."""
    return shlex.quote(value if isinstance(value, str) else json.dumps(value))


# ---------------------------------------------------------------- what the emulator does for the CLI (no az needed)


def _get_json(emu: Emulator, path: str) -> Any:
    ctx = ssl.create_default_context(cafile=str(emu.ca_path))
    with urllib.request.urlopen(emu.url + path, context=ctx, timeout=10) as resp:
        return json.loads(resp.read())


def test_cloud_metadata_as_the_cli_reads_it() -> None:
    """``az cloud register`` GETs ``<ARM URL>/metadata/endpoints?api-version=2022-09-01``: one object, with the
    keys the CLI's ``_arm_to_cli_mapper`` reads; a URL given with a trailing slash makes the path start with '//'."""
    with EmulatorThread("empty") as emu:
        for path in ("/metadata/endpoints?api-version=2022-09-01", "//metadata/endpoints?api-version=2022-09-01"):
            meta = _get_json(emu, path)
            assert meta["name"] == "acrtui-emulator" and meta["resourceManager"] == emu.url + "/"
            assert meta["authentication"]["loginEndpoint"].rstrip("/") == emu.url
            assert meta["authentication"]["audiences"][0] == emu.url + "/"
            assert (meta["suffixes"]["acrLoginServer"], meta["suffixes"]["keyVaultDns"]) == ("azurecr.io", "vault.azure.net")
            assert {"portal", "gallery", "graphAudience", "microsoftGraphResourceId"} <= meta.keys()
            assert meta["microsoftGraphResourceId"] == f"{emu.url}/graph.microsoft.com/"  # Graph is served there
        oidc = _get_json(emu, f"/{emu.tenant_id}/v2.0/.well-known/openid-configuration")
        assert oidc["token_endpoint"] == f"{emu.url}/{emu.tenant_id}/oauth2/v2.0/token"
        lines = az_setup_lines(emu)
        login = next(line for line in lines if line.startswith("az login"))
        assert f"--password={emu.login('owner').client_secret}" in shlex.split(login)  # a secret may start with '-'
        assert f"az cloud register -n acrtui-emulator --endpoint-resource-manager {emu.url}" in lines


async def test_provider_namespaces_for_generic_clients(emu: Emulator, sdk: Any) -> None:
    """``az resource show/update --ids`` reads the provider's resource types to choose an api-version (the first
    non-preview one); the list of providers (``az provider list``) carries the same types."""
    client = sdk(ResourceManagementClient, emu)
    acr = await client.providers.get("microsoft.containerregistry")
    assert acr.namespace == "Microsoft.ContainerRegistry" and acr.registration_state == "Registered"
    types = {t.resource_type: t.api_versions for t in acr.resource_types}
    assert types["registries"][:2] == ["2026-11-01", "2026-09-01-preview"] and "2025-11-01" in types["registries"]
    assert "registries/replications" in types
    assert "checkNameAvailability" in types and "registries/listCredentials" not in types  # an action, not a type
    net = await client.providers.get("Microsoft.Network")
    assert {t.resource_type: t.api_versions[0] for t in net.resource_types}["privateDnsZones"] == "2024-06-01"
    listed = [p async for p in client.providers.list()]  # page size 2: several pages
    assert {p.namespace for p in listed} >= {"Microsoft.ContainerRegistry", "Microsoft.KeyVault", "Microsoft.Network"}
    assert all(p.resource_types for p in listed)
    url = f"{emu.url}/subscriptions/{emu.subscription_id}/providers/Microsoft.KeyVault?api-version=2025-04-01"
    raw = await client._client.send_request(HttpRequest("GET", url))  # the raw body, for fidelity
    assert_roundtrip(rm.Provider, raw.json())
    with pytest.raises(ResourceNotFoundError) as e:
        await client.providers.get("Microsoft.Nothing")
    assert e.value.error is not None and e.value.error.code == "InvalidResourceNamespace"


async def test_empty_path_segments_are_ignored(emu: Emulator, sdk: Any) -> None:
    """ARM ignores '//' in a path; ``az resource show -g RG -n NAME --resource-type NS/type`` sends
    ``/providers/NS//type/NAME`` (an empty parent path)."""
    client = sdk(ResourceManagementClient, emu)
    url = f"{emu.url}/subscriptions/{emu.subscription_id}//resourcegroups/rg-empty?api-version=2025-04-01"
    resp = await client._client.send_request(HttpRequest("GET", url))
    assert resp.status_code == 200 and resp.json()["name"] == "rg-empty"
    assert emu.request_log[-1].path.count("//") == 1  # the log keeps what the client sent


# ---------------------------------------------------------------- the real CLI


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
    cloud = az("cloud show")
    assert cloud["name"] == "acrtui-emulator"
    assert cloud["endpoints"]["resourceManager"].rstrip("/") == az.emu.url
    assert cloud["suffixes"]["acrLoginServerEndpoint"] == ".azurecr.io"
    account = az("account show")
    assert (account["id"], account["tenantId"]) == (az.emu.subscription_id, az.emu.tenant_id)
    assert account["user"] == {"name": az.emu.login("owner").client_id, "type": "servicePrincipal"}
    seen = [(r.kind, r.method, r.path, r.status) for r in az.emu.request_log]
    tenant = az.emu.tenant_id
    assert ("metadata", "GET", "/metadata/endpoints", 200) in seen
    assert ("metadata", "GET", f"/{tenant}/v2.0/.well-known/openid-configuration", 200) in seen
    assert ("token", "POST", f"/{tenant}/oauth2/v2.0/token", 200) in seen
    assert az("group list --query [].name") == [RG]


@pytest.mark.slow
@needs_az
def test_private_endpoints_dns_and_replicas(az: Az) -> None:
    reg = az(f"acr create -g {RG} -n clireg --sku Premium -l eastus")
    assert (reg["loginServer"], reg["dataEndpointEnabled"]) == ("clireg.azurecr.io", False)
    assert az("acr update -n clireg --admin-enabled true")["adminUserEnabled"] is True
    assert az("acr show -n clireg")["adminUserEnabled"] is True
    az(f"acr create -g {RG} -n clibasic --sku Basic -l eastus")
    az(f"acr create -g {RG} -n clistd --sku Standard -l westus")
    assert sorted(r["name"] for r in az(f"acr list -g {RG}")) == ["clibasic", "clireg", "clistd"]  # 2 pages

    az(f"network vnet create -g {RG} -n vnet1 -l eastus --address-prefixes 10.0.0.0/16")
    az(f"network vnet subnet create -g {RG} --vnet-name vnet1 -n auto --address-prefixes 10.0.1.0/24")
    az(f"network vnet subnet create -g {RG} --vnet-name vnet1 -n manual --address-prefixes 10.0.2.0/29")
    pe = (
        f"network private-endpoint create -g {RG} -l eastus --vnet-name vnet1 "
        f"--private-connection-resource-id {reg['id']} --group-id registry --connection-name conn"
    )

    az(f"{pe} -n pe-auto --subnet auto")
    r = az("acr show -n clireg")
    assert [c["privateLinkServiceConnectionState"]["status"] for c in r["privateEndpointConnections"]] == ["Approved"]
    assert r["dataEndpointEnabled"] is True
    assert r["dataEndpointHostNames"] == ["clireg.eastus.data.azurecr.io"]

    az(f"{pe} -n pe-manual --subnet manual --manual-request --request-message please")
    listed = az("acr private-endpoint-connection list -r clireg")
    conns = {c["privateEndpoint"]["id"].rsplit("/", 1)[1]: c for c in listed}
    states = {k: c["privateLinkServiceConnectionState"]["status"] for k, c in conns.items()}
    assert states == {"pe-auto": "Approved", "pe-manual": "Pending"}
    done = az(f"acr private-endpoint-connection approve -r clireg -n {conns['pe-manual']['name']} --description ok")
    assert done["privateLinkServiceConnectionState"]["status"] == "Approved"
    got = az(f"network private-endpoint show -g {RG} -n pe-manual")
    assert got["manualPrivateLinkServiceConnections"][0]["privateLinkServiceConnectionState"]["status"] == "Approved"

    az("acr replication create -r clireg -l westeurope")  # auto subnet: 3rd IP; the manual /29: its last
    zone = az(f"network private-dns zone create -g {RG} -n privatelink.azurecr.io")
    assert zone["location"] == "global"
    az(f"network private-dns link vnet create -g {RG} -z privatelink.azurecr.io -n link1 -v vnet1 -e false")
    az(
        f"network private-endpoint dns-zone-group create -g {RG} --endpoint-name pe-auto -n default "
        "--private-dns-zone privatelink.azurecr.io --zone-name acr"
    )
    records = az(f"network private-dns record-set a list -g {RG} -z privatelink.azurecr.io")
    a = {x["name"]: [i["ipv4Address"] for i in x["aRecords"]] for x in records}
    assert a == {"clireg": ["10.0.1.4"], "clireg.eastus.data": ["10.0.1.5"], "clireg.westeurope.data": ["10.0.1.6"]}
    subnet = f"network vnet subnet show -g {RG} --vnet-name vnet1 -n auto"
    assert len(az(subnet)["ipConfigurations"]) == 3

    assert az.fails("acr replication create -r clireg -l northeurope") == "SubnetIsFull"  # the /29 is full
    # the list names the home region too (as Azure lists it); the failed northeurope replica is gone
    assert sorted(x["location"] for x in az("acr replication list -r clireg")) == ["eastus", "westeurope"]
    assert len(az(subnet)["ipConfigurations"]) == 3  # rolled back everywhere


@pytest.mark.slow
@needs_az
def test_customer_managed_key_path_with_graph(az: Az) -> None:
    """The CMK path as a user would walk it with the CLI, Microsoft Graph lookups included: the vault in
    access-policy mode grants the signed-in service principal (Graph ``/me`` is 400 for it, so the CLI finds it by
    ``servicePrincipals?$filter=servicePrincipalNames/any(…)``), ``set-policy --spn`` and ``role assignment create
    --assignee`` take the identity's appId, then ``acr create --identity --key-encryption-key`` and ``acr encryption
    show/rotate-key``."""
    owner = az.emu.login("owner")
    cloud = az("cloud show")
    assert cloud["endpoints"]["microsoftGraphResourceId"] == az.emu.graph.base + "/"
    me = az.run("ad signed-in-user show")
    assert me.returncode != 0 and "/me request is only valid with delegated authentication flow" in me.stderr
    assert az(f"ad sp show --id {owner.client_id}")["id"] == owner.object_id

    ident = az(f"identity create -g {RG} -n id-acr -l eastus")
    vault = az(
        f"keyvault create -g {RG} -n kv-acrtui-cli -l eastus --enable-purge-protection true "
        "--enable-rbac-authorization false"
    )
    [mine] = vault["properties"]["accessPolicies"]
    assert (mine["objectId"], mine["tenantId"]) == (owner.object_id, az.emu.tenant_id)
    body = {"properties": {"kty": "RSA", "keySize": 2048}}
    key = az(f"rest --method put --url {vault['id']}/keys/cmk?api-version=2026-05-15 --body {q(body)}")["properties"]
    key_uri = key["keyUri"]
    assert key_uri.startswith("https://kv-acrtui-cli.vault.azure.net") and key_uri.endswith("/keys/cmk")
    cmk = f"acr create -g {RG} --sku Premium -l eastus --identity {ident['id']} --key-encryption-key {key_uri}"

    assert az.fails(f"{cmk} -n clicmknokey") == "KeyVaultAccessForbidden"  # no access policy for the identity yet
    query = "[?name=='clicmknokey']"
    assert az(f"acr list -g {RG} --query {q(query)}") == []
    policy = az(f"keyvault set-policy -n kv-acrtui-cli --spn {ident['clientId']} --key-permissions get wrapKey unwrapKey")
    granted = {p["objectId"]: sorted(p["permissions"]["keys"]) for p in policy["properties"]["accessPolicies"]}
    assert granted[ident["principalId"]] == ["get", "unwrapKey", "wrapKey"]
    role = "Key Vault Crypto Service Encryption User"
    ra = az(f"role assignment create --assignee {ident['clientId']} --role {q(role)} --scope {vault['id']}")
    assert (ra["principalId"], ra["principalType"]) == (ident["principalId"], "ServicePrincipal")
    graph = [(r.method, r.path.split("/v1.0", 1)[-1], r.status) for r in az.emu.request_log if r.kind == "graph"]
    assert ("GET", "/me", 400) in graph and ("GET", "/servicePrincipals", 200) in graph

    reg = az(f"{cmk} -n clicmk")
    enc = reg["encryption"]
    assert enc["status"] == "enabled"
    assert enc["keyVaultProperties"]["identity"] == ident["clientId"]
    assert enc["keyVaultProperties"]["keyIdentifier"] == key_uri and enc["keyVaultProperties"]["keyRotationEnabled"] is True
    assert ident["id"].lower() in {k.lower() for k in reg["identity"]["userAssignedIdentities"]}
    assert az("acr encryption show -n clicmk")["keyVaultProperties"]["keyIdentifier"] == key_uri
    pinned = az(f"acr encryption rotate-key -n clicmk --key-encryption-key {key['keyUriWithVersion']} --identity {ident['id']}")
    kvp = pinned["encryption"]["keyVaultProperties"]
    assert (kvp["keyIdentifier"], kvp["keyRotationEnabled"]) == (key["keyUriWithVersion"], False)


@pytest.mark.slow
@needs_az
def test_policy_deny_and_states(az: Az) -> None:
    az("group create -n rg-policy -l eastus")
    az("acr create -g rg-policy -n clipublic --sku Premium -l eastus")
    az("acr create -g rg-policy -n cliprivate --sku Premium -l eastus --public-network-enabled false")
    a = az(
        f"policy assignment create -n deny-public --display-name {q('Deny public ACR')} -g rg-policy "
        f"--policy {PUBLIC_ACCESS} --params {q({'effect': {'value': 'Deny'}})}"
    )
    assert a["policyDefinitionId"] == f"/providers/Microsoft.Authorization/policyDefinitions/{PUBLIC_ACCESS}"
    assert a["parameters"] == {"effect": {"value": "Deny"}} and a["enforcementMode"] == "Default"

    assert az.fails("acr update -n clipublic --admin-enabled true") == "RequestDisallowedByPolicy"
    assert az.fails("acr update -n cliprivate --public-network-enabled true") == "RequestDisallowedByPolicy"
    assert az.fails("acr create -g rg-policy -n clidenied --sku Premium -l eastus") == "RequestDisallowedByPolicy"
    p = az.run("acr update -n cliprivate --public-network-enabled true")
    assert "PolicyViolation" in p.stderr and a["id"] in p.stderr
    assert az("acr show -n cliprivate")["publicNetworkAccess"] == "Disabled"
    assert az("acr show -n clipublic")["adminUserEnabled"] is False
    assert az("acr update -n cliprivate --admin-enabled true")["adminUserEnabled"] is True  # stays compliant

    noncompliant = "complianceState eq 'NonCompliant'"
    states = az(f"policy state list -g rg-policy --filter {q(noncompliant)}")
    found = {(s["resourceId"].rsplit("/", 1)[1], s["policyAssignmentName"], s["complianceState"]) for s in states}
    assert found == {("clipublic", "deny-public", "NonCompliant")}
    assert az("policy state summarize -g rg-policy")["results"]["nonCompliantResources"] == 1
    az("policy state trigger-scan -g rg-policy")
    az("policy assignment delete -n deny-public -g rg-policy")
    assert az("acr update -n clipublic --admin-enabled true")["adminUserEnabled"] is True


@pytest.mark.slow
@needs_az
def test_commands_acrtui_prints(az: Az) -> None:
    """A sample of the ``az`` lines the product prints for its changes (acrtui/domain/actions.py, checks/*)."""
    az(f"acr create -g {RG} -n cliupgrade --sku Basic -l eastus")
    assert az("acr update -n cliupgrade --sku Premium")["sku"]["name"] == "Premium"
    reg = az("acr update --name cliupgrade --data-endpoint-enabled true")
    assert reg["dataEndpointHostNames"] == ["cliupgrade.eastus.data.azurecr.io"]
    # default action first, as the product prints it: 'acr update --default-action' sends a networkRuleSet without
    # ipRules, and a PATCH replaces networkRuleSet whole
    rid = az("acr update --name cliupgrade --default-action Deny")["id"]
    rules = az("acr network-rule add --name cliupgrade --ip-address 203.0.113.0/24")
    assert rules["networkRuleSet"]["defaultAction"] == "Deny"
    assert [r["ipAddressOrRange"] for r in rules["networkRuleSet"]["ipRules"]] == ["203.0.113.0/24"]
    az("acr network-rule remove --name cliupgrade --ip-address 203.0.113.0/24")
    assert az("acr network-rule list --name cliupgrade")["ipRules"] == []
    az("acr config authentication-as-arm update --registry cliupgrade --status disabled")
    assert az("acr show -n cliupgrade")["policies"]["azureAdAuthenticationAsArmPolicy"]["status"] == "disabled"

    # generic resource commands pick an api-version from the provider's resource types
    set_export = f"resource update --ids {rid} --set properties.policies.exportPolicy.status=disabled"
    assert az.fails(set_export) == "ExportPolicyRequiresPublicNetworkAccessDisabled"
    az("acr update --name cliupgrade --public-network-enabled false")
    assert az(set_export)["properties"]["policies"]["exportPolicy"]["status"] == "disabled"
    assert az(f"resource show -g {RG} -n cliupgrade --resource-type Microsoft.ContainerRegistry/registries")["id"] == rid
    assert az("provider show -n Microsoft.ContainerRegistry")["registrationState"] == "Registered"
    assert az("acr identity assign --name cliupgrade --identities [system]")["identity"]["type"] == "SystemAssigned"

    # a key pinned to a version, then rotated to the versionless key id (automatic rotation)
    ident = az(f"identity create --resource-group {RG} --name id-rotate -l eastus")
    vault = az(f"keyvault create -g {RG} -n kv-acrtui-rot -l eastus --enable-rbac-authorization false --no-self-perms")
    body = {"properties": {"kty": "RSA"}}
    key = az(f"rest --method put --url {vault['id']}/keys/cmk?api-version=2026-05-15 --body {q(body)}")["properties"]
    az(f"keyvault set-policy --name kv-acrtui-rot --object-id {ident['principalId']} --key-permissions get wrapKey unwrapKey")
    pinned = az(
        f"acr create -g {RG} -n clipinned --sku Premium -l eastus --identity {ident['id']} "
        f"--key-encryption-key {key['keyUriWithVersion']}"
    )
    assert pinned["encryption"]["keyVaultProperties"]["keyRotationEnabled"] is False
    rotated = az(f"acr encryption rotate-key --name clipinned --key-encryption-key {key['keyUri']} --identity {ident['id']}")
    kvp = rotated["encryption"]["keyVaultProperties"]
    assert (kvp["keyIdentifier"], kvp["keyRotationEnabled"]) == (key["keyUri"], True)
    v = az("keyvault update --name kv-acrtui-rot --enable-purge-protection true")
    assert v["properties"]["enablePurgeProtection"] is True
    acls = az("keyvault update --name kv-acrtui-rot --bypass AzureServices --default-action Deny")["properties"]["networkAcls"]
    assert (acls["bypass"], acls["defaultAction"]) == ("AzureServices", "Deny")
    ws = az(f"monitor log-analytics workspace create -g {RG} -n ws-acrtui-audit -l eastus")
    logs = [{"category": "AuditEvent", "enabled": True}]
    az(f"monitor diagnostic-settings create --name audit --resource {vault['id']} --workspace {ws['id']} --logs {q(logs)}")
    settings = az(f"monitor diagnostic-settings list --resource {vault['id']}")
    assert [(s["name"], s["workspaceId"], [lg["category"] for lg in s["logs"]]) for s in settings] == [
        ("audit", ws["id"], ["AuditEvent"])
    ]


@pytest.mark.slow
@needs_az
def test_throttling_429_is_absorbed_by_the_cli_retry(tmp_path: Path) -> None:
    """ARM's read bucket scaled down to 1 request (refill 0.1/s, so even a slow machine's next command finds it
    empty): a later read gets 429 with Retry-After, which the CLI's retry policy waits out; every command still
    succeeds."""
    with EmulatorThread("empty", config=EmulatorConfig(throttle_scale=250)) as emu:
        cli = Az(emu, tmp_path)
        cli.setup()
        for _ in range(4):
            assert cli("group list --query [].name") == [RG]
        reads = [r for r in emu.request_log if r.path.lower().endswith("/resourcegroups")]
        assert 429 in [r.status for r in reads] and reads[-1].status == 200
        assert sum(r.status == 200 for r in reads) == 4
