"""Encryption at rest of message text: AES-256-GCM (the `cryptography` package).

Keys come from MESSAGE_ENCRYPTION_KEYS (comma-separated, URL-safe base64 of
32 bytes each; MESSAGE_ENCRYPTION_KEY is one more, put first). The first key
encrypts; every key decrypts, so a new key can be put in front and
`manage.py rotate_message_key` re-encrypts old rows while the server runs.

A stored value is `enc1$<key id>$<base64(nonce | ciphertext+tag)>`, the key id
being the first 8 hex digits of the key's SHA-256. The room id and the
message's seq are bound as associated data: a ciphertext copied to another
row does not decrypt. With no key configured both functions are the
identity. A value that is not a ciphertext under a known key (a row stored
before encryption was turned on) is returned as stored: only a genuine
ciphertext can pass the GCM tag check, so nothing is revealed that way.
"""

import base64
import binascii
import hashlib
import logging
import os
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger("chat.crypto")

PREFIX = "enc1$"
NONCE_BYTES = 12


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:8]


def _decode_key(value: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != 32:
        raise ImproperlyConfigured(
            "MESSAGE_ENCRYPTION_KEY(S): each key must be 32 random bytes in URL-safe base64; generate one with "
            "python -c 'import base64,os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'"
        )
    return key


@lru_cache(maxsize=1)
def _keyring() -> tuple[tuple[str, AESGCM], ...]:
    """(key id, cipher) pairs, the encrypting key first."""
    ring = []
    for value in settings.MESSAGE_ENCRYPTION_KEYS:
        key = _decode_key(value)
        ring.append((key_id(key), AESGCM(key)))
    return tuple(ring)


def reload_keys() -> None:
    """Forget the parsed keys (tests and commands that change the settings)."""
    _keyring.cache_clear()


def enabled() -> bool:
    return bool(_keyring())


def current_key_id() -> str | None:
    ring = _keyring()
    return ring[0][0] if ring else None


def _aad(room_id: str, seq: int) -> bytes:
    return f"{room_id}\x1f{seq}".encode()


def encrypt_text(text: str, room_id: str, seq: int) -> str:
    ring = _keyring()
    if not ring or not text:
        return text
    kid, cipher = ring[0]
    nonce = os.urandom(NONCE_BYTES)
    sealed = cipher.encrypt(nonce, text.encode("utf-8", "surrogatepass"), _aad(room_id, seq))
    return f"{PREFIX}{kid}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def stored_key_id(stored: str) -> str | None:
    """The id of the key a stored value is encrypted with, or None for plain text."""
    if not stored.startswith(PREFIX):
        return None
    kid, sep, _ = stored[len(PREFIX) :].partition("$")
    return kid if sep and len(kid) == 8 else None


def decrypt_text(stored: str, room_id: str, seq: int) -> str:
    kid = stored_key_id(stored)
    if kid is None:
        return stored
    cipher = dict(_keyring()).get(kid)
    if cipher is None:
        log.warning("message encrypted with an unknown key", extra={"keyId": kid, "roomId": room_id, "seq": seq})
        return stored
    try:
        blob = base64.urlsafe_b64decode(stored.rsplit("$", 1)[1])
        plain = cipher.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], _aad(room_id, seq))
    except (InvalidTag, ValueError, binascii.Error):
        log.warning("message text failed authentication", extra={"keyId": kid, "roomId": room_id, "seq": seq})
        return stored
    return plain.decode("utf-8", "surrogatepass")


def reencrypt(stored: str, room_id: str, seq: int) -> str | None:
    """The value under the current key, or None when it already is (rotation)."""
    if not enabled() or stored_key_id(stored) == current_key_id() or not stored:
        return None
    plain = decrypt_text(stored, room_id, seq)
    if stored_key_id(plain) is not None:
        raise ValueError(f"room {room_id} seq {seq}: encrypted with a key that is not configured")
    return encrypt_text(plain, room_id, seq)
