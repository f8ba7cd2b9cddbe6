"""The in-process bot service: no Celery, no extra daemon.

A new chat message that addresses a bot is turned into a Job right where it
was stored (chat.hooks.message_stored runs once, in the process that stored
the message, so each mention is handled once across all processes). Jobs
wait in a bounded queue; BOT_CONCURRENCY workers take them, show the bot
typing, call the model on a thread of their own (never on the event loop),
and post the reply through chat's service like any other sender. The reply's
clientId is derived from the mention's seq, so a repeat can never post twice.
"""

import asyncio
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from django.conf import settings

from chat import ids
from chat import services as chat_services
from chat.hooks import StoredMessage
from messenger import errors
from messenger.platform import db_async
from messenger.realtime.frame_errors import error_frame

from . import breaker, inference, prompt, quota, selectors, services
from .models import Persona

log = logging.getLogger("bots")


@dataclass(frozen=True)
class Job:
    persona_id: int
    room_id: str
    room_kind: str
    trigger_seq: int
    text: str

    @property
    def client_id(self) -> str:
        return f"bot-{self.trigger_seq}"


class BotService:
    """Bound to the event loop it first ran on (a server process has one)."""

    def __init__(self):
        self.loop: asyncio.AbstractEventLoop | None = None
        self.queue: asyncio.Queue[Job] | None = None
        self.workers: list[asyncio.Task] = []
        self.executor: ThreadPoolExecutor | None = None
        self.breaker = breaker.from_settings()
        # Jobs queued or about to be (a slot is reserved before the quota is
        # asked, so a full queue never spends quota).
        self.pending = 0
        self.wake_timer: asyncio.TimerHandle | None = None

    def _ensure_started(self) -> None:
        loop = asyncio.get_running_loop()
        if self.loop is loop:
            return
        self.loop = loop
        self.queue = asyncio.Queue()
        self.pending = 0
        self.executor = ThreadPoolExecutor(max_workers=settings.BOT_CONCURRENCY, thread_name_prefix="bot-inference")
        self.workers = [loop.create_task(self._work()) for _ in range(settings.BOT_CONCURRENCY)]

    def reserve(self) -> bool:
        self._ensure_started()
        if self.pending >= settings.BOT_QUEUE_SIZE:
            return False
        self.pending += 1
        return True

    def release(self) -> None:
        self.pending -= 1

    def submit(self, job: Job) -> None:
        """Queue a job whose slot was reserved."""
        self.queue.put_nowait(job)

    async def _work(self) -> None:
        while True:
            job = await self.queue.get()
            self.pending -= 1
            try:
                await self._answer(job)
            except Exception:
                log.exception("bot job failed", extra={"room": job.room_id, "seq": job.trigger_seq})

    async def _answer(self, job: Job) -> None:
        persona = await db_async.run(selectors.persona_with_user, job.persona_id)
        typing = asyncio.get_running_loop().create_task(self._keep_typing(persona, job.room_id))
        try:
            text = await self._compose(persona, job)
        finally:
            typing.cancel()
        try:
            # Sending the message ends the typing indicator (chat does that).
            await chat_services.message_send(
                room_id=job.room_id, sender=persona.user, text=text, client_id=job.client_id, bot=True
            )
        except chat_services.ChatRefused as exc:
            await chat_services.typing_send(room_id=job.room_id, user=persona.user, typing=False)
            log.info("bot reply refused", extra={"bot": persona.user.username, "code": exc.code})

    async def _keep_typing(self, persona: Persona, room_id: str) -> None:
        # typing:true lapses after TYPING_TTL_S; renew it while the model thinks.
        every = max(settings.TYPING_TTL_S * 0.6, 1.0)
        while True:
            await chat_services.typing_send(room_id=room_id, user=persona.user, typing=True)
            await asyncio.sleep(every)

    async def _compose(self, persona: Persona, job: Job) -> str:
        seed = f"{job.room_id}:{job.trigger_seq}:{persona.pk}"
        started = time.monotonic()
        if not settings.BOT_INFERENCE_URL:
            text = services.reply_offline(persona=persona, text=job.text, seed=seed)
            await self._record(persona, "offline", started)
            return text
        if not self.breaker.allow():
            await self._record(persona, "breaker_open", started)
            return services.reply_cant_think(persona=persona, seed=seed)
        config = inference.InferenceConfig.from_settings()
        messages = await db_async.run(prompt.build_messages,
            persona, room_id=job.room_id, room_kind=job.room_kind, up_to_seq=job.trigger_seq
        )
        try:
            completion = await asyncio.get_running_loop().run_in_executor(
                self.executor, inference.complete, config, messages
            )
        except inference.InferenceError as exc:
            self.breaker.failed(exc.retry_after_s if exc.kind == "rate_limited" else None)
            log.warning(
                "inference failed",
                extra={"bot": persona.user.username, "kind": exc.kind, "detail": exc.detail, "status": exc.status},
            )
            await self._record(persona, exc.kind, started, model=config.model)
            return services.reply_cant_think(persona=persona, seed=seed)
        self.breaker.succeeded()
        await self._record(persona, "ok", started, model=config.model, completion=completion)
        return services.reply_from_completion(persona=persona, completion=completion, seed=seed)

    async def _record(self, persona, outcome, started, **extra) -> None:
        await db_async.run(services.invocation_record,
            persona=persona, outcome=outcome, latency_ms=services.elapsed_ms(started), **extra
        )

    def schedule_wake(self) -> None:
        """At the next UTC midnight a new quota starts: wake the bots then."""
        if self.wake_timer is not None and not self.wake_timer.cancelled():
            return
        delay = max(1.0, (quota.next_reset().timestamp() - time.time()) + 1)
        self.wake_timer = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._wake_at_midnight())
        )

    async def _wake_at_midnight(self) -> None:
        self.wake_timer = None
        if not await db_async.run(quota.spent):
            await services.bots_wake()


service = BotService()


async def on_message_stored(message: StoredMessage) -> list[dict]:
    """chat.hooks.message_stored: queue an answer from every bot the message
    addresses; frames for the sender when a bot can't answer."""
    sender = message.sender
    if message.bot or sender.profile.is_bot:
        return []  # bots never answer bots
    room_kind = "dm" if ids.is_dm(message.room_id) else "public"
    if room_kind == "public" and "@" not in message.text:
        return []
    personas = await db_async.run(selectors.personas_addressed,
        room_id=message.room_id, text=message.text, sender=sender
    )
    client_id = message.frame.get("clientId")
    frames = []
    for persona in personas:
        handle = persona.user.username
        if not service.reserve():
            frames.append(
                error_frame(
                    errors.BOT_BUSY, f"@{handle} has too much to answer; try again in a moment.", clientId=client_id
                )
            )
            continue
        granted = await quota.acquire(persona, user_id=sender.pk)
        if granted == quota.USER_SPENT:
            service.release()
            wait_ms = max(0, int((quota.next_reset().timestamp() - time.time()) * 1000))
            frames.append(
                error_frame(
                    errors.RATE_LIMITED,
                    f"You have used your {settings.BOT_USER_DAILY_QUOTA} bot interactions for today; "
                    "the bots answer you again after midnight UTC.",
                    clientId=client_id, retryAfterMs=wait_ms,
                )
            )
            continue
        if granted == quota.POOL_SPENT:
            service.release()
            await services.bots_fall_asleep()
            service.schedule_wake()
            frames.append(
                error_frame(
                    errors.BOT_SLEEPING,
                    f"@{handle} is asleep: the bots' daily quota is spent until midnight UTC.",
                    clientId=client_id,
                )
            )
            continue
        await services.bots_wake()
        service.submit(Job(persona.pk, message.room_id, room_kind, message.seq, message.text))
    return frames
