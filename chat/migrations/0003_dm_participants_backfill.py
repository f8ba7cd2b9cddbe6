"""Existing DM rooms get their participants' user ids.

A DM used to be reached by the usernames in its id, so an account that
registered a deleted account's freed username inherited its DMs. Each room
keeps its id, messages and seq; its participants are the accounts that hold
the id's usernames now, except an account created after the room was made:
that one took the name from a deleted account and is not the participant
(it is recorded as unknown, so nobody can enter on that side). Read markers
of anyone who is not a participant are dropped.
"""

from django.conf import settings
from django.db import migrations

SEPARATOR = "____"


def _splits(rest: str):
    """Every (a, b) the id could be: a username may end with "_"."""
    start = rest.find(SEPARATOR)
    while start > 0:
        yield rest[:start], rest[start + len(SEPARATOR) :]
        start = rest.find(SEPARATOR, start + 1)


def backfill(apps, schema_editor):
    Room = apps.get_model("chat", "Room")
    ReadMarker = apps.get_model("chat", "ReadMarker")
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    for room in Room.objects.filter(kind="dm", dm_first_id__isnull=True).iterator():
        best: list = []
        for names in _splits(room.id[len("dm_") :]):
            found = list(User.objects.filter(username__in=names))
            if len(found) > len(best):
                best = found
        participants = sorted(user.pk for user in best if user.date_joined <= room.created_at)
        if not participants:
            continue
        room.dm_first_id = participants[0]
        room.dm_second_id = participants[1] if len(participants) > 1 else None
        room.save(update_fields=["dm_first_id", "dm_second_id"])
        ReadMarker.objects.filter(room_id=room.pk).exclude(user_id__in=participants).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0002_dm_participants_by_user_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
