"""ARM errors → typed product errors (acrtui.errors), with a title and an actionable message.

Only codes, ids and action names reach a message; response bodies are never echoed whole, and anything that
looks like a token or a secret is redacted.
"""

from __future__ import annotations

import contextlib
import json
import re
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
)
from .pipeline import redact_text

_AUTHZ = re.compile(
    r"client '(?P<client>[^']*)' with object id '(?P<oid>[^']*)' does not have authorization to perform action "
    r"'(?P<action>[^']*)' over scope '(?P<scope>[^']*)'",
    re.IGNORECASE,
)
_LINKED = re.compile(
    r"client '(?P<client>[^']*)' with object id '(?P<oid>[^']*)' has permission to perform action '[^']*' on scope "
    r"'[^']*'; however, it does not have permission to perform action\(?s?\)? '(?P<action>[^']*)' on the linked "
    r"scope\(s\) '(?P<scope>[^']*)'",
    re.IGNORECASE,
)
_CMK_WORDS = ("customer-managed", "customer managed", "encryption", "keyvault", "key vault", "cmk")


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
    if isinstance(exc, ClientAuthenticationError) and (exc.status_code in (None, 401)):
        return SignInError(
            "Could not sign in to Azure: " + redact_text(_first_line(str(exc.message or exc)))
            + ". Run `az login` (or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET) and try again."
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
        return SignInError("No Azure credential is available: run `az login` or set the AZURE_* environment variables.")
    return AzureServiceError(redact_text(_first_line(str(exc))))


def _first_line(s: str) -> str:
    return s.strip().splitlines()[0] if s.strip() else ""


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
    if status == 404:
        return NotFound(f"{message} ({code or 'NotFound'}). Check the name, resource group and subscription.",
                        code=code or "NotFound")
    text = (code + " " + message).lower()
    if "premium" in text:
        return PremiumRequired(f"{message} Upgrade the registry to the Premium SKU first.", code=code)
    if any(w in text for w in _CMK_WORDS):
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
