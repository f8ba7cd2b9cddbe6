"""The public user object of the contract (1.2) and account rules."""

import re

from django.conf import settings
from django.contrib.auth import get_user_model

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{2,31}$")


def username_valid(username: str) -> bool:
    return bool(USERNAME_RE.match(username)) and "__" not in username


def shown_status(chosen: str, online: bool, to_self: bool) -> str:
    """What a viewer sees: appear-offline is `offline` to others, `invisible` to oneself."""
    if chosen == "invisible":
        return "invisible" if to_self else "offline"
    if not online:
        return "offline"
    return chosen


def demo_present(user) -> bool:
    """DEMO_PRESENCE: a seeded demo person nobody has signed in as yet looks connected."""
    from messenger.accounts.seed import DEMO_USERNAMES

    return settings.DEMO_PRESENCE and user.last_login is None and user.username in DEMO_USERNAMES


def public_user(user, *, online: bool = True, to_self: bool = False) -> dict:
    profile = user.profile
    return {
        "id": user.username,
        "name": profile.display_name,
        "status": shown_status(profile.status, online or profile.is_bot or demo_present(user), to_self),
        "personalMessage": profile.personal_message,
        "avatar": profile.avatar,
        "bot": profile.is_bot,
    }


def users_with_profiles():
    return get_user_model().objects.select_related("profile")
