"""Two people in two browser contexts: chat, typing, emoticons, nudges,
winks, hostile text, and a bot, all through the real server."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import screenshot, send, sign_in

pytestmark = pytest.mark.browser

XSS = "<img src=x onerror=alert(1)>"


def test_chat_both_ways_with_typing_and_emoticons(pair):
    (alice, a, a_win), (bob, b, b_win) = pair()
    expect(a.page.locator(f'.contact[data-user="{bob.username}"] .status-icon--online')).to_be_visible()

    a_win.get_by_label("Message", exact=True).press_sequentially("hel")
    expect(b_win.locator(".conv__typing")).to_have_text("Alice ✿ is typing a message.")
    a_win.get_by_label("Message", exact=True).press_sequentially("lo Bob :) (coffee)")
    a_win.get_by_label("Message", exact=True).press("Enter")
    b_message = b_win.locator(".msg", has_text="hello Bob").first
    expect(b_message).to_be_visible()
    expect(b_win.locator(".conv__statusbar")).to_contain_text("Last message received at")
    expect(b_message.locator('img.emoticon[alt=":)"]')).to_have_attribute("src", "/static/emoticons/smile.svg")
    expect(b_message.locator('img.emoticon[alt="(coffee)"]')).to_be_visible()
    expect(b_message.locator(".msg__sender")).to_have_text("Alice ✿ says:")

    send(b_win, "hi Alice (y)")
    send(b_win, "how are you?")
    expect(a_win.locator(".msg", has_text="how are you?")).to_be_visible()
    # Two messages from Bob in a row form one group: the second has no header.
    expect(a_win.locator(".msg", has_text="how are you?")).to_have_class("msg is-continued")
    expect(a_win.locator(".msg.is-pending")).to_have_count(0)
    expect(a_win.locator(".msg[data-seq]")).to_have_count(3)
    expect(b_win.locator(".msg[data-seq]")).to_have_count(3)

    screenshot(a.page, "conversation.png")
    a_win.get_by_role("button", name="Close this conversation (Esc)").click()
    screenshot(a.page, "contact-list.png")
    assert a.errors == [] and b.errors == []


def test_hostile_text_is_shown_as_text_and_runs_nothing(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    send(a_win, XSS)
    for window in (a_win, b_win):
        expect(window.locator(".msg__text", has_text=XSS)).to_have_count(1)
    for client in (a, b):
        assert client.page.locator('img[src="x"]').count() == 0
        assert client.dialogs == []
        assert client.errors == []


def test_nudge_shakes_the_other_window_and_limits_show(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    b_win.get_by_role("button", name="Nudge").click()
    expect(a_win).to_have_class("xp-window conv is-active is-shaking")
    expect(a_win.locator(".sys--nudge")).to_contain_text("has just sent you a nudge")
    expect(b_win.locator(".sys--nudge")).to_contain_text("You have just sent a nudge")
    for _ in range(3):
        b_win.get_by_role("button", name="Nudge").click()
    expect(b_win.locator(".conv__error")).to_contain_text("wait")


def test_reduced_motion_turns_the_shake_into_a_flash(pair):
    (_, a, a_win), (_, b, b_win) = pair(reduced_motion="reduce")
    b_win.get_by_role("button", name="Nudge").click()
    expect(a_win.locator(".sys--nudge")).to_be_visible()
    assert "is-shaking" not in (a_win.get_attribute("class") or "")


def test_a_wink_plays_on_both_sides(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    a_win.get_by_role("button", name="Winks").click()
    a_win.locator('.wink-choice[data-wink="heart"]').click()
    for window in (a_win, b_win):
        expect(window.locator('.conv__stage img.wink-anim[data-wink="heart"]')).to_be_visible()
        expect(window.locator(".sys--wink")).to_contain_text("Beating heart")


def test_esc_closes_a_conversation_window(pair):
    (_, a, a_win), _ = pair()
    a_win.get_by_label("Message", exact=True).press("Escape")
    expect(a.page.locator(".conv")).to_have_count(0)


def test_a_bot_answers_a_direct_message(open_client, make_user):
    from bots import services
    from bots.personas import PERSONAS
    from conftest import unique_name

    # No inference API is configured for the test server: the bot answers
    # from its own repertoire, as a fresh deployment does.
    persona = services.persona_upsert(**{**PERSONAS[0], "handle": unique_name("bot")})
    client = open_client()
    sign_in(client, make_user("ui").username)
    client.page.locator(f'#bots-list [data-user="{persona.handle}"]').click()
    window = client.page.locator(".conv").last
    send(window, "hello bot, how are you?")
    # A bot is never "connected" to the room: the title still names it, not me.
    expect(window.locator(".xp-titlebar__text")).to_have_text(f"{persona.display_name} - Conversation")
    reply = window.locator(".msg.is-bot").first
    expect(reply).to_be_visible(timeout=20_000)
    expect(reply.locator(".msg__bot")).to_have_text("bot")
    assert client.errors == []
