from django.conf import settings
from django.db import models


class Room(models.Model):
    KIND_PUBLIC = "public"
    KIND_DM = "dm"
    KIND_GROUP = "group"
    KIND_CHOICES = [(KIND_PUBLIC, "Public room"), (KIND_DM, "Direct messages"), (KIND_GROUP, "Group conversation")]

    id = models.CharField(primary_key=True, max_length=80)
    name = models.CharField(max_length=80)
    kind = models.CharField(max_length=8, choices=KIND_CHOICES, default=KIND_PUBLIC, db_index=True)
    topic = models.CharField(max_length=200, blank=True, default="")
    locked = models.BooleanField(default=False)
    # The seq of the newest message; the next message gets last_seq + 1.
    # Incremented under the row lock inside the insert's transaction.
    last_seq = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # A DM's two participants by user id, the smaller first. Plain integers,
    # not foreign keys: they outlive a deleted account, so nobody who later
    # holds one of the usernames in the room id is ever taken for a participant.
    # NULL where the migration could not tell who an old DM's participant was.
    dm_first_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    dm_second_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    # Archived by its owner: gone from the room list, its socket refuses joins (4404), history kept.
    archived = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dm_first_id", "dm_second_id"], name="room_dm_participants_unique"),
        ]
        indexes = [models.Index(fields=["created_by", "created_at"], name="room_creator_created")]

    def __str__(self) -> str:
        return self.id

    def dm_partner_id(self, user_id: int) -> int | None:
        """The other participant of this DM, or None (not a participant, or the partner is unknown)."""
        if self.dm_first_id == user_id:
            return self.dm_second_id
        if self.dm_second_id == user_id:
            return self.dm_first_id
        return None


class Message(models.Model):
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="messages")
    seq = models.PositiveBigIntegerField()
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    client_id = models.CharField(max_length=64)
    text = models.TextField()
    bot = models.BooleanField(default=False)
    # The sender's font style as canonical JSON (chat.frames.MessageStyle), "" for none.
    style = models.CharField(max_length=64, blank=True, default="")
    deleted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    ts = models.BigIntegerField(help_text="epoch milliseconds")

    class Meta:
        constraints = [
            # (room, seq) also serves "last 100" and "after SEQ" scans.
            models.UniqueConstraint(fields=["room", "seq"], name="message_room_seq_unique"),
            models.UniqueConstraint(fields=["room", "sender", "client_id"], name="message_client_id_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.room_id}#{self.seq}"


class ReadMarker(models.Model):
    """The last seq a user has read in a room (moved forward only)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="+")
    last_read_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "room"], name="readmarker_user_room_unique")]


class ConversationMember(models.Model):
    """Who is in a group conversation (a gc_ room): they alone may read, join and replay it."""

    room = models.ForeignKey(Room, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["room", "user"], name="conversation_member_unique")]

    def __str__(self) -> str:
        return f"{self.room_id}:{self.user_id}"

