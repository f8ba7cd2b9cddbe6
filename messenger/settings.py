"""CF Messenger settings, read from the environment.

Two modes:
* embedded default (no REDIS_URL / REDIS_SENTINELS / DATABASE_URL): SQLite,
  the in-memory channel layer and the local-memory cache, one process;
* production mode (REDIS_URL or REDIS_SENTINELS, and/or DATABASE_URL set): Redis for the channel
  layer, tokens and rate limits, PostgreSQL for data, several server processes.
Every variable is listed with its default in README.md.
"""

import logging
import os
import secrets
import sys
import urllib.parse
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from messenger import realtime

BASE_DIR = Path(__file__).resolve().parent.parent
LOCAL_DIR = Path(os.environ.get("CFM_LOCAL_DIR", BASE_DIR / ".local"))


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name) or default)


REDIS_URL = os.environ.get("REDIS_URL", "")
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def _redis_sentinel() -> dict | None:
    """Redis behind Sentinel (REDIS_SENTINELS=host:port,... and REDIS_SENTINEL_MASTER, set instead of
    REDIS_URL): every client asks the Sentinels for the master, and asks again after a failover."""
    hosts = env_list("REDIS_SENTINELS")
    if not hosts:
        return None
    master = os.environ.get("REDIS_SENTINEL_MASTER", "")
    if not master or REDIS_URL:
        raise ImproperlyConfigured(
            "REDIS_SENTINELS needs REDIS_SENTINEL_MASTER (the name the Sentinels monitor) and replaces "
            "REDIS_URL: set one way to reach Redis, not both (docs/DEPLOYMENT.md)."
        )
    sentinels = []
    for host in hosts:
        name, _, port = host.rpartition(":")
        if not name or not port.isdigit():
            raise ImproperlyConfigured(f"REDIS_SENTINELS: {host!r} is not host:port (for example 10.0.0.5:26379).")
        sentinels.append((name.strip("[]"), int(port)))
    sentinel_kwargs = {"socket_timeout": 2, "socket_connect_timeout": 2}
    if os.environ.get("REDIS_SENTINEL_PASSWORD"):
        sentinel_kwargs["password"] = os.environ["REDIS_SENTINEL_PASSWORD"]
    # The shape channels-redis takes as a host; redis_clients reads the same dict.
    found = {"sentinels": sentinels, "master_name": master, "sentinel_kwargs": sentinel_kwargs,
             "db": env_int("REDIS_DB", 0)}
    if os.environ.get("REDIS_PASSWORD"):
        found["password"] = os.environ["REDIS_PASSWORD"]
    return found


REDIS_SENTINEL = _redis_sentinel()
REDIS_ENABLED = bool(REDIS_URL or REDIS_SENTINEL)
PRODUCTION = bool(REDIS_ENABLED or DATABASE_URL)

DEBUG = env_bool("DEBUG", False)


def _secret_key() -> str:
    key = os.environ.get("SECRET_KEY", "")
    if key:
        return key
    if PRODUCTION:
        sys.stderr.write(
            "CF Messenger: SECRET_KEY is required in production mode (REDIS_URL, REDIS_SENTINELS or "
            "DATABASE_URL is set). Generate one with: "
            "python -c 'import secrets; print(secrets.token_urlsafe(50))'\n"
        )
        raise SystemExit(2)
    # Embedded default: generate once and keep it on this machine only.
    path = LOCAL_DIR / "secret_key"
    if path.exists():
        return path.read_text().strip()
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


SECRET_KEY = _secret_key()

HOST = os.environ.get("HOST", "127.0.0.1")
PORT = env_int("PORT", 8000)

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", f"localhost,127.0.0.1,[::1],{HOST}")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# Extra origins allowed to open sockets (besides the page's own origin).
WS_ALLOWED_ORIGINS = env_list("WS_ALLOWED_ORIGINS") + CSRF_TRUSTED_ORIGINS
# Addresses (IPs or CIDRs) of reverse proxies whose X-Forwarded-For is trusted.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES")

REGISTRATION_OPEN = env_bool("REGISTRATION_OPEN", True)

TURNSTILE_SITE_KEY = os.environ.get("TURNSTILE_SITE_KEY", "")
TURNSTILE_SECRET_KEY = os.environ.get("TURNSTILE_SECRET_KEY", "")
TURNSTILE_VERIFY_URL = os.environ.get(
    "TURNSTILE_VERIFY_URL", "https://challenges.cloudflare.com/turnstile/v0/siteverify"
)
TURNSTILE_TIMEOUT_S = env_float("TURNSTILE_TIMEOUT_S", 5.0)

# Token lifetime, sliding from last use (contract 1.4), and socket tickets.
TOKEN_TTL_S = env_int("TOKEN_TTL_S", 1200)
TICKET_TTL_S = env_int("TICKET_TTL_S", 30)
TOKEN_COOKIE_NAME = "cfm_token"

# Login throttles: per client IP (contract), and failed attempts per username.
LOGIN_RATE_PER_IP = (env_int("LOGIN_RATE_LIMIT", 5), env_int("LOGIN_RATE_WINDOW_S", 10))
# Failed sign-ins (messenger/accounts/throttle.py): per (account, client IP),
# per client IP over all accounts, and per account from anywhere (that one
# only marks the account as under attack: it never refuses its owner).
LOGIN_FAILURES_PER_PAIR = (
    env_int("LOGIN_PAIR_FAILURE_LIMIT", 5),
    env_int("LOGIN_PAIR_FAILURE_WINDOW_S", 900),
)
LOGIN_FAILURES_PER_IP = (
    env_int("LOGIN_IP_FAILURE_LIMIT", 20),
    env_int("LOGIN_IP_FAILURE_WINDOW_S", 3600),
)
LOGIN_FAILURES_PER_USERNAME = (
    env_int("LOGIN_USER_FAILURE_LIMIT", 10),
    env_int("LOGIN_USER_FAILURE_WINDOW_S", 600),
)
# Password re-checks before a password change or deletion, per account
# (a stolen token cannot guess the password; strangers cannot reach it).
PASSWORD_CONFIRM_FAILURES = (env_int("PASSWORD_CONFIRM_FAILURE_LIMIT", 5), 900)
_RATE_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def env_rate(name: str, default: str) -> tuple[int, int]:
    """A rate like "10/h" (count / s, m, h or d) as (count, window seconds)."""
    value = os.environ.get(name, default)
    count, _, unit = value.partition("/")
    if not count.isdigit() or unit not in _RATE_UNITS:
        raise ImproperlyConfigured(f"{name}={value!r}: write a count and a unit, like 10/h (units: s, m, h, d)")
    return int(count), _RATE_UNITS[unit]


# Registrations per client IP, in the same exact sliding windows as every other limit.
REGISTER_RATE = env_rate("REGISTER_RATE", "10/h")

# Socket rules (contract 2.1, 2.5).
WS_MAX_FRAME_BYTES = 16 * 1024
# An open socket re-reads its account's revocation epoch at most this often
# (on a heartbeat or a written frame): a revocation whose event was lost closes it within this.
SOCKET_EPOCH_TTL_S = env_float("SOCKET_EPOCH_TTL_S", 5)
WS_IDLE_TIMEOUT_S = env_float("WS_IDLE_TIMEOUT_S", 90)
# On SIGTERM a server process closes its sockets with 1012 spread over at least WS_DRAIN_S
# seconds, at most WS_DRAIN_RATE a second (0: no pace), and within WS_DRAIN_MAX_S, so that its
# clients reconnect elsewhere no faster than the other processes let them in
# (messenger/realtime/draining.py). A supervisor must wait WS_DRAIN_MAX_S and a little more.
WS_DRAIN_S = env_float("WS_DRAIN_S", 5)
WS_DRAIN_RATE = env_float("WS_DRAIN_RATE", 0)
WS_DRAIN_MAX_S = env_float("WS_DRAIN_MAX_S", 300)
# A process with this many sockets waiting for admission says so; a draining process holds its
# closes meanwhile (messenger/realtime/admission.py, draining.py). 0: never.
WS_DRAIN_HOLD_BACKLOG = env_int("WS_DRAIN_HOLD_BACKLOG", 16)
# WebSocket-level pings from the server. Dead peers are already
# found by the contract's idle rule (4408 after WS_IDLE_TIMEOUT_S without a
# frame; clients ping every 30 s), so these only keep quiet paths warm: at
# the server's default of 20 s, the pings and pongs of 10,000 idle sockets were
# most of the server's idle CPU (docs/PERFORMANCE.md).
WS_PROTOCOL_PING_S = env_int("WS_PROTOCOL_PING_S", 60)
# Full garbage collections handed to messenger/realtime/gc_control.py: every
# GC_FREEZE_EVERY_S what survived is collected and frozen (0: CPython's own
# schedule); frozen cycles of closed sockets are reclaimed after this many
# closes (or as many as are open, if more) once no socket opened for
# GC_RECLAIM_CALM_S, or at GC_RECLAIM_FORCE_X times that many closes.
GC_FREEZE_EVERY_S = env_float("GC_FREEZE_EVERY_S", 0.5)
GC_RECLAIM_CLOSES = env_int("GC_RECLAIM_CLOSES", 2000)
GC_RECLAIM_CALM_S = env_float("GC_RECLAIM_CALM_S", 10)
GC_RECLAIM_FORCE_X = env_int("GC_RECLAIM_FORCE_X", 4)
WS_FLOOD_FRAMES = (60, 10)
WS_INVALID_FRAMES = (20, 10)
WS_MAX_SOCKETS_PER_IP = env_int("WS_MAX_SOCKETS_PER_IP", 1000)
# Outbound bytes a socket may have waiting in the server before it is cut off (messenger/sendbuffer.py).
WS_MAX_OUTBOUND_BYTES = env_int("WS_MAX_OUTBOUND_BYTES", 2 * 1024 * 1024)
# Admission of new sockets (messenger/realtime/admission.py, docs/PROTOCOL.md §9): at most
# WS_ADMIT_CONCURRENCY connects are worked on at once, so that open sockets' frames never wait
# behind a storm of welcomes; WS_ADMIT_QUEUE more wait their turn; beyond that a socket gets
# `error` UNAVAILABLE with retryAfterMs (WS_ADMIT_RETRY_MS plus up to as much again) and 4503.
WS_ADMIT_CONCURRENCY = env_int("WS_ADMIT_CONCURRENCY", 4)
# 1,024: a burst as large as one address may open (WS_MAX_SOCKETS_PER_IP) waits rather than retries.
WS_ADMIT_QUEUE = env_int("WS_ADMIT_QUEUE", 1024)
WS_ADMIT_RETRY_MS = env_int("WS_ADMIT_RETRY_MS", 1000)
# The longest base wait a deferred socket is told (it gets up to as much again as jitter).
WS_ADMIT_RETRY_MAX_MS = env_int("WS_ADMIT_RETRY_MAX_MS", 30_000)
# Threads for sockets' database reads (messenger.platform.db_async); keep below DB_POOL_MAX.
SOCKET_DB_THREADS = env_int("SOCKET_DB_THREADS", 4)
# PostgreSQL connections per process used from the event loop (messenger.platform.pg_async: chat writes).
DB_LOOP_POOL_MAX = env_int("DB_LOOP_POOL_MAX", 4)
# CHAT_RATE_LIMIT overrides the contract's 10 per 10 s for load tests (bench/).
CHAT_RATE = (env_int("CHAT_RATE_LIMIT", 10), 10)
NUDGE_RATE = (3, 10)
WINK_RATE = (3, 10)
TYPING_RATE = (10, 10)
TYPING_TTL_S = env_float("TYPING_TTL_S", 3)
WINK_LEAD_MS = 500
MAX_TEXT_CHARS = 2048
HISTORY_ON_JOIN = 100
# Public rooms one person may create per rolling 24 h, and own (not archived) at once; staff are exempt.
ROOM_CREATE_DAILY_LIMIT = env_int("ROOM_CREATE_DAILY_LIMIT", 10)
ROOM_OWNED_MAX = env_int("ROOM_OWNED_MAX", 25)
# Group conversations (gc_ rooms): members at most (MSN's cap), and new ones per person per hour.
GROUP_MAX_MEMBERS = env_int("GROUP_MAX_MEMBERS", 20)
GROUP_CREATE_RATE = (env_int("GROUP_CREATE_PER_HOUR", 30), 3600)
# GET /api/rooms: rooms per page (at most 100, like every paged read).
ROOM_PAGE_DEFAULT = 100
REPLAY_MAX = 1000

# Presence (contract 2.5): offline after the last heartbeat, grace on reconnect.
PRESENCE_TTL_S = env_float("PRESENCE_TTL_S", 90)
PRESENCE_GRACE_S = env_float("PRESENCE_GRACE_S", 5)
PRESENCE_IDLE_AWAY_S = env_float("PRESENCE_IDLE_AWAY_S", 300)
# `make run` turns this on: seeded demo people whom nobody has signed in as yet
# show their seeded status as if connected, so a newcomer sees people online
# (README, "demo presence"). Signing in as one of them hands over to real presence.
DEMO_PRESENCE = env_bool("DEMO_PRESENCE", False)

# Bots (docs/BOTS.md). No BOT_INFERENCE_URL = offline mode: the personas
# answer from their own rule-based repertoire.
BOT_INFERENCE_URL = os.environ.get("BOT_INFERENCE_URL", "").rstrip("/")
BOT_API_STYLE = os.environ.get("BOT_API_STYLE", "openai")
BOT_INFERENCE_API_KEY = os.environ.get("BOT_INFERENCE_API_KEY", "")
BOT_MODEL = os.environ.get("BOT_MODEL", "@cf/meta/llama-3.2-1b-instruct")
BOT_DAILY_QUOTA = env_int("BOT_DAILY_QUOTA", 10000)
# One person's share of that pool per UTC day: nobody can put the bots to sleep for everyone.
BOT_USER_DAILY_QUOTA = env_int("BOT_USER_DAILY_QUOTA", max(1, BOT_DAILY_QUOTA // 100))
BOT_TIMEOUT_S = env_float("BOT_TIMEOUT_S", 20)
BOT_MAX_TOKENS = env_int("BOT_MAX_TOKENS", 256)
BOT_TEMPERATURE = env_float("BOT_TEMPERATURE", 0.7)
BOT_CONCURRENCY = env_int("BOT_CONCURRENCY", 4)
BOT_QUEUE_SIZE = env_int("BOT_QUEUE_SIZE", 100)
BOT_CONTEXT_MESSAGES = env_int("BOT_CONTEXT_MESSAGES", 8)
BOT_BREAKER_FAILURES = env_int("BOT_BREAKER_FAILURES", 3)
BOT_BREAKER_COOLDOWN_S = env_float("BOT_BREAKER_COOLDOWN_S", 30)

# Operations (docs/OPERATIONS.md). /metrics answers to this bearer token or
# these client addresses (IPs or CIDRs); with neither it is off (404).
METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "")
METRICS_ALLOWED_IPS = env_list("METRICS_ALLOWED_IPS")
# Message text at rest: AES-256-GCM keys, the first encrypts, all decrypt.
MESSAGE_ENCRYPTION_KEYS = env_list("MESSAGE_ENCRYPTION_KEY") + env_list("MESSAGE_ENCRYPTION_KEYS")
# `manage.py purge_expired`: messages and analytics events older than this go.
MESSAGE_RETENTION_DAYS = env_int("MESSAGE_RETENTION_DAYS", 90)
ANALYTICS_RETENTION_DAYS = env_int("ANALYTICS_RETENTION_DAYS", 400)
# Account deletion and the user's messages: "blank" empties their text and
# hides them (rows stay, so every room's seqs stay contiguous); "delete"
# removes the rows (seqs then have gaps where they were).
ACCOUNT_DELETION_MESSAGES = os.environ.get("ACCOUNT_DELETION_MESSAGES", "blank")
if ACCOUNT_DELETION_MESSAGES not in ("blank", "delete"):
    raise ImproperlyConfigured('ACCOUNT_DELETION_MESSAGES must be "blank" or "delete".')

INSTALLED_APPS = [
    *realtime.SERVER_APPS,
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "messenger",
    "chat",
    "presence",
    "bots",
]

MIDDLEWARE = [
    "messenger.web.middleware.RequestContextMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "messenger.urls"
ASGI_APPLICATION = "messenger.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "messenger.web.beacon.web_analytics",
            ],
        },
    },
]



def database_from_url(url: str) -> dict:
    """dj-database-url's parse, plus libpq's multi-host form
    (postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write), which it
    rejects: HOST and PORT become libpq's comma lists, tried in order."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    userinfo, at, hostlist = netloc.rpartition("@")
    if "," not in hostlist:
        return dj_database_url.parse(url, conn_max_age=0)
    hosts, ports = [], []
    for entry in hostlist.split(","):
        # [v6]:port, host:port or host
        host, colon, port = entry.rpartition(":") if not entry.endswith("]") else ("", "", "")
        if not colon or not port.isdigit():
            host, port = entry, ""
        hosts.append(host.strip("[]"))
        ports.append(port)
    parsed = dj_database_url.parse(f"{scheme}{sep}{userinfo}{at}multi-host{slash}{tail}", conn_max_age=0)
    parsed["HOST"] = ",".join(hosts)
    if any(ports):
        parsed["PORT"] = ",".join(port or "5432" for port in ports)
    return parsed


if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL)}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
            "min_size": 1,
            "max_size": env_int("DB_POOL_MAX", 8),
            "timeout": 10,
        }
else:
    LOCAL_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("SQLITE_PATH", str(LOCAL_DIR / "db.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": "PRAGMA journal_mode=WAL;",
            },
        }
    }

CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX", "cfm")


def _redis_db() -> int:
    """The Redis database number in use (REDIS_URL's path or ?db=, or REDIS_DB with Sentinels)."""
    if REDIS_SENTINEL:
        return REDIS_SENTINEL["db"]
    parsed = urllib.parse.urlsplit(REDIS_URL)
    db = parsed.path.strip("/") or urllib.parse.parse_qs(parsed.query).get("db", ["0"])[0]
    return int(db) if db.isdigit() else 0


if REDIS_ENABLED:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {"socket_timeout": 5, "socket_connect_timeout": 2},
        }
    }
    if REDIS_SENTINEL:
        # Django's RedisCache takes URLs only: this one uses the project's client, which follows the master.
        CACHES["default"].update(BACKEND="messenger.platform.redis_clients.SentinelCache", LOCATION="sentinel",
                                 OPTIONS={})
    CHANNEL_LAYERS = {
        "default": {
            # The pub/sub layer publishes a group message once per group and
            # fans it out inside each process (docs/ARCHITECTURE.md, fan-out).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {
                # Several Redis URLs shard channels and groups over them when
                # one instance is not enough (README, production); same list everywhere.
                "hosts": env_list("CHANNEL_LAYER_HOSTS") or [REDIS_SENTINEL or REDIS_URL],
                # Redis pub/sub ignores database numbers: two deployments on one Redis with
                # different REDIS_URL databases would hear each other's rooms without the number here
                # (database 0 keeps the earlier "cfm:ws", so a rolling upgrade's processes still hear each other).
                "prefix": os.environ.get("CHANNEL_LAYER_PREFIX",
                                         f"{CACHE_KEY_PREFIX}:ws" if not _redis_db() else f"{CACHE_KEY_PREFIX}:{_redis_db()}:ws"),
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "cfm",
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60},
        }
    }

# Sign-in tokens and socket tickets (messenger/accounts/tokens.py) must
# outlive the server process, so that a restart is a reconnect and not a
# sign-out: in Redis with everything else on the production stack, in a table
# of the database on the embedded default (created by migration 0005). Culling
# starts at SESSION_CACHE_MAX_ENTRIES rows (expired ones go first).
SESSION_CACHE_TABLE = "cfm_session_cache"
if REDIS_ENABLED:
    CACHES["sessions"] = dict(CACHES["default"])
else:
    CACHES["sessions"] = {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": SESSION_CACHE_TABLE,
        "OPTIONS": {"MAX_ENTRIES": env_int("SESSION_CACHE_MAX_ENTRIES", 100_000)},
    }

# Django's default PBKDF2, hashed on low-priority threads so that
# sign-ins never take the event loop's core (messenger/hashing.py).
# One hasher per algorithm name: Django verifies with the LAST hasher listed
# for a hash's algorithm, so listing Django's own pbkdf2_sha256 hasher after
# ours made every sign-in hash at normal priority (bench (e), py-spy).
PASSWORD_HASHERS = [
    "messenger.accounts.hashing.NicePBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
PASSWORD_HASH_THREADS = env_int("PASSWORD_HASH_THREADS", 2)
PASSWORD_HASH_NICENESS = env_int("PASSWORD_HASH_NICENESS", 10)

# Registration and password change refuse what these refuse: a password like
# the username or display name, one of Django's ~20,000 common passwords,
# digits only, or shorter than 8 characters.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_MIN_LENGTH = 8

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = LOCAL_DIR / "staticfiles"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Request bodies: the API answers 413 above 64 KiB (a display picture upload: AVATAR_MAX_UPLOAD_BYTES).
DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
API_MAX_BODY_BYTES = 64 * 1024
AVATAR_MAX_UPLOAD_BYTES = env_int("AVATAR_MAX_UPLOAD_BYTES", 1024 * 1024)
AVATAR_UPLOAD_PATH = "/api/auth/me/avatar"
# Each upload is decoded by Pillow and each profile change is pushed to every contact: both are limited per person.
AVATAR_UPLOAD_RATE = (env_int("AVATAR_UPLOADS_PER_HOUR", 20), 3600)
PROFILE_CHANGE_RATE = (env_int("PROFILE_CHANGES_PER_HOUR", 60), 3600)

# Uploaded display pictures, through Django's storage API: the filesystem under
# .local/media by default, any storage backend with MEDIA_STORAGE_BACKEND.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", LOCAL_DIR / "media"))
MEDIA_URL = os.environ.get("MEDIA_URL", "/media/")
STORAGES = {
    "default": {"BACKEND": os.environ.get("MEDIA_STORAGE_BACKEND", "django.core.files.storage.FileSystemStorage")},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Behind a TLS-terminating proxy (production deployments).
if env_bool("SECURE_PROXY_SSL", PRODUCTION and not DEBUG):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health$"]

# Optional privacy-friendly RUM: with a Cloudflare Web Analytics token the
# web UI's pages load its beacon, and the CSP allows exactly its two origins
# (the script's, and the one it reports to); without a token, neither.
WEB_ANALYTICS_TOKEN = os.environ.get("WEB_ANALYTICS_TOKEN", "")
WEB_ANALYTICS_SCRIPT = "https://static.cloudflareinsights.com/beacon.min.js"
_WEB_ANALYTICS_ORIGINS = {"script": ["https://static.cloudflareinsights.com"], "connect": ["https://cloudflareinsights.com"]}
_web_analytics = _WEB_ANALYTICS_ORIGINS if WEB_ANALYTICS_TOKEN else {"script": [], "connect": []}

# Content-Security-Policy (django-csp): no inline scripts anywhere. The web
# UI's pages add ws:/wss: of their own host to connect-src per request
# (messenger/pages.py); Turnstile's origin is allowed only when it is on.
_TURNSTILE_ORIGIN = "https://challenges.cloudflare.com"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"] + ([_TURNSTILE_ORIGIN] if TURNSTILE_SITE_KEY else []) + _web_analytics["script"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"] + _web_analytics["connect"],
        "frame-src": [_TURNSTILE_ORIGIN] if TURNSTILE_SITE_KEY else ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
# JSON lines in production and whenever the output is a file or pipe; words
# for a person running the embedded default in a terminal.
LOG_FORMAT = os.environ.get("LOG_FORMAT") or ("text" if not PRODUCTION and sys.stderr.isatty() else "json")
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured('LOG_FORMAT must be "json" or "text".')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {"()": "messenger.platform.logs.JsonFormatter"},
        "text": {"()": "messenger.platform.logs.ConsoleFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.channels.server": {"level": "WARNING"},
        **{name: {"level": "WARNING"} for name in realtime.SERVER_LOGGERS},
    },
}
logging.captureWarnings(True)
