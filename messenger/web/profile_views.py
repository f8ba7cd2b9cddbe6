"""Your own profile over HTTP (extension): `PATCH /api/auth/me` (display
name, gallery picture), `POST /api/auth/me/avatar` (upload a picture, the
raw file as the body), and the uploaded pictures themselves under /media/."""

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_GET
from pydantic import BaseModel, ConfigDict, Field

from messenger import errors, hooks
from messenger.accounts import profile
from messenger.accounts.users import public_user
from messenger.platform import db_async, ratelimit
from messenger.web.envelope import ApiError, api, rate_limited


class ProfileBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    displayName: str | None = Field(default=None, max_length=200)
    avatar: str | None = Field(default=None, max_length=300)


async def _limited(name: str, rate: tuple[int, int], message: str) -> None:
    verdict = await ratelimit.hit(name, *rate)
    if not verdict.allowed:
        raise rate_limited(verdict.retry_after_ms, message)


async def profile_patch(request, body: ProfileBody) -> dict:
    user = request.cfm_caller.user
    await _limited(f"profile:{user.pk}", settings.PROFILE_CHANGE_RATE, "Too many profile changes.")
    changed = await db_async.run_in_request(
        profile.profile_update, user=user, display_name=body.displayName, avatar=body.avatar
    )
    if changed:
        await hooks.notify_profile_changed(user.pk)
    return {"user": public_user(user, to_self=True)}


@api(["POST"])
async def avatar_upload(request):
    """The picture is the body (any Content-Type: Pillow decides what it is)."""
    data = request.read(settings.AVATAR_MAX_UPLOAD_BYTES + 1)
    if not data:
        raise ApiError(400, errors.INVALID_REQUEST, "Send the picture (PNG, JPEG or GIF) as the request body.")
    user = request.cfm_caller.user
    await _limited(f"avatar:{user.pk}", settings.AVATAR_UPLOAD_RATE, "Too many picture uploads.")
    await db_async.run_blocking(profile.avatar_upload, user=user, data=data)
    await hooks.notify_profile_changed(user.pk)
    return {"user": public_user(user, to_self=True)}


@api(["GET"])
def avatar_gallery(request):
    return {"avatars": profile.gallery()}


@require_GET
def uploaded_avatar(request, name: str):
    """An uploaded picture: its name is its content's hash, so it never changes."""
    path = f"{profile.AVATAR_DIR}/{name}"
    if not name.endswith(".png") or "/" in name or not default_storage.exists(path):
        raise Http404("No such picture.")
    response = FileResponse(default_storage.open(path, "rb"), content_type="image/png")
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
