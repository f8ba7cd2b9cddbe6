"""The LLM inference client: an OpenAI-compatible chat-completions API
(Ollama, vLLM, llama.cpp server, Workers AI's compatible route) or Workers
AI's native `run` API. Blocking (`requests`): callers run it on a worker
thread, never on the event loop.

Every failure (timeout, 429, 5xx, a body that is not what the API promises,
an empty reply) is an InferenceError with a `kind` the breaker and the
usage records understand.
"""

import time
from dataclasses import dataclass

import orjson
import requests
from django.conf import settings

# Far more than any chat reply needs; a bigger body is not a reply.
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class InferenceConfig:
    url: str
    style: str
    api_key: str
    model: str
    timeout_s: float
    max_tokens: int
    temperature: float

    @classmethod
    def from_settings(cls) -> "InferenceConfig":
        return cls(
            url=settings.BOT_INFERENCE_URL,
            style=settings.BOT_API_STYLE,
            api_key=settings.BOT_INFERENCE_API_KEY,
            model=settings.BOT_MODEL,
            timeout_s=settings.BOT_TIMEOUT_S,
            max_tokens=settings.BOT_MAX_TOKENS,
            temperature=settings.BOT_TEMPERATURE,
        )


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    neurons: float | None = None


class InferenceError(Exception):
    """`kind` is one of Invocation.OUTCOMES' failure kinds."""

    def __init__(self, kind: str, detail: str, retry_after_s: float | None = None, *, status: int | None = None):
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.retry_after_s = retry_after_s
        self.status = status


def endpoint(config: InferenceConfig) -> str:
    if config.style == "workers-ai":
        return f"{config.url}/{config.model}"
    return f"{config.url}/chat/completions"


def request_body(config: InferenceConfig, messages: list[dict]) -> dict:
    body = {"messages": messages, "max_tokens": config.max_tokens, "temperature": config.temperature}
    if config.style != "workers-ai":
        body["model"] = config.model
    return body


def _retry_after(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def _read_body(response: requests.Response, deadline: float) -> bytes:
    """The body, within the overall deadline and the size cap (a slow drip or
    a flood is a failure, not a hang or an out-of-memory)."""
    chunks, size = [], 0
    for chunk in response.iter_content(chunk_size=65536):
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise InferenceError("malformed", f"body larger than {MAX_BODY_BYTES} bytes")
        if time.monotonic() > deadline:
            raise InferenceError("timeout", "body not complete before the deadline")
        chunks.append(chunk)
    return b"".join(chunks)


def _int(value) -> int:
    return value if isinstance(value, int) and value >= 0 else 0


def parse_openai(payload) -> Completion:
    try:
        choice = payload["choices"][0]
        text = choice["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise InferenceError("malformed", "no choices[0].message.content")
    usage = payload.get("usage") if isinstance(payload.get("usage"), dict) else {}
    return _completion(text, usage)


def parse_workers_ai(payload) -> Completion:
    if not isinstance(payload, dict):
        raise InferenceError("malformed", "body is not a JSON object")
    if payload.get("success") is False:
        raise InferenceError("upstream_error", f"success=false, {len(payload.get('errors') or [])} error(s)")
    result = payload.get("result")
    if not isinstance(result, dict) or "response" not in result:
        raise InferenceError("malformed", "no result.response")
    usage = result.get("usage") if isinstance(result.get("usage"), dict) else {}
    return _completion(result["response"], usage)


def _completion(text, usage: dict) -> Completion:
    if text is None:
        text = ""
    if not isinstance(text, str):
        raise InferenceError("malformed", "reply text is not a string")
    if not text.strip():
        raise InferenceError("empty", "the model returned an empty reply")
    neurons = usage.get("neurons")
    return Completion(
        text=text,
        prompt_tokens=_int(usage.get("prompt_tokens")),
        completion_tokens=_int(usage.get("completion_tokens")),
        neurons=float(neurons) if isinstance(neurons, int | float) else None,
    )


def complete(config: InferenceConfig, messages: list[dict], session: requests.Session | None = None) -> Completion:
    """One chat completion, or InferenceError."""
    headers = {"Content-Type": "application/json"}
    if config.api_key:
        headers["Authorization"] = f"Bearer {config.api_key}"
    deadline = time.monotonic() + config.timeout_s
    http = session or requests
    try:
        with http.post(
            endpoint(config),
            data=orjson.dumps(request_body(config, messages)),
            headers=headers,
            timeout=(min(5.0, config.timeout_s), config.timeout_s),
            stream=True,
        ) as response:
            if response.status_code == 429:
                raise InferenceError(
                    "rate_limited", "HTTP 429", _retry_after(response.headers.get("Retry-After")), status=429
                )
            if response.status_code >= 400:
                raise InferenceError("upstream_error", f"HTTP {response.status_code}", status=response.status_code)
            raw = _read_body(response, deadline)
    except requests.Timeout:
        raise InferenceError("timeout", f"no answer within {config.timeout_s} s")
    except requests.RequestException as exc:
        raise InferenceError("connection", type(exc).__name__)
    try:
        payload = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise InferenceError("malformed", "body is not JSON")
    if config.style == "workers-ai":
        return parse_workers_ai(payload)
    if not isinstance(payload, dict):
        raise InferenceError("malformed", "body is not a JSON object")
    return parse_openai(payload)
