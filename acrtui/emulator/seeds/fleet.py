"""``fleet:N[xS]``: N registries over S subscriptions, a deterministic realistic mix, for benchmarks.

Mix per 20 registries: 4 Basic, 6 Standard (2 with admin user), 10 Premium — of which 4 CMK (shared vault per
subscription), 4 with an auto-approved private endpoint, 3 with public access disabled, 2 with a replica.
Registry j goes to subscription j mod S and, as the k-th registry there, gets kind (k + s) mod 20: every
subscription cycles through all 20 kinds (so its reads — replicas, endpoints, NICs, vaults — and their throttling
are those of a realistic mix, not of one kind), and the whole fleet keeps the mix above.
Registry sub-resources (what the audit reads per registry): kinds 6 and 16 have a webhook (the audit sign-in may
read its callback, as in the demo), kind 9 a repository-scoped token with its scope map.
Built by writing bodies through the providers (see ``runner``), like every seed.
"""

from __future__ import annotations

from ..state import State
from . import add_group, add_subscription, base_state
from .demo import Demo, grant_webhook_callback_reader
from .runner import seeding

REGIONS = ["eastus", "westeurope", "westus2", "northeurope", "uksouth"]


def fleet(n: int, subs: int, cloud: str = "AzureCloud") -> State:
    if n < 0 or subs < 1:
        raise ValueError("fleet:N[xS] needs N >= 0 and S >= 1")
    st = base_state(cloud)
    runner, frozen = seeding(st, f"fleet:{n}x{subs}")
    d = Demo(runner)
    with frozen:
        sub_ids = [add_subscription(st, f"fleet-{i}", f"fleet-{i:03d}") for i in range(subs)]
        shared: dict[str, tuple[dict, dict, dict]] = {}
        for i, sub in enumerate(sub_ids):
            region = REGIONS[i % len(REGIONS)]
            grant_webhook_callback_reader(st, sub)
            add_group(st, sub, "rg-acr", region)
            add_group(st, sub, "rg-shared", region)
            vnet = d.vnet(sub, "rg-shared", "vnet-fleet", region, "10.0.0.0/16", {"snet-pe": "10.0.0.0/18"})
            zone = d.dns_zone(sub, "rg-shared", [vnet])
            kv = d.vault(sub, "rg-shared", f"kv-fleet-{i:03d}", region, purge_protection=i % 2 == 0)
            key = d.key(kv, "acr-cmk")
            ident = d.identity(sub, "rg-shared", "id-acr-fleet", region)
            d.grant_key_access(kv, ident["properties"]["principalId"])
            shared[sub] = (vnet, zone, {"key": key, "identity": ident})
        for j in range(n):
            sub = sub_ids[j % subs]
            region = REGIONS[(j // subs) % len(REGIONS)]
            vnet, zone, cmk = shared[sub]
            name = f"fleet{j:05d}acr"
            slot = (j // subs + j % subs) % 20
            if slot < 4:
                d.registry(sub, "rg-acr", name, region, "Basic")
            elif slot < 10:
                reg = d.registry(sub, "rg-acr", name, region, "Standard", adminUserEnabled=slot < 6)
                if slot == 6:
                    d.webhook(reg, "cideploy", "https://ci.example.com/hooks/acr")
                if slot == 9:
                    d.token(reg, "ci-pull", d.scope_map(reg, "ci-pull-scope", ["repositories/app/content/read"]), None)
            elif slot < 14:
                d.cmk_registry(sub, "rg-acr", name, region, cmk["identity"], cmk["key"]["properties"]["keyUri"])
            else:
                props = {"publicNetworkAccess": "Disabled"} if slot >= 17 else {}
                reg = d.registry(sub, "rg-acr", name, region, "Premium", **props)
                if slot < 16:
                    d.replica(reg, REGIONS[(REGIONS.index(region) + 1) % len(REGIONS)])
                if slot == 16:
                    d.webhook(reg, "scanner", "https://scan.example.com/acr")
                if slot >= 14 and slot < 18:
                    d.private_endpoint(sub, "rg-shared", f"pe-{name}", vnet["location"], f"{vnet['id']}/subnets/snet-pe", reg, zone=zone)
    return st
