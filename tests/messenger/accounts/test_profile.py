"""Your own profile over HTTP: display name, a gallery picture, an uploaded
picture (re-encoded by Pillow to a 96x96 PNG without metadata), pushed live
to contacts, served with a content hash and long cache headers, and gone
with the account."""

import io

import pytest
from django.conf import settings
from PIL import Image, PngImagePlugin

from conftest import DEMO_PASSWORD, envelope_error
from tests.wsclient import open_presence, run


def picture(fmt: str, size=(300, 200), **save) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 90)).save(out, format=fmt, **save)
    return out.getvalue()


def png_with_text_chunk() -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret location 51.5N 0.1W")
    return picture("PNG", pnginfo=info)


def upload(client, data: bytes, content_type: str = "image/png"):
    return client.post("/api/auth/me/avatar", data=data, headers={"Content-Type": content_type})


def test_display_name_and_gallery_picture_change_and_reach_a_contact_live(daphne_server, signed_in):
    alice, alice_api = signed_in("alice")
    _, bob_api = signed_in("bob")
    assert bob_api.post("/api/contacts", {"username": alice.username}).status_code == 201
    gallery = alice_api.get("/api/avatars").json()["data"]["avatars"]
    assert "/static/avatars/cat.svg" in gallery

    async def scenario():
        watcher = await open_presence(daphne_server.ws_url, bob_api.token)
        response = alice_api.request(
            "PATCH", "/api/auth/me", json={"displayName": "  Alice in Wonderland ", "avatar": "/static/avatars/cat.svg"}
        )
        seen = await watcher.next(
            lambda f: f["type"] == "presence" and f["user"]["id"] == alice.username and f["user"]["name"] != alice.username.title()
        )
        await watcher.close()
        return response, seen

    response, seen = run(scenario())
    assert response.status_code == 200, response.text
    assert response.json()["data"]["user"]["name"] == "Alice in Wonderland"
    assert seen["user"]["name"] == "Alice in Wonderland" and seen["user"]["avatar"] == "/static/avatars/cat.svg"
    assert alice_api.get("/api/auth/me").json()["data"]["user"]["avatar"] == "/static/avatars/cat.svg"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"displayName": "   "}, "displayName"),
        ({"displayName": "\u200b\u200d"}, "displayName"),
        ({"avatar": "https://evil.example/x.png"}, "avatar"),
        ({"avatar": "/static/avatars/../../messenger/settings.py"}, "avatar"),
        ({"nickname": "x"}, "nickname"),
    ],
)
def test_bad_profile_changes_are_refused_naming_the_field(signed_in, body, field):
    _, client = signed_in("bad")
    before = client.get("/api/auth/me").json()["data"]["user"]
    error = envelope_error(client.request("PATCH", "/api/auth/me", json=body), 400, "INVALID_REQUEST")
    assert error["field"] == field
    assert client.get("/api/auth/me").json()["data"]["user"] == before


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF"])
def test_an_uploaded_picture_becomes_a_96px_png_without_metadata(signed_in, fmt):
    _, client = signed_in("pic")
    data = png_with_text_chunk() if fmt == "PNG" else picture(fmt)
    response = upload(client, data, f"image/{fmt.lower()}")
    assert response.status_code == 200, response.text
    url = response.json()["data"]["user"]["avatar"]
    assert url.startswith(settings.MEDIA_URL + "avatars/") and url.endswith(".png")
    served = client.get(url)
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/png"
    assert "immutable" in served.headers["Cache-Control"]
    image = Image.open(io.BytesIO(served.content))
    assert (image.format, image.size) == ("PNG", (96, 96))
    assert not image.info.get("Comment") and b"secret location" not in served.content


def test_what_is_not_a_picture_is_refused_clearly(signed_in):
    _, client = signed_in("nopic")
    before = client.get("/api/auth/me").json()["data"]["user"]["avatar"]
    error = envelope_error(upload(client, b"#!/bin/sh\necho not a picture\n", "image/png"), 400, "INVALID_REQUEST")
    assert "not a picture" in error["message"]
    bmp = envelope_error(upload(client, picture("BMP"), "image/bmp"), 400, "INVALID_REQUEST")
    assert "BMP" in bmp["message"]
    envelope_error(upload(client, b""), 400, "INVALID_REQUEST")
    assert client.get("/api/auth/me").json()["data"]["user"]["avatar"] == before


def test_control_characters_in_a_profile_change_are_refused_naming_the_field(signed_in):
    _, client = signed_in("bell")
    error = envelope_error(client.request("PATCH", "/api/auth/me", json={"displayName": "bell\x07"}), 400, "INVALID_MESSAGE")
    assert error["field"] == "displayName"


def test_a_display_name_like_someone_elses_is_refused(signed_in):
    _, taken = signed_in("taken")
    taken.request("PATCH", "/api/auth/me", json={"displayName": "Clippy Fan"})
    _, other = signed_in("copycat")
    error = envelope_error(other.request("PATCH", "/api/auth/me", json={"displayName": "C1ippy  fan"}), 409, "CONFLICT")
    assert error["field"] == "displayName"
    # Your own name, re-spelled, is yours.
    assert taken.request("PATCH", "/api/auth/me", json={"displayName": "clippy fan"}).status_code == 200


def test_a_picture_over_one_mib_is_413(signed_in):
    _, client = signed_in("huge")
    error = envelope_error(upload(client, b"\x89PNG" + b"\0" * (5 * 1024 * 1024)), 413, "PAYLOAD_TOO_LARGE")
    assert "1024 KiB" in error["message"]


def test_an_uploaded_picture_is_deleted_with_the_account(signed_in):
    _, client = signed_in("gone")
    url = upload(client, picture("PNG", size=(120, 121))).json()["data"]["user"]["avatar"]
    assert client.get(url).status_code == 200
    assert client.delete("/api/auth/me", {"password": DEMO_PASSWORD}).status_code == 200
    assert client.get(url).status_code == 404


def test_a_replaced_upload_is_deleted_unless_someone_else_shows_it(signed_in):
    _, first = signed_in("one")
    _, second = signed_in("two")
    shared = picture("PNG", size=(64, 80))
    url = upload(first, shared).json()["data"]["user"]["avatar"]
    assert upload(second, shared).json()["data"]["user"]["avatar"] == url
    first.request("PATCH", "/api/auth/me", json={"avatar": "/static/avatars/dog.svg"})
    assert first.get(url).status_code == 200  # the second account still shows it
    second.request("PATCH", "/api/auth/me", json={"avatar": "/static/avatars/dog.svg"})
    assert first.get(url).status_code == 404


def test_uploads_are_limited_per_person(signed_in):
    _, client = signed_in("many")
    limit = settings.AVATAR_UPLOAD_RATE[0]
    for n in range(limit):
        assert upload(client, picture("PNG", size=(40 + n, 40))).status_code == 200
    limited = upload(client, picture("PNG", size=(10, 10)))
    envelope_error(limited, 429, "RATE_LIMITED")
    assert 0 < int(limited.headers["Retry-After"]) <= 3600
