"""Your own profile from the contact list, as in MSN: click your picture for
the Display Picture dialog (the gallery, or Browse… for your own file), click
your name to edit it; contacts see both live. Emoticons in names are drawn,
and the Options dialog's "Show emoticons" switch, remembered in this
browser, turns them back into the codes."""

import io
import re

import pytest
import requests
from PIL import Image
from playwright.sync_api import expect

from tests.ui.conftest import adds, befriend, screenshot, sign_in

pytestmark = pytest.mark.browser

UPLOADED = re.compile(r"/media/avatars/[0-9a-f]{32}\.png$")


def png(size=(300, 200), colour=(20, 120, 220)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def contact_row(client, username: str):
    return client.page.locator(f'.contact[data-user="{username}"]')


def open_picture_dialog(client):
    client.page.get_by_role("button", name="Your display picture").click()
    dialog = client.page.get_by_role("dialog", name="Display Picture")
    expect(dialog).to_be_visible()
    return dialog


def test_an_uploaded_picture_reaches_a_contact_live_as_a_96px_png(pair):
    (alice, a), (_, b) = pair(open_windows=False)
    bob_sees = contact_row(b, alice.username).locator(".contact__picture")
    expect(bob_sees).to_have_attribute("src", a.page.locator("#me-avatar").get_attribute("src"))

    dialog = open_picture_dialog(a)
    a.page.locator("#picture-file").set_input_files({"name": "holiday.png", "mimeType": "image/png", "buffer": png()})
    expect(dialog.locator("#picture-preview")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    screenshot(a.page, "profile-picture-dialog.png")
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_hidden()
    # Alice's own picture changes at once, and the keyboard is back on it.
    expect(a.page.locator("#me-avatar")).to_have_attribute("src", UPLOADED)
    expect(a.page.locator("#me-picture")).to_be_focused()
    src = a.page.locator("#me-avatar").get_attribute("src")
    # Bob's list shows the same content-hashed picture, live.
    expect(bob_sees).to_have_attribute("src", src)
    served = b.page.request.get(src)
    assert served.ok and "immutable" in served.headers["cache-control"]
    assert Image.open(io.BytesIO(served.body())).size == (96, 96)
    assert a.errors == [] and b.errors == []


def test_a_file_that_is_not_a_picture_and_a_5mb_one_are_refused_in_words(pair):
    (alice, a), (_, b) = pair(open_windows=False)
    before = a.page.locator("#me-avatar").get_attribute("src")
    dialog = open_picture_dialog(a)
    error = dialog.get_by_role("alert")
    file_input = a.page.locator("#picture-file")

    # Not a picture at all: refused as soon as it is picked, and OK applies nothing.
    file_input.set_input_files(
        {"name": "notes.png", "mimeType": "image/png", "buffer": b"these are my notes, not a picture\n" * 20}
    )
    expect(error).to_have_text('"notes.png" is not a picture we can read; send a PNG, JPEG or GIF.')
    dialog.get_by_role("button", name="OK").click()
    expect(dialog).to_be_visible()
    expect(error).to_be_visible()

    # Too large is refused before it is sent.
    file_input.set_input_files(
        {"name": "huge.png", "mimeType": "image/png", "buffer": png() + b"\0" * (5 * 1024 * 1024)}
    )
    expect(error).to_have_text(re.compile(r'"huge\.png" is 5\.0 MB: a display picture can be at most 1 MB'))
    screenshot(a.page, "profile-picture-too-large.png")

    # The server is the authority: a BMP the browser draws, sent as a PNG, is
    # refused there, and its words are shown.
    bmp = io.BytesIO()
    Image.new("RGB", (40, 40), (0, 160, 0)).save(bmp, format="BMP")
    file_input.set_input_files({"name": "sneaky.png", "mimeType": "image/png", "buffer": bmp.getvalue()})
    expect(error).to_be_hidden()
    dialog.get_by_role("button", name="OK").click()
    expect(error).to_have_text("A BMP picture is not taken; send a PNG, JPEG or GIF.")
    expect(dialog).to_be_visible()

    a.page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(a.page.locator("#me-picture")).to_be_focused()
    expect(a.page.locator("#me-avatar")).to_have_attribute("src", before)
    a.page.reload()
    expect(a.page.locator("#me-avatar")).to_have_attribute("src", before)
    expect(contact_row(b, alice.username).locator(".contact__picture")).to_have_attribute("src", before)


def test_a_gallery_pick_and_a_new_name_with_an_emoticon_reach_the_contact_live(pair):
    (alice, a), (_, b) = pair(open_windows=False)
    page = a.page
    # Keyboard only: Enter on the picture, the arrow keys through the gallery.
    page.locator("#me-picture").focus()
    page.keyboard.press("Enter")
    dialog = page.get_by_role("dialog", name="Display Picture")
    expect(dialog).to_be_visible()
    cat = dialog.get_by_role("radio", name="Cat")
    cat.focus()
    page.keyboard.press("Space")
    expect(cat).to_be_checked()
    expect(dialog.locator("#picture-preview")).to_have_attribute("src", "/static/avatars/cat.svg")
    page.keyboard.press("Tab")
    dialog.get_by_role("button", name="OK").press("Enter")
    expect(dialog).to_be_hidden()
    expect(page.locator("#me-avatar")).to_have_attribute("src", "/static/avatars/cat.svg")
    row = contact_row(b, alice.username)
    expect(row.locator(".contact__picture")).to_have_attribute("src", "/static/avatars/cat.svg")

    page.locator("#me-name").click()
    editor = page.get_by_role("textbox", name="Your name as your contacts see it")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Alice ✿")
    editor.fill("Alice (L) in love")
    screenshot(page, "profile-name-edit.png")
    editor.press("Enter")
    expect(page.locator("#me-name .emoticon")).to_have_attribute("alt", "(L)")
    expect(page.locator("#me-name")).to_be_focused()
    # Bob's list draws the heart, and the button still reads "Alice (L) in love".
    expect(row.locator(".list-btn__name img.emoticon")).to_have_attribute("title", "Red heart")
    expect(b.page.get_by_role("button", name="Online Alice (L) in love", exact=True)).to_be_visible()
    screenshot(b.page, "profile-contact-renamed.png")
    # Esc leaves the name as it was.
    page.locator("#me-name").click()
    editor.fill("Something else")
    editor.press("Escape")
    expect(page.locator("#me-name")).to_have_text("Alice in love")
    page.reload()
    expect(page.locator("#me-name .emoticon")).to_have_attribute("alt", "(L)")
    assert a.errors == [] and b.errors == []


def test_a_name_like_someone_elses_is_refused_in_words(make_user, api, open_client):
    make_user("clip", display_name="Clippy Fan")
    me = make_user("copy")
    client = open_client()
    sign_in(client, me.username)
    client.page.locator("#me-name").click()
    editor = client.page.get_by_role("textbox", name="Your name as your contacts see it")
    editor.fill("C1ippy  fan")
    editor.press("Enter")
    expect(client.page.locator("#main-notice")).to_have_text(
        '"C1ippy  fan" looks too much like someone else\'s name: pick another display name.'
    )
    expect(client.page.locator("#me-name")).to_have_text(me.username.title())


def test_show_emoticons_off_shows_the_codes_and_survives_a_reload(make_user, api, open_client):
    alice = make_user("alice", display_name="Alice (L)")
    bob = make_user("bob", display_name="Bob")
    befriend(api, alice, bob)
    client = open_client()
    sign_in(client, bob.username)
    page = client.page
    name = contact_row(client, alice.username).locator(".list-btn__name")
    expect(name.locator("img.emoticon")).to_have_attribute("alt", "(L)")

    page.get_by_role("button", name="Options").click()
    options = page.get_by_role("dialog", name="Options")
    switch = options.get_by_role("checkbox", name="Show emoticons")
    expect(switch).to_be_focused()
    expect(switch).to_be_checked()
    page.keyboard.press("Space")
    expect(name.locator("img")).to_have_count(0)
    screenshot(page, "profile-options.png")
    expect(name).to_have_text("Alice (L)")
    page.keyboard.press("Escape")
    expect(options).to_be_hidden()
    expect(page.get_by_role("button", name="Options")).to_be_focused()

    page.reload()
    expect(name).to_have_text("Alice (L)")
    expect(name.locator("img")).to_have_count(0)
    page.get_by_role("button", name="Options").click()
    expect(switch).not_to_be_checked()
    switch.check()
    expect(name.locator("img.emoticon")).to_have_attribute("alt", "(L)")


def test_the_display_picture_dialog_fits_a_phone(make_user, api, open_client):
    alice = make_user("alice", display_name="Alice (L) :)")
    bob = make_user("bob", display_name="Bob (coffee)")
    befriend(api, alice, bob)
    setter = api()
    setter.login(bob.username)
    client = open_client(width=390, height=760)
    sign_in(client, alice.username)
    page = client.page
    page.locator("#me-pm").fill("gone fishing (ip) back soon")
    page.locator("#me-pm").press("Enter")
    expect(page.locator("#me-pm-view .emoticon")).to_have_attribute("alt", "(ip)")
    expect(contact_row(client, bob.username).locator(".list-btn__name .emoticon")).to_have_attribute("alt", "(coffee)")
    screenshot(page, "profile-main-390.png")
    dialog = open_picture_dialog(client)
    box = dialog.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    ok = dialog.get_by_role("button", name="OK")
    ok.scroll_into_view_if_needed()
    expect(ok).to_be_in_viewport()
    screenshot(page, "profile-picture-dialog-390.png")


def test_a_picture_dropped_on_the_dialog_is_previewed_and_becomes_yours(make_user, open_client):
    me = make_user("drop")
    client = open_client()
    sign_in(client, me.username)
    page = client.page
    dialog = open_picture_dialog(client)
    dropped = page.evaluate_handle(
        """(bytes) => {
          const transfer = new DataTransfer();
          transfer.items.add(new File([new Uint8Array(bytes)], "dropped.png", { type: "image/png" }));
          return transfer;
        }""",
        list(png(colour=(250, 200, 0))),
    )
    dialog.dispatch_event("drop", {"dataTransfer": dropped})
    expect(dialog.locator("#picture-preview")).to_have_attribute("src", re.compile(r"^data:image/png;base64,"))
    dialog.get_by_role("button", name="OK").click()
    expect(page.locator("#me-avatar")).to_have_attribute("src", UPLOADED)
    page.reload()
    expect(page.locator("#me-avatar")).to_have_attribute("src", UPLOADED)


def test_emoticons_in_a_name_are_drawn_in_the_toast_and_in_waiting_for_you(make_user, api, open_client):
    me = make_user("alice", display_name="Alice")
    carol = make_user("carol", display_name="Carol (f)")
    client = open_client()
    sign_in(client, me.username)
    adds(api, carol, me)
    toast = client.page.locator(".toast", has_text="has added you to their contact list.")
    expect(toast.locator("img.emoticon")).to_have_attribute("alt", "(f)")
    expect(toast.locator(".toast__text")).to_have_text("Carol has added you to their contact list.")
    waiting = client.page.locator(f'#contacts-pending .contact[data-user="{carol.username}"]')
    expect(waiting.locator("img.emoticon")).to_have_attribute("title", "Red rose")


def test_a_session_that_ends_with_the_dialog_open_leaves_only_the_sign_in_window(make_user, open_client, daphne_server):
    me = make_user("gone")
    client = open_client()
    sign_in(client, me.username)
    dialog = open_picture_dialog(client)
    token = next(cookie["value"] for cookie in client.context.cookies() if cookie["name"] == "cfm_token")
    # Signed out from another device: the page's sockets are closed as unauthenticated.
    ended = requests.post(
        daphne_server.url + "/api/auth/logout", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert ended.status_code == 200, ended.text
    expect(client.page.locator("#signin-window")).to_be_visible()
    expect(dialog).to_be_hidden()
    expect(client.page.get_by_label("Username")).to_be_visible()
