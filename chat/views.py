"""Room, DM and wink endpoints (contract 1.3)."""

from pydantic import BaseModel, Field

from messenger import errors
from messenger.accounts.users import users_with_profiles
from messenger.platform import db_async
from messenger.web.envelope import ApiError, api, parse_body

from . import ids, membership, selectors, services
from .winks import catalog_public
from .wire import room_public


class RoomBody(BaseModel):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=80)
    topic: str = Field(default="", max_length=200)


class DmBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)


class _Page(BaseModel):
    before: int | None = Field(default=None, ge=0)
    limit: int = Field(default=50, ge=1, le=100)


def _public_rooms() -> list:
    return list(selectors.public_rooms())


def _room_create(user, body: RoomBody):
    room_id = body.id.strip()
    if ids.public_id_forbidden(room_id):
        raise ApiError(403, errors.FORBIDDEN, "Ids starting dm_, system_ or admin_ are reserved.", field="id")
    if not ids.public_id_valid(room_id):
        raise ApiError(
            400, errors.INVALID_REQUEST, "id: 1-64 of a-z, 0-9, '_' or '-', starting with a letter or digit.", field="id"
        )
    name = body.name.strip()
    if not name or not name.isprintable():
        raise ApiError(400, errors.INVALID_REQUEST, "name: must be printable text.", field="name")
    if body.topic and not body.topic.isprintable():
        raise ApiError(400, errors.INVALID_REQUEST, "topic: must be printable text.", field="topic")
    try:
        return services.room_create(user=user, room_id=room_id, name=name, topic=body.topic.strip())
    except services.RoomIdTaken:
        raise ApiError(409, errors.CONFLICT, f"The room id {room_id!r} is taken.", field="id")


@api(["GET", "POST"])
async def rooms(request):
    if request.method == "POST":
        body = await db_async.run_in_request(parse_body, request, RoomBody)
        room = await db_async.run_in_request(_room_create, request.cfm_caller.user, body)
        return 201, {"room": room_public(room, online=0)}
    found = await db_async.run_in_request(_public_rooms)
    online = await membership.online_counts([room.pk for room in found])
    return {"rooms": [room_public(room, online=online[room.pk]) for room in found]}


@api(["GET"])
def room_messages(request, room_id: str):
    try:
        page = _Page(before=request.GET.get("before") or None, limit=request.GET.get("limit") or 50)
    except ValueError:
        raise ApiError(400, errors.INVALID_REQUEST, "before: a seq; limit: 1 to 100.", field="limit")
    room = services.room_enter(user=request.cfm_caller.user, room_id=room_id)
    messages, has_more = selectors.messages_before(room_id=room.pk, before=page.before, limit=page.limit)
    return {"messages": messages, "hasMore": has_more}


@api(["POST"], body=DmBody)
def dm(request, *, body: DmBody):
    user = request.cfm_caller.user
    other = users_with_profiles().filter(username=body.username.strip().lower(), is_active=True).first()
    if other is None:
        raise ApiError(404, errors.NOT_FOUND, "No such user.", field="username")
    if other.pk == user.pk:
        raise ApiError(400, errors.INVALID_REQUEST, "username: you cannot DM yourself.", field="username")
    room = services.dm_room_ensure(user=user, other=other)
    return {"room": room_public(room)}


@api(["GET"])
def winks(request):
    return {"winks": catalog_public()}
