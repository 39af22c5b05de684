"""ARM errors → typed product errors (acrtui.errors), with a title and an actionable message.

Only codes, ids and action names reach a message; response bodies are never echoed whole, and anything that
looks like a token or a secret is redacted.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import ssl
from collections.abc import AsyncIterator
from typing import Any

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
)

from ..errors import (
    AcrtuiError,
    AzureServiceError,
    CmkRuleViolation,
    Conflict,
    NotFound,
    OperationFailed,
    PermissionDenied,
    PolicyDenied,
    PremiumRequired,
    SignInError,
    Throttled,
    TlsUntrusted,
)
from .pipeline import redact_text, tls_verification_error

_AUTHZ = re.compile(
    r"client '(?P<client>[^']*)' with object id '(?P<oid>[^']*)' does not have authorization to perform action "
    r"'(?P<action>[^']*)' over scope '(?P<scope>[^']*)'",
    re.IGNORECASE,
)
# Classified by ARM's error code only: a message quotes resource names, and a registry called "cmkreg" or
# "sandboxpremium" says nothing about the error. Codes as ACR documents or returns them (see the emulator's
# containerregistry provider for where each comes from).
_CMK_CODES = frozenset(c.lower() for c in (
    "CannotEnableEncryptionOnExistingRegistry", "CannotDisableEncryption", "InvalidKeyVaultKey",
    "KeyVaultAccessForbidden", "BlockedForEncryptionEnabledRegistry", "ModifyNotSupportedOnEncryptedRegistry",
))
_PREMIUM_CODES = frozenset(c.lower() for c in (
    "DisablingPublicNetworkAccessNotSupported", "NetworkRuleSetNotSupported", "DataEndpointNotSupported",
    "EncryptionNotSupported", "ZoneRedundancyNotSupported", "ContentTrustNotSupported", "ReplicationNotSupported",
    "PrivateEndpointNotSupported", "PremiumSkuRequired",
))
# A globally unique name someone (maybe in another tenant) already holds: waiting does not free it.
_NAME_TAKEN_CODES = frozenset(c.lower() for c in (
    "AlreadyInUse", "RegistryNameNotAvailable", "NameNotAvailable", "RegistryNameInUse", "VaultAlreadyExists",
    "StorageAccountAlreadyTaken", "DomainNameLabelTaken",
))
# ARM's routing refusals: the request names a type, namespace, api-version or location Azure does not serve. They
# are 400s (NoRegisteredProviderFound was a 404 in old ARM answers): never "not found", never a CMK rule.
_ROUTING = {"invalidresourcetype", "invalidresourcenamespace", "noregisteredproviderfound", "invalidapiversionparameter",
            "missingapiversionparameter"}
_LOCATION = {"locationnotavailableforresourcetype", "locationnotavailableforresourcegroup"}
_LINKED = re.compile(
    r"client '(?P<client>[^']*)' with object id '(?P<oid>[^']*)' has permission to perform action '[^']*' on scope "
    r"'[^']*'; however, it does not have permission to perform action\(?s?\)? '(?P<action>[^']*)' on the linked "
    r"scope\(s\) '(?P<scope>[^']*)'",
    re.IGNORECASE,
)


def _arm_error(e: HttpResponseError) -> dict[str, Any]:
    """The ``error`` object of an ARM response (or of a failed LRO's status body)."""
    body: Any = None
    if e.response is not None:
        try:
            body = json.loads(e.response.text())
        except (ValueError, TypeError):
            body = None
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            return err
        if "code" in body:
            return body
    odata = getattr(e, "error", None)
    if odata is not None and getattr(odata, "code", None):
        return {"code": odata.code, "message": odata.message or ""}
    return {}


def _is_lro_failure(e: HttpResponseError) -> bool:
    cause = e.__cause__ or e.__context__
    return cause is not None and type(cause).__name__ == "OperationFailed"


def from_azure(exc: BaseException) -> AcrtuiError:
    """Map an azure-core exception to a product error."""
    if isinstance(exc, AcrtuiError):
        return exc
    tls = tls_verification_error(exc)
    if tls is not None:
        return _tls_error(tls)
    if isinstance(exc, ClientAuthenticationError) and not _is_arm_response(exc):
        # the credential (or its chain) failed: wrong client id, secret or tenant, nothing signed in. Whatever
        # status the token endpoint answered, this is a sign-in failure, with the reasons it gave.
        return SignInError(
            "Could not sign in to Azure: check AZURE_TENANT_ID / AZURE_CLIENT_ID / AZURE_CLIENT_SECRET (or run "
            "`az login`) and try again.\n" + _reasons(exc),  # the way forward first: a credential chain's reasons run long
            code=_aad_code(exc),
        )
    if isinstance(exc, HttpResponseError):
        return _from_http(exc)
    if isinstance(exc, ServiceRequestError):
        return AzureServiceError(
            "Could not reach Azure Resource Manager: " + redact_text(_first_line(str(exc.message or exc)))
            + ". Check the network, proxy and --cloud.",
            title="Azure unreachable",
        )
    if isinstance(exc, AzureError):
        return AzureServiceError(redact_text(_first_line(str(exc.message or exc))))
    if type(exc).__name__ == "CredentialUnavailableError":
        return SignInError("No Azure credential is available: run `az login` or set the AZURE_* environment "
                           "variables.\n" + _reasons(exc))
    return AzureServiceError(redact_text(_first_line(str(exc))))


def _first_line(s: str) -> str:
    return s.strip().splitlines()[0] if s.strip() else ""


def _is_arm_response(e: ClientAuthenticationError) -> bool:
    """ARM's own 401 (an expired or wrong-audience token) carries an ARM error object; the token endpoint's
    ``{"error": "invalid_client", ...}`` does not."""
    return e.response is not None and bool(_arm_error(e).get("code"))


def _aad_code(e: ClientAuthenticationError) -> str | None:
    m = re.search(r"\((\w+)\) (AADSTS\d+)", str(e.message or e))
    return f"{m[1]} {m[2]}" if m else None


def _reasons(exc: BaseException, limit: int = 12) -> str:
    """The credential's (or each chained credential's) reasons, redacted; not the raw response body."""
    text = str(getattr(exc, "message", None) or exc)
    lines = [ln.strip() for ln in text.strip().splitlines()]
    keep = [ln[:400] for ln in lines if ln and not ln.startswith(("Content:", "To mitigate this issue"))]
    more = f"\n  … and {len(keep) - limit} more" if len(keep) > limit else ""
    return redact_text("\n  ".join(keep[:limit])) + more


def _tls_error(err: Exception) -> AcrtuiError:
    """One message, no retries: which CA bundle was used and how to point acrtui at the right one."""
    emulator = os.environ.get("ACRTUI_EMULATOR_URL")
    if emulator:
        bundle = f"ACRTUI_EMULATOR_CA={os.environ.get('ACRTUI_EMULATOR_CA', '')}"
        fix = ("Set ACRTUI_EMULATOR_CA to the CA bundle this emulator printed (a restarted emulator has a new CA; "
               "copy all of its lines again).")
    else:
        paths = ssl.get_default_verify_paths()
        bundle = (f"SSL_CERT_FILE={os.environ['SSL_CERT_FILE']}" if os.environ.get("SSL_CERT_FILE")
                  else f"the system bundle {paths.cafile or paths.capath or '(none found)'}")
        fix = ("If a proxy inspects TLS, point SSL_CERT_FILE at a bundle that includes its CA (REQUESTS_CA_BUNDLE, "
               "which the Azure CLI uses, is not read by acrtui's HTTP client); otherwise check --cloud and "
               "the network.")
    reason = getattr(err, "verify_message", None) or str(err)
    return TlsUntrusted(f"The server's TLS certificate did not verify ({reason}); the CA bundle in use is "
                        f"{bundle}; not retried: it fails the same way every time. {fix}",
                        code="CertificateVerificationFailed")


def _from_http(e: HttpResponseError) -> AcrtuiError:
    err = _arm_error(e)
    code = str(err.get("code") or "")
    message = redact_text(str(err.get("message") or _first_line(str(e.message or e))))
    status = e.status_code or 0
    low = code.lower()
    if _is_lro_failure(e):
        return OperationFailed(
            f"Azure accepted the change but the operation failed ({code or 'Failed'}): {message}",
            code=code or "OperationFailed",
        )
    if low == "authorizationfailed" or (status == 403 and _AUTHZ.search(message)):
        m = _AUTHZ.search(message)
        if m:
            return PermissionDenied(
                f"Principal {m['oid']} (client {m['client']}) lacks '{m['action']}' at scope {m['scope']}. "
                "Ask an owner for a role that grants it (or wait a few minutes if it was just granted).",
                principal=m["oid"], action=m["action"], scope=m["scope"],
            )
        return PermissionDenied(message + " Ask an owner for a role that grants it.")
    if low == "linkedauthorizationfailed":
        # ARM's check of a right on a *linked* resource (e.g. auto-approving a private endpoint needs
        # .../privateEndpointConnectionsApproval/action on the registry); message shape: MicrosoftDocs/azure-docs#96892.
        m = _LINKED.search(message)
        if m:
            return PermissionDenied(
                f"Principal {m['oid']} (client {m['client']}) lacks '{m['action']}' on the linked resource "
                f"{m['scope']}. Ask an owner of that resource for a role that grants it, or ask for a manual "
                "connection that its owner approves.",
                principal=m["oid"], action=m["action"], scope=m["scope"], code="LinkedAuthorizationFailed",
            )
        return PermissionDenied(message + " Ask an owner of the linked resource for a role that grants it.",
                                code="LinkedAuthorizationFailed")
    if low == "requestdisallowedbypolicy":
        assignment = definition = effect = None
        for info in err.get("additionalInfo") or []:
            if isinstance(info, dict) and str(info.get("type", "")).lower() == "policyviolation":
                data = info.get("info") or {}
                assignment = data.get("policyAssignmentId")
                definition = data.get("policyDefinitionId")
                effect = data.get("policyDefinitionEffect")
                break
        where = f" by assignment {assignment} (definition {definition}, effect {effect})" if assignment else ""
        return PolicyDenied(
            f"Azure Policy refused the request{where}. Change the resource to comply, ask for an exemption, "
            "or set the assignment's enforcement mode to DoNotEnforce.",
            assignment_id=assignment, definition_id=definition,
        )
    if status == 429 or "throttl" in low:
        return Throttled(
            f"Azure kept throttling requests after retries ({code or status}). Wait a minute, or lower --concurrency.",
            code=code or "Throttled",
        )
    if status in (401,) or low in ("invalidauthenticationtoken", "expiredauthenticationtoken", "authenticationfailed"):
        return SignInError(f"Azure rejected the sign-in ({code}): {message} Sign in again.", code=code)
    if low in _ROUTING:
        return AzureServiceError(
            f"Azure does not serve this request ({code}): {message} This is a defect in acrtui or a change in Azure: "
            "report it with this message.", title="Request not served by Azure", code=code)
    if low in _LOCATION:
        return AzureServiceError(f"{message} ({code}) Choose one of the listed regions.", title="Location not available",
                                 code=code)
    if status == 404:
        return NotFound(f"{message} ({code or 'NotFound'}). Check the name, resource group and subscription.",
                        code=code or "NotFound")
    if low in _NAME_TAKEN_CODES:
        return AzureServiceError(
            f"{message} ({code}). The name is taken: registry (and vault) names are global across all of Azure, "
            "so someone else, maybe in another tenant, holds it and waiting will not free it. Choose another name "
            "(`az acr check-name -n NAME` says whether one is free).", title="Name not available", code=code)
    if low in _PREMIUM_CODES:
        return PremiumRequired(f"{message} Upgrade the registry to the Premium SKU first.", code=code)
    if low in _CMK_CODES:
        return CmkRuleViolation(message, code=code)
    if status == 409:
        return Conflict(f"{message} ({code or 'Conflict'}). Another change may be in progress; retry later.",
                        code=code or "Conflict")
    return AzureServiceError(f"{message} ({code or status})", code=code or None)


@contextlib.asynccontextmanager
async def translate() -> AsyncIterator[None]:
    """Run a block of SDK calls; azure-core exceptions leave it as typed product errors."""
    try:
        yield
    except AcrtuiError:
        raise
    except (AzureError, OSError) as e:
        raise from_azure(e) from None
    except Exception as e:
        if type(e).__name__ == "CredentialUnavailableError":
            raise from_azure(e) from None
        raise
