from django.urls import path

from .consumers import PresenceConsumer

websocket_urlpatterns = [path("api/ws/presence", PresenceConsumer.as_asgi())]
