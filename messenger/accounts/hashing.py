"""Password hashing that cannot take the chat's CPU.

A sign-in runs Django's PBKDF2 (about 0.5 s of CPU). Run on an ordinary
worker thread, it competes for the core as an equal of the event loop:
with the server on one core, four sign-ins at once left the loop a fifth
of it, and room latency rose sixfold. Here the hash runs on a few threads
with a low scheduling priority (Linux gives each thread its own nice
value; OpenSSL's PBKDF2 runs without the GIL), so the kernel hands the
event loop the core whenever it is runnable and the hashes take the rest.
Same algorithm and format as Django's default: stored hashes stay valid.
"""

import base64
import hashlib
import os
import threading
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher


def _lower_this_threads_priority() -> None:
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), settings.PASSWORD_HASH_NICENESS)


_hashers = ThreadPoolExecutor(
    max_workers=settings.PASSWORD_HASH_THREADS, thread_name_prefix="password-hash", initializer=_lower_this_threads_priority
)


class NicePBKDF2PasswordHasher(PBKDF2PasswordHasher):
    """Django's pbkdf2_sha256, computed on a low-priority thread."""

    def encode(self, password, salt, iterations=None):
        self._check_encode_args(password, salt)
        iterations = iterations or self.iterations
        digest = _hashers.submit(
            hashlib.pbkdf2_hmac, self.digest().name, password.encode(), salt.encode(), iterations
        ).result()
        encoded = base64.b64encode(digest).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${encoded}"
