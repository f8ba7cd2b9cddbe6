"""System checks of message encryption at rest (chat/crypto.py)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured


def message_encryption_configured(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.MESSAGE_ENCRYPTION_KEYS:
        return [
            checks.Warning(
                "Message text is stored in plain text: no MESSAGE_ENCRYPTION_KEY is set.",
                hint="Set MESSAGE_ENCRYPTION_KEY to 32 random bytes in URL-safe base64 (docs/OPERATIONS.md).",
                id="messenger.W002",
            )
        ]
    return []


def message_encryption_keys_valid(app_configs, **kwargs):
    from . import crypto

    crypto.reload_keys()
    try:
        crypto.enabled()
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="messenger.E001")]
    return []


def register() -> None:
    checks.register(message_encryption_configured, deploy=True)
    checks.register(message_encryption_keys_valid)
