"""Prometheus metrics, correct with several server processes.

With PROMETHEUS_MULTIPROC_DIR set (`manage.py serve` sets and wipes one per
deployment), every process writes its samples to files there and `/metrics`
on any process reports the sum over all of them; without it (tests, a single
process) the default in-process registry is used. The variable must be set
before this module is first imported, which is why serve sets it before
starting the server processes.

The `/metrics` endpoint is messenger/web/metrics_view.py.
"""

import atexit
import os
import shutil
from pathlib import Path

from prometheus_client import REGISTRY as DEFAULT_REGISTRY
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

SOCKETS_OPEN = Gauge(
    "cfm_sockets_open", "Open authenticated WebSockets, by kind (room, presence).", ["kind"], multiprocess_mode="livesum"
)
FRAMES_IN = Counter("cfm_frames_in_total", "Valid client frames received, by socket kind and frame type.", ["kind", "type"])
EVENTS = Counter("cfm_events_total", "Analytics events (messages, nudges, winks, sign-ins, socket opens...), by event.", ["event"])
FANOUT_SECONDS = Histogram(
    "cfm_fanout_seconds",
    "Time from a frame's group_send to its delivery to one process.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
RATE_LIMITED = Counter("cfm_ratelimit_rejections_total", "Requests and frames refused by a rate limit, by limit.", ["limit"])
SOCKETS_DEFERRED = Counter(
    "cfm_sockets_deferred_total", "Sockets told to connect again later (4503): too many connects at once."
)
AUTH_FAILURES = Counter("cfm_auth_failures_total", "Failed sign-ins and refused sockets, by kind.", ["kind"])
BOT_CALLS = Counter("cfm_bot_calls_total", "Bot replies, by outcome.", ["outcome"])
BOT_SECONDS = Histogram(
    "cfm_bot_call_seconds", "Bot reply latency.", buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30)
)
CHANNEL_LAYER_ERRORS = Counter("cfm_channel_layer_errors_total", "Channel-layer sends that raised.")
ANALYTICS_DROPPED = Counter(
    "cfm_analytics_dropped_total",
    "Analytics events dropped: the queue was full (full) or the event could not be stored (bad).",
    ["reason"],
)
GC_PAUSE_SECONDS = Histogram(
    "cfm_gc_pause_seconds",
    "Garbage collections (the event loop stops for each), by generation (messenger/realtime/gc_control.py).",
    ["generation"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1),
)
GC_PAUSE_MAX_SECONDS = Gauge(
    "cfm_gc_pause_max_seconds", "The longest garbage-collection pause of a server process since it started.",
    multiprocess_mode="max",
)
GC_PAUSE_MAX_CPU_SECONDS = Gauge(
    "cfm_gc_pause_max_cpu_seconds",
    "CPU time of the longest garbage collection of a server process since it started (its pause less preemption).",
    multiprocess_mode="max",
)
MODERATION_ACTIONS = Counter("cfm_moderation_actions_total", "Moderation actions taken, by action.", ["action"])


def multiprocess_enabled() -> bool:
    return bool(os.environ.get(MULTIPROC_ENV))


if multiprocess_enabled():
    # Live gauges of a process that exits must stop counting at once.
    atexit.register(multiprocess.mark_process_dead, os.getpid())


def multiproc_dir_prepare(default: Path) -> Path:
    """Called by `manage.py serve` before any worker starts: one empty
    directory per deployment, so samples of earlier runs don't add up."""
    path = Path(os.environ.get(MULTIPROC_ENV) or default)
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    os.environ[MULTIPROC_ENV] = str(path)
    return path


def limit_name(key: str) -> str:
    """'chat:lobby:12' -> 'chat', 'login:ip:10.0.0.1' -> 'login:ip': a bounded label, no user, room or address."""
    parts = key.split(":")
    return ":".join(parts[:2]) if parts[0] == "login" else parts[0]


def scrape() -> bytes:
    if multiprocess_enabled():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(DEFAULT_REGISTRY)
