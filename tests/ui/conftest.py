"""Browser fixtures: Debian's Chromium driven by Playwright, kept off the network.

Playwright's own browser downloads are never used: the tests launch
/usr/bin/chromium (installed by scripts/ci-browser-deps.sh). Playwright gives
every launch a fresh temporary --user-data-dir of its own (it refuses the flag
in `args`), so no profile is shared between runs.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from conftest import DEMO_PASSWORD, fake_ip

CHROMIUM = Path("/usr/bin/chromium")
_ROOT = Path(__file__).resolve().parent.parent.parent
# The README's pictures are refreshed on request (`make screenshots`); an
# ordinary test run keeps its screenshots out of the tracked tree.
SCREENSHOTS = _ROOT / ("docs/screenshots" if os.environ.get("CFM_SCREENSHOTS") == "1" else ".local/test-screenshots")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
WAIT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=f"{CHROMIUM} is absent: run scripts/ci-browser-deps.sh to install Debian's chromium")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _orm_beside_playwright(monkeypatch):
    # Playwright's sync API keeps an event loop marked as running in this
    # thread, which trips Django's async-safety check on the test's own ORM
    # calls (make_user); they are plain sync calls, so the check is lifted here.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


# Module scope: the loop Playwright leaves in the thread must be gone before
# other test folders (async tests, sync DB setup) run.
@pytest.fixture(scope="module")
def browser(daphne_server):
    from playwright.sync_api import sync_playwright

    # Playwright's driver would otherwise look for its own downloaded browsers.
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_FLAGS, timeout=60_000
        )
        yield chromium
        chromium.close()


@dataclass
class Client:
    """One person's browser context and page, with what went wrong in it."""

    context: object
    page: object
    errors: list = field(default_factory=list)
    dialogs: list = field(default_factory=list)

    def close(self):
        self.context.close()


@pytest.fixture
def open_client(browser, daphne_server):
    opened: list[Client] = []

    def open_(
        base_url: str | None = None,
        *,
        reduced_motion: str = "no-preference",
        width: int = 1100,
        height: int = 760,
        focus_switch: bool = False,
    ):
        context = browser.new_context(
            base_url=base_url or daphne_server.url,
            viewport={"width": width, "height": height},
            reduced_motion=reduced_motion,
            extra_http_headers={"X-Forwarded-For": fake_ip()},
        )
        context.set_default_timeout(WAIT_MS)
        if focus_switch:
            context.add_init_script(FOCUS_SWITCH)
        page = context.new_page()
        client = Client(context, page)
        page.on("pageerror", lambda exc: client.errors.append(str(exc)))
        page.on("dialog", lambda dialog: (client.dialogs.append(dialog.message), dialog.dismiss()))
        opened.append(client)
        return client

    yield open_
    for client in opened:
        client.close()


@pytest.fixture
def pair(make_user, api, open_client):
    """Alice and Bob, contacts of each other, signed in, with their DM open."""

    def make(*, open_windows: bool = True, **client_options):
        alice = make_user("alice", display_name="Alice ✿")
        bob = make_user("bob", display_name="~*Bob*~")
        befriend(api, alice, bob)
        a, b = open_client(**client_options), open_client(**client_options)
        sign_in(a, alice.username)
        sign_in(b, bob.username)
        if not open_windows:
            return (alice, a), (bob, b)
        return (alice, a, open_conversation(a, bob.username)), (bob, b, open_conversation(b, alice.username))

    return make


def sign_in(client: Client, username: str, password: str = DEMO_PASSWORD) -> None:
    page = client.page
    page.goto("/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.locator("#main-window").wait_for(state="visible")


def open_conversation(client: Client, username: str):
    """Open the DM with a contact from the contact list; returns its window.

    The list is redrawn on every presence change (the contact's own sign-in
    arrives about now): a click whose press and release straddle a redraw
    reaches no button, so, as a person would, click again if no window came."""
    page = client.page
    window = page.locator(".conv").last
    for attempt in range(3):
        page.locator(f'.contact[data-user="{username}"]').click()
        try:
            window.wait_for(state="visible", timeout=WAIT_MS if attempt == 2 else 3000)
            return window
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    return window


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Pictures drawn before their images arrived show empty frames. (Polled
    # from here: wait_for_function would need 'unsafe-eval', which the CSP refuses.)
    for _ in range(50):
        if page.evaluate("[...document.images].every((image) => image.complete)"):
            break
        page.wait_for_timeout(100)
    page.screenshot(path=str(SCREENSHOTS / name), animations="disabled")


def befriend(api, *users) -> None:
    """Make every pair of these users contacts of each other, through the HTTP API."""
    for me in users:
        client = api()
        client.login(me.username)
        for other in users:
            if other is not me:
                assert client.post("/api/contacts", {"username": other.username}).status_code == 201


def adds(api, adder, other) -> None:
    """`adder` puts `other` on their list through the HTTP API (another page, another device)."""
    client = api()
    client.login(adder.username)
    assert client.post("/api/contacts", {"username": other.username}).status_code == 201


def send(window, text: str) -> None:
    box = window.get_by_label("Message", exact=True)
    box.fill(text)
    box.press("Enter")


def dm_room(a: str, b: str) -> str:
    first, second = sorted((a, b))
    return f"dm_{first}____{second}"


# The page asks document.hasFocus() whether the person is looking; headless
# Chromium always says yes. This stands in for a browser window in the
# background: the test sets window.cfmFocused = false, and back to true with a
# focus event, as a real window would give.
FOCUS_SWITCH = """
Document.prototype.hasFocus = function () { return window.cfmFocused !== false; };
"""
