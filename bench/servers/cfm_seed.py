"""Seed the benchmark database (run inside CF Messenger's Django): rooms,
users sharing one real PBKDF2 password hash (hashed once, so seeding takes
seconds but every login costs what a real one does), and one token per user
issued by the same function the login endpoint uses.

    python -m bench.servers.cfm_seed --users 100 --rooms a,b  ->  JSON on stdout
"""

import argparse
import json
import sys

import django

PASSWORD = "bench-password-1"


def seed(users: int, rooms: list[str]) -> dict:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from chat.models import Room
    from messenger.accounts import tokens
    from messenger.models import Profile

    User = get_user_model()
    Room.objects.bulk_create([Room(id=room, name=room) for room in rooms], ignore_conflicts=True)
    names = [f"bench_u{i}" for i in range(users)]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    missing = [name for name in names if name not in existing]
    if missing:
        hashed = make_password(PASSWORD)
        User.objects.bulk_create([User(username=name, password=hashed) for name in missing], batch_size=2000)
        ids = User.objects.filter(username__in=missing).values_list("id", "username")
        Profile.objects.bulk_create([Profile(user_id=pk, display_name=name) for pk, name in ids], batch_size=2000)
    rows = dict(User.objects.filter(username__in=names).values_list("username", "id"))
    epochs = dict(Profile.objects.filter(user__username__in=names).values_list("user_id", "token_epoch"))
    issued = [tokens.token_issue(user_id=rows[name], epoch=epochs[rows[name]])[0] for name in names]
    return {"usernames": names, "tokens": issued, "password": PASSWORD}


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, required=True)
    parser.add_argument("--rooms", default="")
    args = parser.parse_args()
    django.setup()
    result = seed(args.users, [room for room in args.rooms.split(",") if room])
    json.dump(result, sys.stdout)
