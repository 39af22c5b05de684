"""The writer grants a policy assignment's identity exactly the definition's roles; a definition naming none is
refused before the assignment is written (no default Contributor)."""

from __future__ import annotations

import pytest

from acrtui.azure.writes import Writer
from acrtui.emulator import Emulator
from acrtui.errors import UsageError
from tests.azure.conftest import make_session
from tests.domain.test_policy_identity import definition


async def test_definition_without_roles_is_refused_before_any_write(demo_emu: Emulator) -> None:
    s = make_session(demo_emu)
    try:
        sub = next(iter(demo_emu.subscription_ids))
        body = definition(None)
        did = f"/subscriptions/{sub}/providers/Microsoft.Authorization/policyDefinitions/modify-admin"
        await s.raw("PUT", did, "2023-04-01", {"properties": body["properties"]})
        before = demo_emu.last_seq
        with pytest.raises(UsageError, match="names no roles"):
            await Writer(s).assign_policy(f"/subscriptions/{sub}", "fix-admin", did, location="eastus")
        assert demo_emu.writes(before) == []
    finally:
        await s.close()
