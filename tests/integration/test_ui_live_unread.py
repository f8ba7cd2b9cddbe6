"""The web UI on live `unread` frames: a contact's DM badges their row, a
stranger's DM opens its window behind and raises a toast "X says: …"."""

import asyncio
import concurrent.futures

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import CHROMIUM, _orm_beside_playwright, browser, open_client, sign_in  # noqa: F401
from tests.wsclient import joined

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not CHROMIUM.exists(), reason=f"{CHROMIUM} is absent")]


def send_dm(ws_url: str, client, recipient: str, texts: list[str]) -> None:
    """Send DMs over a real room socket; in its own thread, since Playwright holds this thread's loop."""

    async def scenario():
        room_id = client.post("/api/dm", {"username": recipient}).json()["data"]["room"]["id"]
        room, _ = await joined(ws_url, room_id, client.token)
        for number, text in enumerate(texts):
            await room.send({"type": "chat", "clientId": f"ui-{number}", "text": text})
            await room.expect("ack", clientId=f"ui-{number}")
        await room.close()

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, scenario()).result(timeout=60)


def test_live_dm_badges_a_contact_and_toasts_a_stranger(make_user, api, open_client, daphne_server):  # noqa: F811
    bob, alice, carol = make_user("bob"), make_user("alice"), make_user("carol")
    alice_api, carol_api, bob_api = api(), api(), api()
    for client, user in ((alice_api, alice), (carol_api, carol), (bob_api, bob)):
        client.login(user.username)
    assert bob_api.post("/api/contacts", {"username": alice.username}).status_code == 201
    bob_browser = open_client()
    sign_in(bob_browser, bob.username)
    page = bob_browser.page
    alice_row = page.locator(f'.contact[data-user="{alice.username}"]')
    expect(alice_row).to_be_visible()

    send_dm(daphne_server.ws_url, alice_api, bob.username, ["psst", "are you there?"])
    expect(alice_row.locator(".badge")).to_have_text("2")

    send_dm(daphne_server.ws_url, carol_api, bob.username, ["hello stranger"])
    toast = page.locator(".toast", has_text="says: hello stranger")
    expect(toast).to_be_visible()
    window = page.locator(".conv").last
    expect(window.locator(".msg", has_text="hello stranger")).to_be_visible()
    toast.get_by_role("button").click()
    expect(window).to_have_class("xp-window conv is-active")
    assert bob_browser.errors == []
