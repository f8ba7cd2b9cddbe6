"""A server restart in the middle of a conversation, seen from two browsers."""

import pytest
from playwright.sync_api import expect

from tests.ui.conftest import befriend, open_conversation, sign_in

pytestmark = pytest.mark.browser
RESUME_MS = 30_000


@pytest.fixture
def restartable_server(start_server):
    return start_server("ui-restart")


def test_restart_mid_conversation(restartable_server, make_user, api, open_client):
    alice, bob = make_user("alice"), make_user("bob")
    befriend(api, alice, bob)
    a, b = open_client(restartable_server.url), open_client(restartable_server.url)
    sign_in(a, alice.username)
    sign_in(b, bob.username)
    a_win, b_win = open_conversation(a, bob.username), open_conversation(b, alice.username)
    box = a_win.get_by_label("Message", exact=True)
    box.fill("before the restart")
    box.press("Enter")
    expect(b_win.locator(".msg[data-seq]", has_text="before the restart")).to_have_count(1)

    restartable_server.stop()
    expect(a_win.locator(".conv__status")).to_contain_text("Reconnecting")
    box.fill("sent while the server was down")
    box.press("Enter")
    expect(a_win.locator(".msg.is-pending")).to_have_count(1)
    restartable_server.start()

    # On every stack a restart is a reconnect, not a sign-out: the sessions
    # outlive the process (the database cache on the embedded default).
    expect(a_win.locator(".conv__status")).to_be_hidden(timeout=RESUME_MS)
    expect(b_win.locator(".conv__status")).to_be_hidden(timeout=RESUME_MS)
    for client in (a, b):
        expect(client.page.locator("#signin-window")).to_be_hidden()
        expect(client.page.locator("#main-conn")).to_be_hidden(timeout=RESUME_MS)
    b_box = b_win.get_by_label("Message", exact=True)
    b_box.fill("after the restart")
    b_box.press("Enter")
    for window in (a_win, b_win):
        expect(window.locator(".msg[data-seq]", has_text="after the restart")).to_have_count(1, timeout=RESUME_MS)
        for text in ("before the restart", "sent while the server was down"):
            expect(window.locator(".msg[data-seq]", has_text=text)).to_have_count(1)
        expect(window.locator(".msg.is-pending")).to_have_count(0)
        seqs = [int(s) for s in window.locator(".msg[data-seq]").evaluate_all("items => items.map(i => i.dataset.seq)")]
        assert seqs == sorted(set(seqs)) and len(seqs) == 3
    assert a.page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('cfm:outbox:'))") == []
    assert a.errors == [] and b.errors == []


def test_a_message_typed_before_a_reload_goes_out_once_after_it(restartable_server, make_user, api, open_client):
    """The outbox is in the browser's storage: what was still "sending…" when
    the page went away is sent when the account signs in again there."""
    alice, bob = make_user("alice"), make_user("bob")
    befriend(api, alice, bob)
    a, b = open_client(restartable_server.url), open_client(restartable_server.url)
    sign_in(a, alice.username)
    sign_in(b, bob.username)
    a_win = open_conversation(a, bob.username)
    expect(a_win.locator(".conv__status")).to_be_hidden()
    restartable_server.stop()
    expect(a_win.locator(".conv__status")).to_contain_text("Reconnecting")
    box = a_win.get_by_label("Message", exact=True)
    box.fill("typed, then the tab was reloaded")
    box.press("Enter")
    expect(a_win.locator(".msg.is-pending")).to_have_count(1)
    restartable_server.start()
    a.page.reload()
    b_win = b.page.locator(".conv", has_text="typed, then the tab was reloaded")
    expect(b_win.locator(".msg[data-seq]", has_text="typed, then the tab was reloaded")).to_have_count(
        1, timeout=RESUME_MS
    )
    a_again = a.page.locator(".conv")
    expect(a_again.locator(".msg[data-seq]", has_text="typed, then the tab was reloaded")).to_have_count(
        1, timeout=RESUME_MS
    )
    b.page.wait_for_timeout(1000)
    expect(b_win.locator(".msg[data-seq]")).to_have_count(1)
