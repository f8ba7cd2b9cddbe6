"""The `users` collection of `GET /api/data/{collection}`."""

from messenger.accounts.users import public_user, users_with_profiles


def users_page(viewer, cursor: str, limit: int):
    rows = list(
        users_with_profiles()
        .filter(is_active=True, profile__banned=False, username__gt=cursor)
        .order_by("username")[: limit + 1]
    )
    more = len(rows) > limit
    rows = rows[:limit]
    items = [public_user(user, online=False, to_self=user.pk == viewer.pk) for user in rows]
    return items, (rows[-1].username if more else None)
