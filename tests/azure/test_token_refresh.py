"""A session that outlives its access token keeps working: azure-identity fetches a new token before the old one
expires (the emulator refuses an expired one with 401 ExpiredAuthenticationToken), so a long audit never fails on
sign-in. The session runs audits until its requests land after the first token's expiry (a bounded loop, no
clock in the assertions)."""

from __future__ import annotations

from acrtui.azure.inventory import load_estate
from acrtui.emulator import Emulator, EmulatorConfig
from tests.azure.conftest import make_session

LIFETIME_S = 1


async def test_a_session_longer_than_a_token_refreshes_it() -> None:
    config = EmulatorConfig(page_size=5, throttle=False, token_lifetime_s=LIFETIME_S, latency_ms=10)
    async with Emulator("demo", config=config) as emu:
        async with make_session(emu, read_only=True) as s:
            for _ in range(30):
                estate = await load_estate(s)
                first = next(r for r in emu.request_log if r.kind == "token" and r.status == 200)
                late = [r for r in emu.request_log if r.kind == "arm" and r.time > first.time + LIFETIME_S + 1]
                if late:
                    break
        assert len(estate.registries) >= 6
        assert late and all(r.status == 200 for r in late)  # sent after the first token had expired, and served
        arm = [r for r in emu.request_log if r.kind == "arm"]
        assert not [r for r in arm if r.status == 401]
        assert len([r for r in emu.request_log if r.kind == "token" and r.status == 200]) > 1
