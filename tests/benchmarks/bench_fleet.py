"""Benchmark: ``acrtui audit`` on a fleet vs a sequential SDK crawler and vs the floor ARM's limits allow.

Run: ``.venv/bin/python tests/benchmarks/bench_fleet.py [--sizes fleet:2000x20,fleet:500x20] [--latency-ms 50]``
(a script, not a test; one size takes minutes: never run it in a loop). For each size it starts
``acrtui emulator --seed <size> --latency-ms <ms>`` as its own process, then runs, each in its own process:

- ``acrtui audit --format json`` on the ARM inventory path (and ``--inventory graph`` when that option exists);
- a sequential crawler written with the public async SDK that reads the same facts one request at a time (what
  an az-CLI script or a PSRule export does: registries (and again at the soft-delete preview api-version),
  replications, tokens, scope maps, webhooks and their callback configs, cache rules, credential sets, connected
  registries, registry diagnostic settings, private endpoints, NICs, DNS zone groups, VNet links and A records per
  endpoint, vaults, keys and versions, vault diagnostic settings and role assignments, policy assignments, states
  and exemptions, Defender pricings and, where image scanning is on, its assessments from Resource Graph). ``--skip-crawler-above N`` skips it for larger fleets (it takes ~10 min at 2000).

and prints wall time, client CPU, peak RSS (``wait4``), requests, 429s, requests per subscription, TLS
connections the emulator saw, and the ratios. The floor is the larger of (round trips on the critical path of the
data dependencies × latency) and (the busiest subscription's reads beyond ARM's burst ÷ its refill rate: burst 250,
25 reads/s per principal and subscription — Learn, "Understand how Azure Resource Manager throttles requests").
``--tracemalloc`` adds an in-process load under ``tracemalloc`` (slow) and prints its peak traced memory.

Profile: ``python -m cProfile -m acrtui audit --format json`` against ``acrtui emulator --seed fleet:200x20`` in its
own process, 0 ms latency, top entries by own time (a loaded 2-core machine: absolute seconds are inflated)::

    before (70a9739): 17.4 s profiled, 375 requests
      do_handshake (_ssl)             754 calls  0.96 s   a TLS handshake per request
      json encoder (report writer)               0.81 s + 0.35 s
      type.__new__ / isinstance                  0.59 s + 0.40 s   SDK model deserialisation
      load_verify_locations (_ssl)    377 calls  0.29 s   an SSLContext built per request
      inventory: collect() → AsyncList → models → raw() re-serialisation: 5.1 s cumulative
    after (this branch): 12.4 s profiled, 306 requests (A records and links once per zone)
      json encoder (report writer)               1.52 s + 0.57 s + 0.30 s   now the top three entries
      SimpleQueue.put                 617 calls  0.38 s
      compile / marshal.loads (imports)          0.31 s + 0.30 s
      no handshake, no load_verify_locations in the top 50; inventory reads: 2.6 s cumulative
    at fleet:500x20 (after): write_json 12.6 s of 36.7 s profiled, AuditReport.to_json 2.8 s, the inventory 8.7 s.

Measured (2-core machine shared with ~7 other sessions, load average 7–13: wall times stretch, CPU seconds and
requests are the steadier figures):

    fleet:2000x20, 50 ms (load average 14): --compare-with a checkout of 70a9739, crawler from a separate run
                           wall     CPU    peak RSS  requests  busiest sub  TLS connections
      acrtui audit (ARM)   56.2 s  13.3 s  539 MB    1,932     308          16
      audit at 70a9739    239.7 s  57.0 s  860 MB    3,318     704          3,058
      sequential crawler  463.9 s  50.3 s  380 MB    3,317     704          2,923
      → 4.3× faster and 4.3× less CPU than before; 7.3× faster than the crawler (wall, at load average 15);
        floor 2.3 s (ARM budget: (308 − 250) ÷ 25/s; critical path 7 × 50 ms = 0.35 s) → 24× the floor, which
        the CPU of a shared 2-core machine, not waiting, now sets (6.9 ms client CPU per request, ~45% of it the
        report: json.dumps(indent=2) of 52,000 findings, 78.7 MB).
      tracemalloc of the load alone: peak 67 MB traced, 39 MB retained (11 MB of it code, 11 MB the estate's
      models): the audit's RSS beyond that is the report (acrtui/audit/*).
    fleet:500x20, 50 ms (load average 11): audit 25.4 s wall, 5.0 s CPU, 196 MB, 576 requests, 16 connections;
      crawler 87.2 s, 10.0 s CPU, 164 MB, 767 requests, 719 connections; load alone peak 38 MB traced.
      500 → 2000: audit CPU ×2.7, peak RSS ×2.8, requests ×3.4 for 4× the registries.
    0 × 429 in every run: the busiest subscription stays inside ARM's burst plus refill.

Since the registry sub-resource checks (the audit reads ~6 lists per registry; the crawler collects the same facts
since this change): profile of ``acrtui --inventory arm audit`` at fleet:500x20, 0 ms, load average 3.8::

    before (715b6db): write_json 12.6 s of 36.7 s profiled — json.dumps(indent=2) of 23,500 findings, each with
      its check's remediation and references (37.0 MB)
    after (JSON schema 2.0, streamed): 32.9 s profiled, 4,011 requests; iter_json 2.9 s (13.0 MB), of which
      FindingRecord.fix 1.25 s (then cut to the placeholders a command holds) and the encoder 0.39 s; the rest is
      per request: azure-core's pipeline 12.0 s cumulative (_make_pipeline_call), aiohttp _request 7.3 s,
      epoll/send/recv/SSL ~5 s, SimpleQueue.put 1.1 s — ~3 ms of client CPU per request, the SDK pipeline the
      product must keep (auth, retry, read-only guard, journal); no SDK model deserialisation left in the top 40
      (vault, key and key-version reads and Defender's Graph rows are raw JSON now).
    memory (in-process, fleet:2000x20, Graph path): 258 MB peak after the load before → 145 MB once a stage
      starts at most 256 reads (every registry's six lists were tasks and built requests at once) and the listed
      bodies are slimmed; the audit's findings (slots) add 14 MB, the streamed report nothing.

    fleet:2000x20, 50 ms, load average 5–8 (another session's fleet:10000x20 emulator on the same 2 cores):
                           wall     CPU    peak RSS  requests  busiest sub
      acrtui (ARM)        210.5 s  48.9 s  164 MB    15,262    752
      acrtui (Graph)      131.1 s  43.4 s  159 MB    11,748    576   (webhooks from Graph: −2,000 lists)
      715b6db (auto=Graph)149.8 s  64.9 s  1,081 MB  13,748    676
      crawler (same facts)1209.7 s 140.6 s 354 MB    16,041    791   (9,903 TLS connections)
      → Graph 9.2×, ARM 5.7× faster than the crawler (goal 20×); floor 20.1 s (ARM budget: (752 − 250) ÷ 25/s)
        → Graph 6.5×, ARM 10.5× of it (goal 3×); 3.2–3.7 ms client CPU per request
    fleet:500x20, 50 ms, load average 2: ARM 24.8 s, 12.9 s CPU, 120 MB, 4,012 requests; Graph 21.7 s, 11.5 s,
      113 MB, 3,045; 715b6db 30.3 s, 17.1 s, 338 MB, 3,545 (before this change, idle: ARM 23.5 s, 16.5 s CPU,
      302 MB, report 37.0 MB → 13.0 MB); crawler 273.7 s, 37.6 s CPU, 4,191 requests → ARM 11.0×, Graph 12.6×.
      With 16 requests in flight the audit waits on latency, not CPU: ``--concurrency 48`` (ACRTUI_CONCURRENCY,
      load average 0.4): ARM 13.3 s wall on 12.1 s CPU, Graph 14.7 s on 10.5 s — ~20× the crawler's 273.7 s, now
      CPU-bound; 0 × 429 (the per-subscription pacing holds). The default (16) is unchanged: not yet measured at
      fleet:2000x20 or against real ARM.
    fleet:10000x20, 5 ms (auto → Graph), load average 4–8: 1,266 s wall, 221 s CPU (752 s originally), peak RSS
      440 MB (5.18 GB originally; goal 300 MB not reached), 58,285 requests, 0 × 429, report 259 MB (408 MB).

Client CPU per request (acrtui/azure/session.py: the read pipeline). Profile of ``acrtui --inventory arm audit``
at fleet:500x20, 0 ms, cProfile with a CPU-time timer (totals inflated by the profiler; the proportions hold)::

    before (535c4b8): 40.3 s profiled, 4,014 requests — own time by package: azure-core 6.5 s (_make_pipeline_call
      17.5 s cumulative: 14 policies per request, the rest-response compatibility hooks _helpers.__getattr__ /
      _http_response_impl.__setattr__ / _pad_attr_name ~0.9 s), asyncio 4.8 s, aiohttp 3.7 s (_request 6.8 s
      cumulative), acrtui/azure 2.7 s, urllib 1.4 s (urlsplit ×12,081; redact_url's parse_qsl + urlencode on every
      journaled URL); and two worker-thread hops per request: aiohttp's trust_env ran _get_netrc_auth and
      get_env_proxy_for_url in the default executor (SimpleQueue.put ×8,028, a Future and a Condition each)
    after (this change): 27.9 s profiled — aiohttp 3.6 s (_request 4.8 s cumulative), asyncio 3.1 s, acrtui/azure
      2.8 s, acrtui/audit 2.6 s, azure-core 2.1 s (pipeline run 10.5 s cumulative, no _make_pipeline_call); the top
      entries by own time are now isinstance, enum __get__, aiohttp _request, the audit runner (status, fix,
      to_json), the JSON encoder and azure-core's transport send; no executor hop, no urlsplit in the top 40
    what changed: aiohttp's session with trust_env off and the environment's proxy (HTTPS_PROXY / NO_PROXY, netrc
      for the proxy's credentials) resolved once per host; reads through one lean azure-core pipeline per session
      (client request id, user agent, retry, read-only guard, limiter, journal, ARM bearer/challenge — not content
      decoding, redirects, RP auto-registration, tracing, HTTP logging, custom hooks); get_json sends azure-core's
      transport-level HttpRequest; uuid4 request ids; URL paths by slicing; redaction parses only queries that name
      a secret; the limiter's slot a class; lists collected by a coroutine, not an async generator
    get_json alone (3,000–4,000 diagnostic-settings reads, 48 in flight, 0 ms): 2.3 ms → 1.0–1.1 ms client CPU
      per request (trust_env off alone: → 1.3–1.5 ms)
    fleet:500x20, 50 ms, one `acrtui audit` each (load average 3–5, /usr/bin/time): ARM 13.1 s → 6.0 s CPU,
      Graph 9.8 s → 5.5 s CPU, reports byte-identical apart from generatedAt; bench (load 4):
      ARM 21.8 s wall, 5.9 s CPU, 124 MB; Graph 24.5 s, 6.0 s CPU, 117 MB; crawler 291.7 s, 37.3 s CPU → ARM 13.4×,
      Graph 11.9× (wall stretched by the load: the client used 6 s of CPU in 22 s)

    fleet:2000x20, 50 ms, ``--sizes fleet:2000x20`` (default 48 in flight), load average 0.4–0.9 (idle machine):
                           wall     CPU    peak RSS  requests  busiest sub  emulator CPU
      acrtui audit (ARM)   45.9 s  24.2 s  172 MB    15,262    752          25.5 s
      acrtui audit (Graph) 52.2 s  21.6 s  166 MB    11,748    576          32.9 s
      crawler (same facts)1042.5 s 145.9 s 365 MB    16,041    791          88.4 s  (9,792 TLS connections)
      → ARM 22.7×, Graph 20.0× faster than the crawler; 2.3× / 2.6× the 20.1 s floor; 1.6 / 1.8 ms client CPU per
        request (3.0 / 3.5 before: 46.1 s / 41.5 s CPU); 0 × 429. The idle crawler is 1,042 s (the earlier
        estimate of ~950 s left out the emulator's 88 s of CPU on its critical path).
      Where the wall time goes now (in-process load_estate with a journal listener, same emulator): ARM load
      42.8 s, 16.5 s client CPU, emulator 28.6 s CPU, the limiter never paced (its 25 reads/s outrun the load),
      48 in flight at 130–150 ms a request instead of 50 ms: ~350 requests/s. At 96 in flight (Graph) the load
      was no faster (34.7 s vs 33.0 s) and requests took 250 ms: the emulator's one Python process is the
      bottleneck now (~1.9 ms of its CPU per request at 2000 registries, growing with the estate — its diagnostic
      settings list scans every resource per read (providers/monitor.py _settings), RBAC scans the role
      assignments per request); the audit after the load (checks, 51.8 MB report) adds ~5 s.

Memory (``--memory``: peak RSS of ``acrtui audit --format json -o FILE`` by ``wait4``, ``--compare-with`` the same
for another tree, then ``--traced-audit``: the load and the streamed audit in process under ``tracemalloc``).
Where it went, fleet:2000x20 at 0 ms, the emulator in its own process, the load in process (auto → Graph, 48 in
flight; load average 3–4, the machine shared), before = 535c4b8:

    before: RSS 161 MB after the load, 169 MB after run_audit, 171 MB peak after the JSON; tracemalloc: load peak
      88.5 MB traced, 43.6 MB retained (13 MB of it code: the estate ~15 KB per registry), the 94,000 findings
      +33 MB (16.5 KB per registry, held until the report was written); RSS grew ~27 KB per registry (500 → 2000)
    the estate (deep size per registry at fleet:500x20): 13.6 KB, of it 5.2 KB the set of field names pydantic
      gives every model instance (2 KB for a registry's 28 fields) and ~2 KB short strings repeated per model
      ("Succeeded", "eastus", scope-map actions) → models share equal sets and intern short strings: 6.4 KB
    the load's transients: the listed bodies while the detail reads run (fleet:500x20): NIC rows 780 KB (slimmed
      to their IPs: 235 KB), the registries' slim bodies 1,013 KB (they held each body's whole policies: 544 KB,
      and each listed body released as its model is made), listed replications 559 KB (dropped once in the
      registries); endpoint, NIC, zone and vault rows released when their stage ends
    after: RSS 139 MB peak, reached in the load — the streamed audit and its 51.8 MB report add nothing;
      tracemalloc: load peak 71.1 MB, 32.4 MB retained, the audit +0 (one registry's findings at a time);
      RSS grows ~15 KB per registry (500 → 2000: 117 → 139 MB)
    end to end, fleet:500x20, 0 ms (`/usr/bin/time -v acrtui audit --format json -o report.json --soft-fail`,
      load 3.3): 126.4 MB before → 122.9 MB, reports byte-identical but generatedAt (the fixed ~110 MB is the
      interpreter, the SDK's code, 96 TLS connections' 128 KB read buffers and 256 reads in flight per stage)
    fleet:10000x20, 0 ms (0 to fit the benchmark slot; 5 ms took 21 min before), the goal measurement:
      `acrtui emulator --seed fleet:10000x20 --latency-ms 0` in its own process, then
      `/usr/bin/time -v acrtui audit --format json -o report.json --soft-fail` (load average 0.9–2.4):
      **peak RSS 254 MB** (260,532 KB; 440 MB before this change at 5 ms, 5.18 GB originally; goal < 300 MB),
      7 min 39 s wall, 182 s user + 15 s system CPU, exit 0, report 259 MB. VmHWM sampled every 15 s reached
      its peak 75 s in (of 459 s: the listing and the first detail reads) and stayed there through the audit and
      the report; not profiled at 10,000 — at 2000 the listing held ~17 MB of Resource Graph rows at once, which
      grows with the estate: the likely next holder
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ARM_BURST, ARM_RATE = 250, 25.0  # reads per principal and subscription (Learn: ARM throttling, token bucket)


# ---------------------------------------------------------------- the emulator process


class EmulatorProcess:
    def __init__(self, seed: str, latency_ms: float, page_size: int) -> None:
        cmd = [sys.executable, "-m", "acrtui", "emulator", "--seed", seed, "--latency-ms", str(latency_ms),
               "--page-size", str(page_size)]
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        self.env: dict[str, str] = {}
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            line = line.strip()
            if line == "ready":
                break
            if "=" in line:
                k, _, v = line.partition("=")
                self.env[k] = v
        else:
            raise RuntimeError(f"emulator exited: {self.proc.wait()}")
        self.ctx = ssl.create_default_context(cafile=self.env["ACRTUI_EMULATOR_CA"])

    def admin(self, method: str, what: str) -> Any:
        req = urllib.request.Request(f"{self.env['ACRTUI_EMULATOR_URL']}/_emulator/{what}", method=method,
                                     headers={"Authorization": f"Bearer {self.env['ACRTUI_EMULATOR_ADMIN_TOKEN']}"})
        with urllib.request.urlopen(req, context=self.ctx) as resp:
            return json.loads(resp.read() or b"{}")

    def cpu_s(self) -> float:
        with open(f"/proc/{self.proc.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- one measured run


def run_child(cmd: list[str], env: dict[str, str], cwd: str | None = None) -> tuple[float, float, float, int, str]:
    """(wall s, CPU s, peak RSS MB, exit code, stderr tail) of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=cwd)
    _, status, ru = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024, proc.returncode, err[-600:]


def requests_of(emu: EmulatorProcess) -> list[dict[str, Any]]:
    return [r for r in emu.admin("GET", "requests")["value"] if r["kind"] in ("arm", "graph")]


def per_subscription(reqs: list[dict[str, Any]]) -> Counter[str]:
    out: Counter[str] = Counter()
    for r in reqs:
        segs = r["path"].strip("/").split("/")
        if len(segs) > 1 and segs[0].lower() == "subscriptions" and r["method"] in ("GET", "HEAD"):
            out[segs[1].lower()] += 1
    return out


def measure(name: str, emu: EmulatorProcess, cmd: list[str], env: dict[str, str], cwd: str | None = None
            ) -> dict[str, Any]:
    emu.admin("DELETE", "requests")
    emu_cpu = emu.cpu_s()
    wall, cpu, rss, rc, err = run_child(cmd, env, cwd)
    reqs = requests_of(emu)
    subs = per_subscription(reqs)
    row = {"name": name, "wall": wall, "cpu": cpu, "rss": rss, "rc": rc, "requests": len(reqs),
           "throttled": sum(1 for r in reqs if r["status"] == 429), "per_sub_max": max(subs.values(), default=0),
           "per_sub_min": min(subs.values(), default=0), "connections": len({r.get("connection") for r in reqs}),
           "emulator_cpu": emu.cpu_s() - emu_cpu}
    if rc not in (0, 1) or (rc and "crawler" in name):
        row["error"] = err
    print(f"  {name:<26} {wall:7.1f} s wall {cpu:7.1f} s CPU {rss:7.0f} MB peak RSS  exit {rc}  "
          f"{row['requests']:6d} requests ({row['throttled']} × 429, per subscription {row['per_sub_min']}–"
          f"{row['per_sub_max']}, {row['connections']} TLS connections; emulator CPU {row['emulator_cpu']:.1f} s)",
          flush=True)
    if "error" in row:
        print("    stderr: " + err.replace("\n", "\n    "))
    return row


# ---------------------------------------------------------------- the sequential crawler (public async SDK)


async def crawl() -> int:
    """One request at a time, models as the SDK returns them; reads what the audit reads."""
    from azure.core.rest import HttpRequest
    from azure.identity.aio import ClientSecretCredential
    from azure.mgmt.authorization.aio import AuthorizationManagementClient
    from azure.mgmt.containerregistry.aio import ContainerRegistryManagementClient
    from azure.mgmt.keyvault.aio import KeyVaultManagementClient
    from azure.mgmt.network.aio import NetworkManagementClient
    from azure.mgmt.policyinsights.aio import PolicyInsightsClient
    from azure.mgmt.privatedns.aio import PrivateDnsManagementClient
    from azure.mgmt.resource.policy.aio import PolicyClient
    from azure.mgmt.resource.subscriptions.aio import SubscriptionClient

    from acrtui.azure.inventory import DIAG_API, EXEMPTIONS_API
    from acrtui.azure.registry_details import SOFT_DELETE_API
    from acrtui.azure.security_reads import ASSESSMENT_QUERY, PRICINGS_API, VA_EXTENSION, plan_from_json

    e = os.environ
    url, ca = e["ACRTUI_EMULATOR_URL"], e["ACRTUI_EMULATOR_CA"]
    cred = ClientSecretCredential(e["AZURE_TENANT_ID"], e["AZURE_CLIENT_ID"], e["AZURE_CLIENT_SECRET"],
                                  authority=url.split("//", 1)[1], disable_instance_discovery=True, connection_verify=ca)
    kw: dict[str, Any] = {"base_url": url, "credential_scopes": [url + "/.default"], "connection_verify": ca}
    facts: dict[str, Any] = {}

    def rg_name(rid: str) -> tuple[str, str]:
        segs = rid.strip("/").split("/")
        return segs[3], segs[-1]

    async def rest(client: Any, method: str, path: str, api: str, body: Any = None) -> Any:
        """What the SDKs do not cover (diagnostic settings, pricings, exemptions, preview bodies), as az does."""
        req = HttpRequest(method, f"{url}{path}{'&' if '?' in path else '?'}api-version={api}", json=body)
        return json.loads((await client.send_request(req)).text() or "{}")

    async with SubscriptionClient(cred, **kw) as sc:
        subs = [s.subscription_id async for s in sc.subscriptions.list()]
    for sub in subs:
        async with (ContainerRegistryManagementClient(cred, sub, **kw) as acr, NetworkManagementClient(cred, sub, **kw) as net,
                    PrivateDnsManagementClient(cred, sub, **kw) as dns, KeyVaultManagementClient(cred, sub, **kw) as kv,
                    AuthorizationManagementClient(cred, sub, **kw) as auth,
                    PolicyClient(cred, sub, **kw) as pol, PolicyInsightsClient(cred, sub, **kw) as pi):
            regs = [r async for r in acr.registries.list()]
            # soft delete exists only in preview bodies: the subscription's registries again at that api-version
            facts[f"{sub}/softdelete"] = await rest(
                acr, "GET", f"/subscriptions/{sub}/providers/Microsoft.ContainerRegistry/registries", SOFT_DELETE_API)
            vault_keys: dict[str, set[str]] = {}
            for r in regs:
                rg, name = rg_name(r.id)
                premium = r.sku.name == "Premium"
                reps = [x async for x in acr.replications.list(rg, name)] if premium else []
                hooks = [x async for x in acr.webhooks.list(rg, name)]
                facts[r.id] = (r, reps, [x async for x in acr.tokens.list(rg, name)],
                               [x async for x in acr.scope_maps.list(rg, name)],
                               [await acr.webhooks.get_callback_config(rg, name, h.name) for h in hooks],
                               [x async for x in acr.cache_rules.list(rg, name)],
                               [x async for x in acr.credential_sets.list(rg, name)],
                               [x async for x in acr.connected_registries.list(rg, name)] if premium else [],
                               await rest(acr, "GET", f"{r.id}/providers/Microsoft.Insights/diagnosticSettings",
                                          DIAG_API))
                enc = r.encryption
                if enc and enc.status == "enabled" and enc.key_vault_properties and enc.key_vault_properties.key_identifier:
                    host, _, kpath = enc.key_vault_properties.key_identifier.split("//", 1)[1].partition("/")
                    vault_keys.setdefault(host.split(".")[0].lower(), set()).add(kpath.split("/")[1])
            for pe in [p async for p in net.private_endpoints.list_by_subscription()]:
                rg, name = rg_name(pe.id)
                for n in pe.network_interfaces or []:
                    nrg, nname = rg_name(n.id)
                    facts[n.id] = await net.network_interfaces.get(nrg, nname)
                for g in [g async for g in net.private_dns_zone_groups.list(name, rg)]:
                    for cfg in g.private_dns_zone_configs or []:
                        zrg, zname = rg_name(cfg.private_dns_zone_id)
                        facts[pe.id] = ([x async for x in dns.virtual_network_links.list(zrg, zname)],
                                        [x async for x in dns.record_sets.list_by_type(zrg, zname, "A")])
            for v in [v async for v in kv.vaults.list_by_subscription()]:
                if v.name.lower() not in vault_keys:
                    continue
                rg, name = rg_name(v.id)
                vault = await kv.vaults.get(rg, name)
                for k in sorted(vault_keys[v.name.lower()]):
                    facts[f"{v.id}/{k}"] = (await kv.keys.get(rg, name, k), [x async for x in kv.keys.list_versions(rg, name, k)])
                # azure-mgmt-monitor has no diagnostic settings operations: the REST call, as az does
                facts[f"{v.id}/diag"] = await rest(acr, "GET", f"{v.id}/providers/Microsoft.Insights/diagnosticSettings",
                                                   DIAG_API)
                if vault.properties.enable_rbac_authorization:
                    facts[f"{v.id}/rbac"] = [a async for a in auth.role_assignments.list_for_scope(v.id)]
            facts[f"{sub}/policy"] = [a async for a in pol.policy_assignments.list()]
            from azure.mgmt.policyinsights.models import QueryOptions

            opts = QueryOptions(filter="resourceType eq 'Microsoft.ContainerRegistry/registries'")
            facts[f"{sub}/states"] = [s async for s in pi.policy_states.list_query_results_for_subscription(
                "latest", sub, query_options=opts)]
            facts[f"{sub}/exemptions"] = await rest(
                acr, "GET", f"/subscriptions/{sub}/providers/Microsoft.Authorization/policyExemptions", EXEMPTIONS_API)
            pricings = await rest(acr, "GET", f"/subscriptions/{sub}/providers/Microsoft.Security/pricings",
                                  PRICINGS_API)
            facts[f"{sub}/defender"] = pricings
            plan = plan_from_json(sub, pricings)
            if plan.on and plan.extensions.get(VA_EXTENSION):  # Defender's image findings live in Resource Graph's securityresources only
                facts[f"{sub}/assessments"] = await rest(
                    acr, "POST", "/providers/Microsoft.ResourceGraph/resources", "2021-03-01",
                    {"subscriptions": [sub], "query": ASSESSMENT_QUERY, "options": {"$top": 1000}})
    await cred.close()
    print(len(facts))
    return 0


# ---------------------------------------------------------------- in-process load under tracemalloc


async def traced_load() -> int:
    import tracemalloc

    from acrtui.azure.inventory import load_estate
    from acrtui.azure.targets import TargetOptions, open_session

    tracemalloc.start()
    session = open_session(TargetOptions(read_only=True))
    try:
        estate = await load_estate(session)
    finally:
        await session.close()
    current, peak = tracemalloc.get_traced_memory()
    snap = tracemalloc.take_snapshot()
    print(json.dumps({"registries": len(estate.registries), "retained_mb": current / 2**20, "peak_mb": peak / 2**20,
                      "top": [str(s) for s in snap.statistics("filename")[:5]]}))
    return 0


def traced_audit() -> int:
    """The load, then the streamed audit written as JSON (to /dev/null), under ``tracemalloc``: the traced peak,
    what the estate retains, and what the audit adds on top (per registry)."""
    import datetime as dt
    import tracemalloc

    from acrtui.audit.runner import run_audit
    from acrtui.audit.writers import iter_json
    from acrtui.azure.inventory import load_estate
    from acrtui.azure.targets import TargetOptions, open_session
    from acrtui.domain.checks import CheckSettings

    async def load() -> Any:
        session = open_session(TargetOptions(read_only=True, concurrency=48))
        try:
            return await load_estate(session)
        finally:
            await session.close()

    tracemalloc.start()
    estate = asyncio.run(load())
    n = len(estate.registries)
    loaded, load_peak = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    report = run_audit(estate, settings=CheckSettings(now=dt.datetime.now(dt.UTC)), stream=True)
    size = 0
    with open(os.devnull, "w") as out:
        for piece in iter_json(report):
            size += len(piece)
            out.write(piece)
    _, audit_peak = tracemalloc.get_traced_memory()
    mb = 2**20
    print(json.dumps({"registries": n, "load_peak_mb": round(load_peak / mb, 1), "estate_mb": round(loaded / mb, 1),
                      "audit_peak_mb": round(audit_peak / mb, 1), "audit_adds_mb": round((audit_peak - loaded) / mb, 1),
                      "report_mb": round(size / mb, 1)}))
    return 0


def memory(seed: str, args: argparse.Namespace) -> dict[str, float]:
    """``--memory``: peak RSS (wait4) of ``acrtui audit --format json`` with this tree (and ``--compare-with``), then
    the in-process tracemalloc breakdown; the emulator in its own process."""
    n = int(seed.split(":", 1)[1].split("x")[0])
    print(f"\n{seed}, {args.latency_ms:g} ms latency, memory (load average {os.getloadavg()[0]:.1f})", flush=True)
    emu = EmulatorProcess(seed, args.latency_ms, args.page_size)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-mem-"))
    peaks: dict[str, float] = {}
    try:
        env = {**os.environ, **emu.env, "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(tmp / "state"),
               "XDG_CONFIG_HOME": str(tmp / "config"), "ACRTUI_READ_ONLY": "1"}
        if args.concurrency:
            env["ACRTUI_CONCURRENCY"] = str(args.concurrency)
        tail = ["-m", "acrtui", "audit", "--format", "json", "-o", str(tmp / "report.json"), "--soft-fail"]
        trees = [("this tree", str(ROOT))] + ([("--compare-with", str(Path(args.compare_with).resolve()))]
                                              if args.compare_with else [])
        for name, tree in trees:
            wall, cpu, rss, rc, err = run_child([sys.executable, *tail], {**env, "PYTHONPATH": tree}, cwd=tree)
            size = (tmp / "report.json").stat().st_size / 2**20 if (tmp / "report.json").exists() else 0.0
            peaks[name] = rss
            print(f"  acrtui audit ({name}): peak RSS {rss:.0f} MB, {wall:.1f} s wall, {cpu:.1f} s CPU, exit {rc}, report {size:.1f} MB", flush=True)
            if rc not in (0, 1):
                print("    stderr: " + err.replace("\n", "\n    "))
        if not args.skip_traced:
            out = subprocess.run([sys.executable, __file__, "--traced-audit"], env=env, capture_output=True, text=True)
            print(f"  tracemalloc (in-process load + streamed audit): {out.stdout.strip() or out.stderr[-400:]}")
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return {**peaks, "registries": n}


# ---------------------------------------------------------------- the floor and the report


def floor_s(n: int, subs: int, page_size: int, latency_s: float, busiest_reads: int) -> tuple[float, float, int]:
    """(critical-path floor, ARM-budget floor, round trips on the critical path).

    The critical path of the data dependencies: token → subscriptions → the registry list's pages → a
    registry's replications → an endpoint's NIC and zone group (listed with the registries) → the zone's links
    and records; the CMK branch (vault → key → versions) and policy (assignments → definition) are no longer.
    Then the directory names of the principals (one Graph call)."""
    pages = max(1, math.ceil(n / subs / page_size))
    trips = 1 + 1 + pages + 1 + 1 + 1 + 1
    return trips * latency_s, max(0.0, busiest_reads - ARM_BURST) / ARM_RATE, trips


def bench(seed: str, args: argparse.Namespace) -> dict[str, Any]:
    n, subs = (int(x) for x in seed.split(":", 1)[1].split("x"))
    load = os.getloadavg()[0]
    print(f"\n{seed}, {args.latency_ms:g} ms latency, page size {args.page_size} (load average {load:.1f} on "
          f"{os.cpu_count()} CPUs: wall times stretch when other work shares them; CPU seconds do not)", flush=True)
    emu = EmulatorProcess(seed, args.latency_ms, args.page_size)
    tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
    try:
        env = {**os.environ, **emu.env, "PYTHONPATH": str(ROOT), "XDG_STATE_HOME": str(tmp / "state"),
               "XDG_CONFIG_HOME": str(tmp / "config"), "ACRTUI_READ_ONLY": "1"}
        if args.concurrency:
            env["ACRTUI_CONCURRENCY"] = str(args.concurrency)
        acrtui = [sys.executable, "-m", "acrtui"]
        tail = ["audit", "--format", "json", "-o", str(tmp / "report.json"), "--soft-fail"]
        audit = [*acrtui, *tail]
        has_graph = graph_option()  # a global option: acrtui --inventory graph audit …
        rows = {"arm": measure("acrtui audit (ARM)", emu, [*acrtui, "--inventory", "arm", *tail] if has_graph else audit,
                               env)}
        report_mb = (tmp / "report.json").stat().st_size / 2**20 if (tmp / "report.json").exists() else 0.0
        print(f"  JSON report: {report_mb:.1f} MB")
        if has_graph:
            rows["graph"] = measure("acrtui audit (Graph)", emu, [*acrtui, "--inventory", "graph", *tail], env)
        else:
            print("  acrtui audit (Graph): skipped — this build has no `acrtui --inventory graph` option")
        if args.compare_with:  # another checkout (e.g. `git archive <base> acrtui | tar -x -C DIR`), same emulator
            base = str(Path(args.compare_with).resolve())
            rows["base"] = measure(f"audit at {Path(base).name}", emu, audit, {**env, "PYTHONPATH": base}, cwd=base)
        if args.tracemalloc:
            out = subprocess.run([sys.executable, __file__, "--traced-load"], env=env, capture_output=True, text=True)
            print(f"  tracemalloc (in-process load): {out.stdout.strip() or out.stderr[-400:]}")
        if n > args.skip_crawler_above:
            print(f"  sequential crawler: skipped above {args.skip_crawler_above} registries (--skip-crawler-above)")
        else:
            rows["crawler"] = measure("sequential SDK crawler", emu, [sys.executable, __file__, "--crawl"], env)
        arm = rows["arm"]
        critical, budget, trips = floor_s(n, subs, args.page_size, args.latency_ms / 1000, arm["per_sub_max"])
        floor = max(critical, budget)
        print(f"  floor: {floor:.1f} s = max({trips} round trips × {args.latency_ms:g} ms = {critical:.2f} s, "
              f"({arm['per_sub_max']} reads on the busiest subscription − {ARM_BURST} burst) ÷ {ARM_RATE:g}/s = "
              f"{budget:.2f} s)")
        for k, r in rows.items():
            if k != "crawler" and "crawler" in rows:
                c = rows["crawler"]
                print(f"  {r['name']}: {c['wall'] / r['wall']:.1f}× faster than the crawler (wall), "
                      f"{c['requests'] / max(1, r['requests']):.1f}× fewer requests, CPU {r['cpu'] / c['cpu']:.2f}× the "
                      f"crawler's, peak RSS {r['rss'] / c['rss']:.2f}× the crawler's")
            if k == "base":
                print(f"  {rows['arm']['name']} vs {r['name']}: {r['wall'] / rows['arm']['wall']:.1f}× faster (wall), "
                      f"{r['cpu'] / rows['arm']['cpu']:.1f}× less CPU, {r['rss'] / rows['arm']['rss']:.1f}× less peak RSS, "
                      f"{r['requests'] / max(1, rows['arm']['requests']):.1f}× fewer requests")
            if k != "crawler":
                print(f"  {r['name']}: {r['wall'] / floor:.1f}× the floor, {1000 * r['cpu'] / max(1, r['requests']):.1f} ms "
                      f"client CPU per request")
        return {"seed": seed, "rows": rows, "floor": floor, "report_mb": report_mb}
    finally:
        emu.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def graph_option() -> bool:
    out = subprocess.run([sys.executable, "-m", "acrtui", "--help"], capture_output=True, text=True,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    return "--inventory" in out.stdout


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="fleet:2000x20,fleet:500x20", help="comma-separated fleet:NxS seeds")
    ap.add_argument("--latency-ms", type=float, default=50.0)
    ap.add_argument("--page-size", type=int, default=100, help="the emulator's list page size")
    ap.add_argument("--concurrency", type=int, default=0, help="ACRTUI_CONCURRENCY for the audit (0: its default)")
    ap.add_argument("--skip-crawler-above", type=int, default=10**9, metavar="N")
    ap.add_argument("--compare-with", metavar="DIR", help="also audit with the acrtui package under DIR (a baseline)")
    ap.add_argument("--tracemalloc", action="store_true", help="also an in-process load under tracemalloc")
    ap.add_argument("--crawl", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--traced-load", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--memory", action="store_true",
                    help="only memory: peak RSS of the audit (and --compare-with's), then a tracemalloc breakdown")
    ap.add_argument("--skip-traced", action="store_true", help="--memory without the (slow) tracemalloc run")
    ap.add_argument("--traced-audit", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.crawl:
        return asyncio.run(crawl())
    if args.traced_load:
        return asyncio.run(traced_load())
    if args.traced_audit:
        return traced_audit()
    if args.memory:
        runs = [memory(seed, args) for seed in (x.strip() for x in args.sizes.split(",")) if seed]
        if len(runs) > 1:  # what each further registry costs: the slope between the largest and smallest size
            big, small = max(runs, key=lambda r: r["registries"]), min(runs, key=lambda r: r["registries"])
            for name in (k for k in big if k != "registries" and k in small):
                per = 1024 * (big[name] - small[name]) / max(1, big["registries"] - small["registries"])
                print(f"  {name}: {per:.1f} KB of peak RSS per further registry")
        return 0
    results = [bench(s.strip(), args) for s in args.sizes.split(",") if s.strip()]
    if len(results) > 1:
        a, b = results[0], results[-1]
        print(f"\ngrowth {b['seed']} → {a['seed']}:")
        for k in a["rows"]:
            if k in b["rows"]:
                ra, rb = a["rows"][k], b["rows"][k]
                print(f"  {ra['name']}: wall ×{ra['wall'] / rb['wall']:.1f}, CPU ×{ra['cpu'] / rb['cpu']:.1f}, "
                      f"peak RSS ×{ra['rss'] / rb['rss']:.1f}, requests ×{ra['requests'] / max(1, rb['requests']):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
