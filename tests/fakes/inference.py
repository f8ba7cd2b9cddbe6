"""A real local HTTP server speaking the two inference APIs the bots use:
OpenAI-compatible `POST …/chat/completions` and Workers AI's native
`POST …/ai/run/{model}`. Tests start it and choose how it behaves:

ok (a fixed or echoed reply), leak (recites the system prompt), hang (waits
until released or the hang times out), slow (answers after `delay_s`),
rate_limited (429 + Retry-After), error (500), garbage (not JSON), empty (an
empty reply), enormous (a 100,000-character reply).
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENORMOUS_CHARS = 100_000


class FakeInference:
    def __init__(self):
        self.mode = "ok"
        self.reply = "Hello from the fake model."
        self.delay_s = 0.0
        self.retry_after = "2"
        self.calls: list[dict] = []
        self.in_flight = 0
        self.release = threading.Event()
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    @property
    def openai_url(self) -> str:
        return f"{self.base}/v1"

    @property
    def workers_ai_url(self) -> str:
        return f"{self.base}/client/v4/accounts/test/ai/run"

    def start(self) -> "FakeInference":
        self._thread.start()
        return self

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def behave(self, mode: str, **settings) -> None:
        """Reset the record and switch behaviour."""
        self.release.set()
        with self._lock:
            self.calls = []
        self.release = threading.Event()
        self.mode = mode
        self.reply = settings.get("reply", "Hello from the fake model.")
        self.delay_s = settings.get("delay_s", 0.0)
        self.retry_after = settings.get("retry_after", "2")

    def call_count(self) -> int:
        with self._lock:
            return len(self.calls)

    def wait_for_calls(self, count: int, timeout: float = 10) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.call_count() >= count:
                return True
            time.sleep(0.02)
        return False

    def wait_in_flight(self, count: int, timeout: float = 15) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.in_flight >= count:
                return True
            time.sleep(0.02)
        return False

    # --- the server side --------------------------------------------------

    def _answer(self, path: str, body: dict) -> tuple[int, dict, bytes]:
        mode = self.mode
        if mode == "hang":
            self.release.wait(timeout=60)
        elif mode == "slow":
            time.sleep(self.delay_s)
        if mode == "rate_limited":
            return 429, {"Retry-After": self.retry_after}, b'{"error": "rate limited"}'
        if mode == "error":
            return 500, {}, b'{"error": "internal"}'
        if mode == "garbage":
            return 200, {}, b"<html>502 bad gateway, but with a 200</html>"
        text = self.reply
        if mode == "empty":
            text = ""
        elif mode == "enormous":
            text = "blah " * (ENORMOUS_CHARS // 5)
        elif mode == "leak":
            text = next(m["content"] for m in body.get("messages", []) if m.get("role") == "system")
        usage = {"prompt_tokens": 42, "completion_tokens": 7, "total_tokens": 49}
        if path.endswith("/chat/completions"):
            payload = {
                "id": "chatcmpl-fake",
                "object": "chat.completion",
                "model": body.get("model"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": usage,
            }
        else:
            payload = {"result": {"response": text, "usage": usage}, "success": True, "errors": [], "messages": []}
        return 200, {}, json.dumps(payload).encode()

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {}
                with fake._lock:
                    fake.calls.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
                    fake.in_flight += 1
                try:
                    status, headers, data = fake._answer(self.path, body)
                finally:
                    with fake._lock:
                        fake.in_flight -= 1
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        return Handler
