"""Property tests over the room socket's frame schema (no server)."""

import pydantic
from hypothesis import given
from hypothesis import strategies as st

from chat.frames import ROOM_FRAMES
from chat.winks import CATALOG
from messenger.platform import text_rules
from messenger.realtime.frame_errors import validation_error

CONTROL = [chr(c) for c in [*range(0, 9), *range(11, 32), 127]]


def _code(raw) -> str | None:
    try:
        ROOM_FRAMES.validate_python(raw)
    except pydantic.ValidationError as exc:
        return validation_error(exc)[0]
    return None


def _shows_as_typed(text: str) -> bool:
    """Something of it shows (not only spaces or invisible characters such as a soft hyphen, which
    are refused as empty) and there is no bidi control to remove (text_rules)."""
    return not text_rules.is_blank(text) and text_rules.without_bidi_controls(text) == text


@given(st.text(min_size=1, max_size=2048).filter(lambda t: t.strip() and not any(c in t for c in CONTROL)
                                                 and not any("\x80" <= c <= "\x9f" for c in t)
                                                 and _shows_as_typed(t)),
       st.text(min_size=1, max_size=64))
def test_valid_chats_pass_unchanged(text, client_id):
    frame = ROOM_FRAMES.validate_python({"type": "chat", "clientId": client_id, "text": text})
    assert frame.text == text and frame.clientId == client_id


@given(st.text(max_size=40), st.sampled_from(CONTROL))
def test_control_characters_are_refused(text, control):
    assert _code({"type": "chat", "clientId": "c", "text": f"a{text}{control}"}) in {"INVALID_MESSAGE", "TOO_LONG"}


@given(st.integers(min_value=2049, max_value=5000))
def test_text_over_2048_after_trim_is_too_long(length):
    assert _code({"type": "chat", "clientId": "c", "text": "  " + "x" * length + "  "}) == "TOO_LONG"


@given(st.text(min_size=65, max_size=200))
def test_client_ids_over_64_are_invalid(client_id):
    assert _code({"type": "nudge", "clientId": client_id}) == "INVALID_MESSAGE"


@given(st.integers())
def test_history_limit_is_1_to_100(limit):
    code = _code({"type": "history", "limit": limit})
    assert (code is None) == (1 <= limit <= 100)


@given(st.text(max_size=30))
def test_only_catalog_winks(wink_id):
    code = _code({"type": "wink", "clientId": "c", "winkId": wink_id})
    assert (code is None) == (wink_id in CATALOG)


@given(st.text(max_size=20).filter(lambda t: t not in {"chat", "nudge", "wink", "typing", "history", "ping", "read"}))
def test_unknown_types(kind):
    assert _code({"type": kind}) == "UNKNOWN_TYPE"


@given(st.dictionaries(st.text(max_size=10), st.one_of(st.none(), st.integers(), st.text(max_size=20)), max_size=5))
def test_arbitrary_objects_never_crash(raw):
    code = _code(raw)
    assert code is None or code in {"INVALID_MESSAGE", "TOO_LONG", "UNKNOWN_TYPE"}


def test_a_bad_style_is_refused_in_words_naming_the_field():
    def refused(style):
        try:
            ROOM_FRAMES.validate_python({"type": "chat", "clientId": "c", "text": "hi", "style": style})
        except pydantic.ValidationError as exc:
            return validation_error(exc)
        raise AssertionError(f"{style!r} was accepted")

    assert refused({"color": "red"}) == ("INVALID_MESSAGE", "color: must be a colour written #RRGGBB, such as #0000FF")
    assert refused({"color": 255}) == ("INVALID_MESSAGE", "color: must be a colour written #RRGGBB, such as #0000FF")
    assert refused({"bold": "yes"}) == ("INVALID_MESSAGE", "bold: must be true or false")
