"""Read-only audit: run the checks catalogue over an estate and write reports for people and pipelines.

UI-free (never imports textual) so ``acrtui audit`` starts fast and runs in CI. See README.md for the JSON shape.
"""

from .runner import SCHEMA_VERSION, AuditReport, FindingRecord, run_audit, select_registries
from .writers import FORMATS, render

__all__ = [
    "FORMATS",
    "SCHEMA_VERSION",
    "AuditReport",
    "FindingRecord",
    "render",
    "run_audit",
    "select_registries",
]
