"""Private Link, public network access and dedicated data endpoint checks.

The DNS checks are where audits usually stop short: a private endpoint is useless if the private zone does not
answer for the login server *and* every region's data endpoint with the endpoint's own IPs.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from acrtui.domain.address_space import AddressSpace, admitted, percent
from acrtui.domain.models import CheckInput, Estate, PrivateEndpointPosture, RegistryPosture

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
    na,
    ok,
    premium_only,
)

LEARN_PL = "https://learn.microsoft.com/azure/container-registry/container-registry-private-link"
LEARN_FW = "https://learn.microsoft.com/azure/container-registry/container-registry-access-selected-networks"
LEARN_DEP = "https://learn.microsoft.com/azure/container-registry/container-registry-dedicated-data-endpoints"


def _norm_fqdn(fqdn: str) -> str:
    """``reg.privatelink.azurecr.io`` and ``reg.azurecr.io`` name the same record."""
    return fqdn.lower().rstrip(".").replace(".privatelink.", ".")


def _approved_endpoints(
    reg: RegistryPosture, estate: Estate
) -> tuple[list[PrivateEndpointPosture], list[str]]:
    """Observed approved endpoints, and ids of approved connections whose endpoint was not observed."""
    approved = [c.private_endpoint_id for c in reg.approved_connections if c.private_endpoint_id]
    observed = {p.id.lower(): p for p in estate.endpoints_for(reg)}
    found = [observed[pid.lower()] for pid in approved if pid.lower() in observed]
    missing = [pid for pid in approved if pid.lower() not in observed]
    return found, missing


def check_sku(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if reg.premium:
        return ok(
            "Premium SKU: private endpoints, firewall rules, CMK and data endpoints are available",
            sku=reg.sku,
        )
    return fail(
        f"{reg.sku} SKU cannot use private endpoints, firewall rules, data endpoints or CMK", sku=reg.sku
    )


def check_private_endpoint(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    conns = [
        {"name": c.name, "status": c.status, "privateEndpointId": c.private_endpoint_id}
        for c in reg.private_endpoint_connections
    ]
    n = len(reg.approved_connections)
    if n:
        return ok(f"{n} approved private endpoint connection(s)", connections=conns)
    return fail(
        "no approved private endpoint: every client reaches the registry over its public endpoint",
        connections=conns,
    )


def check_pending(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    pending = [
        {"name": c.name, "privateEndpointId": c.private_endpoint_id, "description": c.description}
        for c in reg.pending_connections
    ]
    others = [
        {"name": c.name, "status": c.status}
        for c in reg.private_endpoint_connections
        if c.status.lower() in ("rejected", "disconnected")
    ]
    if pending:
        return fail(
            f"{len(pending)} private endpoint connection(s) waiting for approval",
            pending=pending,
            rejectedOrDisconnected=others,
        )
    return ok("no connection is waiting for approval", pending=[], rejectedOrDisconnected=others)


def check_dns(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if not reg.approved_connections:
        return na("no approved private endpoint: no private DNS records to check")
    endpoints, unobserved = _approved_endpoints(reg, estate)
    if not endpoints:
        return error(
            "the approved private endpoints were not observed (other subscription, or no read access)",
            unobserved=unobserved,
        )
    expected = [reg.login_server, *reg.expected_data_host_names()]
    problems: list[str] = []
    per_endpoint: list[dict[str, Any]] = []
    for pe in endpoints:
        records = {_norm_fqdn(r.fqdn): r for r in pe.records}
        rows = []
        for fqdn in expected:
            r = records.get(_norm_fqdn(fqdn))
            row = {
                "fqdn": fqdn,
                "expectedIp": r.expected_ip if r else None,
                "recordIps": list(r.record_ips) if r else [],
                "zone": r.zone if r else None,
                "ok": bool(r and r.ok),
            }
            rows.append(row)
            if r is None or not r.record_ips:
                problems.append(f"{pe.name}: no A record for {fqdn}")
            elif r.expected_ip is None:
                problems.append(f"{pe.name}: the endpoint has no IP for {fqdn}")
            elif not r.ok:
                problems.append(
                    f"{pe.name}: {fqdn} resolves to {', '.join(r.record_ips)}, expected {r.expected_ip}"
                )
        per_endpoint.append({"privateEndpoint": pe.id, "dnsZoneGroup": pe.dns_zone_group, "records": rows})
    ev: dict[str, Any] = {"endpoints": per_endpoint, "unobserved": unobserved}
    if problems:
        return fail("; ".join(problems), **ev)
    return ok(
        f"private DNS answers for {len(expected)} name(s) on {len(endpoints)} endpoint(s) with the endpoints' IPs",
        **ev,
    )


def check_zone_link(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    if not reg.approved_connections:
        return na("no approved private endpoint: no DNS zone to link")
    endpoints, unobserved = _approved_endpoints(reg, estate)
    if not endpoints:
        return error(
            "the approved private endpoints were not observed (other subscription, or no read access)",
            unobserved=unobserved,
        )
    problems = []
    rows = []
    for pe in endpoints:
        rows.append(
            {
                "privateEndpoint": pe.id,
                "vnetId": pe.vnet_id,
                "zones": list(pe.dns_zone_ids),
                "linkedVnets": list(pe.zone_linked_vnets),
            }
        )
        if not pe.dns_zone_ids:
            problems.append(f"{pe.name} has no private DNS zone group")
        elif not pe.zone_linked_to_vnet:
            vnet = (pe.vnet_id or "?").rsplit("/", 1)[-1]
            problems.append(
                f"the zone of {pe.name} is not linked to its VNet {vnet}: clients there resolve the public IP"
            )
    if problems:
        return fail("; ".join(problems), endpoints=rows, unobserved=unobserved)
    return ok(
        "every endpoint's private DNS zone is linked to the endpoint's VNet",
        endpoints=rows,
        unobserved=unobserved,
    )


def _public_state(reg: RegistryPosture, s: CheckSettings) -> str:
    """disabled, restricted, or open — judged by what the rules admit: Deny with rules that together admit the
    whole internet (or more than ``s.firewall_open_share`` of it) is open."""
    if reg.public_network_access.lower() == "disabled":
        return "disabled"
    if reg.default_action.lower() == "deny":
        return "open" if admitted(r.value for r in reg.ip_rules).is_open(s.firewall_open_share) else "restricted"
    return "open"


def _never_match(space: AddressSpace) -> str:
    """The warning for rules that can never match a client of the public endpoint ('' when there are none)."""
    if not space.non_public:
        return ""
    rules = ", ".join(f"{r.rule} ({r.kind})" for r in space.non_public)
    return f"; warning: {rules} can never match on the public endpoint (clients there have public addresses)"


def check_public_access(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    ev: dict[str, Any] = {
        "publicNetworkAccess": reg.public_network_access,
        "defaultAction": reg.default_action,
        "ipRules": [r.value for r in reg.ip_rules],
        "virtualNetworkRules": list(reg.virtual_network_rules),
        "networkRuleBypass": reg.network_rule_bypass,
    }
    state = _public_state(reg, s)
    if state == "disabled":
        return ok("public network access is disabled", **ev)
    if reg.default_action.lower() == "deny":
        space = admitted(r.value for r in reg.ip_rules)
        ev["admittedShare"] = round(space.share, 6)
        ev["admittedAddresses"] = space.public_admitted
        ev["openShareThreshold"] = s.firewall_open_share
        if space.non_public:
            ev["neverMatchingRules"] = [r.rule for r in space.non_public]
        warn = _never_match(space)
        if state == "restricted":
            n = len(reg.ip_rules)
            vnets = (f" and {len(reg.virtual_network_rules)} VNet (service endpoint) rule(s)"
                     if reg.virtual_network_rules else "")
            return ok(f"public endpoint restricted: default action Deny with {n} IP rule(s) admitting "
                      f"{space.describe()}{vnets}{warn}", **ev)
        return fail(f"public endpoint open to the internet: default action Deny, but the IP rules admit "
                    f"{space.describe()} (more than {percent(s.firewall_open_share)} counts as open){warn}", **ev)
    if not reg.premium:
        return fail(
            f"public endpoint open to the internet; {reg.sku} SKU cannot restrict it (needs Premium)", **ev
        )
    return fail(
        "public endpoint open to the internet (publicNetworkAccess Enabled, default action Allow)", **ev
    )


def check_public_disabled(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    ev: dict[str, Any] = {
        "publicNetworkAccess": reg.public_network_access,
        "defaultAction": reg.default_action,
        "ipRules": [r.value for r in reg.ip_rules],
    }
    if reg.public_network_access.lower() == "disabled":
        return ok("public network access is disabled: only private endpoints reach the registry", **ev)
    if not reg.premium:
        return fail(f"public network access is enabled; {reg.sku} SKU cannot disable it (needs Premium)", **ev)
    if reg.default_action.lower() == "deny":
        return fail(f"public network access is enabled (restricted by {len(reg.ip_rules)} IP rule(s), which "
                    "ACR-NET-001 accepts; this control requires it disabled)", **ev)
    return fail("public network access is enabled and unrestricted", **ev)


def _ip_allowed(ip: str, rules: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for r in rules:
        try:
            if addr in ipaddress.ip_network(r, strict=False):
                return True
        except ValueError:
            continue
    return False


def check_operator_path(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    """Not a hardening check: it says who would be locked out by the network settings, so a fix is not a surprise."""
    state = _public_state(reg, s)
    private = [c.name for c in reg.approved_connections]
    rules = [r.value for r in reg.ip_rules]
    ev: dict[str, Any] = {
        "publicAccess": state,
        "approvedPrivateEndpoints": private,
        "ipRules": rules,
        "virtualNetworkRules": list(reg.virtual_network_rules),
        "operatorIps": list(s.operator_ips),
    }
    subnets = reg.virtual_network_rules
    if state == "open":
        return na("public endpoint is open: nobody is locked out")
    if state == "disabled":
        if not private:
            return fail(
                "public access is disabled and there is no approved private endpoint: nobody can push or pull",
                **ev,
            )
        if s.operator_on_private_network:
            return ok(
                "public access is disabled; operators reach the registry through a private endpoint", **ev
            )
        return ok(
            "public access is disabled: only clients on a network with a private endpoint can push or pull; an "
            "operator with no private path (VPN, peered VNet, jump host) is locked out of the data plane",
            lockedOutWithoutPrivatePath=True,
            **ev,
        )
    # restricted: default action Deny
    if s.operator_ips:
        outside = [ip for ip in s.operator_ips if not _ip_allowed(ip, rules)]
        if outside and not private and not subnets and not s.operator_on_private_network:
            return fail(
                f"operator IP(s) {', '.join(outside)} are not in the IP rules and there is no private path",
                **ev,
            )
        if outside and not private and subnets:
            return ok(
                f"operator IP(s) {', '.join(outside)} are not in the IP rules; they need one of the "
                f"{len(subnets)} subnet(s) admitted by VNet (service endpoint) rules",
                **ev,
            )
        if outside:
            return ok(
                f"operator IP(s) {', '.join(outside)} are not in the IP rules; they need the private endpoint",
                **ev,
            )
        return ok("operator IPs are inside the IP rules", **ev)
    if not rules and not private and not subnets:
        return fail(
            "default action Deny with no IP rules, no VNet rules and no private endpoint: only trusted Azure "
            "services get in",
            **ev,
        )
    paths = []
    if rules:
        paths.append(f"one of {len(rules)} allowed IP range(s)")
    if subnets:
        paths.append(f"{len(subnets)} subnet(s) with a service endpoint (VNet rules)")
    if private:
        paths.append(f"{len(private)} private endpoint(s)")
    return ok(
        f"operators must come from {' or '.join(paths)}; anyone else is locked out",
        lockedOutWithoutPrivatePath=not rules,
        **ev,
    )


def check_export(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    ev = {
        "exportPolicy": "enabled" if reg.export_policy_enabled else "disabled",
        "publicNetworkAccess": reg.public_network_access,
    }
    if not reg.export_policy_enabled:
        return ok("artifact export is disabled", **ev)
    extra = (
        ""
        if reg.public_network_access.lower() == "disabled"
        else " (disable public access first: Azure requires it)"
    )
    return fail(f"artifacts can be exported to other registries{extra}", **ev)


def check_data_endpoint(reg: RegistryPosture, estate: Estate, s: CheckSettings) -> Finding:
    expected = reg.expected_data_host_names()
    actual = list(reg.data_endpoint_host_names)
    allowlist = [reg.login_server, *(actual or expected)]
    ev: dict[str, Any] = {
        "dataEndpointEnabled": reg.data_endpoint_enabled,
        "dataEndpointHostNames": actual,
        "clientAllowlist": allowlist,
    }
    if not reg.data_endpoint_enabled:
        return fail(
            "dedicated data endpoints are off: clients must allow *.blob.core.windows.net. Before enabling, allow "
            + ", ".join(f"{h}:443" for h in [reg.login_server, *expected])
            + " in client firewalls",
            **{**ev, "clientAllowlist": [reg.login_server, *expected]},
        )
    have = {h.lower() for h in actual}
    missing = [h for h in expected if h.lower() not in have]
    if actual and missing:
        return fail(
            f"data endpoint host names missing for {', '.join(missing)}", missingHostNames=missing, **ev
        )
    return ok(
        "dedicated data endpoints are on; clients allow " + ", ".join(f"{h}:443" for h in allowlist), **ev
    )


CHECKS = [
    Check(
        id="ACR-PL-001",
        title="SKU supports Private Link",
        severity=Severity.MEDIUM,
        family=Family.PRIVATE_LINK,
        rationale="Private endpoints, firewall rules, dedicated data endpoints and CMK are Premium-only; a Basic "
        "or Standard registry can only ever be reached publicly.",
        remediation=Remediation(
            "Upgrade the registry to Premium.",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --sku Premium",
        ),
        fn=check_sku,
        # not PSRule's Azure.ACR.MinSku: it passes Standard, this check requires Premium
        references=References(policy_definition_ids=("bd560fc0-3c69-498a-ae9f-aa8eb7de0e13",)),
    ),
    Check(
        id="ACR-PL-002",
        title="At least one approved private endpoint",
        severity=Severity.HIGH,
        family=Family.PRIVATE_LINK,
        rationale="A private endpoint keeps pushes and pulls on the private network and is the only way to keep "
        "access once public access is disabled.",
        remediation=Remediation(
            "Create a private endpoint for group 'registry' in a client VNet, with a DNS zone group.",
            az="az network private-endpoint create -n <pe> -g <pe-rg> --subscription <vnet-subscription> "
            "-l <vnet-location> --subnet <subnet-id> --private-connection-resource-id <registry-id> --group-id registry "
            "--connection-name <pe>-conn",
            action="CreatePrivateEndpoint",
        ),
        fn=check_private_endpoint,
        references=References(
            policy_definition_ids=(
                "e8eef0a8-67cf-4eb4-9386-14b0e78733d4",
                "d85c6833-7d33-4cf5-a915-aaa2de84405f",
            ),
            prowler=("containerregistry_uses_private_link",),
            docs=(LEARN_PL,),
        ),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-PL-003",
        title="No private endpoint connection is waiting for approval",
        severity=Severity.MEDIUM,
        family=Family.PRIVATE_LINK,
        rationale="A pending connection carries no traffic; someone requested private access and is still going "
        "over the public endpoint, or an unknown party is asking for a path into the registry.",
        remediation=Remediation(
            "Review the request, then approve or reject it.",
            az="az acr private-endpoint-connection approve -r <registry> -g <rg> --subscription <subscription> -n <connection>",
            action="ApprovePrivateEndpointConnection",
        ),
        fn=check_pending,
        references=References(docs=(LEARN_PL,)),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-PL-004",
        title="Private DNS answers for the login server and every region's data endpoint",
        severity=Severity.HIGH,
        family=Family.PRIVATE_LINK,
        rationale="Clients follow DNS: without an A record for <registry> and <registry>.<region>.data in the "
        "privatelink zone, pulls go to the public IP (or fail when public access is off).",
        remediation=Remediation(
            "Attach a DNS zone group for privatelink.azurecr.io to the endpoint; it writes every record.",
            az="az network private-endpoint dns-zone-group create -g <pe-rg> --subscription <pe-subscription> "
            "--endpoint-name <pe> -n default --private-dns-zone <zone-id> --zone-name registry",
            action="CreateDnsZoneGroup",
        ),
        fn=check_dns,
        inputs=(CheckInput.ENDPOINTS, CheckInput.DNS, CheckInput.REPLICAS),
        references=References(
            policy_definition_ids=("e9585a95-5b8c-4d03-b193-dc7eb5ac4c32",), docs=(LEARN_PL,)
        ),
        applies=premium_only,
        applicability="Premium with an approved private endpoint",
    ),
    Check(
        id="ACR-PL-005",
        title="Private DNS zone is linked to the endpoint's VNet",
        severity=Severity.HIGH,
        family=Family.PRIVATE_LINK,
        rationale="Records in a zone the VNet is not linked to are invisible to its clients.",
        remediation=Remediation(
            "Link the privatelink zone to the VNet (registration disabled).",
            az="az network private-dns link vnet create -g <zone-rg> --subscription <zone-subscription> "
            "-z privatelink.azurecr.io -n <link> -v <vnet-id> -e false",
            action="LinkPrivateDnsZone",
        ),
        fn=check_zone_link,
        inputs=(CheckInput.ENDPOINTS, CheckInput.DNS),
        references=References(docs=(LEARN_PL,)),
        applies=premium_only,
        applicability="Premium with an approved private endpoint",
    ),
    Check(
        id="ACR-NET-001",
        title="Public network access is disabled or restricted",
        severity=Severity.HIGH,
        family=Family.NETWORK,
        rationale="An open public endpoint lets anyone with a credential push or pull from anywhere. This is the "
        "control of built-in d0793b48 and PSRule Azure.ACR.Firewall: public access disabled, or the firewall's "
        "default action Deny (and, here, IP rules that do not admit the whole internet). The strict control, public "
        "access disabled whatever the firewall says, is ACR-NET-004.",
        remediation=Remediation(
            "Disable public access (with a private endpoint in place), or set default action Deny with IP rules.",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --public-network-enabled false  "
            "# or: az acr update -n <registry> -g <rg> --subscription <subscription> --default-action Deny && "
            "az acr network-rule add -n <registry> -g <rg> --subscription <subscription> --ip-address <cidr>",
            action="SetPublicNetworkAccess",
        ),
        fn=check_public_access,
        references=References(
            policy_definition_ids=("d0793b48-0edc-4296-a390-4c75d1bdfd71",),
            psrule=("Azure.ACR.Firewall",),
            docs=(LEARN_FW,),
        ),
    ),
    Check(
        id="ACR-NET-004",
        title="Public network access is disabled",
        severity=Severity.MEDIUM,
        family=Family.NETWORK,
        rationale="The strict control of built-in 0fdf0491, Checkov CKV_AZURE_139 and Prowler: with public access "
        "disabled the registry is reachable only through private endpoints, so IP rules cannot be widened by "
        "mistake and a leaked credential is useless off the private network. A firewall restricted to IP rules "
        "passes ACR-NET-001 and fails this. Disabling it locks out operators without a private path (ACR-NET-002).",
        remediation=Remediation(
            "With a private endpoint in place (ACR-PL-002) and operators on a private path (ACR-NET-002), disable "
            "public network access (Premium only).",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --public-network-enabled false",
            action="SetPublicNetworkAccess",
        ),
        fn=check_public_disabled,
        references=References(
            policy_definition_ids=("0fdf0491-d080-4575-b627-ad0e843cba0f", "a3701552-92ea-433e-9d17-33b7f1208fc9"),
            checkov=("CKV_AZURE_139",),
            prowler=("containerregistry_not_publicly_accessible",),
            docs=(LEARN_PL,),
        ),
    ),
    Check(
        id="ACR-NET-002",
        title="Operators keep a path to the data plane",
        severity=Severity.MEDIUM,
        family=Family.NETWORK,
        rationale="Disabling public access overrides IP rules: whoever manages images from outside the VNet loses "
        "push and pull. This says who would be locked out instead of failing the hardening.",
        remediation=Remediation(
            "Give operators a private path (VPN, peering, jump host) or an IP rule before restricting access.",
            az="az acr network-rule add -n <registry> -g <rg> --subscription <subscription> --ip-address <operator-cidr>",
            action="SetNetworkRules",
        ),
        fn=check_operator_path,
        references=References(docs=(LEARN_FW, LEARN_PL)),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-NET-003",
        title="Artifact export is disabled",
        severity=Severity.MEDIUM,
        family=Family.NETWORK,
        rationale="With export enabled, anyone with import rights elsewhere can copy artifacts out, bypassing the "
        "network restrictions.",
        remediation=Remediation(
            "Disable the export policy; Azure allows that only with public network access disabled, so one "
            "request turns both off.",
            az="az resource update --ids <registry-id> --set properties.publicNetworkAccess=Disabled "
            "properties.policies.exportPolicy.status=disabled",
            action="SetExportPolicy",
        ),
        fn=check_export,
        references=References(
            policy_definition_ids=("524b0254-c285-4903-bee6-bb8126cde579",),
            psrule=("Azure.ACR.ExportPolicy",),
        ),
        applies=premium_only,
        applicability="Premium",
    ),
    Check(
        id="ACR-DEP-001",
        title="Dedicated data endpoints are enabled",
        severity=Severity.MEDIUM,
        family=Family.DATA_ENDPOINT,
        rationale="Without data endpoints clients must allow *.blob.core.windows.net — every storage account in "
        "Azure — to pull layers; with them the allowlist is the registry's own names.",
        remediation=Remediation(
            "Allow the listed host names on 443 in client firewalls first, then enable data endpoints.",
            az="az acr update -n <registry> -g <rg> --subscription <subscription> --data-endpoint-enabled true",
            action="EnableDataEndpoint",
        ),
        fn=check_data_endpoint,
        inputs=(CheckInput.REPLICAS,),
        references=References(checkov=("CKV_AZURE_237",), docs=(LEARN_DEP,)),
        applies=premium_only,
        applicability="Premium",
    ),
]
