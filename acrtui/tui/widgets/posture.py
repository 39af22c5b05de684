"""Rich renderables of one registry's posture, per detail section. Pure functions of the estate (easy to test)."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from acrtui.audit.runner import AuditReport, FindingRecord
from acrtui.domain.checks import Severity, Status
from acrtui.domain.models import CheckInput, Estate, RegistryPosture

from .cells import SEV_STYLE, UNKNOWN_STYLE, mark


def kv(rows: list[tuple[str, object]], title: str | None = None) -> Table:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", no_wrap=True)
    t.add_column()
    for k, v in rows:
        t.add_row(k, v if isinstance(v, Text | Table) else Text(str(v)))
    if title:
        t.title = title
        t.title_justify = "left"
        t.title_style = "bold underline"
    return t


# what each detail section shows, as the inputs a read gap may hide
SECTION_INPUTS: dict[str, set[CheckInput]] = {
    "cmk": {CheckInput.VAULT, CheckInput.KEYS, CheckInput.KEY_ACCESS, CheckInput.VAULT_DIAGNOSTICS},
    "private-link": {CheckInput.ENDPOINTS, CheckInput.DNS},
    "network": {CheckInput.ENDPOINTS},
    "data-endpoints": {CheckInput.REPLICAS},
    "policy": {CheckInput.POLICY, CheckInput.COMPLIANCE},
}


def unknown(estate: Estate, reg: RegistryPosture, inputs: set[CheckInput] | None = None) -> Text | None:
    """A warning naming what could not be read for this registry (``inputs``: only gaps touching them), or None."""
    gaps = estate.gaps_for(reg, inputs)
    if not gaps:
        return None
    t = Text("? unknown — not everything here could be read, so what is shown is not a clean bill:\n",
             style=UNKNOWN_STYLE)
    for g in gaps:
        t.append(f"  • {g.what}: ", style="bold yellow")
        t.append(f"{g.message} ({g.kind.value})\n", style="yellow")
    return t


def with_unknown(estate: Estate, reg: RegistryPosture, section: str, body: RenderableType) -> RenderableType:
    """A section with its unknowns first (overview: every gap of the registry)."""
    banner = unknown(estate, reg, SECTION_INPUTS.get(section)) if section != "findings" else None
    return Group(banner, body) if banner is not None else body


def unread(estate: Estate, reg: RegistryPosture, inputs: set[CheckInput]) -> bool:
    return bool(estate.gaps_for(reg, inputs))


def heading(s: str) -> Text:
    return Text(f"\n{s}", style="bold underline")


def cmk_cell(r: RegistryPosture, estate: Estate | None = None) -> Text:
    if r.encryption.enabled and estate is not None and unread(estate, r, SECTION_INPUTS["cmk"]):
        return Text("? vault unread", style=UNKNOWN_STYLE)
    if not r.encryption.enabled:
        return Text("—", style="red" if r.premium else "dim")
    return Text("versionless", style="green") if r.encryption.versionless else Text("pinned", style="yellow")


def severity_counts(report: AuditReport | None, reg: RegistryPosture,
                    index: dict[str, Text] | None = None) -> Text:
    """Failures by severity, then ``?N`` checks that could not be evaluated; "clean" only when nothing is unknown.
    ``index``: :func:`severity_index` of the report, for a whole list (one pass over the findings, not one each)."""
    if report is None:
        return Text("…", style="dim")
    if index is None:
        index = severity_index(report, {reg.id.lower()})
    return index.get(reg.id.lower()) or Text("clean", style="green")


def severity_index(report: AuditReport, only: set[str] | None = None) -> dict[str, Text]:
    """Every registry's findings cell (lower-case id → cell) in one pass over the report; registries missing from it
    are clean. At 10,000 registries a scan of every finding per registry was quadratic."""
    counts: dict[str, dict[Severity, int]] = {}
    errors: dict[str, int] = {}
    for f in report.failing():
        rid = f.registry.id.lower()
        if only is None or rid in only:
            per = counts.setdefault(rid, {})
            per[f.severity] = per.get(f.severity, 0) + 1
    for f in report.error_findings:
        rid = f.registry.id.lower()
        if only is None or rid in only:
            errors[rid] = errors.get(rid, 0) + 1
    out: dict[str, Text] = {}
    for rid in counts.keys() | errors.keys():
        t = Text()
        per = counts.get(rid, {})
        for s in (Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW):
            if per.get(s):
                t.append(f"{per[s]}{s.value[0].upper()} ", style=SEV_STYLE[s.value])
        if errors.get(rid):
            t.append(f"?{errors[rid]} unknown", style=UNKNOWN_STYLE)
        if t.plain:
            out[rid] = t
    return out


def findings_for(report: AuditReport | None, reg: RegistryPosture) -> list[FindingRecord]:
    if report is None:
        return []
    rows = [f for f in report.findings if f.registry.id.lower() == reg.id.lower()]
    order = {Status.ERROR: 0, Status.FAIL: 1, Status.PASS: 2, Status.NOT_APPLICABLE: 3}  # unknown first
    return sorted(rows, key=lambda f: (order[f.status] + (1.5 if f.suppressed else 0), -f.severity.rank, f.check.id))


# ---------------------------------------------------------------------------------------------- sections


def overview(estate: Estate, reg: RegistryPosture, report: AuditReport | None) -> RenderableType:
    rows: list[tuple[str, object]] = [
        ("Login server", reg.login_server),
        ("Resource id", reg.id),
        ("Subscription", estate.subscriptions.get(reg.subscription_id, reg.subscription_id)),
        ("Resource group", reg.resource_group),
        ("SKU", reg.sku),
        ("Regions", ", ".join(reg.regions)),
        ("Zone redundancy", reg.zone_redundancy),
        ("Encryption", cmk_cell(reg, estate)),
        ("Private endpoints", f"{len(reg.approved_connections)} approved, {len(reg.pending_connections)} pending"),
        ("Public network access", reg.public_network_access),
        ("Data endpoints", "enabled" if reg.data_endpoint_enabled else "disabled"),
        ("Admin user", "enabled" if reg.admin_user_enabled else "disabled"),
        ("Anonymous pull", "enabled" if reg.anonymous_pull_enabled else "disabled"),
        ("Findings", severity_counts(report, reg)),
        ("Tags", ", ".join(f"{k}={v}" for k, v in sorted(reg.tags.items())) or "—"),
    ]
    return kv(rows)


def cmk(estate: Estate, reg: RegistryPosture, read_only: bool = False) -> RenderableType:
    enc = reg.encryption
    if not enc.enabled:
        why = ("Customer-managed keys can only be chosen when a registry is created, and never disabled. "
               "The only path for this registry is a new Premium registry with CMK, then importing its images "
               "and moving clients" + (" (a session that may write can plan it)." if read_only else " (press m)."))
        if not reg.premium:
            why = f"{reg.sku} SKU: customer-managed keys need Premium. " + why
        return Group(Text("Not encrypted with a customer-managed key.", style="bold red"), Text(why))
    vault = estate.vault_for(reg)
    key = vault.key(enc.key_name or "") if vault else None
    ident = next((u for u in reg.identity.user_assigned if (u.client_id or "").lower() == (enc.identity_client_id or "").lower()), None)
    principal = reg.identity.system_principal_id if enc.uses_system_identity else (ident.principal_id if ident else None)
    access = None if vault is None or not vault.readable else (principal or "").lower() in vault.key_users
    current = enc.versioned_key_identifier.rstrip("/").split("/")[-1] if enc.versioned_key_identifier else None
    rows: list[tuple[str, object]] = [
        ("Key", enc.key_identifier or "—"),
        ("Mode", Text("versionless — ACR follows new key versions", style="green") if enc.versionless
         else Text(f"pinned to version {enc.key_version}", style="yellow")),
        ("In use", enc.versioned_key_identifier or "—"),
        ("Newest version", (key.newest_version if key else "?") or "?"),
        ("Behind newest", "?" if not key or not current else (
            Text("yes — a newer key version exists", style="bold yellow") if key.newest_version != current
            else Text("no", style="green"))),
        ("Last rotation", enc.last_key_rotation.isoformat() if enc.last_key_rotation else "—"),
        ("Identity", "system-assigned" if enc.uses_system_identity else (ident.resource_id if ident else enc.identity_client_id or "—")),
        ("Identity key access", Text("✓ get / wrapKey / unwrapKey", style="green") if access
         else Text("✗ missing: registry content is unreadable" if access is False else "? vault not readable",
                   style="bold red" if access is False else "yellow")),
    ]
    if vault is not None:
        rows += [
            ("Vault", f"{vault.name} ({vault.resource_group})"),
            ("Soft delete", mark(vault.soft_delete)),
            ("Purge protection", mark(vault.purge_protection)),
            ("Permission model", "Azure RBAC" if vault.rbac_authorization else "access policies"),
            ("Vault firewall", f"{vault.network_default_action}, bypass {vault.network_bypass}"),
            ("Audit logging (AuditEvent)", mark(vault.audit_logging)),
        ]
        for d in vault.diagnostic_settings:
            rows.append(("  diagnostic setting", f"{d.name}: {', '.join(d.categories) or 'no logs'}"))
    else:
        rows.append(("Vault", Text(f"{enc.vault_name}: not found or not readable", style="yellow")))
    return kv(rows)


def private_link(estate: Estate, reg: RegistryPosture) -> RenderableType:
    if not reg.premium:
        return Text(f"{reg.sku} SKU: Private Link needs Premium.", style="yellow")
    parts: list[RenderableType] = []
    conns = Table(title="Private endpoint connections", title_justify="left", title_style="bold", expand=True)
    for col in ("Connection", "Status", "Endpoint", "Description"):
        conns.add_column(col)
    for c in reg.private_endpoint_connections:
        style = {"approved": "green", "pending": "yellow", "rejected": "red"}.get(c.status.lower(), "")
        conns.add_row(c.name, Text(c.status, style=style), (c.private_endpoint_id or "").split("/")[-1],
                      c.description or "")
    if not reg.private_endpoint_connections:
        conns.add_row(Text("none — the registry is only reachable over its public endpoint", style="red"), "", "", "")
    parts.append(conns)
    for pe in estate.endpoints_for(reg):
        parts.append(heading(f"{pe.name} — {pe.connection_status}"))
        parts.append(kv([
            ("Subnet", pe.subnet_id or "?"),
            ("DNS zone group", pe.dns_zone_group or Text("none (records are not managed)", style="yellow")),
            ("Zone linked to VNet", mark(pe.zone_linked_to_vnet)),
        ]))
        dns = Table(expand=True)
        for col in ("", "FQDN", "Expected IP", "Zone", "A record"):
            dns.add_column(col)
        for rec in pe.records:
            dns.add_row(mark(rec.ok), rec.fqdn, rec.expected_ip or "?", rec.zone or "—",
                        ", ".join(rec.record_ips) or Text("missing", style="red"))
        parts.append(dns)
    return Group(*parts)


def network(estate: Estate, reg: RegistryPosture) -> RenderableType:
    from ..planning import has_private_path

    rows: list[tuple[str, object]] = [
        ("Public network access", Text(reg.public_network_access, style="green" if reg.public_network_access == "Disabled" else "yellow")),
        ("Default action", reg.default_action),
        ("IP rules", "\n".join(f"{r.action} {r.value}" for r in reg.ip_rules) or "—"),
        *([("VNet rules (service endpoints)", "\n".join(reg.virtual_network_rules))] if reg.virtual_network_rules else []),
        ("Trusted services bypass", reg.network_rule_bypass),
        ("Private path (approved PE)", mark(has_private_path(estate, reg))),
        ("Export policy", "enabled" if reg.export_policy_enabled else "disabled"),
    ]
    notes = []
    if reg.public_network_access == "Disabled":
        notes.append("Public access is off: IP rules are ignored; only private endpoints reach the registry.")
    elif reg.default_action == "Allow":
        notes.append("Open to the internet: any network can reach the registry's endpoints.")
    if not reg.premium:
        notes.append(f"{reg.sku} SKU: IP rules and disabling public access need Premium.")
    return Group(kv(rows), *(Text(n, style="italic") for n in notes))


def data_endpoints(reg: RegistryPosture) -> RenderableType:
    allow = Table(title="Client firewall allowlist (443)", title_justify="left", title_style="bold", expand=True)
    allow.add_column("Host")
    allow.add_column("Why")
    allow.add_row(reg.login_server, "login server (REST API, auth, manifests)")
    if reg.data_endpoint_enabled:
        for h in reg.data_endpoint_host_names or reg.expected_data_host_names():
            allow.add_row(h, "dedicated data endpoint (layer downloads)")
    else:
        allow.add_row("*.blob.core.windows.net", "layer downloads (shared storage) — broad wildcard")
    rows: list[tuple[str, object]] = [
        ("Dedicated data endpoints", Text("enabled", style="green") if reg.data_endpoint_enabled
         else Text("disabled", style="yellow")),
        ("Host names", "\n".join(reg.data_endpoint_host_names) or "—"),
    ]
    extra: list[RenderableType] = []
    if not reg.data_endpoint_enabled and reg.premium:
        extra.append(Text("When enabled, clients need: " + ", ".join(reg.expected_data_host_names()), style="italic"))
    if not reg.premium:
        extra.append(Text(f"{reg.sku} SKU: dedicated data endpoints need Premium.", style="yellow"))
    return Group(kv(rows), Text(""), allow, *extra)


def policy(estate: Estate, reg: RegistryPosture) -> RenderableType:
    t = Table(title="Assignments in scope", title_justify="left", title_style="bold", expand=True)
    for c in ("Assignment", "Effect", "Enforcement", "Scope", "Compliance"):
        t.add_column(c)
    states = {c.assignment_id.lower(): c.compliance_state for c in estate.compliance_for(reg)}
    for a in estate.assignments_for(reg):
        state = states.get(a.id.lower(), "Unknown")
        t.add_row(a.display_name or a.name, Text(a.effect or "?", style="bold red" if (a.effect or "").lower() == "deny" else ""),
                  a.enforcement_mode, a.scope.split("/providers/")[0].replace("/subscriptions/", "sub ")[:60],
                  Text(state, style={"compliant": "green", "noncompliant": "red"}.get(state.lower(), "yellow")))
    if not estate.assignments_for(reg):
        t.add_row(Text("no policy assignment applies to this registry", style="yellow"), "", "", "", "")
    return t


def findings(report: AuditReport | None, reg: RegistryPosture) -> RenderableType:
    t = Table(expand=True)
    for c in ("Status", "Severity", "Check", "Finding", "Remediation"):
        t.add_column(c, overflow="fold")
    for f in findings_for(report, reg):
        t.add_row(status_cell(f), Text(f.severity.value, style=SEV_STYLE[f.severity.value]),
                  f"{f.check.id}\n{f.check.title}", f.finding.message,
                  f.check.remediation.text if f.failing else "")
    return t


def status_cell(f: FindingRecord) -> Text:
    """A finding's state in words: a failure a suppression accepts says so, as ``acrtui audit`` does."""
    if f.suppressed:
        return Text("suppressed", style="dim italic")
    if f.status is Status.ERROR:
        return Text("? unknown", style=UNKNOWN_STYLE)
    return Text(f.status.value.replace("_", " "), style={"fail": "bold red", "pass": "green"}.get(f.status.value, "dim"))
