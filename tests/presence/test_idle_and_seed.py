"""The `idle` extension (automatic away) and the demo contacts seeder."""

import io

import pytest


@pytest.fixture
def quick_away_server(start_server):
    return start_server("presence-idle", env={"PRESENCE_IDLE_AWAY_S": "0.3"})


async def test_idle_client_goes_away_and_comes_back(friends, quick_away_server):
    alice, bob = await friends("idle")
    alice, bob = await alice.signed_in_at(quick_away_server), await bob.signed_in_at(quick_away_server)
    alice_socket = await alice.presence()
    bob_socket = await bob.presence()
    await alice_socket.presence_of(bob.name, status="online")
    await bob_socket.send({"type": "idle", "idle": True})
    await alice_socket.presence_of(bob.name, status="away")
    await bob_socket.send({"type": "idle", "idle": False})
    await alice_socket.presence_of(bob.name, status="online")

    # A status the user chose is never changed by idleness.
    await bob_socket.send({"type": "presence", "status": "busy"})
    await alice_socket.presence_of(bob.name, status="busy")
    await bob_socket.send({"type": "idle", "idle": True})
    await alice_socket.none_about(bob.name, 1.0)
    await bob_socket.send({"type": "idle", "idle": "maybe"})
    assert (await bob_socket.expect("error"))["code"] == "INVALID_MESSAGE"
    await alice_socket.close()
    await bob_socket.close()


def test_seed_gives_each_demo_user_mutual_contacts(transactional_db):
    from messenger.accounts.seed import DEMO_USERS, seed_users
    from presence.models import Contact
    from presence.seed import contacts_seed

    seed_users(io.StringIO())
    contacts_seed(io.StringIO())
    contacts_seed(io.StringIO())
    for username, *_ in DEMO_USERS:
        listed = set(
            Contact.objects.filter(owner__username=username, listed=True).values_list("contact__username", flat=True)
        )
        assert 6 <= len(listed) <= 10
        for other in listed:
            assert Contact.objects.filter(owner__username=other, contact__username=username, listed=True).exists()


def test_seed_demo_again_creates_what_is_missing_and_keeps_what_people_changed(transactional_db):
    from django.core.management import call_command

    from bots.models import Persona
    from messenger.models import Profile
    from presence.models import Contact

    call_command("seed_demo", stdout=io.StringIO())
    Profile.objects.filter(user__username="alice").update(
        display_name="Alice (renamed)", personal_message="my own words", status="lunch"
    )
    Contact.objects.filter(owner__username="alice", contact__username="bob").delete()
    Persona.objects.filter(user__username="smarterbot").update(display_name="SmarterBot 2000")
    Profile.objects.filter(user__username="zoe").delete()

    call_command("seed_demo", stdout=io.StringIO())
    alice = Profile.objects.get(user__username="alice")
    assert (alice.display_name, alice.personal_message, alice.status) == ("Alice (renamed)", "my own words", "lunch")
    assert not Contact.objects.filter(owner__username="alice", contact__username="bob").exists()
    assert Persona.objects.get(user__username="smarterbot").display_name == "SmarterBot 2000"
    assert Profile.objects.get(user__username="zoe").display_name == "Zoe (k)"


def test_demo_presence_shows_seeded_people_until_someone_signs_in_as_them(start_server, transactional_db):
    from conftest import Api
    from messenger.accounts.seed import DEMO_PASSWORD, seed_users
    from presence.seed import contacts_seed

    seed_users(io.StringIO())
    contacts_seed(io.StringIO())
    server = start_server("demo-presence", env={"DEMO_PRESENCE": "1"})
    newcomer = Api(server.url)
    newcomer.login("alice", DEMO_PASSWORD)
    shown = {user["id"]: user["status"] for user in newcomer.get("/api/contacts").json()["data"]["contacts"]}
    # Alice's ring holds bob (busy) and carol (online) among others: a few people are there.
    assert shown["bob"] == "busy" and shown["carol"] == "online"
    assert sum(status != "offline" for status in shown.values()) >= 3
    # Once someone has signed in as bob, bob is real: offline while not connected.
    Api(server.url).login("bob", DEMO_PASSWORD)
    shown = {user["id"]: user["status"] for user in newcomer.get("/api/contacts").json()["data"]["contacts"]}
    assert shown["bob"] == "offline"
    assert shown["carol"] == "online"
