"""axe-core (axe-playwright-python, pinned in requirements-dev.txt) on the
sign-in window, the contact list and a conversation: no serious or critical
violations."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.ui.conftest import send

pytestmark = pytest.mark.browser
BLOCKING = {"serious", "critical"}


def blocking_violations(page) -> list[str]:
    results = Axe().run(page)
    assert results.response["passes"], "axe-core checked nothing: was it injected?"
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at "
        + ", ".join(str(node["target"]) for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_sign_in_window(open_client):
    client = open_client()
    client.page.goto("/")
    expect(client.page.locator("#signin-window")).to_be_visible()
    assert blocking_violations(client.page) == []


def test_contact_list_and_conversation(pair):
    (_, a, a_win), (bob, b, b_win) = pair()
    send(b_win, "hello :) with an emoticon")
    a_win.get_by_role("button", name="Nudge").click()
    expect(a_win.locator(".msg", has_text="hello")).to_be_visible()
    assert blocking_violations(a.page) == []
    a_win.get_by_role("button", name="Close this conversation (Esc)").click()
    a.page.get_by_role("button", name="More for ~*Bob*~").click()
    assert blocking_violations(a.page) == []


def test_display_picture_and_options_dialogs(pair):
    (_, a), _ = pair(open_windows=False)
    page = a.page
    page.get_by_role("button", name="Your display picture").click()
    dialog = page.get_by_role("dialog", name="Display Picture")
    expect(dialog.get_by_role("radio", name="Cat")).to_be_visible()
    assert blocking_violations(page) == []
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Options").click()
    expect(page.get_by_role("dialog", name="Options")).to_be_visible()
    assert blocking_violations(page) == []
    page.keyboard.press("Escape")
    page.locator("#me-name").click()
    expect(page.get_by_role("textbox", name="Your name as your contacts see it")).to_be_focused()
    assert blocking_violations(page) == []
