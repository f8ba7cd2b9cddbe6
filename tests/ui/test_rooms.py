"""Public rooms: who is here (live), join and leave lines, bot handles shown
and offered after "@"."""

import pytest
from playwright.sync_api import expect

from conftest import unique_name
from tests.ui.conftest import send, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def room(api, make_user):
    owner = make_user("owner")
    client = api()
    client.login(owner.username)
    room_id = unique_name("room")
    assert client.post("/api/rooms", {"id": room_id, "name": "Garden Party"}).status_code == 201
    return room_id


def open_room(client, room_id):
    client.page.locator(f'#rooms-list [data-room="{room_id}"]').click()
    window = client.page.locator(f'.conv[data-room="{room_id}"]')
    expect(window).to_be_visible()
    return window


def test_members_come_and_go_with_lines_and_a_live_count(room, make_user, open_client):
    alice, bob = make_user("alice", display_name="Alice ✿"), make_user("bob", display_name="~*Bob*~")
    a, b = open_client(), open_client()
    sign_in(a, alice.username)
    sign_in(b, bob.username)
    a_win = open_room(a, room)
    expect(a_win.locator(".xp-titlebar__text")).to_have_text("Garden Party - Conversation")
    expect(a_win.locator(".conv__member-count")).to_have_text("1 person here")
    open_room(b, room)
    expect(a_win.locator(".sys--join")).to_have_text("~*Bob*~ has joined the conversation.")
    expect(a_win.locator(".conv__member-count")).to_have_text("2 people here")
    a_win.locator(".conv__member-count").click()
    expect(a_win.locator(f'.member[data-user="{bob.username}"]')).to_contain_text("~*Bob*~")
    expect(a_win.locator(f'.member[data-user="{bob.username}"] .status-icon--online')).to_be_visible()
    b.page.locator(f'.conv[data-room="{room}"]').get_by_role("button", name="Close this conversation (Esc)").click()
    expect(a_win.locator(".sys--join").last).to_have_text("~*Bob*~ has left the conversation.", timeout=10_000)
    expect(a_win.locator(".conv__member-count")).to_have_text("1 person here")
    # The room list counts who is in it.
    open_room(b, room)
    a.page.reload()
    expect(a.page.locator(f'#rooms-list [data-room="{room}"] .list-btn__meta')).to_have_text("1 online")


def test_bot_handles_are_offered_after_at_and_shown(room, make_user, open_client):
    from bots import services
    from bots.personas import PERSONAS

    handle = unique_name("bot")
    services.persona_upsert(**{**PERSONAS[0], "handle": handle})
    client = open_client()
    sign_in(client, make_user("ui").username)
    expect(client.page.locator(f'#bots-list [data-user="{handle}"] .handle')).to_have_text(f"@{handle}")
    window = open_room(client, room)
    box = window.get_by_label("Message", exact=True)
    box.press_sequentially(f"hello @{handle[:4]}")
    suggestion = window.locator(f'.suggest__item[data-handle="{handle}"]')
    expect(suggestion).to_be_visible()
    box.press("Tab")
    expect(box).to_have_value(f"hello @{handle} ")
    box.press_sequentially("how are you?")
    box.press("Enter")
    reply = window.locator(".msg.is-bot").first
    expect(reply).to_be_visible(timeout=20_000)
    expect(reply.locator(".handle")).to_have_text(f"@{handle}")
    # Typed as a name is written, capitalised, the handle still calls the bot.
    send(window, f"@{handle.capitalize()} roll")
    expect(window.locator(".msg.is-bot")).to_have_count(2, timeout=20_000)
    assert client.errors == []
