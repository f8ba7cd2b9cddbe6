"""Seed B3: `users` users (id = index + 1, one PBKDF2 hash shared) and one token per user in Redis,
keyed by the X-Forwarded-For address the load generator sends for socket `index` (consumers.credential).

    python -m bench.servers.b3.seed --users 20000   (DJANGO_SETTINGS_MODULE=bench.servers.b3.settings)
"""

import argparse

import django


def seed(users: int) -> None:
    import redis
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from bench.loadgen import fake_ip

    from .consumers import TOKEN_KEY

    User = get_user_model()
    have = set(User.objects.filter(pk__lte=users).values_list("pk", flat=True))
    hashed = make_password("bench-password-1")
    User.objects.bulk_create([User(pk=i + 1, username=f"b3_u{i}", password=hashed)
                              for i in range(users) if i + 1 not in have], batch_size=2000)
    client = redis.Redis.from_url(settings.B3_REDIS_URL)
    with client.pipeline(transaction=False) as pipe:
        for i in range(users):
            pipe.set(TOKEN_KEY.format(fake_ip(i)), i + 1, ex=settings.TOKEN_TTL_S)
        pipe.execute()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    args = parser.parse_args()
    django.setup()
    seed(args.users)
