"""Configuration checks: Django system checks (`manage.py check --deploy`) and
the warnings a server prints once when it starts."""

import logging
import os

from django.conf import settings
from django.core import checks

log = logging.getLogger("messenger.startup")

# Set by the first process that printed the start-up warnings (`manage.py
# serve` before it starts its server processes), so they appear once.
_WARNED_ENV = "CFM_STARTUP_WARNED"


def turnstile_configured(app_configs, **kwargs):
    if settings.PRODUCTION and not settings.TURNSTILE_SECRET_KEY:
        return [
            checks.Warning(
                "Turnstile is not configured in production mode.",
                hint="Set TURNSTILE_SITE_KEY and TURNSTILE_SECRET_KEY so sign-in and registration are bot-gated.",
                id="messenger.W001",
            )
        ]
    return []


def register() -> None:
    checks.register(turnstile_configured, deploy=True)


def startup_warnings() -> list[str]:
    warnings = []
    if not settings.TURNSTILE_SECRET_KEY:
        warnings.append("Turnstile is off: TURNSTILE_SECRET_KEY is not set, so sign-in is not bot-gated.")
    return warnings


def warn_about_configuration() -> None:
    """Log the start-up warnings, once per deployment started by `manage.py serve`."""
    if os.environ.get(_WARNED_ENV):
        return
    os.environ[_WARNED_ENV] = "1"
    for warning in startup_warnings():
        log.warning(warning)
