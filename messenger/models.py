from typing import Literal

from django.conf import settings
from django.db import models

# The one list of statuses, in MSN's words ("Bob (Out to Lunch)"): Python
# everywhere imports it, and the page receives it from the server
# (messenger/web/pages.py).
STATUS_CHOICES = [
    ("online", "Online"),
    ("busy", "Busy"),
    ("away", "Away"),
    ("brb", "Be Right Back"),
    ("phone", "On the Phone"),
    ("lunch", "Out to Lunch"),
    ("invisible", "Appear Offline"),
]
# What a user may choose, as a pydantic/typing type for request bodies and frames.
ChosenStatus = Literal[tuple(code for code, _ in STATUS_CHOICES)]


class Profile(models.Model):
    """Everything about an account beyond Django's User (1:1)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=64)
    status = models.CharField(
        max_length=16, choices=STATUS_CHOICES, default="online", help_text="The status the user chose."
    )
    personal_message = models.CharField(max_length=128, blank=True, default="")
    avatar = models.CharField(max_length=200, default="/static/avatars/duck.svg")
    is_bot = models.BooleanField(default=False, db_index=True)
    muted = models.BooleanField(default=False)
    banned = models.BooleanField(default=False, db_index=True)
    # Bumped to revoke every token of the user at once (password change, ban, deletion).
    token_epoch = models.PositiveIntegerField(default=0)
    # Lookalike keys of the username and display name (messenger.accounts.names.skeleton):
    # a new account may not look like an existing one.
    username_skeleton = models.CharField(max_length=150, blank=True, default="", db_index=True)
    display_skeleton = models.CharField(max_length=150, blank=True, default="", db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["is_bot", "banned"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.user.username})"


class RetiredUsername(models.Model):
    """A deleted account's username, kept so it is never given out again (to
    someone who would then be taken for that person). Only a digest of its
    skeleton is kept: it refuses the name and its lookalikes, nothing more."""

    digest = models.CharField(max_length=64, unique=True)
    retired_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.digest[:12]


class AnalyticsEvent(models.Model):
    """One product event (the role of Workers Analytics Engine), kept apart from chat data.

    `user_id` is a plain integer, not a foreign key: events outlive nothing
    but counts, and an account deletion sets it to NULL (messenger.operations.analytics).
    """

    name = models.CharField(max_length=32)
    ts = models.DateTimeField(db_index=True)
    user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    room_id = models.CharField(max_length=80, blank=True, default="")
    fields = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["name", "ts"])]

    def __str__(self) -> str:
        return f"{self.name} @ {self.ts:%Y-%m-%d %H:%M:%S}"


class AuditLog(models.Model):
    """Who did what to whom, when and why: moderation, deletions, quota resets.

    Actor and target are copied as labels so the record stays readable after
    either account is gone; an account deletion anonymises both (messenger.operations.audit).
    """

    ts = models.DateTimeField(auto_now_add=True, db_index=True)
    actor_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    actor_label = models.CharField(max_length=150, blank=True, default="")
    action = models.CharField(max_length=40, db_index=True)
    target_type = models.CharField(max_length=20, blank=True, default="")
    target_id = models.CharField(max_length=80, blank=True, default="", db_index=True)
    target_label = models.CharField(max_length=150, blank=True, default="")
    reason = models.CharField(max_length=500, blank=True, default="")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-ts", "-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.target_type}:{self.target_label or self.target_id}"
