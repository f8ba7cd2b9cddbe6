"""Group conversation endpoints (extension; MSN's "invite someone to this
conversation"): create, list, see, invite into, and leave gc_ rooms. The
rules are chat.services'; these only parse and answer."""

from typing import Annotated

from django.conf import settings
from pydantic import BaseModel, ConfigDict, Field

from messenger.accounts.users import public_user, users_with_profiles
from messenger.platform import db_async, ratelimit
from messenger.web.envelope import api, parse_body, rate_limited

from . import selectors, services
from .wire import room_public

Username = Annotated[str, Field(min_length=1, max_length=64)]


class ConversationBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    members: list[Username] = Field(min_length=1, max_length=50)


class InviteBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username


def conversation_public(room) -> dict:
    members = users_with_profiles().filter(pk__in=selectors.conversation_member_ids(room.pk)).order_by("username")
    return {**room_public(room), "members": [public_user(member) for member in members]}


def _listing(user) -> dict:
    return {"conversations": [conversation_public(room) for room in selectors.conversations_of(user)]}


def _created(user, body: ConversationBody) -> dict:
    return conversation_public(services.conversation_create(user=user, usernames=body.members))


@api(["GET", "POST"])
async def conversations(request):
    user = request.cfm_caller.user
    if request.method == "GET":
        return await db_async.run_in_request(_listing, user)
    body = await db_async.run_in_request(parse_body, request, ConversationBody)
    verdict = await ratelimit.hit(f"gc:{user.pk}", *settings.GROUP_CREATE_RATE)
    if not verdict.allowed:
        raise rate_limited(verdict.retry_after_ms, "Too many new conversations.")
    return 201, {"room": await db_async.run_in_request(_created, user, body)}


@api(["GET"])
def conversation(request, room_id: str):
    room = services.conversation_of_member(user=request.cfm_caller.user, room_id=room_id)
    return {"room": conversation_public(room)}


@api(["POST"], body=InviteBody)
def conversation_members(request, room_id: str, *, body: InviteBody):
    room = services.conversation_invite(user=request.cfm_caller.user, room_id=room_id, username=body.username)
    return {"room": conversation_public(room)}


@api(["DELETE"])
def conversation_member_me(request, room_id: str):
    services.conversation_leave(user=request.cfm_caller.user, room_id=room_id)
    return {}
