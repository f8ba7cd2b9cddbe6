"""The inference client against a real local HTTP server, both API styles."""

import pytest

from bots import inference

MESSAGES = [{"role": "system", "content": "be nice"}, {"role": "user", "content": "alice: hi"}]
STYLES = ["openai", "workers-ai"]


@pytest.fixture
def fake(inference_server):
    return inference_server


def config(fake, style: str, **overrides) -> inference.InferenceConfig:
    values = {
        "url": fake.workers_ai_url if style == "workers-ai" else fake.openai_url,
        "style": style,
        "api_key": "k-123",
        "model": "@cf/meta/llama-3.2-1b-instruct",
        "timeout_s": 2.0,
        "max_tokens": 64,
        "temperature": 0.5,
    }
    return inference.InferenceConfig(**{**values, **overrides})


@pytest.mark.parametrize("style", STYLES)
def test_reply_and_usage_are_parsed(fake, style):
    fake.behave("ok", reply="hey there")
    completion = ask(config(fake, style))
    assert completion.text == "hey there"
    assert (completion.prompt_tokens, completion.completion_tokens) == (42, 7)
    call = fake.calls[0]
    assert call["auth"] == "Bearer k-123"
    assert call["body"]["messages"] == MESSAGES
    assert call["body"]["max_tokens"] == 64
    if style == "openai":
        assert call["path"] == "/v1/chat/completions"
        assert call["body"]["model"] == "@cf/meta/llama-3.2-1b-instruct"
    else:
        assert call["path"] == "/client/v4/accounts/test/ai/run/@cf/meta/llama-3.2-1b-instruct"


def ask(cfg):
    return inference.complete(cfg, MESSAGES)


@pytest.mark.parametrize("style", STYLES)
@pytest.mark.parametrize(
    "mode, kind",
    [("error", "upstream_error"), ("garbage", "malformed"), ("empty", "empty"), ("rate_limited", "rate_limited")],
)
def test_failures_are_inference_errors(fake, style, mode, kind):
    fake.behave(mode, retry_after="7")
    with pytest.raises(inference.InferenceError) as caught:
        ask(config(fake, style))
    assert caught.value.kind == kind
    if kind == "rate_limited":
        assert caught.value.retry_after_s == 7.0


def test_timeout_is_a_failure_not_a_hang(fake):
    fake.behave("slow", delay_s=3)
    with pytest.raises(inference.InferenceError) as caught:
        ask(config(fake, "openai", timeout_s=0.5))
    assert caught.value.kind == "timeout"


def test_unreachable_server_is_a_connection_failure():
    cfg = inference.InferenceConfig("http://127.0.0.1:9/v1", "openai", "", "m", 1.0, 16, 0.1)
    with pytest.raises(inference.InferenceError) as caught:
        inference.complete(cfg, MESSAGES)
    assert caught.value.kind == "connection"


def test_enormous_reply_is_returned_for_the_style_rules_to_cut(fake):
    fake.behave("enormous")
    completion = ask(config(fake, "workers-ai"))
    assert len(completion.text) >= 90_000


def test_parsers_reject_wrong_shapes():
    for payload in ({}, {"choices": []}, {"choices": [{"message": {"content": 5}}]}):
        with pytest.raises(inference.InferenceError):
            inference.parse_openai(payload)
    with pytest.raises(inference.InferenceError) as caught:
        inference.parse_workers_ai({"success": False, "errors": [{"code": 1}]})
    assert caught.value.kind == "upstream_error"
    assert inference.parse_workers_ai({"result": {"response": "ok", "usage": {"neurons": 1.5}}}).neurons == 1.5
