"""The presence socket against a real daphne: roster, status changes, invisible,
sign-in / sign-out, grace, blocks and bad frames."""

from tests.presence.conftest import roster_entry
from tests.wsclient import blocking


async def test_roster_lists_contacts_with_live_status(person, friends):
    alice, bob = await friends("ros")
    carol = await person("ros")
    await alice.add(carol)
    bob_socket = await bob.presence()
    alice_socket = await alice.presence()
    roster = {user["id"]: user for user in alice_socket.roster["users"]}
    assert set(roster) == {bob.name, carol.name}
    assert roster[bob.name]["status"] == "online"
    assert roster[carol.name]["status"] == "offline"
    assert set(roster[bob.name]) == {"id", "name", "status", "personalMessage", "avatar", "bot"}
    assert alice_socket.unread["rooms"] == [] or all("roomId" in room for room in alice_socket.unread["rooms"])
    await alice_socket.close()
    await bob_socket.close()


async def test_friends_see_each_others_sign_in_status_and_sign_out(friends):
    alice, bob = await friends("see")
    alice_socket = await alice.presence()
    assert roster_entry(alice_socket, bob.name)["status"] == "offline"
    bob_socket = await bob.presence()
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "online"
    assert roster_entry(bob_socket, alice.name)["status"] == "online"

    await bob_socket.send({"type": "presence", "status": "busy", "personalMessage": "in a meeting"})
    seen = (await alice_socket.presence_of(bob.name))["user"]
    assert (seen["status"], seen["personalMessage"]) == ("busy", "in a meeting")
    echoed = (await bob_socket.presence_of(bob.name))["user"]
    assert echoed["status"] == "busy"

    await alice_socket.send({"type": "presence", "status": "lunch"})
    await bob_socket.presence_of(alice.name, status="lunch")

    await bob_socket.close()
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "offline"
    await alice_socket.close()


async def test_invisible_looks_offline_to_others_but_not_to_yourself(friends):
    alice, bob = await friends("inv")
    alice_socket = await alice.presence()
    bob_socket = await bob.presence()
    await alice_socket.presence_of(bob.name)

    await bob_socket.send({"type": "presence", "status": "invisible"})
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "offline"
    assert (await bob_socket.presence_of(bob.name))["user"]["status"] == "invisible"
    me = await bob.call("GET", "/api/auth/me")
    assert me.json()["data"]["user"]["status"] == "invisible"

    # Signing in and out while invisible tells nobody anything.
    second_tab = await bob.presence()
    assert roster_entry(second_tab, alice.name)["status"] == "online"
    await bob_socket.close()
    await second_tab.close()
    await alice_socket.none_about(bob.name, 1.5 + 1.5)
    alice_again = await alice.presence()
    assert roster_entry(alice_again, bob.name)["status"] == "offline"

    bob_back = await bob.presence()
    await bob_back.send({"type": "presence", "status": "online"})
    assert (await alice_again.presence_of(bob.name))["user"]["status"] == "online"
    for socket in (alice_socket, alice_again, bob_back):
        await socket.close()


async def test_reconnect_within_grace_shows_no_offline(friends):
    alice, bob = await friends("grace")
    alice_socket = await alice.presence()
    bob_socket = await bob.presence()
    await alice_socket.presence_of(bob.name)
    await bob_socket.close()
    bob_socket = await bob.presence()
    # Grace is 1.5 s in the test settings; wait well past it.
    await alice_socket.none_about(bob.name, 3.5)
    await bob_socket.close()
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "offline"
    await alice_socket.close()


async def test_several_tabs_are_one_presence(friends):
    alice, bob = await friends("tabs")
    alice_socket = await alice.presence()
    first = await bob.presence()
    await alice_socket.presence_of(bob.name)
    second = await bob.presence()
    await first.close()
    await alice_socket.none_about(bob.name, 3.0)
    await second.send({"type": "presence", "personalMessage": "tab two"})
    assert (await first_or(alice_socket, bob.name))["personalMessage"] == "tab two"
    await second.close()
    assert (await alice_socket.presence_of(bob.name))["user"]["status"] == "offline"
    await alice_socket.close()


async def first_or(socket, username):
    return (await socket.presence_of(username))["user"]


async def test_bad_frames_get_error_frames_and_change_nothing(friends):
    alice, bob = await friends("bad")
    alice_socket = await alice.presence()
    bob_socket = await bob.presence()
    await alice_socket.presence_of(bob.name)
    cases = [
        ({"type": "presence", "status": "sleeping"}, "INVALID_MESSAGE"),
        ({"type": "presence", "status": "offline"}, "INVALID_MESSAGE"),
        ({"type": "presence", "personalMessage": "x" * 129}, "TOO_LONG"),
        ({"type": "presence", "personalMessage": "bell\x07"}, "INVALID_MESSAGE"),
        ({"type": "presence", "personalMessage": "two\nlines"}, "INVALID_MESSAGE"),
        ({"type": "presence"}, "INVALID_MESSAGE"),
        ({"type": "chat", "clientId": "c1", "text": "hi"}, "UNKNOWN_TYPE"),
        ({"type": "read", "seq": 1}, "UNKNOWN_TYPE"),
        ({"status": "busy"}, "UNKNOWN_TYPE"),
    ]
    for frame, code in cases:
        await bob_socket.send(frame)
        error = await bob_socket.expect("error")
        assert error["code"] == code, (frame, error)
    await bob_socket.send("not json")
    assert (await bob_socket.expect("error"))["code"] == "INVALID_MESSAGE"
    await bob_socket.send({"type": "ping", "nonce": "n2"})
    assert (await bob_socket.expect("pong"))["nonce"] == "n2"
    await alice_socket.none_about(bob.name, 0.5)
    me = (await bob.call("GET", "/api/auth/me")).json()["data"]["user"]
    assert (me["status"], me["personalMessage"]) == ("online", "")

    await bob_socket.send({"type": "presence", "personalMessage": "  " + "y" * 128 + "  "})
    assert (await alice_socket.presence_of(bob.name))["user"]["personalMessage"] == "y" * 128
    await alice_socket.close()
    await bob_socket.close()


async def test_contact_added_reaches_the_other_side(person):
    alice, bob = await person("add"), await person("add")
    bob_socket = await bob.presence()
    await alice.add(bob)
    frame = await bob_socket.expect("contactAdded")
    assert frame["user"]["id"] == alice.name
    pending = (await bob.call("GET", "/api/contacts")).json()["data"]["pending"]
    assert [user["id"] for user in pending] == [alice.name]
    await bob_socket.close()


async def test_a_contact_added_in_one_tab_reaches_the_adders_other_sockets(person):
    alice, bob = await person("tab"), await person("tab")
    alice_socket = await alice.presence()
    await alice.add(bob)
    seen = await alice_socket.frames_until(lambda frame: frame.get("user", {}).get("id") == bob.name)
    assert [(frame["type"], frame["user"]["status"]) for frame in seen if frame["type"] != "unread"][-1] == ("presence", "offline")
    # The adder is told as a contact's presence, not as someone who added them.
    assert "contactAdded" not in [frame["type"] for frame in seen]
    await alice_socket.close()


async def test_block_hides_presence_and_forbids_dm(friends):
    alice, bob = await friends("blk")
    alice_socket = await alice.presence()
    bob_socket = await bob.presence()
    assert roster_entry(bob_socket, alice.name)["status"] == "online"

    assert (await alice.call("POST", f"/api/contacts/{bob.name}/block")).status_code == 200
    # Bob sees Alice go offline (her sign-in frame may still arrive first), then nothing about her.
    await bob_socket.presence_of(alice.name, status="offline")
    await alice_socket.send({"type": "presence", "status": "busy", "personalMessage": "hidden"})
    await alice_socket.presence_of(alice.name)
    await bob_socket.none_about(alice.name, 1.0)
    bob_again = await bob.presence()
    assert roster_entry(bob_again, alice.name)["status"] == "offline"
    listed = (await bob.call("GET", "/api/contacts")).json()["data"]["contacts"]
    assert [user["status"] for user in listed if user["id"] == alice.name] == ["offline"]
    # Alice still sees Bob.
    await bob_again.send({"type": "presence", "status": "away"})
    await alice_socket.presence_of(bob.name, status="away")

    from messenger import hooks

    assert await blocking(hooks.dm_permitted, bob.user, alice.user) is False
    assert await blocking(hooks.dm_permitted, alice.user, bob.user) is True

    assert (await alice.call("DELETE", f"/api/contacts/{bob.name}/block")).status_code == 200
    assert (await bob_again.presence_of(alice.name))["user"]["status"] == "busy"
    assert await blocking(hooks.dm_permitted, bob.user, alice.user) is True
    for socket in (alice_socket, bob_socket, bob_again):
        await socket.close()
