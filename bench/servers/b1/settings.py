"""Settings of the tutorial project: only what the tutorial's chat needs."""

import os

SECRET_KEY = "bench-b1-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = ["daphne", "channels"]
ROOT_URLCONF = "bench.servers.b1.urls"
ASGI_APPLICATION = "bench.servers.b1.asgi.application"
USE_TZ = True

CHANNEL_LAYERS = {
    "default": {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {
            # socket_timeout=None: redis-py 8's 5 s read timeout otherwise drops
            # consumers of a room quiet for 5 s (FIELD-NOTES.md); the benchmark
            # measures the tutorial's throughput, not that bug.
            "hosts": [{"address": os.environ["B1_REDIS_URL"], "socket_timeout": None}],
            "prefix": os.environ.get("B1_LAYER_PREFIX", "benchb1"),
        },
    }
}
