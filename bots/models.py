from django.conf import settings
from django.db import models

from messenger.models import STATUS_CHOICES


class Persona(models.Model):
    """A bot character. Its user (Profile.is_bot) is how it appears in chat;
    the profile fields here are copied onto that user by bots.services."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="persona")
    display_name = models.CharField(max_length=64)
    avatar = models.CharField(max_length=200, default="/static/avatars/robot.svg")
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default="online")
    personal_message = models.CharField(max_length=128, blank=True, default="")
    sleeping_message = models.CharField(
        max_length=128, default="zzz... out of juice until midnight UTC", help_text="Shown while the quota is spent."
    )
    system_prompt = models.TextField()
    style = models.JSONField(default=dict, blank=True, help_text="Style rules (bots.style.StyleRules).")
    repertoire = models.JSONField(default=dict, blank=True, help_text="Offline answers (bots.repertoire.Repertoire).")
    enabled = models.BooleanField(default=True)
    # Set while the daily quota is spent; flipped by one conditional UPDATE so
    # only one process announces the change.
    asleep = models.BooleanField(default=False)

    @property
    def handle(self) -> str:
        return self.user.username

    def __str__(self) -> str:
        return f"@{self.user.username}"


class DailyQuota(models.Model):
    """Bot interactions used on one UTC day (database counter, used when
    Redis is not configured)."""

    day = models.DateField(primary_key=True)
    used = models.PositiveIntegerField(default=0)


class DailyBotUsage(models.Model):
    """One bot's share of a day's quota (database counter)."""

    day = models.DateField()
    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="+")
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "persona"], name="dailybotusage_day_persona_unique")]


class DailyUserUsage(models.Model):
    """One person's bot interactions on one UTC day (database counter): the
    per-user cap inside the shared pool. A plain user id, like the analytics
    events: a deleted account's count simply ages out with its day."""

    day = models.DateField()
    user_id = models.BigIntegerField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "user_id"], name="dailyuserusage_day_user_unique")]


class Invocation(models.Model):
    """One answer a bot produced: what it cost and how it went."""

    OUTCOMES = [
        ("ok", "Answered by the model"),
        ("offline", "Answered from the repertoire"),
        ("breaker_open", "Skipped: failure breaker open"),
        ("timeout", "Upstream timeout"),
        ("rate_limited", "Upstream 429"),
        ("upstream_error", "Upstream error status"),
        ("malformed", "Malformed upstream body"),
        ("empty", "Empty upstream reply"),
        ("connection", "Could not reach upstream"),
    ]

    persona = models.ForeignKey(Persona, on_delete=models.CASCADE, related_name="invocations")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    outcome = models.CharField(max_length=16, choices=OUTCOMES)
    model = models.CharField(max_length=120, blank=True, default="")
    latency_ms = models.PositiveIntegerField(default=0)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    neurons = models.FloatField(null=True, blank=True, help_text="Workers AI neurons, when reported.")

    class Meta:
        indexes = [models.Index(fields=["persona", "created_at"])]
