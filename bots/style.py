"""A persona's style rules, applied deterministically to whatever the model
wrote, so that even a small model stays in character.

The same input always gives the same output: choices (which emoticon) are
picked by a hash of the text, never at random.
"""

import hashlib
import re
from typing import Literal

from django.conf import settings
from pydantic import BaseModel, Field

_SPEAKER_PREFIX = re.compile(r"^\s*(assistant|bot|ai|[a-z0-9_.-]{1,32})\s*:\s+", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_WORD = re.compile(r"[a-z0-9']+")


class StyleRules(BaseModel):
    model_config = {"extra": "forbid"}

    casing: Literal["as_is", "lower", "upper", "sentence"] = "as_is"
    # Whole-word substitutions, case-insensitive: {"you": "u", "are": "r"}.
    vocabulary: dict[str, str] = Field(default_factory=dict)
    punctuation: Literal["as_is", "excited", "calm", "trailing_off", "none"] = "as_is"
    emoticons: list[str] = Field(default_factory=list)
    prefix: str = ""
    suffix: str = ""
    max_sentences: int = Field(default=4, ge=1, le=50)
    max_chars: int = Field(default=600, ge=20, le=2048)


def _pick(options: list[str], text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return options[digest[0] % len(options)]


def _clean(text: str) -> str:
    """Strip what small models add around an answer: a speaker label, wrapping quotes, blank lines."""
    text = text.strip()
    text = _SPEAKER_PREFIX.sub("", text, count=1)
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        text = text[1:-1].strip()
    return re.sub(r"\s+", " ", text)


def _replace_words(text: str, vocabulary: dict[str, str]) -> str:
    if not vocabulary:
        return text
    lookup = {word.lower(): value for word, value in vocabulary.items()}
    pattern = re.compile(r"\b(" + "|".join(re.escape(word) for word in lookup) + r")\b", re.IGNORECASE)
    return pattern.sub(lambda match: lookup[match.group(0).lower()], text)


def _punctuate(text: str, mode: str) -> str:
    if mode == "excited":
        text = re.sub(r"\.(?=\s|$)", "!", text)
        return re.sub(r"!+", "!!", text)
    if mode == "calm":
        return re.sub(r"!+", ".", text)
    if mode == "trailing_off":
        return re.sub(r"[.!]+(?=\s|$)", "...", text)
    if mode == "none":
        return re.sub(r"[.!]+(?=\s|$)", "", text)
    return text


def _case(text: str, mode: str) -> str:
    if mode == "lower":
        return text.lower()
    if mode == "upper":
        return text.upper()
    if mode == "sentence":
        return text[:1].upper() + text[1:]
    return text


def _truncate(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def apply(text: str, rules: StyleRules) -> str:
    """The reply as the persona would write it; '' when nothing is left."""
    text = _clean(text)
    if not text:
        return ""
    sentences = _SENTENCE_END.split(text)
    text = " ".join(sentences[: rules.max_sentences])
    text = _replace_words(text, rules.vocabulary)
    text = _punctuate(text, rules.punctuation)
    text = _case(text, rules.casing)
    extras = [rules.prefix] if rules.prefix else []
    tail = [rules.suffix] if rules.suffix else []
    if rules.emoticons:
        tail.append(_pick(rules.emoticons, text))
    budget = min(rules.max_chars, settings.MAX_TEXT_CHARS) - sum(len(part) + 1 for part in extras + tail)
    body = _truncate(text, max(budget, 1))
    return " ".join([*extras, body, *tail])


def leaks_prompt(reply: str, system_prompt: str, window: int = 6) -> bool:
    """True when the reply repeats any run of `window` consecutive words of the
    system prompt: the model was talked into reciting its instructions."""
    prompt_words = _WORD.findall(system_prompt.lower())
    reply_text = f" {' '.join(_WORD.findall(reply.lower()))} "
    window = min(window, len(prompt_words))
    return window > 0 and any(
        f" {' '.join(prompt_words[i : i + window])} " in reply_text for i in range(len(prompt_words) - window + 1)
    )
