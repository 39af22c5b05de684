"""Estate models share equal field-name sets and short strings (issue 11: pydantic's per-instance set of field names
was a third of a fleet's estate). Sharing must never leak: a copy with an update gets its own set, and the others
keep theirs."""

from __future__ import annotations

import sys

from acrtui.domain.models import Encryption, RegistryPosture


def reg(name: str, **extra: object) -> RegistryPosture:
    return RegistryPosture(id=f"/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerRegistry/registries/{name}",
                           name=name, subscription_id="s", resource_group="rg", location="eastus", sku="Premium",
                           login_server=f"{name}.azurecr.io", **extra)  # type: ignore[arg-type]


def test_equal_models_share_their_field_set_and_short_strings() -> None:
    a, b = reg("one"), reg("two")
    assert a.model_fields_set is b.model_fields_set
    assert a.location is b.location and a.sku is b.sku  # the same string object, not two copies
    assert sys.getsizeof(a.id) > 40 and a.id is not b.id


def test_a_copy_with_an_update_has_its_own_set_and_leaves_the_others_alone() -> None:
    a, b = reg("one"), reg("two")
    before = set(a.model_fields_set)
    c = a.model_copy(update={"public_network_access": "Disabled", "encryption": Encryption(enabled=False)})
    assert c.public_network_access == "Disabled" and {"public_network_access", "encryption"} <= c.model_fields_set
    assert a.model_fields_set == before and b.model_fields_set == before  # the shared set was not changed
    assert a.public_network_access != "Disabled"
    assert c.model_dump(exclude_unset=True)["public_network_access"] == "Disabled"
    assert "public_network_access" not in a.model_dump(exclude_unset=True)
    d = c.model_copy(update={"tags": {"env": "prod"}})
    assert d.model_fields_set is not c.model_fields_set and "tags" in d.model_fields_set and "tags" not in c.model_fields_set
