"""Typed product errors and the exit codes the CLI returns; pure (no Azure import), shared by every layer.

Each error carries a short ``title`` for a screen or a log line and an actionable ``message`` (what happened,
what to do). Messages never contain a token or a secret: the service layer builds them from ARM error codes,
ids and action names only.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    FINDINGS = 1  # audit found problems / a plan has changes
    USAGE = 2  # bad arguments, a write in a read-only session
    AZURE = 3  # sign-in, permission, or an Azure error


class AcrtuiError(Exception):
    """Base of every error the product shows to a person."""

    title = "Error"
    exit_code = ExitCode.AZURE

    def __init__(self, message: str, *, title: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if title:
            self.title = title
        self.code = code  # the ARM error code when there is one

    def __str__(self) -> str:
        return f"{self.title}: {self.message}"


class UsageError(AcrtuiError):
    title = "Invalid usage"
    exit_code = ExitCode.USAGE


class ReadOnlyViolation(UsageError):
    """A write was attempted in a read-only session; raised before the request leaves the process."""

    title = "Read-only session"

    def __init__(self, method: str, url: str) -> None:
        super().__init__(
            f"Refused {method} {url}: this session is read-only. Run without --read-only to make changes.",
            code="ReadOnlySession",
        )
        self.method = method
        self.url = url


class SignInError(AcrtuiError):
    title = "Sign-in failed"


class TlsUntrusted(AcrtuiError):
    """The server's certificate did not verify: every request to it fails the same way (never retried, never a
    gap in a partial read: nothing can be read)."""

    title = "TLS certificate not trusted"


class PermissionDenied(AcrtuiError):
    """``AuthorizationFailed``: which principal lacks which action at which scope."""

    title = "Permission denied"

    def __init__(
        self,
        message: str,
        *,
        principal: str | None = None,
        action: str | None = None,
        scope: str | None = None,
        code: str | None = "AuthorizationFailed",
    ) -> None:
        super().__init__(message, code=code)
        self.principal = principal
        self.action = action
        self.scope = scope


class PolicyDenied(AcrtuiError):
    """``RequestDisallowedByPolicy``: which assignment and definition refused the request."""

    title = "Blocked by Azure Policy"

    def __init__(self, message: str, *, assignment_id: str | None = None, definition_id: str | None = None) -> None:
        super().__init__(message, code="RequestDisallowedByPolicy")
        self.assignment_id = assignment_id
        self.definition_id = definition_id


class Throttled(AcrtuiError):
    title = "Azure is throttling requests"


class NotFound(AcrtuiError):
    title = "Not found"


class Conflict(AcrtuiError):
    title = "Conflict"


class PremiumRequired(AcrtuiError):
    title = "Premium SKU required"


class CmkRuleViolation(AcrtuiError):
    title = "Customer-managed key rule"


class OperationFailed(AcrtuiError):
    """A long-running operation that Azure accepted and then failed."""

    title = "Operation failed"


class AzureServiceError(AcrtuiError):
    title = "Azure error"


# Errors after which no further read can succeed: they stop an inventory or a plan whole instead of becoming a gap.
STOPS_EVERYTHING: tuple[type[AcrtuiError], ...] = (SignInError, UsageError, TlsUntrusted)
