"""Which failures mean a dependency (PostgreSQL, Redis) is down rather than
a bug: those get the contract's UNAVAILABLE answer, so a client knows to
retry, and are logged as a warning, not a traceback."""

import django.db
import redis

_DEPENDENCY_ERRORS = (
    django.db.OperationalError,
    django.db.InterfaceError,
    redis.ConnectionError,
    redis.TimeoutError,
    ConnectionError,
    TimeoutError,
)


def unavailable(exc: BaseException) -> bool:
    return isinstance(exc, _DEPENDENCY_ERRORS)
