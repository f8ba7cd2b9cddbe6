"""What chat holds about a user: purged on account deletion, exported on an
access request (registered on messenger.hooks by chat.registrations)."""

from django.conf import settings

from chat.crypto import decrypt_text

from .models import Message, ReadMarker


def messages_purge_for_user(user) -> None:
    """Account deletion, per ACCOUNT_DELETION_MESSAGES: "blank" empties the
    text and hides the messages, keeping the rows so seqs stay contiguous;
    "delete" removes the rows. Read markers go with the User row (CASCADE)."""
    sent = Message.objects.filter(sender=user)
    if settings.ACCOUNT_DELETION_MESSAGES == "delete":
        sent.delete()
    else:
        sent.update(text="", deleted=True)


def read_markers_export(user) -> list[dict]:
    return [
        {"roomId": m.room_id, "lastReadSeq": m.last_read_seq}
        for m in ReadMarker.objects.filter(user=user).order_by("room_id")
    ]


def messages_export(user) -> list[dict]:
    return [
        {
            "roomId": m.room_id,
            "seq": m.seq,
            "ts": m.ts,
            "text": decrypt_text(m.text, m.room_id, m.seq),
            "deleted": m.deleted,
        }
        for m in Message.objects.filter(sender=user).order_by("room_id", "seq").iterator()
    ]
