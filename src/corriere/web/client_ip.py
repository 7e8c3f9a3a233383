"""The address of the client a request comes from, through the reverse proxies we trust.

Behind a load balancer every request arrives from the balancer's address: only for peers listed
in `CORRIERE_TRUSTED_PROXIES` is `X-Forwarded-For` read, right to left, skipping the trusted
hops; the first untrusted address is the client. Anyone else's header is ignored (a client can
write whatever it likes there).
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar import Request

from corriere.platform.errors import ConfigurationError
from corriere.platform.settings import Settings

AnyRequest = Request[Any, Any, Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    networks: list[Network] = []
    for item in spec.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise ConfigurationError(
                f"CORRIERE_TRUSTED_PROXIES: {item!r} is not an IP address or network"
            ) from exc
    return tuple(networks)


def _trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip_from(peer: str, forwarded_for: str, trusted: str) -> str:
    """The client's address, given the TCP peer, the X-Forwarded-For header and the trusted
    proxies (the settings' string)."""
    networks = trusted_networks(trusted)
    if not networks or not _trusted(peer, networks):
        return peer
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _trusted(hop, networks):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # garbage in the header: the proxy's own address is all we know
    return hops[0] if hops else peer


def client_ip(request: AnyRequest) -> str:
    """The address of the client behind `request` ("unknown" when the server was not told)."""
    peer = request.client.host if request.client else "unknown"
    settings: Settings = request.app.state["settings"]
    return client_ip_from(
        peer, request.headers.get("x-forwarded-for", ""), settings.trusted_proxies
    )
