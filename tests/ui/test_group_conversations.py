"""Group conversations in the page (MSN's "Invite someone to this
conversation"), with three people in three browser contexts: inviting from a
DM starts a group, all three chat, one leaves; strangers are refused over
HTTP and the socket; a block between two people is shown in words; a group
with news and no window opens again (issue 16)."""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import befriend, screenshot, send, sign_in
from tests.wsclient import open_room, run

pytestmark = pytest.mark.browser


def group_window(client):
    return client.page.locator('.conv[data-kind="group"]')


@pytest.fixture
def trio(pair, make_user, api, open_client):
    """Alice and Bob in their DM, and Carol, a contact of both, signed in."""
    (alice, a, a_win), (bob, b, b_win) = pair()
    carol = make_user("carol", display_name="Carol (L)")
    befriend(api, alice, carol)
    befriend(api, bob, carol)
    c = open_client()
    sign_in(c, carol.username)
    # Alice's list has Carol once her roster knows her.
    expect(a.page.locator(f'#contacts-online .contact[data-user="{carol.username}"]')).to_be_visible()
    return (alice, a, a_win), (bob, b, b_win), (carol, c)


def test_invite_from_a_dm_chat_three_ways_and_leave(trio, api, daphne_server, make_user):
    (alice, a, a_win), (bob, b, b_win), (carol, c) = trio
    invite = a_win.get_by_role("button", name="Invite")
    invite.click()
    picker = a_win.get_by_role("dialog", name="Invite someone to this conversation")
    # Bob is already here: Carol is offered, Bob is not.
    expect(picker.locator(f'[data-user="{carol.username}"]')).to_be_visible()
    expect(picker.locator(f'[data-user="{bob.username}"]')).to_have_count(0)
    picker.locator(f'[data-user="{carol.username}"]').click()

    a_group, b_group, c_group = group_window(a), group_window(b), group_window(c)
    for window in (a_group, b_group, c_group):
        expect(window).to_be_visible()
    expect(a_group.locator(".conv__to")).to_contain_text("~*Bob*~")
    expect(a_group.locator(".conv__to")).to_contain_text("Carol")
    # Emoticons in names are drawn in the To: line, and the title stays text.
    expect(a_group.locator('.conv__to img.emoticon[alt="(L)"]')).to_be_visible()
    expect(a_group.locator(".xp-titlebar__text")).to_have_text(re.compile(r"Carol \(L\).* - Conversation"))
    expect(c_group.locator(".conv__to")).to_contain_text("Alice ✿")
    expect(c_group.locator(".conv__member-count")).to_have_text("3 people in this conversation")
    # The DM is still there, apart.
    expect(a_win).to_be_visible()

    a_group.get_by_label("Font colour").fill("#1a56c4")
    a_group.get_by_role("button", name="Bold").click()
    send(a_group, "hello both of you")
    send(c_group, "hi from carol :)")
    send(b_group, "bob here")
    for window in (a_group, b_group, c_group):
        for text in ("hello both of you", "hi from carol", "bob here"):
            expect(window.locator(".msg", has_text=text)).to_have_count(1)
    expect(b_group.locator(".msg", has_text="hi from carol").locator(".msg__sender img.emoticon")).to_have_count(1)
    expect(c_group.locator(".msg__text", has_text="hello both of you")).to_have_css("color", "rgb(26, 86, 196)")
    screenshot(a.page, "conversation-group.png")

    room_id = a_group.get_attribute("data-room")
    assert room_id.startswith("gc_")
    c_group.get_by_role("button", name="Leave conversation").click()
    expect(c_group).to_have_count(0)
    expect(a_group.locator(".sys", has_text="has left the conversation")).to_contain_text("Carol (L)")
    expect(a_group.locator(".conv__to")).not_to_contain_text("Carol")
    send(a_group, "just us now")
    expect(b_group.locator(".msg", has_text="just us now")).to_be_visible()

    # Carol, who left, and Mallory, never a member: 403 over HTTP, 4403 on the socket.
    mallory = make_user("mallory")
    codes = []
    for user in (carol, mallory):
        client = api()
        client.login(user.username)
        response = client.get(f"/api/conversations/{room_id}")
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "FORBIDDEN"

        async def refused(token=client.token):
            return await (await open_room(daphne_server.ws_url, room_id, token)).close_code()

        with ThreadPoolExecutor(max_workers=1) as pool:
            codes.append(pool.submit(lambda: run(refused())).result())
    assert codes == [4403, 4403]
    for client in (a, b, c):
        assert client.errors == []


def test_a_block_between_people_is_shown_in_words(trio, api):
    (alice, a, a_win), (bob, b, b_win), (carol, c) = trio
    carol_api = api()
    carol_api.login(carol.username)
    assert carol_api.post(f"/api/contacts/{bob.username}/block").status_code == 200
    a_win.get_by_role("button", name="Invite").click()
    a_win.get_by_role("dialog", name="Invite someone to this conversation").locator(
        f'[data-user="{carol.username}"]'
    ).click()
    error = a_win.locator(".conv__error")
    expect(error).to_have_text(re.compile(r"^Carol \(L\) could not be invited\. .*cannot share a conversation\.$"))
    expect(a.page.locator('.conv[data-kind="group"]')).to_have_count(0)


def test_inviting_into_a_group_and_a_group_with_news_reopens(trio, api, make_user, open_client):
    (alice, a, a_win), (bob, b, b_win), (carol, c) = trio
    dave = make_user("dave", display_name="Dave")
    befriend(api, alice, dave)
    alice_api = api()
    alice_api.login(alice.username)
    created = alice_api.post("/api/conversations", {"members": [bob.username]})
    assert created.status_code == 201, created.text
    room_id = created.json()["data"]["room"]["id"]
    # The presence socket's `conversation` frame opens the window in the background.
    b_group = b.page.locator(f'.conv[data-room="{room_id}"]')
    expect(b_group).to_be_visible()
    expect(b_group).not_to_have_class(re.compile(r"\bis-active\b"))
    expect(b_group.locator(".xp-titlebar__text")).to_have_text("Alice ✿ - Conversation")

    a.page.reload()
    expect(a.page.locator(f'#contacts-offline .contact[data-user="{dave.username}"]')).to_be_visible()
    send(b_group, "anyone there?")
    # Alice's page was reloaded with no window for the group: the news opens it.
    a_group = a.page.locator(f'.conv[data-room="{room_id}"]')
    expect(a_group.locator(".msg", has_text="anyone there?")).to_be_visible()
    expect(a_group.locator(".xp-titlebar__text")).to_have_text("~*Bob*~ - Conversation")

    a_group.get_by_role("button", name="Invite").click()
    picker = a_group.get_by_role("dialog", name="Invite someone to this conversation")
    expect(picker.locator(f'[data-user="{bob.username}"]')).to_have_count(0)
    picker.locator(f'[data-user="{dave.username}"]').press("Enter")
    expect(b_group.locator(".sys", has_text="Dave has joined the conversation (invited by Alice ✿).")).to_be_visible()
    expect(a_group.locator(".sys", has_text="Dave has joined the conversation (invited by you).")).to_be_visible()
    expect(b_group.locator(".conv__to")).to_contain_text("Dave")
    expect(a_group.locator(".xp-titlebar__text")).to_have_text(
        re.compile(r"(~\*Bob\*~, Dave|Dave, ~\*Bob\*~) - Conversation")
    )
    for client in (a, b, c):
        assert client.errors == []


def test_a_bot_can_be_invited_and_answers_when_mentioned(pair):
    from bots import services
    from bots.personas import PERSONAS
    from conftest import unique_name

    persona = services.persona_upsert(**{**PERSONAS[0], "handle": unique_name("bot")})
    # Made before the two sign in, so the page's list of bots has it.
    (alice, a, a_win), (bob, b, b_win) = pair()
    a_win.get_by_role("button", name="Invite").click()
    choice = a_win.get_by_role("dialog", name="Invite someone to this conversation").locator(
        f'[data-user="{persona.handle}"]'
    )
    expect(choice.locator(".handle")).to_have_text(f"@{persona.handle}")
    choice.click()
    a_group = group_window(a)
    expect(a_group.locator(".conv__to")).to_contain_text(persona.display_name)
    send(a_group, f"@{persona.handle} hello, how are you?")
    reply = a_group.locator(".msg.is-bot").first
    expect(reply).to_be_visible(timeout=20_000)
    expect(group_window(b).locator(".msg.is-bot").first).to_be_visible()
    assert a.errors == [] and b.errors == []
