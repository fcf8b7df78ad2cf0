"""The client's IP address, believing X-Forwarded-For only from our own proxies.

``DJANGO_TRUSTED_PROXIES`` lists the addresses (or networks) of the reverse proxies in front
of the app servers, e.g. ``127.0.0.1`` for nginx on the same host, or ``10.0.0.5,10.0.0.6`` for
two load balancers. Each proxy appends the address it saw to X-Forwarded-For, so reading the
header from the right, every hop that is one of our proxies tells us who spoke to it; the first
hop that is not one of ours is the client. Everything to the left of that hop was written by the
client and is never read.

A request whose REMOTE_ADDR is not a trusted proxy came straight to an app server: its
X-Forwarded-For is ignored, so nobody can choose their own address for the per-IP limits or
the address stored with a comment. A hop that is not an IP address at all (``garbage``, an
obfuscated identifier, a port we do not expect) stops the walk at the proxy that sent it: the
limits then apply to that proxy's address, never to "no address".
"""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def trusted_networks(trusted):
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def parse_trusted_proxies(value, name="DJANGO_TRUSTED_PROXIES"):
    """``"127.0.0.1, 10.0.0.0/24"`` -> a tuple of the items, each checked to be an address or network.

    Raises ``ValueError`` naming the bad item, so a typo in production settings stops the start.
    """
    items = tuple(item.strip() for item in value.split(",") if item.strip())
    for item in items:
        try:
            ipaddress.ip_network(item, strict=False)
        except ValueError as exc:
            raise ValueError(f"{name}: {item!r} is not an IP address or network") from exc
    return items


def parse_address(value):
    """An ``ip_address`` from a REMOTE_ADDR or one X-Forwarded-For hop, or None."""
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "203.0.113.7:51234"
        value = value.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    # An IPv4 client seen by a dual-stack proxy ("::ffff:203.0.113.7") is that IPv4 client.
    return address.ipv4_mapped or address if address.version == 6 else address


def is_trusted(address, networks):
    return any(address in network for network in networks)


def client_ip(request):
    """The client's address as a string, or None when even REMOTE_ADDR is not an address."""
    address = parse_address(request.META.get("REMOTE_ADDR", ""))
    if address is None:
        return None
    networks = trusted_networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))
    if networks and is_trusted(address, networks):
        hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        for hop in reversed(hops):
            forwarded = parse_address(hop)
            if forwarded is None:
                break  # unparseable: the proxy that passed it on is the address we use
            address = forwarded
            if not is_trusted(address, networks):
                break
    return str(address)


def wants_json(request):
    """Whether the page's script asked for JSON (``Accept: application/json``) rather than a page."""
    return "application/json" in request.headers.get("Accept", "")
