"""GET /api/bots (contract 1.3) and the `bots` collection."""

from messenger.accounts.users import public_user
from messenger.web.envelope import api

from . import quota, selectors


def _bot_item(persona, sleeping: bool) -> dict:
    return {"user": public_user(persona.user), "sleeping": sleeping}


@api(["GET"])
def bot_list(request):
    sleeping = quota.spent()
    return {"bots": [_bot_item(persona, sleeping) for persona in selectors.bot_personas()]}


def bots_page(viewer, cursor: str, limit: int):
    personas = selectors.bot_personas(after_handle=cursor, limit=limit + 1)
    more = len(personas) > limit
    personas = personas[:limit]
    sleeping = quota.spent()
    return [_bot_item(persona, sleeping) for persona in personas], (personas[-1].user.username if more else None)
