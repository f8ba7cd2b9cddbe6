"""Contact-list endpoints (contract 1.3)."""

from pydantic import BaseModel, Field

from messenger.platform import db_async
from messenger.web.envelope import api, parse_body

from . import services


class ContactBody(BaseModel):
    username: str = Field(min_length=1, max_length=64)


@api(["GET", "POST"])
async def contacts(request):
    owner = request.cfm_caller.user
    if request.method == "GET":
        return await services.contact_lists(owner=owner)
    body = await db_async.run_in_request(parse_body, request, ContactBody)
    return 201, {"contact": await services.contact_add(owner=owner, username=body.username)}


@api(["DELETE"])
async def contact(request, username: str):
    await services.contact_remove(owner=request.cfm_caller.user, username=username)
    return {}


@api(["POST", "DELETE"])
async def block(request, username: str):
    owner = request.cfm_caller.user
    if request.method == "POST":
        await services.contact_block(owner=owner, username=username)
    else:
        await services.contact_unblock(owner=owner, username=username)
    return {}
