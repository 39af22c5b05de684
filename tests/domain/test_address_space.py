"""The address space a firewall admits (issue 8 §4): the union of its rules, as a share of the public internet."""

from __future__ import annotations

import ipaddress

import pytest

from acrtui.domain.address_space import DEFAULT_OPEN_SHARE, PUBLIC_TOTAL, admitted, percent
from acrtui.domain.checks import CheckSettings, Status, get_check
from acrtui.domain.models import IpRule, RegistryPosture
from tests.audit import fixture_estate as fx

SLASH8 = 2**24


def test_public_total_leaves_out_special_purpose_space() -> None:
    # 2^32 minus 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 224/3
    special = 3 * SLASH8 + 2**22 + 2**16 + 2**20 + 2**8 + 2**16 + 2**17 + 2**29
    assert PUBLIC_TOTAL == 2**32 - special


@pytest.mark.parametrize("rules", [["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"],
                                   [f"{i}.0.0.0/8" for i in range(256)],
                                   ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2", "10.1.2.3"]])
def test_rules_that_together_admit_the_whole_internet(rules: list[str]) -> None:
    space = admitted(rules)
    assert space.whole_internet and space.share == 1.0 and space.is_open(1.0)
    assert space.describe() == "the whole public IPv4 internet"


def test_overlapping_rules_are_counted_once() -> None:
    space = admitted(["20.0.0.0/8", "20.1.0.0/16", "20.0.0.0/8", "20.1.2.3"])
    assert space.public_admitted == SLASH8


def test_many_slash_8s_are_open_above_the_share_and_restricted_below() -> None:
    ten = admitted([f"{i}.0.0.0/8" for i in range(20, 30)])  # ten public /8s
    assert ten.public_admitted == 10 * SLASH8
    assert ten.share == pytest.approx(10 * SLASH8 / PUBLIC_TOTAL)
    assert ten.is_open() and ten.is_open(0.04) and not ten.is_open(0.05)
    one = admitted(["20.0.0.0/8"])
    assert not one.is_open() and one.is_open(0.001)
    assert DEFAULT_OPEN_SHARE == 0.01


def test_private_ranges_admit_nothing_and_are_named() -> None:
    space = admitted(["10.0.0.0/8", "192.168.1.5", "172.16.0.0/12", "100.64.0.1", "127.0.0.1", "20.1.2.3"])
    assert space.public_admitted == 1  # only 20.1.2.3
    assert [r.rule for r in space.non_public] == ["10.0.0.0/8", "192.168.1.5", "172.16.0.0/12", "100.64.0.1",
                                                   "127.0.0.1"]
    assert space.non_public[0].kind == "private (RFC 1918)"
    assert "carrier-grade NAT" in space.non_public[3].kind


def test_a_rule_partly_private_counts_only_its_public_part_and_is_not_flagged() -> None:
    space = admitted(["10.0.0.0/7"])  # 10/8 private + 11/8 public
    assert space.public_admitted == SLASH8 and space.non_public == ()


def test_documentation_ranges_stand_for_public_addresses() -> None:
    space = admitted(["203.0.113.0/24", "198.51.100.7"])
    assert space.public_admitted == 257 and space.non_public == ()


def test_invalid_and_ipv6_rules_are_listed_apart() -> None:
    space = admitted(["not-an-ip", "2001:db8::/32", "20.0.0.1"])
    assert space.invalid == ("not-an-ip", "2001:db8::/32") and space.public_admitted == 1


def test_the_share_agrees_with_a_brute_force_count_on_a_small_universe() -> None:
    # the union logic on random-looking nested and disjoint blocks, checked against ipaddress itself
    rules = ["9.255.255.0/24", "10.0.0.0/7", "11.128.0.0/9", "100.0.0.0/9", "100.127.255.254/31", "172.15.0.0/16"]
    expected = sum(n.num_addresses for n in ipaddress.collapse_addresses(ipaddress.ip_network(r) for r in rules))
    expected -= SLASH8 + 2**22  # 10/8 and 100.64/10 (inside 100.0/9) are special
    assert admitted(rules).public_admitted == expected


@pytest.mark.parametrize(("share", "text"), [(0, "0%"), (1, "100%"), (0.5, "50%"), (0.9999, "99.99%"),
                                             (0.00004, "0.004%"), (1e-12, "<0.000001%")])
def test_percent_never_rounds_a_partial_share_to_a_bound(share: float, text: str) -> None:
    assert percent(share) == text


# ---------------------------------------------------------------------------------------------- ACR-NET-001


def _firewalled(rules: list[str]) -> RegistryPosture:
    return fx.good_registry().model_copy(update={
        "public_network_access": "Enabled", "default_action": "Deny",
        "ip_rules": [IpRule(value=r) for r in rules]})


def _net001(reg: RegistryPosture, **settings: object) -> object:
    check = get_check("ACR-NET-001")
    assert check is not None
    return check.run(reg, fx.estate(), CheckSettings(now=fx.NOW, **settings))  # type: ignore[arg-type]


@pytest.mark.parametrize("rules", [["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"]])
def test_net001_whole_internet_firewall_is_open_not_restricted(rules: list[str]) -> None:
    f = _net001(_firewalled(rules))
    assert f.status is Status.FAIL  # type: ignore[attr-defined]
    assert "open to the internet" in f.message and "the whole public IPv4 internet" in f.message  # type: ignore[attr-defined]
    assert f.evidence["admittedShare"] == 1.0  # type: ignore[attr-defined]
    assert get_check("ACR-NET-002").run(_firewalled(rules), fx.estate(), CheckSettings(now=fx.NOW)).status \
        is Status.NOT_APPLICABLE  # type: ignore[union-attr]  # open: nobody is locked out


def test_net001_many_slash_8s_follow_the_configured_share() -> None:
    reg = _firewalled([f"{i}.0.0.0/8" for i in range(20, 30)])
    assert _net001(reg).status is Status.FAIL  # type: ignore[attr-defined]
    loose = _net001(reg, firewall_open_share=0.5)
    assert loose.status is Status.PASS and "restricted" in loose.message  # type: ignore[attr-defined]


def test_net001_private_range_is_a_warning_in_message_and_evidence() -> None:
    f = _net001(_firewalled(["10.0.0.0/8", "20.1.2.3"]))
    assert f.status is Status.PASS  # type: ignore[attr-defined]
    assert "10.0.0.0/8 (private (RFC 1918)) can never match" in f.message  # type: ignore[attr-defined]
    assert f.evidence["neverMatchingRules"] == ["10.0.0.0/8"]  # type: ignore[attr-defined]
