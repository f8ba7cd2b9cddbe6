"""Conversation windows: a reader who scrolled back stays put, windows stay
on the screen, Esc and focus behave, and the length limit is shown, not cut."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import open_conversation, send, sign_in

pytestmark = pytest.mark.browser

TALL = "\n".join(f"line {n}" for n in range(12))


def box_inside_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"] + 0.5
        and box["y"] + box["height"] <= size["height"] + 0.5
    )


def test_a_reader_scrolled_up_is_not_moved_and_sees_a_marker(pair):
    (_, a, a_win), (_, b, b_win) = pair()
    for n in range(4):
        send(a_win, f"{n}\n{TALL}")
    log = b_win.locator(".conv__log")
    expect(b_win.locator(".msg[data-seq]")).to_have_count(4)
    log.evaluate("log => { log.scrollTop = 0; }")
    b.page.wait_for_timeout(200)
    send(a_win, "while you were reading")
    expect(b_win.locator(".msg", has_text="while you were reading")).to_have_count(1)
    assert log.evaluate("log => log.scrollTop") == 0
    jump = b_win.locator(".conv__jump")
    expect(jump).to_have_text("1 new message ↓")
    jump.click()
    expect(jump).to_be_hidden()
    assert log.evaluate("log => log.scrollHeight - log.scrollTop - log.clientHeight") <= 1
    # Someone at the bottom follows new messages.
    send(a_win, "and now you follow")
    expect(b_win.locator(".msg", has_text="and now you follow")).to_be_in_viewport()


def test_windows_stay_on_the_desktop_after_a_resize_and_a_drag(pair):
    (_, a, a_win), _ = pair(width=1280, height=760)
    page = a.page
    page.set_viewport_size({"width": 900, "height": 420})
    expect(a_win).to_be_visible()
    page.wait_for_timeout(200)
    assert box_inside_viewport(page, a_win)
    bar = a_win.locator(".xp-titlebar__text")
    start = bar.bounding_box()
    page.mouse.move(start["x"] + 20, start["y"] + 8)
    page.mouse.down()
    page.mouse.move(2000, 2000, steps=4)
    page.mouse.up()
    assert box_inside_viewport(page, a_win)
    # Focusing the input never scrolls the desktop away from the contact list.
    a_win.get_by_label("Message", exact=True).focus()
    assert page.locator("#desktop").evaluate("d => [d.scrollTop, d.scrollLeft]") == [0, 0]
    assert box_inside_viewport(page, page.locator("#main-window .me"))


def test_the_fourth_window_on_a_short_screen_is_on_the_screen(make_user, api, open_client):
    from tests.ui.conftest import befriend

    me, *others = (make_user(f"w{n}") for n in range(5))
    befriend(api, me, *others)
    client = open_client(width=1280, height=560)
    sign_in(client, me.username)
    for other in others:
        window = open_conversation(client, other.username)
        assert box_inside_viewport(client.page, window)
        assert client.page.locator("#desktop").evaluate("d => [d.scrollTop, d.scrollLeft]") == [0, 0]


def test_escape_closes_the_innermost_popup_first_and_focus_returns(pair):
    (_, a, a_win), (bob, _, _) = pair()
    a_win.get_by_role("button", name="Winks").click()
    expect(a_win.locator(".conv__winks")).to_be_visible()
    a.page.keyboard.press("Escape")
    expect(a_win.locator(".conv__winks")).to_be_hidden()
    expect(a_win).to_be_visible()
    expect(a_win.get_by_role("button", name="Winks")).to_be_focused()
    a.page.keyboard.press("Escape")
    expect(a.page.locator(".conv")).to_have_count(0)
    expect(a.page.locator(f'.contact[data-user="{bob.username}"]')).to_be_focused()


def test_send_keeps_the_keyboard_in_the_input(pair):
    (_, a, a_win), (_, _, b_win) = pair()
    box = a_win.get_by_label("Message", exact=True)
    box.fill("clicked, not entered")
    a_win.get_by_role("button", name="Send").click()
    expect(b_win.locator(".msg", has_text="clicked, not entered")).to_be_visible()
    expect(box).to_be_focused()
    expect(box).to_have_value("")


def test_a_counter_near_the_limit_and_no_silent_cut(pair):
    (_, a, a_win), (_, _, b_win) = pair()
    box = a_win.get_by_label("Message", exact=True)
    counter = a_win.locator(".conv__counter")
    box.fill("x" * 1000)
    expect(counter).to_be_hidden()
    box.fill("x" * 2000)
    expect(counter).to_have_text("2,000 / 2,048")
    too_long = "y" * 2100
    box.fill(too_long)
    box.press("Enter")
    expect(a_win.locator(".conv__error")).to_contain_text("2,100 characters long; the limit is 2,048")
    expect(box).to_have_value(too_long)
    box.fill("y" * 2048)
    box.press("Enter")
    expect(b_win.locator(".msg__text", has_text="y" * 2048)).to_have_count(1)
    expect(a_win.locator(".conv__error")).to_be_hidden()


def test_an_error_clears_when_the_next_message_goes_through(pair):
    (_, a, a_win), (_, _, b_win) = pair()
    for _ in range(4):
        a_win.get_by_role("button", name="Nudge").click()
    expect(a_win.locator(".conv__error")).to_contain_text("wait")
    send(a_win, "still here")
    expect(b_win.locator(".msg", has_text="still here")).to_be_visible()
    expect(a_win.locator(".conv__error")).to_be_hidden()


def test_a_dm_is_titled_with_the_partner_even_when_they_are_away(make_user, api, open_client):
    from tests.ui.conftest import befriend

    alice = make_user("alice", display_name="Alice ✿")
    bob = make_user("bob", display_name="~*Bob*~")
    befriend(api, alice, bob)
    client = open_client()
    sign_in(client, alice.username)
    window = open_conversation(client, bob.username)
    expect(window.locator(".conv__log")).to_be_visible()
    client.page.wait_for_timeout(500)
    expect(window.locator(".xp-titlebar__text")).to_have_text("~*Bob*~ - Conversation")


def test_a_phone_and_the_keyboard_alone(make_user, api, open_client):
    """390 px wide, no pointer: sign in, open a conversation, send, close."""
    from conftest import DEMO_PASSWORD
    from tests.ui.conftest import befriend, screenshot

    alice = make_user("alice", display_name="Alice ✿")
    bob = make_user("bob", display_name="Bob with a rather long display name")
    befriend(api, alice, bob)
    client = open_client(width=390, height=780)
    page = client.page
    page.goto("/")
    expect(page.get_by_label("Username")).to_be_focused()
    page.keyboard.type(alice.username)
    page.keyboard.press("Tab")
    page.keyboard.type(DEMO_PASSWORD)
    page.keyboard.press("Enter")
    contact = page.locator(f'.contact[data-user="{bob.username}"]')
    expect(contact).to_be_visible()
    # Focus lands in the list, not on <body>.
    assert page.evaluate("document.activeElement !== document.body")
    contact.focus()
    page.keyboard.press("Enter")
    window = page.locator(".conv")
    box = window.get_by_label("Message", exact=True)
    expect(box).to_be_focused()
    # The partner's name, not mine, is what the narrow title bar shows.
    expect(window.locator(".xp-titlebar__text")).to_have_text("Bob with a rather long display name - Conversation")
    assert box_inside_viewport(page, window)
    page.keyboard.type("typed on a phone")
    page.keyboard.press("Enter")
    expect(window.locator(".msg[data-seq]", has_text="typed on a phone")).to_be_visible()
    expect(box).to_be_focused()
    screenshot(page, "phone-conversation.png")
    page.keyboard.press("Escape")
    expect(window).to_have_count(0)
    expect(contact).to_be_focused()
