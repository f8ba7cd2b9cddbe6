import logging
import sys

from django.conf import settings

log = logging.getLogger("messenger.startup")


def warn_about_configuration() -> None:
    if "pytest" in sys.modules or "migrate" in sys.argv or "test" in sys.argv or "serve" in sys.argv:
        return
    if not settings.TURNSTILE_SECRET_KEY:
        log.warning("Turnstile is off: TURNSTILE_SECRET_KEY is not set, so sign-in is not bot-gated.")
