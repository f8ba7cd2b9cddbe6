"""Your own profile: display name and display picture (a picture from the
built-in gallery, or an upload).

An upload is decoded by Pillow whatever it claims to be; only PNG, JPEG and
GIF are taken, and what is stored is a new 96x96 PNG drawn from the decoded
pixels, so no metadata (EXIF, text chunks, GPS) and no trailing payload of
the original survives. Stored through Django's storage API (STORAGES
"default": the filesystem under .local/media unless configured), named by
the hash of its content, so its URL can be cached for ever.
"""

import hashlib
import io
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from PIL import Image, ImageOps, UnidentifiedImageError

from messenger import errors
from messenger.accounts import names
from messenger.models import Profile
from messenger.platform import text_rules

AVATAR_SIZE = 96
AVATAR_DIR = "avatars"
GALLERY_DIR = Path(settings.BASE_DIR) / "static" / "avatars"
ACCEPTED_FORMATS = {"PNG", "JPEG", "GIF"}
# A decompression bomb is refused before its pixels are decoded.
MAX_PIXELS = 40_000_000


def gallery() -> list[str]:
    """The built-in pictures, as the URLs a profile holds."""
    return sorted(f"{settings.STATIC_URL}avatars/{path.name}" for path in GALLERY_DIR.glob("*.svg"))


def display_name_checked(*, user, raw: str) -> str:
    """The name as stored (bidi controls removed, trimmed), or Refused: blank,
    unprintable, too long, or a lookalike of someone else's (messenger.accounts.names)."""
    name = text_rules.clean_name(raw)
    if text_rules.is_blank(name) or not name.isprintable():
        raise errors.Refused(errors.INVALID_REQUEST, "displayName: must be printable text.", field="displayName")
    if len(name) > 64:
        raise errors.Refused(errors.INVALID_REQUEST, "displayName: at most 64 characters.", field="displayName")
    key = names.skeleton(name)
    if Profile.objects.filter(display_skeleton=key).exclude(user=user).exists():
        raise errors.Refused(
            errors.CONFLICT, f"displayName: {name!r} looks too much like someone else's name.", field="displayName"
        )
    return name


def profile_update(*, user, display_name: str | None = None, avatar: str | None = None) -> bool:
    """Change the display name and/or pick a gallery picture; True if anything changed."""
    changes = {}
    if display_name is not None:
        changes["display_name"] = display_name_checked(user=user, raw=display_name)
        changes["display_skeleton"] = names.skeleton(changes["display_name"])
    if avatar is not None:
        if avatar not in gallery():
            raise errors.Refused(
                errors.INVALID_REQUEST, "avatar: pick one of the gallery's pictures, or upload one.", field="avatar"
            )
        changes["avatar"] = avatar
    return _profile_save(user, changes)


def avatar_upload(*, user, data: bytes) -> str:
    """Store an uploaded picture as the user's display picture; its URL."""
    png = avatar_normalised(data)
    name = f"{AVATAR_DIR}/{hashlib.sha256(png).hexdigest()[:32]}.png"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(png))
    url = default_storage.url(name)
    _profile_save(user, {"avatar": url})
    return url


def avatar_normalised(data: bytes) -> bytes:
    """A 96x96 PNG of the image in `data`, or Refused naming what is wrong."""
    if len(data) > settings.AVATAR_MAX_UPLOAD_BYTES:
        raise errors.Refused(
            errors.PAYLOAD_TOO_LARGE,
            f"The picture is larger than {settings.AVATAR_MAX_UPLOAD_BYTES // 1024} KiB; pick a smaller one.",
        )
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ACCEPTED_FORMATS:
                raise errors.Refused(
                    errors.INVALID_REQUEST, f"A {image.format} picture is not taken; send a PNG, JPEG or GIF."
                )
            if image.width * image.height > MAX_PIXELS:
                raise errors.Refused(errors.INVALID_REQUEST, "The picture has too many pixels; send a smaller one.")
            image.seek(0)
            frame = ImageOps.exif_transpose(image).convert("RGBA")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError, SyntaxError):
        raise errors.Refused(errors.INVALID_REQUEST, "That file is not a picture we can read; send a PNG, JPEG or GIF.")
    square = ImageOps.fit(frame, (AVATAR_SIZE, AVATAR_SIZE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    square.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _profile_save(user, changes: dict) -> bool:
    if not changes:
        return False
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        previous = profile.avatar
        for field, value in changes.items():
            setattr(profile, field, value)
        profile.save(update_fields=list(changes))
        user.profile = profile
        if profile.avatar != previous:
            transaction.on_commit(lambda: uploaded_avatar_release(previous))
    return True


def uploaded_avatar_release(url: str) -> None:
    """Delete an uploaded picture nobody shows any more (two identical uploads share one file)."""
    prefix = default_storage.url(f"{AVATAR_DIR}/")
    if not url.startswith(prefix) or Profile.objects.filter(avatar=url).exists():
        return
    default_storage.delete(f"{AVATAR_DIR}/{url.removeprefix(prefix)}")


def account_deleted(user) -> None:
    """messenger.hooks.account_deleted: the user's uploaded picture goes with the account."""
    url = user.profile.avatar
    transaction.on_commit(lambda: uploaded_avatar_release(url))
