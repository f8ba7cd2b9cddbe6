"""messenger.realtime.socket_user: the connect's user query, compiled once,
gives the same objects as the select_related queryset it replaces, in one
query, on whichever database the suite runs."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messenger.realtime.socket_user import active_user_with_profile

pytestmark = pytest.mark.django_db(transaction=True)


def _fields(instance) -> dict:
    return {field.attname: getattr(instance, field.attname) for field in instance._meta.concrete_fields}


def test_the_user_and_profile_are_those_of_the_queryset_in_one_query(make_user):
    made = make_user("su", display_name="Sock User")
    made.profile.personal_message = "hi there"
    made.profile.token_epoch = 3
    made.profile.save()
    expected = get_user_model().objects.select_related("profile").get(pk=made.pk)
    active_user_with_profile(made.pk)  # compiled on first use: the second call is a connect's
    with CaptureQueriesContext(connection) as queries:
        user = active_user_with_profile(made.pk)
        # Everything a socket reads is loaded: no further query.
        profile = user.profile
        assert profile.user is user
        shown = (user.username, user.email, user.password, user.date_joined, profile.display_name, profile.created_at)
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert _fields(user) == _fields(expected)
    assert _fields(profile) == _fields(expected.profile)
    assert shown[4] == "Sock User" and profile.token_epoch == 3 and profile.personal_message == "hi there"
    assert user._state.adding is False and user._state.db == "default"
    assert profile._state.adding is False
    # Each call builds its own objects, with the id it was given.
    other = make_user("su")
    assert active_user_with_profile(other.pk).profile.user_id == other.pk
    assert active_user_with_profile(made.pk) is not user


def test_an_inactive_or_missing_user_is_none(make_user):
    made = make_user("su")
    assert active_user_with_profile(made.pk) is not None
    get_user_model().objects.filter(pk=made.pk).update(is_active=False)
    assert active_user_with_profile(made.pk) is None
    assert active_user_with_profile(made.pk + 10_000) is None
