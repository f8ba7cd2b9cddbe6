"""Analytics events of the bots: one structured log line, an event in the
analytics store (messenger.operations.analytics) and the Prometheus bot metrics."""

import logging

from messenger.operations import analytics
from messenger.platform import metrics

log = logging.getLogger("bots.analytics")


def ai_invocation(
    *,
    bot: str,
    outcome: str,
    latency_ms: int,
    prompt_tokens: int = 0,
    completion_tokens: int = 0,
    neurons: float | None = None,
    model: str = "",
) -> None:
    log.info(
        "ai_invocation",
        extra={
            "event": "ai_invocation",
            "bot": bot,
            "outcome": outcome,
            "latencyMs": latency_ms,
            "promptTokens": prompt_tokens,
            "completionTokens": completion_tokens,
            "neurons": neurons,
            "model": model,
        },
    )
    metrics.BOT_CALLS.labels(outcome).inc()
    metrics.BOT_SECONDS.observe(latency_ms / 1000)
    analytics.record(
        "ai_invocation",
        bot=bot,
        outcome=outcome,
        latencyMs=latency_ms,
        promptTokens=prompt_tokens,
        completionTokens=completion_tokens,
        neurons=neurons,
        model=model,
    )
