"""ASGI entry point: HTTP (Django + static files) and the two WebSockets."""

import gc
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "messenger.settings")

from django.core.asgi import get_asgi_application  # noqa: E402

django_http = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.sessions import CookieMiddleware  # noqa: E402
from django.urls import re_path  # noqa: E402

from chat.routing import websocket_urlpatterns as chat_sockets  # noqa: E402
from messenger.operations import checks  # noqa: E402
from messenger.realtime import draining, gc_control, library_patches  # noqa: E402
from messenger.realtime.registry import registry  # noqa: E402
from messenger.realtime.socket import NotFoundConsumer  # noqa: E402
from messenger.web.static_files import SafeStaticFilesHandler  # noqa: E402
from presence.routing import websocket_urlpatterns as presence_sockets  # noqa: E402

# The server imports the application before it builds its protocol
# factories, so the patches are in place for every connection.
library_patches.install()
draining.install()
checks.warn_about_configuration()

# Origins are checked by the consumers after accepting, so that a refused
# browser sees close code 4403 instead of a failed handshake (contract 2.1).
application = ProtocolTypeRouter(
    {
        "http": SafeStaticFilesHandler(django_http),
        "websocket": CookieMiddleware(
            URLRouter([*chat_sockets, *presence_sockets, re_path(r"", NotFoundConsumer.as_asgi())])
        ),
    }
)

# Modules, settings, URL patterns and app registries live as long as the
# process. Frozen, they are out of the garbage collector's sight: a full
# collection scans only what sockets and messages allocated since, instead of
# ~120,000 start-up objects too (36 ms here, a pause of the event loop that
# showed as a p99 spike in bench scenario (c)). From then on gc_control keeps
# the sockets' own long-lived objects out of full collections the same way,
# and records every pause.
gc.freeze()
gc_control.start(lambda: len(registry.sockets))
