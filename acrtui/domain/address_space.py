"""What a set of IPv4 firewall rules lets in, measured as address space. Pure.

A firewall is judged by the union of its rules, not by their count: ``0.0.0.0/0``, or ``0.0.0.0/1`` plus
``128.0.0.0/1``, admit the whole internet however "restricted" the default action says it is. Only publicly
routable addresses count towards the share; rules wholly inside special-purpose space (RFC 1918 private ranges,
loopback, link-local, multicast, ...) can never match a client of a public endpoint.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

# Default for "more than this share of the public IPv4 internet is open": 1% is about 37 million addresses, a
# little over two /8s. No organisation's egress needs that much; a rule set that admits it is not a restriction.
DEFAULT_OPEN_SHARE = 0.01

# IANA IPv4 Special-Purpose Address Registry (RFC 6890 and updates): blocks that are not globally reachable, so a
# request to a public endpoint never comes from them. 192.88.99.0/24 (deprecated 6to4 relay anycast) is left
# public, and so are the documentation ranges (RFC 5737: 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24): examples,
# demos and tests use them to stand for public addresses, and flagging them would only teach users to ignore it.
NON_PUBLIC: tuple[tuple[str, str], ...] = (
    ("0.0.0.0/8", "'this network' (RFC 791)"),
    ("10.0.0.0/8", "private (RFC 1918)"),
    ("100.64.0.0/10", "carrier-grade NAT shared space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "private (RFC 1918)"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.168.0.0/16", "private (RFC 1918)"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112), including broadcast"),
)
_NON_PUBLIC = [(ipaddress.IPv4Network(n), what) for n, what in NON_PUBLIC]
_NON_PUBLIC_SET = list(ipaddress.collapse_addresses(n for n, _ in _NON_PUBLIC))
PUBLIC_TOTAL = 2**32 - sum(n.num_addresses for n in _NON_PUBLIC_SET)


@dataclass(frozen=True)
class NonPublicRule:
    rule: str
    kind: str  # what the range is, e.g. "private (RFC 1918)"


@dataclass(frozen=True)
class AddressSpace:
    """The union of a rule set: how many public addresses it admits, and which rules can never match."""

    rules: tuple[str, ...]
    public_admitted: int
    non_public: tuple[NonPublicRule, ...] = ()
    invalid: tuple[str, ...] = ()

    @property
    def share(self) -> float:
        """Fraction of the public IPv4 internet admitted (0.0 to 1.0)."""
        return self.public_admitted / PUBLIC_TOTAL

    @property
    def whole_internet(self) -> bool:
        return self.public_admitted == PUBLIC_TOTAL

    def is_open(self, max_share: float = DEFAULT_OPEN_SHARE) -> bool:
        """The rules admit the whole internet, or more than ``max_share`` of it."""
        return self.whole_internet or self.share > max_share

    def describe(self) -> str:
        if self.whole_internet:
            return "the whole public IPv4 internet"
        return f"{percent(self.share)} of the public IPv4 internet ({self.public_admitted:,} addresses)"


def percent(share: float) -> str:
    """A share as a percentage that never rounds a non-zero share to 0 or a partial one to 100."""
    if share <= 0:
        return "0%"
    if share >= 1:
        return "100%"
    for digits in range(7):
        text = f"{share * 100:.{digits}f}"
        if 0 < float(text) < 100:
            return f"{text}%"
    return "<0.000001%"


def _overlap(a: ipaddress.IPv4Network, b: ipaddress.IPv4Network) -> int:
    """Addresses two CIDR blocks share: CIDR blocks are either nested or disjoint."""
    if a.subnet_of(b):
        return a.num_addresses
    if b.subnet_of(a):
        return b.num_addresses
    return 0


def non_public_kind(net: ipaddress.IPv4Network) -> str | None:
    """What special-purpose range wholly contains ``net`` (None: it holds public addresses)."""
    return next((what for block, what in _NON_PUBLIC if net.subnet_of(block)), None)


def admitted(rules: Iterable[str]) -> AddressSpace:
    """Measure IPv4 rules (addresses or CIDRs, as ARM stores them); unparsable or IPv6 rules are listed apart."""
    nets: list[ipaddress.IPv4Network] = []
    invalid: list[str] = []
    non_public: list[NonPublicRule] = []
    texts = tuple(rules)
    for text in texts:
        try:
            net = ipaddress.ip_network(text.strip(), strict=False)
        except ValueError:
            invalid.append(text)
            continue
        if not isinstance(net, ipaddress.IPv4Network):
            invalid.append(text)
            continue
        nets.append(net)
        kind = non_public_kind(net)
        if kind is not None:
            non_public.append(NonPublicRule(text, kind))
    union = list(ipaddress.collapse_addresses(nets))
    total = sum(n.num_addresses for n in union)
    hidden = sum(_overlap(u, s) for u in union for s in _NON_PUBLIC_SET)
    return AddressSpace(texts, total - hidden, tuple(non_public), tuple(invalid))


__all__ = ["DEFAULT_OPEN_SHARE", "NON_PUBLIC", "PUBLIC_TOTAL", "AddressSpace", "NonPublicRule", "admitted",
           "non_public_kind", "percent"]
