"""The socket machinery every WebSocket of CF Messenger shares.

Subclasses (chat's room socket, presence's socket) give a pydantic frame
schema and `frame_<type>` handlers. This base does what the contract asks of
every socket: accept-then-close with a code, origin and auth checks, the
16 KiB limit, flood and invalid-frame limits, the 90 s idle rule, `ping`,
revocation on every process, and never a 1011 for a bad frame.
"""

import itertools
import logging
import time
import uuid
from urllib.parse import parse_qs

import orjson
import pydantic
from channels.consumer import get_handler_name
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from django.conf import settings

from messenger import errors
from messenger.accounts import auth, tokens
from messenger.operations import analytics
from messenger.platform import clientip, db_async, fanout, log_context, metrics, text_rules
from messenger.platform.outage import unavailable
from messenger.realtime import library_patches, socket_cap, socket_user
from messenger.realtime.admission import admission
from messenger.realtime.frame_errors import error_frame, validation_error
from messenger.realtime.frame_queue import FrameQueue
from messenger.realtime.origin import host_allowed, origin_allowed
from messenger.realtime.registry import registry
from messenger.realtime.user_groups import user_groups

log = logging.getLogger("messenger.ws")

# _authenticate's verdict for a socket over WS_MAX_SOCKETS_PER_IP (not a close code of its own: 4429 with RATE_LIMITED).
_AT_CAP = -1

# Socket ids are unique across processes: room membership in Redis is keyed by them.
_PROCESS_TAG = uuid.uuid4().hex[:12]
_socket_numbers = itertools.count(1)


class _Window:
    """A per-socket sliding window counter (process-local: the socket lives here)."""

    __slots__ = ("limit", "window", "times")

    def __init__(self, limit: int, window: float):
        # A list, not a deque: an idle socket holds a time or two, and a deque
        # allocates a block of 64 slots (~600 bytes) for them. Trimming the
        # front of at most limit + 1 entries is cheap.
        self.limit, self.window, self.times = limit, window, []

    def exceeded(self, now: float) -> bool:
        times = self.times
        expired = 0
        while expired < len(times) and times[expired] <= now - self.window:
            expired += 1
        if expired:
            del times[:expired]
        times.append(now)
        return len(times) > self.limit


# user id -> (monotonic expiry, token epoch or None for a deleted account).
# Shared by the user's sockets in this process: a check per heartbeat and per
# written frame costs a database read at most every SOCKET_EPOCH_TTL_S.
_epochs: dict[int, tuple[float, int | None]] = {}


def _epoch_read(user_id: int) -> int | None:
    from messenger.models import Profile

    return Profile.objects.filter(user_id=user_id, user__is_active=True).values_list("token_epoch", flat=True).first()


async def account_epoch(user_id: int, *, fresh: bool = False) -> int | None:
    now = time.monotonic()
    hit = _epochs.get(user_id)
    if hit is not None and hit[0] > now and not fresh:
        return hit[1]
    epoch = await db_async.run(_epoch_read, user_id)
    if len(_epochs) > 50_000:
        for key in [key for key, (expires, _) in _epochs.items() if expires <= now]:
            del _epochs[key]
    _epochs[user_id] = (now + settings.SOCKET_EPOCH_TTL_S, epoch)
    return epoch


class SocketConsumer(AsyncWebsocketConsumer):
    kind = "socket"
    # A pydantic TypeAdapter over the discriminated union of client frames.
    frames: pydantic.TypeAdapter | None = None

    user = None
    token_hash = ""
    via = ""
    _closing = False
    # Set by a graceful restart: frames that arrive now are not handled (the client resends what has no ack).
    _draining = False
    _counted_address: str | None = None
    # Set on the database thread when the socket cap counted this socket with its token read.
    _counted_in_thread = False
    _joined_user_group = False
    # Group events that arrive while the socket is opening, in order; None once it is open.
    _held_events: list | None = None

    # --- connection -------------------------------------------------------

    async def __call__(self, scope, receive, send):
        """Not Channels' loop, which gives every consumer a channel-layer
        channel (with the pub/sub layer a Redis SUBSCRIBE per connect and an
        UNSUBSCRIBE per close) and a task listening on it. Nothing is sent to
        a socket's own channel: room frames come through chat.room_hub and
        the user's group events through messenger.realtime.user_groups, so the socket
        reads only what its client sends."""
        self.scope = scope
        self.socket_id = f"{_PROCESS_TAG}.{next(_socket_numbers)}"
        self.base_send = send
        try:
            while True:
                await self.dispatch(await receive())
        except StopConsumer:
            pass

    async def connect(self):
        await self.accept()
        self.last_frame_at = time.monotonic()
        self._flood = _Window(*settings.WS_FLOOD_FRAMES)
        self._invalid = _Window(*settings.WS_INVALID_FRAMES)
        # Frames queued beyond the flood limit mean the client outruns its handlers: that is flooding too.
        self._work = FrameQueue(self._handle_queued, settings.WS_FLOOD_FRAMES[0])
        # Before anything costs a round trip: in a storm of connects, those beyond the
        # process's admission budget are sent back to retry later (messenger.realtime.admission).
        if not await admission.enter():
            await self.close_deferred()
            return
        try:
            await self._admit_counted()
        finally:
            admission.leave()

    async def _admit_counted(self):
        try:
            await self._admit()
        except Exception as exc:
            if not unavailable(exc):
                raise
            # Tokens, groups and the welcome need Redis and PostgreSQL: say so and let the client retry.
            log.warning("socket refused: dependency unavailable", extra={"kind": self.kind})
            await self.close_unavailable()

    async def _admit(self):
        code = await self._authenticate()
        if code == _AT_CAP:
            await self.send_frame(error_frame(errors.RATE_LIMITED, "Too many open sockets from your address."))
            await self.close_with(errors.CLOSE_FLOOD, "too many sockets from one address")
            return
        if code:
            metrics.AUTH_FAILURES.labels(f"socket_{code}").inc()
            await self.close_with(code, "refused")
            return
        log_context.log_user.set(self.user.username)
        self._held_events = []
        await user_groups.add(fanout.user_group(self.user.pk), self)
        self._joined_user_group = True
        registry.add(self)
        metrics.SOCKETS_OPEN.labels(self.kind).inc()
        analytics.record("ws_connect", user_id=self.user.pk, room_id=self._route_room(), kind=self.kind)
        log_context.log_room.set(self._route_room())
        log.info("socket opened", extra={"kind": self.kind, "via": self.via})
        await self.opened()
        await self._release_held_events()

    async def close_unavailable(self):
        """An UNAVAILABLE error frame, then 4503 (try again later): the client reconnects with backoff."""
        await self.send_frame(error_frame(errors.UNAVAILABLE, "The service is briefly unavailable; reconnecting later will work."))
        await self.close_with(errors.CLOSE_TRY_AGAIN, "dependency unavailable")

    async def close_deferred(self):
        """Too many connects at once: UNAVAILABLE with the wait, then 4503; the client comes back after it."""
        wait_ms = admission.retry_after_ms()
        await self.send_frame(error_frame(
            errors.UNAVAILABLE,
            f"The server is busy letting many connections in; connect again in {wait_ms / 1000:.1f} s.",
            retryAfterMs=wait_ms,
        ))
        await self.close_with(errors.CLOSE_TRY_AGAIN, "busy: connect again later")

    def _route_room(self) -> str:
        return self.scope.get("url_route", {}).get("kwargs", {}).get("room_id", "")

    async def _authenticate(self) -> int | None:
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in self.scope.get("headers", [])}
        if not host_allowed(headers.get("host", "")):
            # Django answers such a request 400; the handshake obeys ALLOWED_HOSTS too.
            log.info("socket refused: host", extra={"kind": self.kind})
            return errors.CLOSE_FORBIDDEN
        origin = headers.get("origin")
        if origin is not None and not origin_allowed(origin, headers.get("host", "")):
            log.info("socket refused: origin", extra={"kind": self.kind})
            return errors.CLOSE_FORBIDDEN
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        bearer = auth.bearer_from_header(headers.get("authorization"))
        ticket = (query.get("ticket") or [None])[0]
        if ticket is not None and text_rules.has_control(ticket):
            return errors.CLOSE_UNAUTHENTICATED
        cookie_token = None
        if bearer is None and ticket is None:
            cookie_token = self.scope.get("cookies", {}).get(settings.TOKEN_COOKIE_NAME)
            if cookie_token and origin is None:
                # A browser always sends Origin; a cookie without one is not a page of ours.
                return errors.CLOSE_FORBIDDEN
        digest = None
        if bearer or cookie_token:
            self.via = "bearer" if bearer else "cookie"
            digest = tokens.token_hash(bearer or cookie_token)
        record_key = tokens.redis_record_key(digest) if digest else None
        address = clientip.from_scope(self.scope)
        if record_key is None:
            # Counted before the credentials are looked at: a flood of sockets is
            # capped whether or not they hold a token (a ticket is spent when read).
            verdict = await socket_cap.acquire(address)
            if verdict == "full":
                return _AT_CAP
            if verdict == "counted":
                self._counted_address = address
        try:
            user, code = await db_async.run(self._resolve_user, digest, ticket, address, record_key)
        finally:
            if self._counted_in_thread:
                self._counted_address = address
                socket_cap.counted(address)
        if code:
            return code
        self.user = user
        return None

    def _resolve_user(self, digest, ticket, address, record_key):
        """The user of the socket's credentials, or a close code, on a database thread.
        With the tokens in Redis, the address's socket count and the token are one round trip."""
        if digest is not None:
            if record_key is not None:
                allowed, record = socket_cap.acquire_reading(address, key=record_key, ttl_s=settings.TOKEN_TTL_S)
                if not allowed:
                    return None, _AT_CAP
                self._counted_in_thread = True
                info = tokens.token_from_record(digest, record)
            else:
                info = tokens.token_lookup(digest)
        elif ticket:
            self.via = "ticket"
            data = tokens.ticket_redeem(ticket)
            info = tokens.TokenInfo(data["u"], data["e"], data["t"], 0) if data else None
            if info is not None and tokens.token_lookup(info.token_hash, touch=False) is None:
                info = None
        else:
            return None, errors.CLOSE_UNAUTHENTICATED
        if info is None:
            return None, errors.CLOSE_UNAUTHENTICATED
        self.token_hash = info.token_hash
        self.token_epoch = info.epoch
        user = socket_user.active_user_with_profile(info.user_id)
        if user is None or user.profile.token_epoch != info.epoch:
            return None, errors.CLOSE_UNAUTHENTICATED
        if user.profile.banned:
            return None, errors.CLOSE_FORBIDDEN
        self.opening_reads(user)
        return user, None

    def opening_reads(self, user) -> None:
        """Sync reads a subclass's `opened` may take from here: on the same
        database thread, right after the user is known (one thread hop per
        connect instead of two). Runs before the user's group is subscribed."""

    async def opened(self):
        """Called once the socket is authenticated. Subclasses join groups, send welcome."""

    async def closed(self, code):
        """Called once on disconnect of an authenticated socket."""

    async def disconnect(self, code):
        registry.discard(self)
        self._closing = True
        if hasattr(self, "_work"):
            self._work.drop()
        if self._counted_address is not None:
            await socket_cap.release(self._counted_address)
            self._counted_address = None
        if self.user is not None:
            try:
                await self.closed(code)
            except Exception as exc:
                if unavailable(exc):
                    # Redis or PostgreSQL is down: its membership state is lost or stale anyway.
                    log.warning("could not clean up closed socket: dependency unavailable", extra={"kind": self.kind})
                else:
                    log.exception("error while closing socket", extra={"kind": self.kind})
            if self._joined_user_group:
                await self.leave_group(fanout.user_group(self.user.pk))
                metrics.SOCKETS_OPEN.labels(self.kind).dec()
                analytics.record("ws_disconnect", user_id=self.user.pk, room_id=self._route_room(), kind=self.kind, code=code)

    async def leave_group(self, group: str):
        """Leave a group; with Redis down there is nothing to leave (its subscriptions died with it)."""
        try:
            await user_groups.discard(group, self)
        except Exception as exc:
            if not unavailable(exc):
                raise
            log.warning("could not leave group: channel layer unavailable", extra={"kind": self.kind})

    async def close_with(self, code: int, reason: str = ""):
        if self._closing:
            return
        self._closing = True
        self._work.drop()
        log.info("socket closing", extra={"kind": self.kind, "code": code, "reason": reason})
        await self.close(code)

    async def close_for_restart(self):
        """A graceful restart (messenger.realtime.draining): frames not started are dropped, the one
        being handled finishes (a chat's ack goes out), then 1012, which the client answers by
        reconnecting elsewhere with `since`."""
        if self._closing or self._draining:
            return
        self._draining = True
        self._work.drop()
        await self._work.idle()
        if self._closing:
            return
        self._closing = True
        log.info("socket closing", extra={"kind": self.kind, "code": errors.CLOSE_SERVICE_RESTART, "reason": "restart"})
        library_patches.close_with_code(self, errors.CLOSE_SERVICE_RESTART, "service restart")

    # --- frames in ----------------------------------------------------------

    async def dispatch(self, message):
        if "sentAt" in message:
            metrics.FANOUT_SECONDS.observe(max(0.0, time.time() - message["sentAt"]))
        # A bug in one handler must cost one error frame, never the socket (1011).
        try:
            # Not super().dispatch: Channels first closes stale database
            # connections on Django's sync thread, a thread hop per frame and
            # event. Socket database work goes through messenger.platform.db_async,
            # which cleans up after itself.
            handler = getattr(self, get_handler_name(message), None)
            if handler is None:
                raise ValueError(f"No handler for message type {message['type']}")
            await handler(message)
        except StopConsumer:
            raise
        except Exception as exc:
            if unavailable(exc) and message.get("type") == "websocket.receive":
                # e.g. a ping whose token lookup needs Redis.
                log.warning("dependency unavailable in socket handler", extra={"kind": self.kind, "event": "receive"})
                await self.send_frame(error_frame(errors.UNAVAILABLE, "The service is briefly unavailable; try again shortly."))
                return
            log.exception("unhandled error in socket handler", extra={"kind": self.kind, "event": message.get("type")})
            if message.get("type") == "websocket.receive" and not self._closing:
                await self.send_frame(error_frame(errors.INVALID_MESSAGE, "The server could not handle that frame."))

    async def receive(self, text_data=None, bytes_data=None):
        """Runs as each frame arrives: the limits are counted here, at arrival
        times, and the handler runs later in the socket's FrameQueue, so a slow
        handler never hides a flood (daphne buffers frames without bound)."""
        if self.user is None or self._closing or self._draining:
            return
        now = time.monotonic()
        self.last_frame_at = now
        if self._flood.exceeded(now):
            await self.close_with(errors.CLOSE_FLOOD, "flood")
            return
        frame = await self._parse(text_data, bytes_data)
        if frame is None:
            return
        metrics.FRAMES_IN.labels(self.kind, frame.type).inc()
        if frame.type == "ping":
            # A heartbeat is answered at once, even behind a slow write.
            await self.frame_ping(frame)
        elif not self._work.offer(frame):
            await self.close_with(errors.CLOSE_FLOOD, "frames arrive faster than they are handled")

    async def _parse(self, text_data, bytes_data):
        """The frame as its schema, or None after rejecting it (or closing 1009)."""
        if bytes_data is not None:
            await self.reject_frame("Binary frames are not supported; send JSON text.")
            return None
        limit = settings.WS_MAX_FRAME_BYTES
        if len(text_data) > limit or (
            len(text_data) > limit // 4 and len(text_data.encode("utf-8", "surrogatepass")) > limit
        ):
            await self.close_with(errors.CLOSE_TOO_BIG, "frame too big")
            return None
        try:
            raw = orjson.loads(text_data)
        except orjson.JSONDecodeError:
            await self.reject_frame("The frame is not valid JSON.")
            return None
        if not isinstance(raw, dict):
            await self.reject_frame("A frame must be a JSON object with a \"type\".")
            return None
        bad = text_rules.control_field(raw)
        if bad is not None:
            await self.reject_frame(f"{bad}: control characters (such as NUL) are not allowed.")
            return None
        try:
            return self.frames.validate_python(raw)
        except pydantic.ValidationError as exc:
            code, message = validation_error(exc)
            client_id = raw.get("clientId") if isinstance(raw.get("clientId"), str) and len(raw["clientId"]) <= 64 else None
            await self.reject_frame(message, code=code, clientId=client_id)
            return None

    async def _handle_queued(self, frame):
        """A frame's handler, run by the FrameQueue worker. As in dispatch, a
        failure costs one error frame, never the socket."""
        if self._closing:
            return
        try:
            if not await self._still_signed_in():
                return
            await getattr(self, f"frame_{frame.type}")(frame)
        except Exception as exc:
            client_id = getattr(frame, "clientId", None)
            if unavailable(exc):
                log.warning("dependency unavailable in socket handler", extra={"kind": self.kind, "event": frame.type})
                await self.send_frame(error_frame(
                    errors.UNAVAILABLE, "The service is briefly unavailable; try again shortly.", clientId=client_id
                ))
                return
            log.exception("unhandled error in socket handler", extra={"kind": self.kind, "event": frame.type})
            await self.send_frame(error_frame(
                errors.INVALID_MESSAGE, "The server could not handle that frame.", clientId=client_id
            ))

    async def reject_frame(self, message: str, *, code: str = errors.INVALID_MESSAGE, **extra):
        await self.send_frame(error_frame(code, message, **extra))
        if self._invalid.exceeded(time.monotonic()):
            await self.close_with(errors.CLOSE_FLOOD, "repeated invalid frames")

    async def _still_signed_in(self) -> bool:
        """Whether the account's revocation epoch is still the token's; closes
        with 4401 when not. The revoke event closes sockets at once; this
        catches a socket that missed it (a dropped channel-layer message)."""
        if await account_epoch(self.user.pk) == self.token_epoch:
            return True
        # A cached epoch older than a token just issued (a password change) is not a revocation.
        if await account_epoch(self.user.pk, fresh=True) == self.token_epoch:
            return True
        await self.close_with(errors.CLOSE_UNAUTHENTICATED, "revoked")
        return False

    async def frame_ping(self, frame):
        # A heartbeat is a use of the token: it slides its 20 minutes.
        alive = await db_async.run(tokens.token_lookup, self.token_hash)
        if alive is None:
            await self.close_with(errors.CLOSE_UNAUTHENTICATED, "token expired")
            return
        if not await self._still_signed_in():
            return
        await self.send_frame({"type": "pong", "nonce": frame.nonce, "ts": int(time.time() * 1000)})

    # --- frames out ---------------------------------------------------------

    async def send_frame(self, frame: dict):
        if not self._closing:
            await self.send(text_data=orjson.dumps(frame).decode())

    async def group_event(self, event):
        """An event of one of the user's groups (messenger.realtime.user_groups); those that
        arrive before the socket is open go out after what `opened` sends."""
        if getattr(self, get_handler_name(event), None) is None:
            # The user's events reach all their sockets; each kind handles its
            # own (a presence socket has nothing to do with a room kick).
            return
        if self._held_events is not None:
            self._held_events.append(event)
        else:
            await self.dispatch(event)

    async def _release_held_events(self):
        while self._held_events:
            await self.dispatch(self._held_events.pop(0))
        self._held_events = None

    async def frame_out(self, event):
        """A pre-serialised frame from the channel layer (see messenger.platform.fanout)."""
        if not self._closing:
            await self.send(text_data=event["text"])

    async def auth_revoked(self, event):
        if not event.get("token") or event["token"] == self.token_hash:
            await self.close_with(event.get("code", errors.CLOSE_UNAUTHENTICATED), event.get("reason", "revoked"))


class NotFoundConsumer(AsyncWebsocketConsumer):
    async def connect(self):
        await self.accept()
        await self.close(errors.CLOSE_NOT_FOUND)
