"""Key vault settings acrtui changes for registry keys: purge protection, the trusted-services bypass, and the
diagnostic setting that keeps the vault's audit log. Each write returns the vault as read back afterwards.

Kept apart from :mod:`acrtui.azure.writes` (registries, identities, key access); same rules: read-only sessions
refuse before any request, Azure errors become product errors.
"""

from __future__ import annotations

from typing import Any

from ..domain.models import VaultPosture
from ..errors import UsageError
from .inventory import DIAG_API, Inventory, _ci, _d, id_parts, raw
from .session import AzureSession
from .writes import write

LOG_GROUPS = ("audit", "allLogs")  # sent as categoryGroup; anything else is a category


class VaultWriter:
    def __init__(self, session: AzureSession) -> None:
        self.s = session
        self.read = Inventory(session)

    def _kv(self, vault_id: str) -> tuple[Any, str, str]:
        ip = id_parts(vault_id)
        return self.s.client("keyvault", ip["subscription"]), ip["resource_group"], ip["name"]

    @write
    async def enable_purge_protection(self, vault_id: str) -> VaultPosture:
        """Irreversible: Azure refuses ``enablePurgeProtection: false`` for ever after."""
        kv, rg, name = self._kv(vault_id)
        await kv.vaults.update(rg, name, {"properties": {"enablePurgeProtection": True}})
        return await self.read.read_vault(vault_id)

    @write
    async def set_network_bypass(self, vault_id: str, bypass: str) -> VaultPosture:
        """``AzureServices`` or ``None``. ARM replaces ``networkAcls`` whole on PATCH, so the rest is sent back."""
        if bypass not in ("AzureServices", "None"):
            raise UsageError(f"A vault's network bypass is AzureServices or None, not {bypass}.")
        kv, rg, name = self._kv(vault_id)
        body = raw(await kv.vaults.get(rg, name))
        acls = _d(_ci(_d(_ci(body, "properties")), "networkAcls"))
        new = {"bypass": bypass, "defaultAction": _ci(acls, "defaultAction") or "Allow",
               "ipRules": _ci(acls, "ipRules") or [], "virtualNetworkRules": _ci(acls, "virtualNetworkRules") or []}
        await kv.vaults.update(rg, name, {"properties": {"networkAcls": new}})
        return await self.read.read_vault(vault_id)

    @write
    async def set_audit_logging(self, vault_id: str, *, workspace_id: str, categories: list[str],
                                name: str = "acrtui-audit") -> VaultPosture:
        """A diagnostic setting sending these log categories (or groups ``audit``/``allLogs``) to a workspace."""
        if not categories:
            raise UsageError("Audit logging needs at least one log category (AuditEvent).")
        logs = [{"categoryGroup" if c in LOG_GROUPS else "category": c, "enabled": True} for c in categories]
        body = {"properties": {"workspaceId": workspace_id, "logs": logs}}
        await self.s.raw("PUT", f"{vault_id}/providers/Microsoft.Insights/diagnosticSettings/{name}", DIAG_API, body)
        return await self.read.read_vault(vault_id)
