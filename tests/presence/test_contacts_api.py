"""The contacts endpoints of contract 1.3: success and failure paths over HTTP."""

from conftest import unique_name


def data(response, status: int = 200):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is True
    return body["data"]


def error_code(response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.json()["success"] is False
    return response.json()["error"]["code"]


def ids(users: list[dict]) -> list[str]:
    return [user["id"] for user in users]


def test_add_list_pending_and_remove(signed_in):
    alice, alice_api = signed_in("ca")
    bob, bob_api = signed_in("ca")
    added = data(alice_api.post("/api/contacts", {"username": bob.username.upper()}), 201)["contact"]
    assert added["id"] == bob.username
    assert set(added) == {"id", "name", "status", "personalMessage", "avatar", "bot"}
    assert added["status"] == "offline"

    lists = data(alice_api.get("/api/contacts"))
    assert (ids(lists["contacts"]), lists["blocked"], lists["pending"]) == ([bob.username], [], [])
    assert ids(data(bob_api.get("/api/contacts"))["pending"]) == [alice.username]

    data(bob_api.post("/api/contacts", {"username": alice.username}), 201)
    assert data(bob_api.get("/api/contacts"))["pending"] == []

    assert data(alice_api.delete(f"/api/contacts/{bob.username}")) == {}
    assert data(alice_api.get("/api/contacts"))["contacts"] == []
    assert error_code(alice_api.delete(f"/api/contacts/{bob.username}"), 404) == "NOT_FOUND"


def test_bots_can_be_added(signed_in, make_user):
    _, alice_api = signed_in("cb")
    bot = make_user("bot", is_bot=True)
    contact = data(alice_api.post("/api/contacts", {"username": bot.username}), 201)["contact"]
    assert (contact["bot"], contact["status"]) == (True, "online")


def test_add_failures_change_nothing(signed_in):
    alice, alice_api = signed_in("cf")
    bob, _ = signed_in("cf")
    assert error_code(alice_api.post("/api/contacts", {"username": unique_name("ghost")}), 404) == "NOT_FOUND"
    assert error_code(alice_api.post("/api/contacts", {"username": alice.username}), 400) == "INVALID_REQUEST"
    assert error_code(alice_api.post("/api/contacts", {}), 400) == "INVALID_REQUEST"
    assert error_code(alice_api.post("/api/contacts", {"username": ""}), 400) == "INVALID_REQUEST"
    assert (
        error_code(alice_api.post("/api/contacts", data="nope", headers={"Content-Type": "text/plain"}), 400)
        == "INVALID_REQUEST"
    )
    assert data(alice_api.get("/api/contacts")) == {"contacts": [], "blocked": [], "pending": []}
    data(alice_api.post("/api/contacts", {"username": bob.username}), 201)
    assert error_code(alice_api.post("/api/contacts", {"username": bob.username}), 409) == "CONFLICT"
    assert ids(data(alice_api.get("/api/contacts"))["contacts"]) == [bob.username]


def test_block_and_unblock(signed_in):
    alice, alice_api = signed_in("cx")
    bob, bob_api = signed_in("cx")
    data(bob_api.post("/api/contacts", {"username": alice.username}), 201)
    assert data(alice_api.post(f"/api/contacts/{bob.username}/block")) == {}
    lists = data(alice_api.get("/api/contacts"))
    # Blocking someone who is not in your list keeps them off it, and out of pending.
    assert (lists["contacts"], ids(lists["blocked"]), lists["pending"]) == ([], [bob.username], [])
    assert error_code(alice_api.post(f"/api/contacts/{bob.username}/block"), 409) == "CONFLICT"
    assert ids(data(alice_api.get("/api/contacts"))["blocked"]) == [bob.username]

    assert data(alice_api.delete(f"/api/contacts/{bob.username}/block")) == {}
    assert data(alice_api.get("/api/contacts"))["blocked"] == []
    assert error_code(alice_api.delete(f"/api/contacts/{bob.username}/block"), 409) == "CONFLICT"

    # A listed contact stays listed through block and unblock.
    data(alice_api.post("/api/contacts", {"username": bob.username}), 201)
    data(alice_api.post(f"/api/contacts/{bob.username}/block"))
    data(alice_api.delete(f"/api/contacts/{bob.username}"))
    assert ids(data(alice_api.get("/api/contacts"))["blocked"]) == [bob.username]
    data(alice_api.post("/api/contacts", {"username": bob.username}), 201)
    data(alice_api.delete(f"/api/contacts/{bob.username}/block"))
    lists = data(alice_api.get("/api/contacts"))
    assert (ids(lists["contacts"]), lists["blocked"]) == ([bob.username], [])


def test_block_failures(signed_in):
    alice, alice_api = signed_in("cy")
    assert error_code(alice_api.post(f"/api/contacts/{alice.username}/block"), 400) == "INVALID_REQUEST"
    assert error_code(alice_api.post(f"/api/contacts/{unique_name('ghost')}/block"), 404) == "NOT_FOUND"
    assert error_code(alice_api.delete(f"/api/contacts/{unique_name('ghost')}"), 404) == "NOT_FOUND"
    assert error_code(alice_api.get(f"/api/contacts/{alice.username}/block"), 405) == "METHOD_NOT_ALLOWED"


def test_blocked_user_cannot_open_a_dm(signed_in):
    alice, alice_api = signed_in("cd")
    bob, bob_api = signed_in("cd")
    data(alice_api.post(f"/api/contacts/{bob.username}/block"))
    assert error_code(bob_api.post("/api/dm", {"username": alice.username}), 403) == "FORBIDDEN"
    # The blocker can still open it; unblocking lets the other side in again.
    data(alice_api.post("/api/dm", {"username": bob.username}))
    data(alice_api.delete(f"/api/contacts/{bob.username}/block"))
    data(bob_api.post("/api/dm", {"username": alice.username}))


def test_contacts_need_sign_in(api):
    assert error_code(api().get("/api/contacts"), 401) == "UNAUTHENTICATED"
    assert error_code(api().post("/api/contacts", {"username": "alice"}), 401) == "UNAUTHENTICATED"
