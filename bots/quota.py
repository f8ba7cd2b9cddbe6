"""The bots' daily quota: one pool of BOT_DAILY_QUOTA interactions per UTC
day, shared by every bot and every server process, and inside it a cap of
BOT_USER_DAILY_QUOTA per person, so that one user cannot spend the pool and
put the bots to sleep for everyone else.

Counting is one atomic step, never a read-then-write: a Lua script in Redis
(production mode), or a conditional UPDATE in the database otherwise (so
that `manage.py reset_bot_quota`, another process, sees the same counter).
Each bot's share is counted too, for `manage.py bot_quota`.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from messenger.platform import db_async, redis_clients

from .models import DailyBotUsage, DailyQuota, DailyUserUsage, Persona

# KEYS = total counter, per-bot hash, the user's counter; ARGV = quota,
# expire-at (epoch s), handle, per-user quota. -2: the user's share is spent,
# -1: the pool is; nothing is counted then.
_ACQUIRE_LUA = """
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[4]) then return -2 end
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return -1 end
used = redis.call('INCR', KEYS[1])
redis.call('EXPIREAT', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], ARGV[3], 1)
redis.call('EXPIREAT', KEYS[2], ARGV[2])
redis.call('INCR', KEYS[3])
redis.call('EXPIREAT', KEYS[3], ARGV[2])
return used
"""

GRANTED, USER_SPENT, POOL_SPENT = "granted", "user_spent", "pool_spent"

# Give one bot's share back to the pool.
_RESET_BOT_LUA = """
local share = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
redis.call('HDEL', KEYS[2], ARGV[1])
local left = redis.call('DECRBY', KEYS[1], share)
if left <= 0 then redis.call('DEL', KEYS[1]) end
return share
"""


@dataclass(frozen=True)
class Usage:
    day: date
    used: int
    quota: int
    per_bot: dict[str, int]

    @property
    def left(self) -> int:
        return max(0, self.quota - self.used)


def today() -> date:
    return datetime.now(UTC).date()


def next_reset() -> datetime:
    """The next UTC midnight, when a new day's quota starts."""
    return datetime.combine(today() + timedelta(days=1), time(0), tzinfo=UTC)


def _keys(day: date) -> list[str]:
    return [redis_clients.key("bots", "quota", day.isoformat()), redis_clients.key("bots", "quota", day.isoformat(), "bots")]


def _user_key(day: date, user_id: int | str) -> str:
    return redis_clients.key("bots", "quota", day.isoformat(), "user", str(user_id))


def _acquire_db(persona: Persona, user_id: int, quota: int, user_quota: int) -> str:
    day = today()
    with transaction.atomic():
        if not DailyQuota.objects.filter(day=day).exists():
            try:
                with transaction.atomic():
                    DailyQuota.objects.create(day=day)
            except IntegrityError:
                pass  # another process created today's row first
        mine, _ = DailyUserUsage.objects.get_or_create(day=day, user_id=user_id)
        if not DailyUserUsage.objects.filter(pk=mine.pk, used__lt=user_quota).update(used=F("used") + 1):
            return USER_SPENT
        if not DailyQuota.objects.filter(day=day, used__lt=quota).update(used=F("used") + 1):
            transaction.set_rollback(True)
            return POOL_SPENT
        share, _ = DailyBotUsage.objects.get_or_create(day=day, persona=persona)
        DailyBotUsage.objects.filter(pk=share.pk).update(used=F("used") + 1)
    return GRANTED


async def acquire(persona: Persona, *, user_id: int) -> str:
    """Take one interaction for this bot, asked by this user: GRANTED, or
    USER_SPENT (the user's daily share is used up; the bots stay awake for
    others) or POOL_SPENT (everyone's pool is; the bots fall asleep)."""
    quota, user_quota = settings.BOT_DAILY_QUOTA, settings.BOT_USER_DAILY_QUOTA
    if not redis_clients.enabled():
        return await db_async.run(_acquire_db, persona, user_id, quota, user_quota)
    day = today()
    result = int(await redis_clients.async_client().eval(
        _ACQUIRE_LUA, 3, *_keys(day), _user_key(day, user_id),
        quota, int(next_reset().timestamp()), persona.user.username, user_quota,
    ))
    return {-2: USER_SPENT, -1: POOL_SPENT}.get(result, GRANTED)


def usage() -> Usage:
    day = today()
    if redis_clients.enabled():
        client = redis_clients.sync_client()
        total_key, bots_key = _keys(day)
        used = int(client.get(total_key) or 0)
        per_bot = {name.decode(): int(count) for name, count in client.hgetall(bots_key).items()}
    else:
        row = DailyQuota.objects.filter(day=day).first()
        used = row.used if row else 0
        per_bot = dict(
            DailyBotUsage.objects.filter(day=day).values_list("persona__user__username", "used")
        )
    return Usage(day=day, used=used, quota=settings.BOT_DAILY_QUOTA, per_bot=per_bot)


def spent() -> bool:
    return usage().left == 0


def reset(handle: str | None = None) -> int:
    """Give today's interactions back to the pool: all of them (every
    person's count starts over too), or one bot's share. Returns how many
    were given back."""
    day = today()
    if redis_clients.enabled():
        client = redis_clients.sync_client()
        total_key, bots_key = _keys(day)
        if handle:
            return int(client.eval(_RESET_BOT_LUA, 2, total_key, bots_key, handle))
        given_back = int(client.get(total_key) or 0)
        client.delete(total_key, bots_key, *client.scan_iter(match=_user_key(day, "*"), count=1000))
        return given_back
    with transaction.atomic():
        shares = DailyBotUsage.objects.select_for_update().filter(day=day)
        if handle:
            shares = shares.filter(persona__user__username=handle)
        given_back = sum(share.used for share in shares)
        shares.delete()
        if handle:
            DailyQuota.objects.filter(day=day).update(used=Greatest(F("used") - given_back, 0))
        else:
            given_back = DailyQuota.objects.filter(day=day).values_list("used", flat=True).first() or 0
            DailyQuota.objects.filter(day=day).delete()
            DailyUserUsage.objects.filter(day=day).delete()
    return given_back
