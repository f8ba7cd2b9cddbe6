"""Test settings: the base settings with fast hashing and short lifetimes.

Which stack the suite runs on is still chosen by REDIS_URL / DATABASE_URL.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-for-production-use-0123456789")
os.environ.setdefault("SECURE_PROXY_SSL", "0")
os.environ.setdefault("TRUSTED_PROXIES", "127.0.0.1,::1")
os.environ.setdefault("TYPING_TTL_S", "1")
os.environ.setdefault("PRESENCE_TTL_S", "4")
os.environ.setdefault("PRESENCE_GRACE_S", "1.5")
# /metrics is off unless configured; the live servers of the tests scrape it with this.
os.environ.setdefault("METRICS_TOKEN", "test-metrics-token")

from messenger.settings import *  # noqa: E402,F403
from messenger.settings import DATABASES, LOCAL_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# One test database per pytest process, so parallel runs never collide.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(LOCAL_DIR / f"test-{os.getpid()}.sqlite3")}
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_cfm_{os.getpid()}"}

# A fresh namespace in a shared Redis for every test session; the live
# servers the tests start get the same prefix (tests/live.py).
CACHE_KEY_PREFIX = os.environ.get("CACHE_KEY_PREFIX") or f"cfmtest{os.getpid()}"
os.environ["CACHE_KEY_PREFIX"] = CACHE_KEY_PREFIX
if REDIS_ENABLED:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = CACHE_KEY_PREFIX  # noqa: F405
    CACHES["sessions"]["KEY_PREFIX"] = CACHE_KEY_PREFIX  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"{CACHE_KEY_PREFIX}:ws"  # noqa: F405
