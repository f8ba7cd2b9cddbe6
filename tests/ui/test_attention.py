"""Every incoming message is seen: a window or a toast, badges that agree and
clear by reading, and a tab title that flashes only while something waits."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import dm_room, open_conversation, screenshot, send

pytestmark = pytest.mark.browser
SEEN_WITHIN_MS = 2000


def test_a_dm_with_no_window_open_opens_one_without_taking_the_keyboard(pair):
    (alice, a), (bob, b) = pair(open_windows=False)
    # Bob is typing a personal message when Alice writes.
    b.page.locator("#me-pm").click()
    b.page.keyboard.type("out for")
    a_win = open_conversation(a, bob.username)
    send(a_win, "Hi Bob! Are you there?")

    b_win = b.page.locator(f'.conv[data-room="{dm_room(alice.username, bob.username)}"]')
    expect(b_win).to_be_visible(timeout=SEEN_WITHIN_MS)
    expect(b_win.locator(".msg", has_text="Hi Bob! Are you there?")).to_be_visible(timeout=SEEN_WITHIN_MS)
    expect(b.page.locator(".toast", has_text="Alice ✿ says: Hi Bob! Are you there?")).to_be_visible()
    expect(b_win.locator(".xp-titlebar__text")).to_have_text("Alice ✿ - Conversation")
    # Not read yet: the window, the contact row and nothing else say 1.
    expect(b_win.locator(".conv__unread")).to_have_text("1")
    expect(b.page.locator(f'.contact[data-user="{alice.username}"] .badge')).to_have_text("1")
    # The keyboard stayed where Bob was typing.
    b.page.keyboard.type("ty minutes")
    expect(b.page.locator("#me-pm")).to_have_value("out forty minutes")
    screenshot(b.page, "incoming-message.png")
    assert "is-active" not in (b_win.get_attribute("class") or "")
    assert a.errors == [] and b.errors == []


def test_busy_shows_only_a_toast(pair):
    (alice, a), (bob, b) = pair(open_windows=False)
    b.page.locator("#me-status").select_option("busy")
    expect(a.page.locator(f'.contact[data-user="{bob.username}"] .status-icon--busy')).to_be_visible()
    send(open_conversation(a, bob.username), "Lunch later?")
    expect(b.page.locator(".toast", has_text="Alice ✿ says: Lunch later?")).to_be_visible(timeout=SEEN_WITHIN_MS)
    expect(b.page.locator(f'.contact[data-user="{alice.username}"] .badge')).to_have_text("1")
    expect(b.page.locator(".conv")).to_have_count(0)
    # The toast opens the conversation.
    b.page.locator(".toast", has_text="Lunch later?").get_by_role("button").click()
    expect(b.page.locator(".conv .msg", has_text="Lunch later?")).to_be_visible()
    expect(b.page.locator(f'.contact[data-user="{alice.username}"] .badge')).to_be_hidden()


def test_opening_the_conversation_reads_it_and_the_badge_stays_gone(pair):
    (alice, a), (bob, b) = pair(open_windows=False)
    b.page.locator("#me-status").select_option("busy")
    expect(a.page.locator(f'.contact[data-user="{bob.username}"] .status-icon--busy')).to_be_visible()
    a_win = open_conversation(a, bob.username)
    send(a_win, "first")
    send(a_win, "second")
    badge = b.page.locator(f'.contact[data-user="{alice.username}"] .badge')
    expect(badge).to_have_text("2")
    # Opening it from the list is reading it: no click inside the window.
    open_conversation(b, alice.username)
    expect(badge).to_be_hidden()
    # The server was told: a reload brings no badge back.
    b.page.reload()
    expect(b.page.locator(f'.contact[data-user="{alice.username}"]')).to_be_visible()
    b.page.wait_for_timeout(1000)
    expect(badge).to_be_hidden()


def test_a_message_into_the_open_window_is_read_at_once(pair):
    (alice, a, a_win), (bob, b, b_win) = pair()
    send(a_win, "you are looking at this")
    expect(b_win.locator(".msg", has_text="you are looking at this")).to_be_visible()
    b.page.wait_for_timeout(500)
    expect(b_win.locator(".conv__unread")).to_be_hidden()
    expect(b.page.locator(f'.contact[data-user="{alice.username}"] .badge')).to_be_hidden()


def test_the_title_flashes_while_unread_and_never_keeps_a_stale_text(pair):
    (alice, a, a_win), (bob, b, b_win) = pair(focus_switch=True)
    resting = b.page.title()
    b.page.evaluate("window.cfmFocused = false")
    # A nudge and a message within a second: two flashes over each other.
    a_win.get_by_role("button", name="Nudge").click()
    send(a_win, "did you feel that?")
    expect(b_win.locator(".msg", has_text="did you feel that?")).to_be_visible()
    titles = {b.page.title() for _ in range(6) if b.page.wait_for_timeout(400) is None}
    assert titles & {"Alice ✿ says…", "Alice ✿ sent a nudge!"}, titles
    expect(b_win.locator(".conv__unread")).to_have_text("1")
    # Bob comes back to the window: the message is read and the title rests.
    b.page.evaluate("window.cfmFocused = true; window.dispatchEvent(new Event('focus'))")
    expect(b_win.locator(".conv__unread")).to_be_hidden()
    for _ in range(5):
        b.page.wait_for_timeout(400)
        assert b.page.title() == resting


def test_the_sender_line_comes_back_after_a_nudge(pair):
    (alice, a, a_win), (bob, b, b_win) = pair()
    send(a_win, "one")
    a_win.get_by_role("button", name="Nudge").click()
    expect(b_win.locator(".sys--nudge")).to_be_visible()
    send(a_win, "two")
    after = b_win.locator(".msg", has_text="two")
    expect(after).to_be_visible()
    expect(after.locator(".msg__sender")).to_be_visible()
    expect(after.locator(".msg__sender")).to_have_text("Alice ✿ says:")


def test_a_stranger_who_writes_waits_with_add_and_block(make_user, api, open_client, daphne_server):
    """Carol is on nobody's list and writes to Bob from a script."""
    import json

    from websockets.sync.client import connect

    from tests.ui.conftest import sign_in

    stranger = make_user("carol", display_name="Carol ♫")
    bob = make_user("bob", display_name="~*Bob*~")
    b = open_client()
    sign_in(b, bob.username)
    carol = api()
    token = carol.login(stranger.username)
    room = carol.post("/api/dm", {"username": bob.username}).json()["data"]["room"]["id"]
    with connect(
        f"{daphne_server.ws_url}/api/ws/room/{room}", additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        ws.send(json.dumps({"type": "chat", "clientId": "c-1", "text": "remember me from school?"}))
        while json.loads(ws.recv(timeout=10))["type"] != "ack":
            pass
    expect(b.page.locator(".conv .msg", has_text="remember me from school?")).to_be_visible(timeout=SEEN_WITHIN_MS)
    expect(b.page.locator(".toast", has_text="Carol ♫ says: remember me from school?")).to_be_visible()
    waiting = b.page.locator("#contacts-pending")
    expect(waiting.locator(f'.contact[data-user="{stranger.username}"]')).to_contain_text("sent you a message")
    expect(waiting.get_by_role("button", name="Add Carol ♫ to your contacts")).to_be_visible()
    expect(waiting.get_by_role("button", name="Block Carol ♫")).to_be_visible()
    expect(waiting.locator(".badge")).to_have_text("1")
