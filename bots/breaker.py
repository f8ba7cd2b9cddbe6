"""The failure circuit breaker around the inference API (per process).

Closed: calls go through. After BOT_BREAKER_FAILURES consecutive failures,
or a 429 with Retry-After, it opens: no calls for the cool-down (or the
Retry-After, if longer), and the bots answer in character that they can't
think. Then it is half-open: one trial call; success closes it, failure
opens it again. Used from the event loop only, so it needs no lock.
"""

import logging
import time

from django.conf import settings

log = logging.getLogger("bots.breaker")

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"


class Breaker:
    def __init__(self, failures: int, cooldown_s: float, clock=time.monotonic):
        self.threshold = failures
        self.cooldown_s = cooldown_s
        self.clock = clock
        self.consecutive_failures = 0
        self.open_until = 0.0
        self.trial_in_flight = False

    @property
    def state(self) -> str:
        if self.open_until == 0.0:
            return CLOSED
        return OPEN if self.clock() < self.open_until else HALF_OPEN

    def allow(self) -> bool:
        """May a call go upstream now? In half-open state only one trial may."""
        state = self.state
        if state == CLOSED:
            return True
        if state == HALF_OPEN and not self.trial_in_flight:
            self.trial_in_flight = True
            return True
        return False

    def succeeded(self) -> None:
        if self.open_until:
            log.info("inference breaker closed")
        self.consecutive_failures = 0
        self.open_until = 0.0
        self.trial_in_flight = False

    def failed(self, retry_after_s: float | None = None) -> None:
        self.consecutive_failures += 1
        was_trial = self.trial_in_flight
        self.trial_in_flight = False
        if was_trial or retry_after_s is not None or self.consecutive_failures >= self.threshold:
            pause = max(self.cooldown_s, retry_after_s or 0.0)
            self.open_until = self.clock() + pause
            log.warning(
                "inference breaker open",
                extra={"consecutiveFailures": self.consecutive_failures, "pauseS": round(pause, 1)},
            )


def from_settings() -> Breaker:
    return Breaker(settings.BOT_BREAKER_FAILURES, settings.BOT_BREAKER_COOLDOWN_S)
