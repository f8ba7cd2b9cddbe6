"""The analytics store: `record(event, **fields)` and the queries behind the
dashboard and `manage.py analytics`.

`record` never blocks the caller (an event loop or a request thread): it puts
the event on an in-process queue, and one daemon thread per process writes
batches with a single INSERT. Events are counts, not a journal: a process
killed with SIGKILL loses at most one batch interval of them.

Only a user's numeric id is stored, never a username or message text; an
account deletion sets it to NULL (`account_deleted`), and the writer drops
ids of accounts deleted while their events were still queued.

One bad event never costs the others: an event holding a control character
(a NUL that PostgreSQL refuses) is dropped when recorded, and a batch that
fails anyway is written again one event at a time; what cannot be stored is
dropped and counted (`cfm_analytics_dropped_total{reason="bad"}`).
"""

import atexit
import logging
import queue
import threading
import time
from datetime import UTC, datetime, timedelta

from django.contrib.auth import get_user_model
from django.db import close_old_connections, connection, transaction
from django.db.models import Count
from django.db.models.functions import TruncHour

from messenger.models import AnalyticsEvent
from messenger.platform import metrics, text_rules

log = logging.getLogger("messenger.operations.analytics")

EVENTS = frozenset(
    {
        "login_success",
        "login_failed",
        "message_sent",
        "nudge_sent",
        "wink_sent",
        "conversation_created",
        "ai_invocation",
        "ws_connect",
        "ws_disconnect",
    }
)
BATCH_SIZE = 500
FLUSH_INTERVAL_S = 0.5
# A stuck database must not grow memory without bound: past this, events are dropped (and counted).
MAX_QUEUED = 100_000

_queue: queue.SimpleQueue = queue.SimpleQueue()
_writer: threading.Thread | None = None
_writer_lock = threading.Lock()
_pending = 0
_pending_lock = threading.Lock()
_idle = threading.Condition(_pending_lock)


def record(event: str, *, user_id: int | None = None, room_id: str = "", **fields) -> None:
    """Queue one event. Unknown event names are a programming error (ValueError)."""
    global _pending
    if event not in EVENTS:
        raise ValueError(f"unknown analytics event {event!r}; known: {', '.join(sorted(EVENTS))}")
    if text_rules.control_field({"roomId": room_id, "fields": fields}) is not None:
        _dropped("bad")
        return
    with _pending_lock:
        if _pending >= MAX_QUEUED:
            _dropped("full")
            return
        _pending += 1
    metrics.EVENTS.labels(event).inc()
    _queue.put(AnalyticsEvent(name=event, ts=datetime.now(UTC), user_id=user_id, room_id=room_id[:80], fields=fields))
    _ensure_writer()


def _dropped(reason: str, count: int = 1) -> None:
    metrics.ANALYTICS_DROPPED.labels(reason).inc(count)


def _ensure_writer() -> None:
    global _writer
    if _writer is not None and _writer.is_alive():
        return
    with _writer_lock:
        if _writer is None or not _writer.is_alive():
            _writer = threading.Thread(target=_write_forever, name="analytics-writer", daemon=True)
            _writer.start()


def _take_batch() -> list[AnalyticsEvent]:
    batch = [_queue.get()]
    deadline = time.monotonic() + FLUSH_INTERVAL_S
    while len(batch) < BATCH_SIZE:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            batch.append(_queue.get(timeout=left))
        except queue.Empty:
            break
    return batch


def _living(user_ids: set[int]) -> set[int]:
    return set(get_user_model().objects.filter(pk__in=user_ids).values_list("pk", flat=True))


def _write(batch: list[AnalyticsEvent]) -> None:
    user_ids = {event.user_id for event in batch if event.user_id is not None}
    if user_ids:
        living = _living(user_ids)
        for event in batch:
            if event.user_id is not None and event.user_id not in living:
                event.user_id = None
    AnalyticsEvent.objects.bulk_create(batch)
    if user_ids:
        # An account deleted between that check and this insert: its
        # unlinking (account_deleted) may have run before these rows existed.
        gone = user_ids - _living(user_ids)
        if gone:
            AnalyticsEvent.objects.filter(user_id__in=gone).update(user_id=None)


def _write_or_split(batch: list[AnalyticsEvent]) -> None:
    """The batch in one INSERT; when that fails, each event on its own, so
    only the events that cannot be stored are lost (dropped and counted)."""
    try:
        with transaction.atomic():
            _write(batch)
        return
    except Exception:
        if len(batch) == 1:
            raise
        log.warning("analytics batch refused; writing its events one by one", extra={"events": len(batch)})
    bad = 0
    for event in batch:
        try:
            with transaction.atomic():
                _write([event])
        except Exception:
            bad += 1
    if bad:
        log.warning("analytics events dropped: not storable", extra={"events": bad})
        _dropped("bad", bad)


def _write_forever() -> None:
    global _pending
    while True:
        batch = _take_batch()
        try:
            close_old_connections()
            _write_or_split(batch)
        except Exception:
            log.exception("analytics batch lost", extra={"events": len(batch)})
            _dropped("bad", len(batch))
        finally:
            # Give the connection back (to the pool on PostgreSQL) between batches.
            connection.close()
            with _idle:
                _pending -= len(batch)
                _idle.notify_all()


def flush(timeout: float = 10.0) -> bool:
    """Wait until every queued event is written (commands, tests, shutdown)."""
    with _idle:
        return _idle.wait_for(lambda: _pending == 0, timeout)


atexit.register(flush, 5.0)


# --- account deletion ----------------------------------------------------------


def account_deleted(user) -> None:
    """messenger.hooks.account_deleted: the user's events stay counted, unlinked.
    Once more after commit: a writer that saw the user alive just before the
    commit inserts after it, and either this second pass or the writer's own
    re-check (in _write) catches its rows."""
    user_id = user.pk
    AnalyticsEvent.objects.filter(user_id=user_id).update(user_id=None)
    transaction.on_commit(lambda: AnalyticsEvent.objects.filter(user_id=user_id).update(user_id=None))


# --- queries -------------------------------------------------------------------


def parse_since(value: str) -> timedelta:
    """'24h', '7d', '30m' or '90s' -> a timedelta (ValueError otherwise)."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400}
    value = value.strip().lower()
    if len(value) < 2 or value[-1] not in units or not value[:-1].isdigit() or int(value[:-1]) <= 0:
        raise ValueError(f"expected a positive duration such as 30m, 24h or 7d, not {value!r}")
    return timedelta(seconds=int(value[:-1]) * units[value[-1]])


def events_between(start: datetime, end: datetime | None = None):
    queryset = AnalyticsEvent.objects.filter(ts__gte=start)
    return queryset.filter(ts__lt=end) if end is not None else queryset


def summary(start: datetime, end: datetime | None = None) -> list[dict]:
    """Per event: how many, and from how many distinct users."""
    rows = (
        events_between(start, end)
        .values("name")
        .annotate(count=Count("id"), users=Count("user_id", distinct=True))
        .order_by("name")
    )
    found = {row["name"]: row for row in rows}
    return [found.get(name, {"name": name, "count": 0, "users": 0}) for name in sorted(EVENTS)]


def hourly(start: datetime, end: datetime, *, names: tuple[str, ...], distinct_users: bool = False) -> list[tuple[datetime, int]]:
    """One (hour, value) per hour from start to end, zeros included: event
    counts, or distinct users when `distinct_users`."""
    value = Count("user_id", distinct=True) if distinct_users else Count("id")
    rows = (
        events_between(start, end)
        .filter(name__in=names)
        .annotate(hour=TruncHour("ts"))
        .values("hour")
        .annotate(value=value)
    )
    found = {row["hour"].astimezone(UTC).replace(tzinfo=UTC): row["value"] for row in rows}
    first = start.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    hours = []
    hour = first
    while hour < end:
        hours.append((hour, found.get(hour, 0)))
        hour += timedelta(hours=1)
    return hours
