"""B3's settings: what the mandated stack needs and no more. The database and
Redis are the bench's (launch.py); PostgreSQL through Django's connection pool
as CF Messenger's production settings have it."""

import os

import dj_database_url

SECRET_KEY = "bench-b3-not-secret"
DEBUG = False
# The load generator sends no Origin header; the validator still runs (as in a deployment) and lets it through.
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "*"]
INSTALLED_APPS = ["django.contrib.contenttypes", "django.contrib.auth", "channels"]
ROOT_URLCONF = "bench.servers.b3.urls"
ASGI_APPLICATION = "bench.servers.b3.asgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

DATABASES = {"default": dj_database_url.parse(os.environ["B3_DATABASE_URL"], conn_max_age=0)}
DATABASES["default"]["OPTIONS"] = {"pool": {"min_size": 1, "max_size": 8, "timeout": 10}}

B3_REDIS_URL = os.environ["B3_REDIS_URL"]
# Which of the two authenticated steps run: "token" (one GETEX), "user" (one ORM read); launch.py's variants drop one.
B3_STEPS = set(filter(None, os.environ.get("B3_STEPS", "token,user").split(",")))
TOKEN_TTL_S = 20 * 60

# Read by CF Messenger's library patches (messenger/realtime/library_patches.py).
WS_MAX_OUTBOUND_BYTES = 2 * 1024 * 1024
