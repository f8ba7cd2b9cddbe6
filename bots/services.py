"""Writes of the bots app: personas and their profiles, sleeping and waking,
usage records, and turning a message into a bot's reply text."""

import logging
import time

from asgiref.sync import async_to_sync
from django.contrib.auth import get_user_model
from django.db import transaction

from messenger import hooks as messenger_hooks
from messenger.accounts import names
from messenger.accounts import services as account_services
from messenger.models import Profile
from messenger.operations.moderation import moderation_record
from messenger.platform import db_async

from . import analytics, inference, quota, repertoire, style
from .models import Invocation, Persona

log = logging.getLogger("bots")

ASLEEP_STATUS = "away"


def rules_of(persona: Persona) -> style.StyleRules:
    return style.StyleRules.model_validate(persona.style or {})


def repertoire_of(persona: Persona) -> repertoire.Repertoire:
    return repertoire.Repertoire.model_validate(persona.repertoire or {})


def persona_profile_sync(*, persona: Persona) -> None:
    """Copy the persona's name, avatar, status and message onto its user."""
    Profile.objects.filter(user_id=persona.user_id).update(
        display_name=persona.display_name,
        display_skeleton=names.skeleton(persona.display_name),
        avatar=persona.avatar,
        is_bot=True,
        status=ASLEEP_STATUS if persona.asleep else persona.status,
        personal_message=persona.sleeping_message if persona.asleep else persona.personal_message,
    )


def persona_upsert(*, handle: str, display_name: str, system_prompt: str, **fields) -> Persona:
    """Create or update a persona and its bot user (seeding, tests)."""
    style.StyleRules.model_validate(fields.get("style", {}))
    repertoire.Repertoire.model_validate(fields.get("repertoire", {}))
    with transaction.atomic():
        user = get_user_model().objects.filter(username=handle).first()
        if user is None:
            user = account_services.user_create(username=handle, password=None, display_name=display_name, is_bot=True)
        persona, _ = Persona.objects.update_or_create(
            user=user, defaults={"display_name": display_name, "system_prompt": system_prompt, **fields}
        )
        persona_profile_sync(persona=persona)
    return persona


def _flip_asleep(*, asleep: bool) -> list[int]:
    """Flip every enabled persona that is in the other state; returns the
    user ids this call changed (one conditional UPDATE per persona, so when
    processes race each change is announced once)."""
    changed = []
    for persona in Persona.objects.filter(enabled=True, asleep=not asleep):
        with transaction.atomic():
            if Persona.objects.filter(pk=persona.pk, asleep=not asleep).update(asleep=asleep):
                persona.asleep = asleep
                persona_profile_sync(persona=persona)
                changed.append(persona.user_id)
    return changed


def _any_asleep() -> bool:
    return Persona.objects.filter(asleep=True).exists()


async def _announce(user_ids: list[int]) -> None:
    for user_id in user_ids:
        await messenger_hooks.notify_profile_changed(user_id)


async def bots_fall_asleep() -> None:
    changed = await db_async.run(_flip_asleep, asleep=True)
    if changed:
        log.info("bots asleep: daily quota spent", extra={"bots": len(changed)})
    await _announce(changed)


async def bots_wake() -> None:
    if not await db_async.run(_any_asleep):
        return
    changed = await db_async.run(_flip_asleep, asleep=False)
    if changed:
        log.info("bots awake", extra={"bots": len(changed)})
    await _announce(changed)


def bots_wake_sync() -> int:
    """For management commands: wake the bots and tell everyone."""
    changed = _flip_asleep(asleep=False)
    async_to_sync(_announce)(changed)
    return len(changed)


def bot_quota_reset(*, actor, handle: str | None = None, reason: str = "") -> tuple[int, int]:
    """Give today's interactions back to the pool (all, or one bot's share),
    write the audit record, and wake the bots if the pool is no longer spent.
    `actor` is the moderator, or None for the command line. Returns
    (interactions given back, bots woken)."""
    given_back = quota.reset(handle)
    moderation_record(
        moderator=actor, action="bot_quota_reset", target_type="bot", target_id=handle or "all",
        target_label=f"@{handle}" if handle else "all bots", reason=reason, givenBack=given_back,
    )
    woken = bots_wake_sync() if not quota.spent() else 0
    return given_back, woken


def invocation_record(
    *, persona: Persona, outcome: str, latency_ms: int, model: str = "", completion: inference.Completion | None = None
) -> None:
    Invocation.objects.create(
        persona=persona,
        outcome=outcome,
        model=model,
        latency_ms=latency_ms,
        prompt_tokens=completion.prompt_tokens if completion else 0,
        completion_tokens=completion.completion_tokens if completion else 0,
        neurons=completion.neurons if completion else None,
    )
    analytics.ai_invocation(
        bot=persona.user.username,
        outcome=outcome,
        latency_ms=latency_ms,
        prompt_tokens=completion.prompt_tokens if completion else 0,
        completion_tokens=completion.completion_tokens if completion else 0,
        neurons=completion.neurons if completion else None,
        model=model,
    )


def reply_from_completion(*, persona: Persona, completion: inference.Completion, seed: str) -> str:
    """The model's text in the persona's style; a deflection instead when the
    model recited its instructions (a prompt injection that worked)."""
    rules = rules_of(persona)
    text = style.apply(completion.text, rules)
    if style.leaks_prompt(text, persona.system_prompt):
        log.warning("bot reply withheld: it repeated the system prompt", extra={"bot": persona.user.username})
        text = ""
    return text or repertoire.deflect_reply(repertoire_of(persona), rules, seed=seed)


def reply_offline(*, persona: Persona, text: str, seed: str) -> str:
    return repertoire.offline_reply(text, repertoire_of(persona), rules_of(persona), seed=seed)


def reply_cant_think(*, persona: Persona, seed: str) -> str:
    return repertoire.cant_think_reply(repertoire_of(persona), rules_of(persona), seed=seed)


def elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
