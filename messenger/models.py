from django.conf import settings
from django.db import models

STATUS_CHOICES = [
    ("online", "Online"),
    ("busy", "Busy"),
    ("away", "Away"),
    ("brb", "Be right back"),
    ("phone", "On the phone"),
    ("lunch", "Out to lunch"),
    ("invisible", "Appear offline"),
]


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
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["is_bot", "banned"])]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.user.username})"
