"""Names people can trust (docs/SECURITY.md, "names"): reserved usernames,
lookalikes of existing accounts, and the names of deleted accounts.

Two names are lookalikes when their skeletons are equal. A skeleton (in the
spirit of Unicode TS #39) folds what a reader cannot tell apart: NFKC and
case, every character to the ASCII letter it is a homoglyph of (the
Unicode confusables table, from confusable-homoglyphs), the digit/letter
swaps 0/o and 1/l/i, and the separators `.`, `_`, `-` and spaces. So
`smarterb0t`, `smarter.bot` and `ѕmarterbot` all look like `smarterbot`.
"""

import hashlib
import unicodedata
from functools import lru_cache

from confusable_homoglyphs import confusables

# Names that would read as the service speaking, plus the project's own.
RESERVED_USERNAMES = frozenset(
    {
        "admin", "administrator", "root", "system", "support", "moderator", "mod", "staff", "security",
        "help", "official", "operator", "postmaster", "webmaster", "everyone", "here", "deleted", "nobody",
        "cfmessenger", "messenger", "cloudflare",
    }
)
_SEPARATORS = frozenset("._- ")
_FOLDS = {"0": "o", "1": "l", "i": "l", "|": "l"}


@lru_cache(maxsize=4096)
def _ascii_lookalike(char: str) -> str:
    found = confusables.is_confusable(char, preferred_aliases=["latin"], greedy=True)
    for entry in found or ():
        for glyph in entry["homoglyphs"]:
            if glyph["c"].isascii():
                return glyph["c"].lower()
    return char


def skeleton(name: str) -> str:
    folded = []
    for char in unicodedata.normalize("NFKC", name).casefold():
        if char in _SEPARATORS or unicodedata.category(char) == "Cf":
            continue
        if not char.isascii():
            char = _ascii_lookalike(char)
        folded.append(_FOLDS.get(char, char))
    return "".join(folded)


_RESERVED_SKELETONS = frozenset(skeleton(name) for name in RESERVED_USERNAMES)


def is_reserved(username: str) -> bool:
    return skeleton(username) in _RESERVED_SKELETONS


def retired_digest(username: str) -> str:
    """What is kept of a deleted account's name: a digest of its skeleton,
    enough to refuse it and its lookalikes, not to read it back."""
    return hashlib.sha256(skeleton(username).encode()).hexdigest()
