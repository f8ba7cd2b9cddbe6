"""B3's ASGI application: Channels' router as a deployment has it, over CF Messenger's library patches."""

import os

from channels.routing import ProtocolTypeRouter, URLRouter
from channels.security.websocket import AllowedHostsOriginValidator
from django.core.asgi import get_asgi_application
from django.urls import re_path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.servers.b3.settings")
django_asgi_app = get_asgi_application()

from messenger.realtime import library_patches  # noqa: E402

from .consumers import RoomConsumer  # noqa: E402

library_patches.install()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            URLRouter([re_path(r"^room/(?P<room>[\w-]+)$", RoomConsumer.as_asgi())])
        ),
    }
)
