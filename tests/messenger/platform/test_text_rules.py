"""The one validation of decoded JSON for control characters (messenger/platform/text_rules.py)."""

import orjson

from messenger.platform.text_rules import control_field


def test_the_first_field_with_a_control_character_is_named_dotted():
    assert control_field({"type": "chat", "text": "fine", "style": {"color": "#000000"}}) is None
    assert control_field({"a": {"b": ["ok", "x\x00"]}}) == "a.b.1"
    assert control_field({"name": "bell\x07"}) == "name"
    assert control_field({"k\x00": 1}) == "field name"


def test_nesting_as_deep_as_the_parser_allows_is_walked_without_recursion():
    deep = orjson.loads("[" * 1000 + '"a\\u0000"' + "]" * 1000)
    assert control_field(deep).count(".") == 999
    assert control_field(orjson.loads("[" * 1000 + '"clean"' + "]" * 1000)) is None
