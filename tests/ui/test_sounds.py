"""MSN's sounds: a contact signing in, a new message, a nudge, and the alert
for messages that waited while you were away. Headless audio cannot be
heard, so the page's own record is read: static/js/sound.js counts every
sound it plays on window.__cfmSounds and announces it as a "cfm:sound"
event; a muted sound is neither. The "Play sounds" switch (Options) is
remembered in this browser across a reload."""

import json

import pytest
from playwright.sync_api import expect
from websockets.sync.client import connect

from tests.ui.conftest import WAIT_MS, befriend, open_conversation, sign_in
from tests.wsclient import new_room

pytestmark = pytest.mark.browser

# Resolves once the page has played `count` sounds called `name`; fails
# naming what it heard instead.
WAIT_FOR_SOUND = """([name, count, ms]) => new Promise((resolve, reject) => {
  const heard = () => (window.__cfmSounds || {})[name] || 0;
  if (heard() >= count) return resolve(heard());
  const listen = () => {
    if (heard() < count) return;
    clearTimeout(timer);
    window.removeEventListener("cfm:sound", listen);
    resolve(heard());
  };
  const timer = setTimeout(() => {
    window.removeEventListener("cfm:sound", listen);
    reject(new Error(`heard ${heard()} "${name}" sound(s), expected ${count}: ${JSON.stringify(window.__cfmSounds || {})}`));
  }, ms);
  window.addEventListener("cfm:sound", listen);
})"""


def wait_for_sound(client, name: str, count: int = 1) -> None:
    client.page.evaluate(WAIT_FOR_SOUND, [name, count, WAIT_MS])


def played(client, name: str) -> int:
    return client.page.evaluate("(name) => (window.__cfmSounds || {})[name] || 0", name)


def say(daphne_server, token: str, room_id: str, text: str, *, then_read: bool = False) -> None:
    """Write in a room over its socket, as another program would; `then_read`
    also moves the writer's read marker to that message."""
    with connect(
        f"{daphne_server.ws_url}/api/ws/room/{room_id}", additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "welcome"
        ws.send(json.dumps({"type": "chat", "clientId": "c-1", "text": text}))
        while (frame := json.loads(ws.recv(timeout=10)))["type"] != "ack":
            pass
        if then_read:
            ws.send(json.dumps({"type": "read", "seq": frame["seq"]}))


def write_from_script(daphne_server, api, sender, recipient, text: str) -> None:
    """`sender` writes to `recipient` in their DM."""
    client = api()
    token = client.login(sender.username)
    room = client.post("/api/dm", {"username": recipient.username}).json()["data"]["room"]["id"]
    say(daphne_server, token, room, text)


def alice_waits_for_bob(make_user, api, open_client):
    """Alice signed in, Bob her contact and still offline."""
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    befriend(api, alice, bob)
    a = open_client()
    sign_in(a, alice.username)
    expect(a.page.locator(f'#contacts-offline .contact[data-user="{bob.username}"]')).to_be_visible()
    return (alice, a), (bob, open_client())


def set_sounds(client, on: bool) -> None:
    page = client.page
    page.get_by_role("button", name="Options").click()
    switch = page.get_by_role("dialog", name="Options").get_by_role("checkbox", name="Play sounds")
    switch.set_checked(on)
    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name="Options")).to_be_hidden()


def test_sign_in_message_and_nudge_each_play_their_sound(make_user, api, open_client):
    (alice, a), (bob, b) = alice_waits_for_bob(make_user, api, open_client)
    sign_in(b, bob.username)
    expect(a.page.locator(".toast", has_text="Bob has just signed in.")).to_be_visible()
    wait_for_sound(a, "signin")

    b_win = open_conversation(b, alice.username)
    b_win.get_by_label("Message", exact=True).fill("hello there")
    b_win.get_by_label("Message", exact=True).press("Enter")
    expect(a.page.locator(".toast", has_text="Bob says: hello there")).to_be_visible()
    wait_for_sound(a, "message")

    b_win.get_by_role("button", name="Nudge").click()
    expect(a.page.locator(".conv .sys--nudge")).to_contain_text("has just sent you a nudge")
    wait_for_sound(a, "nudge")
    assert played(a, "alert") == 0
    assert a.errors == [] and b.errors == []


def test_muted_survives_a_reload_and_silences_every_sound(make_user, api, open_client):
    (alice, a), (bob, b) = alice_waits_for_bob(make_user, api, open_client)
    set_sounds(a, on=False)
    a.page.reload()
    a.page.get_by_role("button", name="Options").click()
    expect(a.page.get_by_role("checkbox", name="Play sounds")).not_to_be_checked()
    a.page.keyboard.press("Escape")

    sign_in(b, bob.username)
    expect(a.page.locator(".toast", has_text="Bob has just signed in.")).to_be_visible()
    b_win = open_conversation(b, alice.username)
    b_win.get_by_label("Message", exact=True).fill("are you there?")
    b_win.get_by_label("Message", exact=True).press("Enter")
    expect(a.page.locator(".toast", has_text="Bob says: are you there?")).to_be_visible()
    b_win.get_by_role("button", name="Nudge").click()
    expect(a.page.locator(".conv .sys--nudge")).to_contain_text("has just sent you a nudge")
    assert a.page.evaluate("window.__cfmSounds || {}") == {}

    # Sounds on again: the next nudge is heard.
    set_sounds(a, on=True)
    b_win.get_by_role("button", name="Nudge").click()
    expect(a.page.locator(".conv .sys--nudge")).to_have_count(2)
    wait_for_sound(a, "nudge")


def test_messages_that_waited_while_away_ring_the_alert_at_sign_in(make_user, api, open_client, daphne_server):
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    befriend(api, alice, bob)
    write_from_script(daphne_server, api, bob, alice, "call me when you are back")
    a = open_client()
    sign_in(a, alice.username)
    expect(a.page.locator(".toast", has_text="Bob says: call me when you are back")).to_be_visible()
    wait_for_sound(a, "alert")
    assert played(a, "alert") == 1
    # The alert stands for what waited: no message sound on top of it.
    assert played(a, "message") == 0


def test_public_room_chatter_while_away_rings_no_alert(make_user, api, open_client, daphne_server):
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    alice_api, bob_api = api(), api()
    alice_token = alice_api.login(alice.username)
    bob_token = bob_api.login(bob.username)
    room = new_room(alice_api)
    say(daphne_server, alice_token, room, "I'll read this room later", then_read=True)
    say(daphne_server, bob_token, room, "anyone here?")
    a = open_client()
    sign_in(a, alice.username)
    expect(a.page.locator(f'[data-room="{room}"] .badge')).to_have_text("1")
    assert played(a, "alert") == 0
