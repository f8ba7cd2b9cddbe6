"""Which pages may open a socket: the page's own origin, or one configured
(WS_ALLOWED_ORIGINS), and only under a Host this deployment answers."""

from urllib.parse import urlsplit

from django.conf import settings
from django.http.request import split_domain_port, validate_host

_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def host_allowed(host_header: str) -> bool:
    """The Host is one of ALLOWED_HOSTS, as Django demands of every HTTP request."""
    domain, _ = split_domain_port(host_header)
    return bool(domain) and validate_host(domain, settings.ALLOWED_HOSTS)


def origin_allowed(origin: str, host_header: str) -> bool:
    """The page's own origin (same host and port), or one configured."""
    if origin in settings.WS_ALLOWED_ORIGINS:
        return True
    parts = urlsplit(origin)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return False
    try:
        origin_port = parts.port or _DEFAULT_PORTS[parts.scheme]
    except ValueError:
        return False
    host = urlsplit(f"//{host_header}")
    if not host.hostname or host.hostname != parts.hostname:
        return False
    try:
        host_port = host.port
    except ValueError:
        return False
    if host_port is None:
        return origin_port == _DEFAULT_PORTS[parts.scheme]
    return host_port == origin_port
