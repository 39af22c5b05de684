"""The sovereign clouds acrtui supports, with the endpoints and suffixes that differ between them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AzureCloudInfo:
    name: str
    arm_endpoint: str  # ends with "/"
    authority: str  # Entra host for azure.identity
    credential_scope: str
    acr_suffix: str  # login servers: <name>.<suffix> (always read loginServer; use this only to recognise)
    vault_suffix: str
    private_dns_zone: str  # the Private Link zone for registries
    # the registry data plane: the AAD audience ContainerRegistryClient asks for (the SDK documents the public
    # ACR audience and the sovereign ARM audiences) and where a login server's data plane is served
    acr_audience: str = "https://containerregistry.azure.net"
    acr_endpoint_template: str = "https://{login_server}"
    # Microsoft Graph (naming principals): Learn "Microsoft Graph national cloud deployments" lists each root
    graph_endpoint: str = "https://graph.microsoft.com"

    @property
    def graph_scopes(self) -> list[str]:
        return [self.graph_endpoint.rstrip("/") + "/.default"]

    @property
    def scopes(self) -> list[str]:
        return [self.credential_scope]

    def with_endpoint(self, url: str) -> AzureCloudInfo:
        """The same cloud served from another ARM endpoint (the emulator): the scope follows the endpoint, and the
        registry data plane and Graph are served below it at ``<url>/<their host>``."""
        base = url.rstrip("/") + "/"
        # an ARM-audience data-plane token follows the endpoint too; the emulator serves <url>/<login server>
        audience = base.rstrip("/") if self.acr_audience.startswith("https://management.") else self.acr_audience
        return AzureCloudInfo(
            self.name, base, self.authority, base + ".default", self.acr_suffix, self.vault_suffix, self.private_dns_zone,
            audience, base + "{login_server}", base + self.graph_endpoint.removeprefix("https://").rstrip("/"),
        )


CLOUDS: dict[str, AzureCloudInfo] = {
    "AzureCloud": AzureCloudInfo(
        "AzureCloud",
        "https://management.azure.com/",
        "login.microsoftonline.com",
        "https://management.azure.com/.default",
        "azurecr.io",
        "vault.azure.net",
        "privatelink.azurecr.io",
    ),
    "AzureUSGovernment": AzureCloudInfo(
        "AzureUSGovernment",
        "https://management.usgovcloudapi.net/",
        "login.microsoftonline.us",
        "https://management.core.usgovcloudapi.net/.default",
        "azurecr.us",
        "vault.usgovcloudapi.net",
        "privatelink.azurecr.us",
        "https://management.usgovcloudapi.net",
        graph_endpoint="https://graph.microsoft.us",
    ),
    "AzureChinaCloud": AzureCloudInfo(
        "AzureChinaCloud",
        "https://management.chinacloudapi.cn/",
        "login.chinacloudapi.cn",
        "https://management.chinacloudapi.cn/.default",
        "azurecr.cn",
        "vault.azure.cn",
        "privatelink.azurecr.cn",
        "https://management.chinacloudapi.cn",
        graph_endpoint="https://microsoftgraph.chinacloudapi.cn",
    ),
}


def get_cloud(name: str) -> AzureCloudInfo:
    """Look a cloud up by its ``az cloud`` name (case-insensitive)."""
    for key, cloud in CLOUDS.items():
        if key.lower() == name.lower():
            return cloud
    from ..errors import UsageError

    raise UsageError(f"Unknown cloud {name!r}: use one of {', '.join(CLOUDS)}.", title="Unknown cloud")
