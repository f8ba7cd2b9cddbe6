"""The contact list: a glyph and words per status, Block and Unblock behind a
confirmation, blocked people drawn as blocked, and automatic away."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import adds, befriend, open_conversation, screenshot, send, sign_in

pytestmark = pytest.mark.browser


def test_each_status_has_its_own_glyph_words_and_tooltip(pair):
    (_, a), (bob, b) = pair(open_windows=False)
    row = a.page.locator(f'.contact[data-user="{bob.username}"]')
    sources = {}
    for status, words in (
        ("away", "Away"),
        ("brb", "Be Right Back"),
        ("lunch", "Out to Lunch"),
        ("busy", "Busy"),
        ("phone", "On the Phone"),
    ):
        b.page.locator("#me-status").select_option(status)
        icon = row.locator(f".status-icon--{status}")
        expect(icon).to_have_attribute("title", words)
        expect(icon).to_have_attribute("alt", words)
        expect(row.locator(".list-btn__name")).to_have_text(f"~*Bob*~ ({words})")
        sources[status] = icon.get_attribute("src")
    assert len(set(sources.values())) == 5, sources


def test_block_asks_first_is_drawn_and_survives_a_reload_and_unblock_restores_dms(pair):
    (alice, a), (bob, b) = pair(open_windows=False)
    page = a.page
    menu_button = page.get_by_role("button", name="More for ~*Bob*~")
    menu_button.click()
    page.get_by_role("menuitem", name="Block ~*Bob*~").click()
    dialog = page.locator("#confirm")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("won't be able to send you messages")
    # Cancel changes nothing.
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(page.locator(f'.contact[data-user="{bob.username}"] .status-icon--blocked')).to_have_count(0)
    menu_button.click()
    page.get_by_role("menuitem", name="Block ~*Bob*~").click()
    dialog.get_by_role("button", name="Block").click()
    row = page.locator(f'.contact[data-user="{bob.username}"]')
    expect(row.locator(".status-icon--blocked")).to_be_visible()
    expect(row.locator(".list-btn__name")).to_have_text("~*Bob*~ (Blocked)")
    page.reload()
    expect(row.locator(".status-icon--blocked")).to_be_visible()
    # Bob can't write to Alice.
    b.page.locator(f'.contact[data-user="{alice.username}"]').click()
    expect(b.page.locator("#main-notice")).to_contain_text("can't send messages")

    page.get_by_role("button", name="More for ~*Bob*~").click()
    page.get_by_role("menuitem", name="Unblock ~*Bob*~").click()
    dialog.get_by_role("button", name="Unblock").click()
    expect(row.locator(".status-icon--blocked")).to_have_count(0)
    expect(row.locator(".status-icon--online")).to_be_visible()
    send(open_conversation(b, alice.username), "unblocked at last")
    expect(page.locator(".conv .msg", has_text="unblocked at last")).to_be_visible(timeout=5000)
    assert a.errors == [] and b.errors == []


def test_the_row_menu_works_from_the_keyboard(pair):
    (_, a), (bob, _) = pair(open_windows=False)
    page = a.page
    page.get_by_role("button", name="More for ~*Bob*~").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("menuitem", name="Send an instant message")).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_role("menuitem", name="Block ~*Bob*~")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.get_by_role("menu")).to_have_count(0)
    expect(page.get_by_role("button", name="More for ~*Bob*~")).to_be_focused()


def test_idle_turns_online_into_away_and_activity_turns_it_back(start_server, make_user, api, open_client):
    server = start_server("idle-away", env={"PRESENCE_IDLE_AWAY_S": "1"})
    alice, bob = make_user("alice"), make_user("bob")
    befriend(api, alice, bob)
    a, b = open_client(server.url), open_client(server.url)
    sign_in(a, alice.username)
    sign_in(b, bob.username)
    row = a.page.locator(f'.contact[data-user="{bob.username}"]')
    expect(row.locator(".status-icon--online")).to_be_visible()
    # Bob leaves the page alone: a few seconds of no input, then the server's second.
    expect(row.locator(".status-icon--away")).to_be_visible(timeout=15_000)
    expect(b.page.locator("#me-status")).to_have_value("away")
    b.page.mouse.move(200, 200)
    b.page.keyboard.press("Shift")
    expect(row.locator(".status-icon--online")).to_be_visible(timeout=5000)
    expect(b.page.locator("#me-status")).to_have_value("online")


def test_a_newcomer_to_the_demo_sees_people_and_a_bot_online(start_server, open_client, transactional_db):
    """`make run`'s demo alone: seeded people (demo presence) and the bots are there."""
    import io

    from bots.seed import seed_bots
    from messenger.accounts.seed import DEMO_PASSWORD, seed_users
    from presence.seed import contacts_seed

    for seeder in (seed_users, contacts_seed, seed_bots):
        seeder(io.StringIO())
    server = start_server("demo", env={"DEMO_PRESENCE": "1"})
    client = open_client(server.url, height=820)
    sign_in(client, "alice", DEMO_PASSWORD)
    page = client.page
    expect(page.locator("#contacts-online .contact")).to_have_count(8)
    for status in ("online", "busy", "away", "lunch"):
        expect(page.locator(f"#contacts-online .status-icon--{status}").first).to_be_visible()
    expect(page.locator("#bots-list .contact").first).to_be_visible()
    expect(page.locator("#bots-list .handle").first).to_contain_text("@")
    screenshot(page, "statuses.png")


def test_someone_added_back_from_another_tab_leaves_waiting_for_you(make_user, api, open_client):
    alice = make_user("alice", display_name="Alice")
    bob = make_user("bob", display_name="Bob")
    a = open_client()
    sign_in(a, alice.username)
    adds(api, bob, alice)
    waiting = a.page.locator(f'#contacts-pending .contact[data-user="{bob.username}"]')
    expect(waiting).to_contain_text("added you")
    # Alice adds Bob back somewhere else (another tab, the API): this page follows.
    adds(api, alice, bob)
    expect(a.page.locator(f'#contacts-online .contact[data-user="{bob.username}"], #contacts-offline .contact[data-user="{bob.username}"]')).to_have_count(1)
    expect(waiting).to_have_count(0)
    expect(a.page.locator("#pending-group")).to_be_hidden()
