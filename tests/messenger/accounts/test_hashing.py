"""Password hashes run on the low-priority hashing threads (messenger.accounts.hashing)
with production's hasher list, in Django's pbkdf2_sha256 format."""

import os
import threading

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, identify_hasher, make_password
from django.test import override_settings

from messenger import settings as production_settings
from messenger.accounts import hashing


def test_each_algorithm_has_one_hasher_so_verification_cannot_bypass_the_nice_one():
    # Django picks the last hasher listed for an algorithm; a second pbkdf2_sha256
    # entry silently moved every sign-in's hash back to a normal-priority thread.
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        from django.contrib.auth.hashers import get_hashers

        algorithms = [hasher.algorithm for hasher in get_hashers()]
        assert len(algorithms) == len(set(algorithms)), algorithms
        django_made = PBKDF2PasswordHasher().encode("s3cret-words", "somesalt", iterations=1000)
        assert isinstance(identify_hasher(django_made), hashing.NicePBKDF2PasswordHasher)
        assert check_password("s3cret-words", django_made)
        assert not check_password("wrong-words", django_made)


def test_nice_hasher_keeps_djangos_format():
    nice = hashing.NicePBKDF2PasswordHasher().encode("s3cret-words", "somesalt", iterations=1000)
    assert nice == PBKDF2PasswordHasher().encode("s3cret-words", "somesalt", iterations=1000)
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        assert make_password("x" * 10).startswith("pbkdf2_sha256$")


def test_hashing_threads_run_at_the_configured_niceness():
    def niceness():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id()), threading.current_thread().name

    value, name = hashing._hashers.submit(niceness).result()
    assert name.startswith("password-hash")
    assert value == max(os.getpriority(os.PRIO_PROCESS, 0), settings.PASSWORD_HASH_NICENESS)
