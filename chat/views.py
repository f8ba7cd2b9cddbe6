"""Room, DM and wink endpoints (contract 1.3)."""

from pydantic import BaseModel, Field

from messenger import errors
from messenger.accounts.users import users_with_profiles
from messenger.platform import db_async, text_rules
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


class _RoomsPage(BaseModel):
    cursor: str = Field(default="", max_length=64)
    limit: int = Field(default=100, ge=1, le=100)


def _rooms_page(query) -> _RoomsPage:
    try:
        page = _RoomsPage(cursor=query.get("cursor", ""), limit=query.get("limit") or 100)
    except ValueError:
        raise ApiError(400, errors.INVALID_REQUEST, "limit: 1 to 100; cursor: a nextCursor from this list.", field="limit")
    if page.cursor and not ids.public_id_valid(page.cursor):
        raise ApiError(400, errors.INVALID_REQUEST, "cursor: pass back a nextCursor from this list.", field="cursor")
    return page


def _room_create(user, body: RoomBody):
    room_id = body.id.strip()
    if ids.public_id_forbidden(room_id):
        raise ApiError(403, errors.FORBIDDEN, "Ids starting dm_, system_ or admin_ are reserved.", field="id")
    if not ids.public_id_valid(room_id):
        raise ApiError(
            400, errors.INVALID_REQUEST, "id: 1-64 of a-z, 0-9, '_' or '-', starting with a letter or digit.", field="id"
        )
    name, topic = text_rules.clean_name(body.name), text_rules.clean_name(body.topic)
    if text_rules.is_blank(name) or not name.isprintable():
        raise ApiError(400, errors.INVALID_REQUEST, "name: must be visible, printable text.", field="name")
    if topic and not topic.isprintable():
        raise ApiError(400, errors.INVALID_REQUEST, "topic: must be printable text.", field="topic")
    try:
        return services.room_create(user=user, room_id=room_id, name=name, topic=topic)
    except services.RoomIdTaken:
        raise ApiError(409, errors.CONFLICT, f"The room id {room_id!r} is taken.", field="id")
    except services.RoomQuotaSpent as spent:
        if spent.retry_after_s is None:
            raise
        raise ApiError(
            429, errors.RATE_LIMITED, f"{spent.message} Try again in {spent.retry_after_s} s.",
            headers={"Retry-After": str(spent.retry_after_s)},
        )


@api(["GET", "POST"])
async def rooms(request):
    """GET: a page of public rooms; `nextCursor` (null on the last page) is
    passed back as `?cursor=` for the next. POST: create one."""
    if request.method == "POST":
        body = await db_async.run_in_request(parse_body, request, RoomBody)
        room = await db_async.run_in_request(_room_create, request.cfm_caller.user, body)
        return 201, {"room": room_public(room, online=0)}
    page = _rooms_page(request.GET)
    found, next_cursor = await db_async.run_in_request(selectors.public_rooms_page, after=page.cursor, limit=page.limit)
    online = await membership.online_counts([room.pk for room in found])
    return {"rooms": [room_public(room, online=online[room.pk]) for room in found], "nextCursor": next_cursor}


def _public_room_or_404(room_id: str):
    room = selectors.room_any(room_id)
    if room is None or room.kind != room.KIND_PUBLIC:
        raise ApiError(404, errors.NOT_FOUND, "No such public room.")
    return room


@api(["POST", "DELETE"])
def room_archive(request, room_id: str):
    """POST archives the room (its owner or a moderator), DELETE brings it back."""
    room = _public_room_or_404(room_id)
    services.room_archive(user=request.cfm_caller.user, room=room, archived=request.method == "POST")
    return {"room": {**room_public(room), "archived": request.method == "POST"}}


@api(["DELETE"])
def room_detail(request, room_id: str):
    """A moderator deletes a public room and its messages."""
    services.room_delete(moderator=request.cfm_caller.user, room=_public_room_or_404(room_id))
    return {}


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
