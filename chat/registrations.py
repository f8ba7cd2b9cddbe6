"""What chat plugs into messenger's extension points (registered in ChatConfig.ready)."""

from . import selectors
from .models import Room
from .winks import catalog_public
from .wire import room_public

SEED_ROOMS = [
    ("lobby", "The Lobby", "Say hi! Everyone lands here first."),
    ("retro-lounge", "Retro Lounge", "Dial-up tones, Winamp skins and away messages"),
    ("gaming-zone", "Gaming Zone", "LAN parties, cheat codes and who has the N64"),
    ("music-lounge", "Music Lounge", "Now playing: share your track in your personal message"),
    ("homework-help", "Homework Help", "No copying. Maybe a little copying."),
]


def _page(items: list, cursor: str, limit: int) -> tuple[list, str | None]:
    start = int(cursor) if cursor.isdigit() else 0
    page = items[start : start + limit]
    return page, str(start + limit) if start + limit < len(items) else None


def rooms_collection(viewer, cursor: str, limit: int):
    rooms, next_cursor = selectors.public_rooms_page(after=cursor, limit=limit)
    return [room_public(room) for room in rooms], next_cursor


def winks_collection(viewer, cursor: str, limit: int):
    return _page(catalog_public(), cursor, limit)


def seed_rooms(stdout) -> None:
    for room_id, name, topic in SEED_ROOMS:
        _, created = Room.objects.get_or_create(pk=room_id, defaults={"name": name, "topic": topic})
        if created:
            stdout.write(f"room {room_id}\n")
