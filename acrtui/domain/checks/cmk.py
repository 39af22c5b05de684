"""Customer-managed key checks: the key, who may use it, and the vault that holds it.

None of PSRule, Checkov or Prowler checks these for ACR; the vault checks mirror PSRule's and Checkov's Key
Vault rules because a registry's CMK is only as safe as its vault.
"""

from __future__ import annotations

import datetime as dt
import re

from acrtui.domain.models import CheckInput, Estate, RegistryPosture, VaultPosture

from .base import (
    Check,
    CheckSettings,
    Family,
    Finding,
    References,
    Remediation,
    Severity,
    error,
    fail,
    ok,
)

LEARN_CMK = "https://learn.microsoft.com/azure/container-registry/tutorial-customer-managed-keys"
LEARN_ROTATION = "https://learn.microsoft.com/azure/key-vault/keys/how-to-configure-key-rotation"


def _cmk_only(reg: RegistryPosture) -> str | None:
    return None if reg.encryption.enabled else "registry is not encrypted with a customer-managed key"


def _vault(reg: RegistryPosture, estate: Estate) -> tuple[VaultPosture | None, Finding | None]:
    """The registry's key vault, or the finding to return when it cannot be judged."""
    vault = estate.vault_for(reg)
    if vault is None:
        return None, error(
            f"key vault {reg.encryption.vault_name!r} was not observed (another subscription, or no read access)",
            keyIdentifier=reg.encryption.key_identifier,
        )
    if not vault.readable:
        return None, error(
            f"key vault {vault.name!r} could not be read: grant Reader on it", vaultId=vault.id
        )
    return vault, None


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def check_encryption(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    enc = reg.encryption
    if enc.enabled:
        return ok("encrypted with a customer-managed key", keyIdentifier=enc.key_identifier)
    hint = "" if reg.premium else f" (CMK needs Premium; this registry is {reg.sku})"
    return fail(
        "encrypted with a Microsoft-managed key: CMK can only be set when a registry is created, so this "
        f"means a new registry and an image import{hint}",
        encryptionStatus="disabled",
        sku=reg.sku,
    )


def check_rotation(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    enc = reg.encryption
    ev: dict[str, object] = {
        "keyIdentifier": enc.key_identifier,
        "versionedKeyIdentifier": enc.versioned_key_identifier,
        "keyRotationEnabled": enc.key_rotation_enabled,
        "maxAgeDays": s.key_rotation_max_age_days,
    }
    if enc.versionless:
        return ok("key id has no version: ACR picks up new key versions automatically", **ev)
    last = enc.last_key_rotation
    if last is None:
        vault = estate.vault_for(reg)
        key = vault.key(enc.key_name or "") if vault else None
        last = key.newest_version_created if key else None
    if last is None:
        return fail("key version is pinned and no rotation date is known", **ev)
    age = (_aware(s.now) - _aware(last)).days
    ev.update(lastRotation=_aware(last).isoformat(), ageDays=age)
    if age > s.key_rotation_max_age_days:
        return fail(
            f"key version is pinned and was last rotated {age} days ago (limit {s.key_rotation_max_age_days})",
            **ev,
        )
    return ok(
        f"key version is pinned; last rotated {age} days ago (limit {s.key_rotation_max_age_days})", **ev
    )


def _rotation_reads(reg: RegistryPosture) -> tuple[CheckInput, ...]:
    """A versionless key, or a rotation date ACR reports, decides without the vault; otherwise the key's versions."""
    enc = reg.encryption
    return () if enc.versionless or enc.last_key_rotation is not None else (CheckInput.VAULT, CheckInput.KEYS)


def _encryption_principal(reg: RegistryPosture) -> tuple[str | None, str]:
    """(principal/object id, label) of the identity ACR uses to reach the key."""
    enc = reg.encryption
    if enc.uses_system_identity:
        return reg.identity.system_principal_id, "system-assigned identity"
    cid = (enc.identity_client_id or "").lower()
    ua = next((u for u in reg.identity.user_assigned if (u.client_id or "").lower() == cid), None)
    if ua is None:
        return None, f"user-assigned identity with client id {enc.identity_client_id}"
    return ua.principal_id, f"user-assigned identity {ua.resource_id.rsplit('/', 1)[-1]}"


def check_identity_access(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    principal, label = _encryption_principal(reg)
    ev: dict[str, object] = {
        "identity": label,
        "identityClientId": reg.encryption.identity_client_id,
        "principalId": principal,
    }
    if principal is None:
        return fail(f"the {label} named in the encryption settings is not attached to the registry", **ev)
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    ev.update(vaultId=vault.id, permissionModel="rbac" if vault.rbac_authorization else "access policies")
    # the directory's name for the principal (acrtui/azure/graph.py), when it could be read: "x (user-assigned identity)"
    named = estate.principal_names.get(principal.lower())
    who = named or f"the {label}"
    if named:
        ev.update(principal=named, keyUsers=sorted(estate.principal_label(u) or u for u in vault.key_users))
    if principal.lower() in {u.lower() for u in vault.key_users}:
        return ok(f"{who} can get, wrap and unwrap the key", **ev)
    how = (
        "role Key Vault Crypto Service Encryption User"
        if vault.rbac_authorization
        else "an access policy with get, wrapKey, unwrapKey"
    )
    return fail(f"{who} cannot use the key: registry content becomes unreadable. Grant {how}", **ev)


def check_key_health(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    key = vault.key(reg.encryption.key_name or "")
    if key is None:
        return fail(
            f"key {reg.encryption.key_name!r} was not found in vault {vault.name!r}", vaultId=vault.id
        )
    ev: dict[str, object] = {
        "keyId": key.key_id,
        "kty": key.kty,
        "keySize": key.key_size,
        "enabled": key.enabled,
        "expires": _aware(key.expires).isoformat() if key.expires else None,
        "warningDays": s.key_expiry_warning_days,
    }
    problems = []
    if key.enabled is False:
        problems.append("key is disabled")
    if key.kty and key.kty.upper() not in ("RSA", "RSA-HSM"):
        problems.append(f"key type {key.kty} is not RSA")
    if key.expires is not None:
        left = (_aware(key.expires) - _aware(s.now)).days
        ev["daysToExpiry"] = left
        if left < 0:
            problems.append(f"key expired {-left} days ago")
        elif left <= s.key_expiry_warning_days:
            problems.append(f"key expires in {left} days")
    if problems:
        return fail("; ".join(problems), **ev)
    return ok(
        f"{key.kty or 'RSA'} key is enabled"
        + (" with no expiry" if key.expires is None else ", not expiring soon"),
        **ev,
    )


def check_vault_recovery(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    ev = {"vaultId": vault.id, "softDelete": vault.soft_delete, "purgeProtection": vault.purge_protection}
    # an absent enableSoftDelete (older bodies) is unknown; purge protection cannot be on without soft delete
    unknown = " (soft delete is not reported)" if vault.soft_delete is None and not vault.purge_protection else ""
    missing = [
        n
        for n, v in (("soft delete", vault.soft_delete is not False), ("purge protection", vault.purge_protection))
        if not v
    ]
    if missing:
        return fail(
            f"vault {vault.name} has no {' or '.join(missing)}{unknown}: a deleted key makes the registry unreadable",
            **ev,
        )
    if vault.soft_delete is None:
        return ok(f"vault {vault.name} has purge protection, which Azure allows only with soft delete on "
                  "(enableSoftDelete is not reported)", **ev)
    return ok(f"vault {vault.name} has soft delete and purge protection", **ev)


def check_vault_audit_logging(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    settings = [
        {
            "name": d.name,
            "categories": list(d.categories),
            "destinations": [x for x in (d.workspace_id, d.storage_account_id, d.event_hub_rule_id) if x],
        }
        for d in vault.diagnostic_settings
    ]
    ev = {"vaultId": vault.id, "diagnosticSettings": settings}
    if vault.audit_logging:
        return ok(f"vault {vault.name} sends AuditEvent logs: key use is auditable", **ev)
    return fail(
        f"vault {vault.name} has no diagnostic setting with the AuditEvent category: key use is not audited",
        **ev,
    )


def check_vault_trusted_services(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    ev = {
        "vaultId": vault.id,
        "defaultAction": vault.network_default_action,
        "bypass": vault.network_bypass,
        "publicNetworkAccess": vault.public_network_access,
    }
    if not _firewalled(vault):
        return ok(f"vault {vault.name} is not firewalled: ACR can reach it", **ev)
    if "azureservices" in vault.network_bypass.lower():
        return ok(f"vault {vault.name} is firewalled and lets trusted Azure services through", **ev)
    return fail(
        f"vault {vault.name} is firewalled without the trusted-services bypass: ACR cannot reach the key",
        **ev,
    )


def _vault_applies(reg: RegistryPosture) -> str | None:
    return _cmk_only(reg)


def _versionless_applies(reg: RegistryPosture) -> str | None:
    if not reg.encryption.enabled:
        return _cmk_only(reg)
    if not reg.encryption.versionless:
        return "the registry pins a key version: it uses no new version a rotation makes (see ACR-CMK-002)"
    return None


_DURATION = re.compile(r"^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$", re.IGNORECASE)


def duration_days(value: str | None) -> int | None:
    """Days in a rotation policy's ISO 8601 duration (``P90D``, ``P1Y``, ``P2M``; a year 365 days, a month 30, as
    Key Vault counts them); None when absent or not in that form."""
    m = _DURATION.match(value or "")
    if not value or m is None or not any(m.groups()):
        return None
    y, mo, d = (int(g or 0) for g in m.groups())
    return y * 365 + mo * 30 + d


def _firewalled(vault: VaultPosture) -> bool:
    return (vault.network_default_action.lower() == "deny"
            or (vault.public_network_access or "").lower() == "disabled")


def check_key_lifecycle(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    key = vault.key(reg.encryption.key_name or "")
    if key is None:
        return fail(f"key {reg.encryption.key_name!r} was not found in vault {vault.name!r}", vaultId=vault.id)
    rot = key.rotation
    now = _aware(s.now)
    exp = _aware(key.expires) if key.expires else None
    ev: dict[str, object] = {
        "keyId": key.key_id,
        "rotationPolicy": rot.model_dump() if rot else None,
        "expires": exp.isoformat() if exp else None,
    }
    if rot is None or not rot.auto_rotate:
        if exp is not None:
            return fail(f"no rotation policy rotates the key, and it expires on {exp.date()} "
                        f"({(exp - now).days} days): the registry is locked out of its content on that date", **ev)
        return fail("no rotation policy rotates the key: ACR follows new versions of a versionless key, but nothing "
                    "makes one, so the key never rotates", **ev)
    after, before = duration_days(rot.time_after_create), duration_days(rot.time_before_expiry)
    created = _aware(key.newest_version_created) if key.newest_version_created else None
    candidates = []
    if after is not None and created is not None:
        candidates.append(created + dt.timedelta(days=after))
    if before is not None and exp is not None:
        candidates.append(exp - dt.timedelta(days=before))
    nxt = min(candidates) if candidates else None
    ev["nextRotation"] = nxt.isoformat() if nxt else None
    if nxt is None:
        return fail("the rotation policy never triggers: it rotates only before expiry and the key has no expiry"
                    if before is not None and exp is None else
                    "the rotation policy's trigger could not be read: when it rotates is unknown", **ev)
    if exp is not None and nxt > exp:
        return fail(f"the rotation policy rotates on {nxt.date()}, after the key expires on {exp.date()}: the "
                    "registry is locked out from the expiry until the rotation", **ev)
    how = f"{after} days after each version is created" if after is not None else f"{before} days before expiry"
    return ok(f"a rotation policy rotates the key {how}" + (f", before it expires on {exp.date()}" if exp else ""),
              **ev)


def check_vault_firewall(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    vault, problem = _vault(reg, estate)
    if vault is None:
        return problem  # type: ignore[return-value]
    ev = {"vaultId": vault.id, "defaultAction": vault.network_default_action,
          "publicNetworkAccess": vault.public_network_access, "bypass": vault.network_bypass}
    if (vault.public_network_access or "").lower() == "disabled":
        return ok(f"vault {vault.name} has public network access disabled", **ev)
    if _firewalled(vault):
        return ok(f"vault {vault.name} has a firewall (default action Deny)", **ev)
    return fail(f"vault {vault.name} accepts connections from any network (default action Allow)", **ev)


CHECKS = [
    Check(
        id="ACR-CMK-001",
        title="Registry is encrypted with a customer-managed key",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="A customer-managed key in Key Vault lets you control, rotate, revoke and audit access to the "
        "registry's content; regulated workloads usually require it.",
        remediation=Remediation(
            "CMK can only be chosen at creation: create a Premium registry with CMK, import the images, move "
            "clients, retire the old registry.",
            az="az acr create -n <new> -g <rg> --subscription <subscription> --sku Premium --identity <identity-id> "
            "--key-encryption-key <versionless-key-id> && az acr import -n <new> -g <rg> --subscription <subscription> --source <repo>:<tag> "
            "--registry <registry-id>",
            action="CreateCmkRegistry",
        ),
        fn=check_encryption,
        references=References(
            policy_definition_ids=("5b9159ae-1701-4a6f-9a7a-aa9c8ddd0580",), docs=(LEARN_CMK,)
        ),
    ),
    Check(
        id="ACR-CMK-002",
        title="Encryption key rotates automatically or was rotated recently",
        severity=Severity.MEDIUM,
        family=Family.CMK,
        rationale="A versionless key id lets ACR pick up new key versions within an hour; a pinned version "
        "must be rotated by hand, and old keys widen the blast radius of a leak.",
        remediation=Remediation(
            "Point the registry at the versionless key id (automatic rotation) or rotate to a new version.",
            az="az acr encryption rotate-key -n <registry> -g <rg> --subscription <subscription> --key-encryption-key <versionless-key-id> "
            "--identity <identity-id>",
            action="RotateKey",
        ),
        fn=check_rotation,
        inputs=(CheckInput.VAULT, CheckInput.KEYS),
        reads=_rotation_reads,
        references=References(docs=(LEARN_CMK,)),
        applies=_cmk_only,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-003",
        title="The registry's identity can use the key",
        severity=Severity.CRITICAL,
        family=Family.CMK,
        rationale="If the encryption identity loses get/wrapKey/unwrapKey on the key, all registry content "
        "becomes inaccessible until access is restored.",
        remediation=Remediation(
            "Grant the encryption identity key permissions get, wrapKey, unwrapKey (access policy) or the role "
            "Key Vault Crypto Service Encryption User (RBAC vault).",
            az="az keyvault set-policy -n <vault> -g <vault-rg> --subscription <vault-subscription> --object-id <principal-id> "
            "--key-permissions get wrapKey unwrapKey  # RBAC vault: az role assignment create --assignee-object-id "
            "<principal-id> --assignee-principal-type ServicePrincipal --role 'Key Vault Crypto Service Encryption "
            "User' --scope <vault-id>",
            action="GrantKeyAccess",
        ),
        fn=check_identity_access,
        inputs=(CheckInput.VAULT, CheckInput.KEY_ACCESS),
        references=References(docs=(LEARN_CMK,)),
        applies=_cmk_only,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-004",
        title="Encryption key is enabled, RSA, and not expiring soon",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="ACR accepts only RSA keys; a disabled or expired key makes registry content unreadable. Stance on "
        "expiry: a key with no expiry date passes. An expiry on a registry's key is the date the registry stops "
        "working unless something rotates the key first, so acrtui requires the rotation (ACR-CMK-008: a rotation "
        "policy that rotates before any expiry) rather than the date; built-in 152b15f7 and Checkov CKV_AZURE_40 "
        "require an expiry on every key, the opposite stance, and are not cited here.",
        remediation=Remediation(
            "Enable the key, extend its expiry, or rotate the registry to a new RSA key.",
            az="az keyvault key set-attributes --vault-name <vault> -n <key> --enabled true --expires <date>  "
            "# Key Vault data plane: needs a data-plane role (Key Vault Crypto Officer) and a network path to the vault",
            action="RotateKey",
        ),
        fn=check_key_health,
        inputs=(CheckInput.VAULT, CheckInput.KEYS),
        references=References(docs=(LEARN_CMK,)),
        applies=_cmk_only,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-005",
        title="Key vault has soft delete and purge protection",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="Deleting or purging the key destroys access to every image; purge protection makes a deleted "
        "key recoverable for the retention period.",
        remediation=Remediation(
            "Enable purge protection on the vault (irreversible).",
            az="az keyvault update -n <vault> -g <vault-rg> --subscription <vault-subscription> --enable-purge-protection true",
            action="EnableVaultPurgeProtection",
        ),
        fn=check_vault_recovery,
        inputs=(CheckInput.VAULT,),
        references=References(
            policy_definition_ids=(
                "1e66c121-a66a-4b1f-9b83-0fd99bf0fc2d",
                "0b60c0b2-2dc2-4e1c-b5c9-abbed971de53",
            ),
            psrule=("Azure.KeyVault.SoftDelete", "Azure.KeyVault.PurgeProtect"),
            checkov=("CKV_AZURE_42", "CKV_AZURE_111", "CKV_AZURE_110"),
            prowler=("keyvault_recoverable",),
        ),
        applies=_vault_applies,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-006",
        title="Key vault audit logging (AuditEvent) is on",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="Keys live in Key Vault so that their use can be audited: without an AuditEvent diagnostic "
        "setting nobody can tell who used or changed the registry's key.",
        remediation=Remediation(
            "Add a diagnostic setting with the AuditEvent category (or the audit/allLogs group) to Log Analytics.",
            az="az monitor diagnostic-settings create -n audit --resource <vault-id> --workspace <workspace-id> "
            '--logs \'[{"category":"AuditEvent","enabled":true}]\'',
            action="EnableVaultAuditLogging",
        ),
        fn=check_vault_audit_logging,
        inputs=(CheckInput.VAULT, CheckInput.VAULT_DIAGNOSTICS),
        references=References(
            policy_definition_ids=("cf820ca0-f99e-4f3e-84fb-66e913812d21",), psrule=("Azure.KeyVault.Logs",),
            prowler=("keyvault_logging_enabled",),
        ),
        applies=_vault_applies,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-007",
        title="A firewalled key vault lets trusted Azure services through",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="ACR reaches the key as a trusted service; a vault firewall without the AzureServices bypass "
        "cuts the registry off from its key. No peer checks this: built-in 55615ac9 and PSRule Azure.KeyVault.Firewall "
        "require the firewall itself (ACR-CMK-009).",
        remediation=Remediation(
            "Set the vault's network bypass to AzureServices.",
            az="az keyvault update -n <vault> -g <vault-rg> --subscription <vault-subscription> --bypass AzureServices",
            action="SetVaultNetworkBypass",
        ),
        fn=check_vault_trusted_services,
        inputs=(CheckInput.VAULT,),
        references=References(docs=(LEARN_CMK,)),
        applies=_vault_applies,
        applicability="CMK registries",
    ),
    Check(
        id="ACR-CMK-008",
        title="Key rotation policy rotates the key before it can expire",
        severity=Severity.HIGH,
        family=Family.CMK,
        rationale="A versionless key id makes ACR follow new key versions, but something must make them: Key "
        "Vault's rotation policy (a lifetime action of type rotate) does. Without one the key never rotates; with an "
        "expiry and no rotation before it, the registry is locked out of its content on that date. This is the "
        "lifecycle acrtui requires instead of an expiry date alone (see ACR-CMK-004).",
        remediation=Remediation(
            "Give the key a rotation policy that rotates it (e.g. 90 days after creation) and sets the expiry of "
            "new versions later than the rotation.",
            az="az keyvault key rotation-policy update --vault-name <vault> -n <key> --value "
            "'{\"lifetimeActions\":[{\"trigger\":{\"timeAfterCreate\":\"P90D\"},\"action\":{\"type\":\"Rotate\"}}],"
            "\"attributes\":{\"expiryTime\":\"P1Y\"}}'  # Key Vault data plane: needs Key Vault Crypto Officer",
        ),
        fn=check_key_lifecycle,
        inputs=(CheckInput.VAULT, CheckInput.KEYS),
        references=References(
            policy_definition_ids=("d8cf8476-a2ec-4916-896e-992351803c44",),
            psrule=("Azure.KeyVault.AutoRotationPolicy",),
            prowler=("keyvault_key_rotation_enabled",),
            docs=(LEARN_CMK, LEARN_ROTATION),
        ),
        applies=_versionless_applies,
        applicability="CMK registries with a versionless key id",
    ),
    Check(
        id="ACR-CMK-009",
        title="Key vault has a firewall or public access disabled",
        severity=Severity.MEDIUM,
        family=Family.CMK,
        rationale="The vault that holds the registry's key should accept only explicitly allowed traffic (built-in "
        "55615ac9, PSRule Azure.KeyVault.Firewall, Checkov CKV_AZURE_109); ACR still reaches it as a trusted service "
        "when the firewall lets trusted services through (ACR-CMK-007).",
        remediation=Remediation(
            "Set the vault's default network action to Deny with the trusted-services bypass (or disable public access "
            "and use a private endpoint).",
            az="az keyvault update -n <vault> -g <vault-rg> --subscription <vault-subscription> --default-action Deny "
            "--bypass AzureServices",
        ),
        fn=check_vault_firewall,
        inputs=(CheckInput.VAULT,),
        references=References(
            policy_definition_ids=("55615ac9-af46-4a59-874e-391cc3dfb490",),
            psrule=("Azure.KeyVault.Firewall",),
            checkov=("CKV_AZURE_109",),
        ),
        applies=_vault_applies,
        applicability="CMK registries",
    ),
]
