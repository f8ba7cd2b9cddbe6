"""The client's address, honouring X-Forwarded-For only from trusted proxies."""

import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=1)
def _trusted_networks() -> tuple:
    return tuple(ipaddress.ip_network(item, strict=False) for item in settings.TRUSTED_PROXIES)


def _is_trusted(addr: str) -> bool:
    try:
        ip = ipaddress.ip_address(addr)
    except ValueError:
        return False
    return any(ip in net for net in _trusted_networks())


def resolve(remote_addr: str, forwarded_for: str | None) -> str:
    """Walk X-Forwarded-For from the right while the hop is a trusted proxy."""
    if not remote_addr or not _is_trusted(remote_addr) or not forwarded_for:
        return remote_addr or "unknown"
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return remote_addr
    return hops[0] if hops else remote_addr


def from_request(request) -> str:
    return resolve(request.META.get("REMOTE_ADDR", ""), request.META.get("HTTP_X_FORWARDED_FOR"))


def from_scope(scope) -> str:
    client = scope.get("client") or ("", 0)
    forwarded = None
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            forwarded = value.decode("latin-1")
    return resolve(client[0] or "", forwarded)
