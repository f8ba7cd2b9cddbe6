"""export_user's `bot` section: what bots hold about a user. Only a bot user
has anything here (its persona and usage records); people's messages to bots
are chat's, and invocations are not linked to whoever asked."""

from messenger.operations.export import epoch_ms

from .models import DailyBotUsage, Invocation, Persona


def bot_export(user) -> dict | None:
    persona = Persona.objects.filter(user=user).first()
    if persona is None:
        return None
    return {
        "displayName": persona.display_name,
        "enabled": persona.enabled,
        "dailyUsage": [
            {"day": row.day.isoformat(), "used": row.used}
            for row in DailyBotUsage.objects.filter(persona=persona).order_by("day")
        ],
        "invocations": [
            {
                "ts": epoch_ms(i.created_at),
                "outcome": i.outcome,
                "latencyMs": i.latency_ms,
                "promptTokens": i.prompt_tokens,
                "completionTokens": i.completion_tokens,
            }
            for i in Invocation.objects.filter(persona=persona).order_by("created_at").iterator()
        ],
    }
