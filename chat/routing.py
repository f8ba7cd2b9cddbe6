from django.urls import re_path

from .consumers import RoomConsumer

# Any id reaches the consumer, so unknown and malformed ids get 4404 / 4403 after the handshake.
websocket_urlpatterns = [re_path(r"^api/ws/room/(?P<room_id>[^/]{1,200})$", RoomConsumer.as_asgi())]
