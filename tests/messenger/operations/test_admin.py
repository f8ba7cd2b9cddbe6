"""The moderator's admin: user list with messenger columns, filters, actions."""

import pytest
from django.contrib.auth import get_user_model

from conftest import envelope_error, unique_name


@pytest.fixture
def moderator_client(client, transactional_db):
    admin_user = get_user_model().objects.create_superuser(unique_name("mod"), password="mod-password-1")
    client.force_login(admin_user)
    return client


def test_user_list_shows_profile_columns_and_filters(moderator_client, make_user):
    muted = make_user("muted", display_name="Quiet ✿")
    muted.profile.muted = True
    muted.profile.save()
    loud = make_user("loud")
    page = moderator_client.get("/admin/auth/user/", {"muted": "yes"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Quiet ✿" in html and muted.username in html and loud.username not in html
    for title in ("By banned", "By muted", "By bot", "By status"):
        assert title in html
    search = moderator_client.get("/admin/auth/user/", {"q": "Quiet ✿"}).content.decode()
    assert muted.username in search and loud.username not in search


def test_user_change_page_has_the_profile_inline(moderator_client, make_user):
    user = make_user("inline", display_name="Inline Name")
    page = moderator_client.get(f"/admin/auth/user/{user.pk}/change/")
    assert page.status_code == 200
    assert "Inline Name" in page.content.decode()


def test_ban_action_revokes_live_tokens(moderator_client, signed_in):
    user, client = signed_in("mban")
    response = moderator_client.post(
        "/admin/auth/user/", {"action": "ban", "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    user.profile.refresh_from_db()
    assert user.profile.banned
    envelope_error(client.get("/api/auth/me"), 401, "UNAUTHENTICATED")
    moderator_client.post("/admin/auth/user/", {"action": "unban", "_selected_action": [user.pk]})
    user.profile.refresh_from_db()
    assert not user.profile.banned


def test_mute_action(moderator_client, make_user):
    user = make_user("mmute")
    moderator_client.post("/admin/auth/user/", {"action": "mute", "_selected_action": [user.pk]})
    user.profile.refresh_from_db()
    assert user.profile.muted


def test_profile_list_filters(moderator_client, make_user):
    make_user("plist")
    page = moderator_client.get("/admin/messenger/profile/", {"is_bot__exact": "0", "status__exact": "online"})
    assert page.status_code == 200
