"""One client per configured cache for the whole process.

`django.core.cache.cache` (and `caches[alias]`) is one client per async
context, and sync_to_async carries what a call set back into the caller's
context: every socket that touched it built a client with a connection pool
of its own, opened a Redis connection (five commands, and redis-py reads its
package metadata for each new connection) and kept it as long as the
socket. Code that runs for sockets uses these instead.
"""

from django.core.cache import caches

_clients: dict = {}


def shared(alias: str = "default"):
    client = _clients.get(alias)
    if client is None:
        client = _clients[alias] = caches.create_connection(alias)
    return client
