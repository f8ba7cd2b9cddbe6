"""The page's reconnect backoff (static/js/lib/backoff.js), for the load generators."""

import random


def backoff_delay(attempt: int, *, base_s: float = 0.5, max_s: float = 15.0, rand=random.random) -> float:
    """static/js/lib/backoff.js backoffDelay, in seconds."""
    ceiling = min(max_s, base_s * 2 ** max(0, attempt))
    return ceiling / 2 + rand() * (ceiling / 2)
