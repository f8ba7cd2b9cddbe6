"""Account services below the HTTP layer: timing parity, races."""

from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher

from conftest import DEMO_PASSWORD, unique_name
from messenger.accounts import services


@pytest.mark.django_db
def test_unknown_user_costs_a_password_hash_like_a_known_one(make_user):
    user = make_user("hash")
    with mock.patch.object(MD5PasswordHasher, "encode", autospec=True, side_effect=MD5PasswordHasher.encode) as encode:
        assert services.credentials_check(username=unique_name("ghost"), password="whatever-1") is None
    assert encode.call_count == 1
    with mock.patch.object(MD5PasswordHasher, "verify", autospec=True, side_effect=MD5PasswordHasher.verify) as verify:
        assert services.credentials_check(username=user.username, password="whatever-1") is None
    assert verify.call_count == 1
    assert services.credentials_check(username=user.username, password=DEMO_PASSWORD).pk == user.pk


@pytest.mark.django_db
def test_user_create_refuses_a_taken_name(make_user):
    user = make_user("taken")
    with pytest.raises(services.UsernameTaken):
        services.user_create(username=user.username, password=DEMO_PASSWORD, display_name="Again")


@pytest.mark.django_db
def test_user_create_maps_a_lost_race_to_username_taken(make_user):
    user = make_user("race")
    # The existence check passes (the other sign-up has not committed yet);
    # the unique index is what refuses the second row.
    with mock.patch("django.db.models.query.QuerySet.exists", return_value=False):
        with pytest.raises(services.UsernameTaken):
            services.user_create(username=user.username, password=DEMO_PASSWORD, display_name="Racer")


@pytest.mark.django_db
def test_a_sign_in_reads_the_user_and_profile_in_one_query(make_user):
    from tests.capture import queries_counted

    user = make_user("one")
    with queries_counted() as statements:
        assert services.credentials_check(username=user.username, password=DEMO_PASSWORD) == user
    assert len(statements) == 1, statements
