"""The conversation window as MSN Messenger 7.5 drew it, between two people
in two browser contexts: the To: line and both display pictures, one font
style per message, the emoticon picker, links, the status bar, the resize
grip and minimising to the strip (issue 16)."""

import json
import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import dm_room, open_conversation, screenshot, send
from tests.wsclient import joined, run

pytestmark = pytest.mark.browser


def off_playwrights_loop(scenario):
    """A websocket scenario in a thread of its own: Playwright's sync API keeps a loop running in this one."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: run(scenario())).result()


def me(api, user):
    client = api()
    client.login(user.username)
    return client, client.get("/api/auth/me").json()["data"]["user"]


def test_to_line_and_both_display_pictures(pair, api):
    (alice, a, a_win), (bob, b, b_win) = pair()
    _, alice_json = me(api, alice)
    _, bob_json = me(api, bob)
    expect(a_win.locator(".xp-titlebar__text")).to_have_text("~*Bob*~ - Conversation")
    expect(a_win.locator(".conv__to")).to_have_text("To: ~*Bob*~ <Online>")
    expect(a_win.get_by_role("img", name="Display picture of ~*Bob*~")).to_have_attribute("src", bob_json["avatar"])
    expect(a_win.get_by_role("img", name="Your display picture")).to_have_attribute("src", alice_json["avatar"])
    # The partner's picture is above mine, both right of the messages.
    partner_box = a_win.locator(".conv__pic--partner").bounding_box()
    mine_box = a_win.locator(".conv__pic--me").bounding_box()
    log_box = a_win.locator(".conv__log").bounding_box()
    assert partner_box["y"] < mine_box["y"]
    assert partner_box["x"] > log_box["x"] + log_box["width"]
    # Bob goes Busy: Alice's To: line follows, live.
    b.page.locator("#me-status").select_option("busy")
    expect(a_win.locator(".conv__to")).to_have_text("To: ~*Bob*~ <Busy>")
    assert a.errors == [] and b.errors == []


def test_a_font_style_travels_and_a_bad_one_is_refused(pair, daphne_server, api):
    (alice, a, a_win), (bob, b, b_win) = pair()
    a_win.get_by_label("Font colour").fill("#cc0000")
    a_win.get_by_role("button", name="Bold").click()
    a_win.get_by_role("button", name="Italic").click()
    expect(a_win.get_by_role("button", name="Bold")).to_have_attribute("aria-pressed", "true")
    send(a_win, "in red, bold and italic")
    # The window remembers the style: the next message has it too.
    send(a_win, "still styled")
    for window in (a_win, b_win):
        for text in ("in red, bold and italic", "still styled"):
            body = window.locator(".msg__text", has_text=text)
            expect(body).to_have_css("color", "rgb(204, 0, 0)")
            expect(body).to_have_css("font-weight", "700")
            expect(body).to_have_css("font-style", "italic")
    a_win.get_by_role("button", name="Bold").click()
    a_win.get_by_role("button", name="Italic").click()
    a_win.get_by_label("Font colour").fill("#000000")
    send(a_win, "plain again")
    plain = b_win.locator(".msg__text", has_text="plain again")
    expect(plain).to_have_css("font-weight", "400")
    expect(plain).to_have_css("font-style", "normal")

    # Over a socket of its own, a style outside the contract is refused and not stored.
    client, _ = me(api, alice)

    async def scenario():
        room, _ = await joined(daphne_server.ws_url, dm_room(alice.username, bob.username), client.token)
        await room.send({"type": "chat", "clientId": "bad-style", "text": "x", "style": {"color": "red"}})
        error = await room.expect("error")
        await room.close()
        return error

    error = off_playwrights_loop(scenario)
    assert error["code"] == "INVALID_MESSAGE" and error["clientId"] == "bad-style"
    expect(b_win.locator(".msg[data-seq]")).to_have_count(3)
    assert a.errors == [] and b.errors == []


def test_the_emoticon_picker_by_keyboard_and_the_receiver_sees_the_picture(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    box = a_win.get_by_label("Message", exact=True)
    box.fill("hello")
    toggle = a_win.get_by_role("button", name="Emoticons")
    toggle.click()
    picker = a_win.get_by_role("dialog", name="Emoticons")
    expect(picker).to_be_visible()
    # Every emoticon of the set, each with its name and shortcut as tooltip.
    expect(picker.get_by_role("button")).to_have_count(61)
    expect(picker.get_by_role("button", name="Smile :)")).to_be_focused()
    expect(picker.get_by_role("button", name="Smile :)")).to_have_attribute("title", "Smile :)")
    screenshot(a.page, "conversation-emoticons.png")
    # Esc closes the picker, not the window.
    a.page.keyboard.press("Escape")
    expect(picker).to_be_hidden()
    expect(toggle).to_be_focused()
    expect(a_win).to_be_visible()
    toggle.press("Enter")
    a.page.keyboard.press("ArrowRight")
    a.page.keyboard.press("ArrowDown")
    # Right of Smile is Sad; below Sad, ten further on, Baring teeth.
    expect(picker.get_by_role("button", name="Baring teeth 8o|")).to_be_focused()
    a.page.keyboard.press("Enter")
    expect(picker).to_be_hidden()
    expect(box).to_have_value("hello 8o|")
    expect(box).to_be_focused()
    box.press("Enter")
    emoticon = b_win.locator(".msg", has_text="hello").locator("img.emoticon")
    expect(emoticon).to_have_attribute("alt", "8o|")
    expect(emoticon).to_have_attribute("title", "Baring teeth")
    expect(emoticon).to_have_attribute("src", "/static/emoticons/teeth.svg")
    assert a.errors == [] and b.errors == []


def test_links_are_links_and_hold_no_emoticons(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    send(a_win, "look http://example.com/:p/page (y) and javascript:alert(1) :p")
    message = b_win.locator(".msg", has_text="look")
    link = message.get_by_role("link")
    expect(link).to_have_count(1)
    expect(link).to_have_attribute("href", "http://example.com/:p/page")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(link).to_have_text("http://example.com/:p/page")
    expect(link.locator("img")).to_have_count(0)
    # The (y) and the last :p outside the URL are pictures.
    expect(message.locator("img.emoticon")).to_have_count(2)
    expect(message.locator('img.emoticon[alt=":p"]')).to_have_count(1)
    assert a.errors == [] and b.errors == []


def test_the_emoticon_switch_redraws_open_windows(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    send(a_win, "smile :)")
    message = b_win.locator(".msg", has_text="smile")
    expect(message.locator('img.emoticon[alt=":)"]')).to_be_visible()
    set_emoticons = 'on => import("/static/js/prefs.js").then((prefs) => prefs.setPref("showEmoticons", on))'
    b.page.evaluate(set_emoticons, False)
    expect(message.locator("img.emoticon")).to_have_count(0)
    expect(message.locator(".msg__text")).to_have_text("smile :)")
    b.page.evaluate(set_emoticons, True)
    expect(message.locator('img.emoticon[alt=":)"]')).to_be_visible()


def test_status_bar_shows_typing_then_when_the_last_message_came(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    status = b_win.locator(".conv__statusbar")
    expect(status).to_have_text("")
    a_win.get_by_label("Message", exact=True).press_sequentially("typing")
    expect(status).to_have_text("Alice ✿ is typing a message.")
    a_win.get_by_label("Message", exact=True).press("Enter")
    expect(status).to_have_text(re.compile(r"^Last message received at \d\d:\d\d on \d\d/\d\d/\d{4}$"))
    # My own messages are not "received".
    expect(a_win.locator(".conv__statusbar")).to_have_text("")
    # The time of Bob's last received message, in the browser's local time.
    iso = b_win.locator(".msg time").last.get_attribute("datetime")
    local = b.page.evaluate(
        """iso => {
          const d = new Date(iso);
          const p = (n) => String(n).padStart(2, "0");
          return `${p(d.getHours())}:${p(d.getMinutes())} on ${p(d.getDate())}/${p(d.getMonth() + 1)}/${d.getFullYear()}`;
        }""",
        iso,
    )
    expect(status).to_have_text(f"Last message received at {local}")


def test_minimise_to_the_strip_unread_count_and_restore_by_keyboard(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    strip = b.page.get_by_role("navigation", name="Minimised conversations")
    expect(strip).to_be_hidden()
    b_win.get_by_role("button", name="Minimise this conversation").click()
    expect(b_win).to_be_hidden()
    item = strip.get_by_role("button", name="Restore Alice ✿ - Conversation")
    expect(item).to_be_focused()
    send(a_win, "while you were away")
    send(a_win, "and again")
    expect(item.locator(".taskbar__unread")).to_have_text("2")
    expect(strip.get_by_role("button", name=re.compile("2 unread messages"))).to_be_visible()
    screenshot(b.page, "conversation-minimised.png")
    item.press("Enter")
    expect(b_win).to_be_visible()
    expect(strip).to_be_hidden()
    expect(b_win.get_by_label("Message", exact=True)).to_be_focused()
    expect(b_win.locator(".msg", has_text="and again")).to_be_visible()
    assert a.errors == [] and b.errors == []


def test_the_grip_resizes_within_the_desktop(pair):
    (_, a, a_win), _ = pair()
    page = a.page
    before = a_win.bounding_box()
    grip = a_win.get_by_role("button", name="Resize this window (arrow keys)")
    grip.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    page.keyboard.press("Shift+ArrowDown")
    after = a_win.bounding_box()
    assert round(after["width"] - before["width"]) == 30
    assert round(after["height"] - before["height"]) == 40
    box = grip.bounding_box()
    page.mouse.move(box["x"] + 8, box["y"] + 8)
    page.mouse.down()
    page.mouse.move(5000, 5000, steps=4)
    page.mouse.up()
    grown = a_win.bounding_box()
    size = page.viewport_size
    assert grown["x"] + grown["width"] <= size["width"] + 0.5
    assert grown["y"] + grown["height"] <= size["height"] + 0.5
    assert grown["width"] > after["width"]


def test_at_phone_width_windows_fill_the_screen_and_the_strip_works(pair):
    (_, a, a_win), (_, b, b_win) = pair(width=390, height=760)
    box = b_win.bounding_box()
    assert (box["x"], box["y"], box["width"]) == (0, 0, 390)
    expect(b_win.locator(".conv__pics")).to_be_hidden()
    b_win.get_by_role("button", name="Minimise this conversation").click()
    send(a_win, "on the phone")
    item = b.page.get_by_role("button", name=re.compile("Restore Alice ✿ - Conversation"))
    expect(item.locator(".taskbar__unread")).to_have_text("1")
    screenshot(b.page, "conversation-phone-strip.png")
    item.click()
    expect(b_win).to_be_visible()
    # Above the strip, the window still fills the width; the strip is gone.
    assert b_win.bounding_box()["width"] == 390


def test_the_new_controls_pass_axe(pair):
    from tests.ui.test_accessibility import blocking_violations

    (_, a, a_win), (_, b, b_win) = pair()
    send(b_win, "styled :) http://example.com/x")
    expect(a_win.locator(".msg", has_text="styled")).to_be_visible()
    a_win.get_by_role("button", name="Bold").click()
    a_win.get_by_role("button", name="Emoticons").click()
    assert blocking_violations(a.page) == []
    a.page.keyboard.press("Escape")
    a_win.get_by_role("button", name="Invite").click()
    assert blocking_violations(a.page) == []
    a.page.keyboard.press("Escape")
    a_win.get_by_role("button", name="Minimise this conversation").click()
    assert blocking_violations(a.page) == []


def test_a_new_name_and_picture_reach_the_open_windows(pair, api):
    (alice, a, a_win), (bob, b, b_win) = pair()
    bob_api, _ = me(api, bob)
    changed = bob_api.request(
        "PATCH", "/api/auth/me", json={"displayName": "Bob (H)", "avatar": "/static/avatars/cat.svg"}
    )
    assert changed.status_code == 200, changed.text
    # Alice's window: the title (as text), the To: line (with the emoticon drawn) and the top picture.
    expect(a_win.locator(".xp-titlebar__text")).to_have_text("Bob (H) - Conversation")
    expect(a_win.locator('.conv__to img.emoticon[alt="(H)"]')).to_be_visible()
    expect(a_win.get_by_role("img", name="Display picture of Bob (H)")).to_have_attribute(
        "src", "/static/avatars/cat.svg"
    )
    # Bob's own window: his picture at the bottom.
    expect(b_win.get_by_role("img", name="Your display picture")).to_have_attribute("src", "/static/avatars/cat.svg")
    assert a.errors == [] and b.errors == []


def test_a_refused_style_shows_the_error_line(pair):
    """A style the server refuses (here put into the frame on its way out) is
    shown like every refusal: the message struck through, the error in words."""
    (alice, a), (bob, b) = pair(open_windows=False)

    def spoil_the_style(ws):
        server = ws.connect_to_server()

        def from_page(message):
            frame = json.loads(message)
            if frame.get("type") == "chat":
                frame["style"] = {"color": "red"}
            server.send(json.dumps(frame))

        ws.on_message(from_page)

    a.page.route_web_socket(re.compile(r"/api/ws/room/"), spoil_the_style)
    # The route takes hold in a page loaded after it (the session cookie signs Alice in again).
    a.page.reload()
    a.page.locator("#main-window").wait_for(state="visible")
    a_win = open_conversation(a, bob.username)
    send(a_win, "in a colour the server refuses")
    failed = a_win.locator(".msg.is-failed", has_text="in a colour the server refuses")
    expect(failed.locator(".msg__state")).to_have_text("not sent")
    # The server's words name the field at fault.
    expect(a_win.get_by_role("alert")).to_contain_text("color")
    assert a.errors == []
