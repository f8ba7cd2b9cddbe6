"""A local stand-in for Cloudflare's siteverify endpoint, served over real HTTP.

Tokens say what they do: `pass-…` verifies once (a second use is
`timeout-or-duplicate`, as at Cloudflare), `fail-…` is invalid, and
`drop-once-…` loses the first connection before verifying like `pass-…`.
A repeated idempotency key replays the first answer, as Cloudflare does.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


class FakeSiteverify:
    def __init__(self, secret: str):
        self.secret = secret
        self.requests: list[dict] = []
        self._spent: set[str] = set()
        self._dropped: set[str] = set()
        self._answers: dict[str, dict] = {}
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/turnstile/v0/siteverify"

    def start(self) -> "FakeSiteverify":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, form: dict) -> dict | None:
        """The verdict for one request, or None to drop the connection."""
        with self._lock:
            self.requests.append(form)
            key = form.get("idempotency_key", "")
            if key and key in self._answers:
                return self._answers[key]
            token = form.get("response", "")
            if token.startswith("drop-once-") and token not in self._dropped:
                self._dropped.add(token)
                return None
            if form.get("secret") != self.secret:
                verdict = {"success": False, "error-codes": ["invalid-input-secret"]}
            elif not token.startswith(("pass-", "drop-once-")):
                verdict = {"success": False, "error-codes": ["invalid-input-response"]}
            elif token in self._spent:
                verdict = {"success": False, "error-codes": ["timeout-or-duplicate"]}
            else:
                self._spent.add(token)
                verdict = {"success": True, "hostname": "localhost", "error-codes": []}
            if key:
                self._answers[key] = verdict
            return verdict

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                fields = parse_qs(self.rfile.read(length).decode())
                verdict = fake.answer({name: values[0] for name, values in fields.items()})
                if verdict is None:
                    self.close_connection = True
                    self.connection.close()
                    return
                body = json.dumps(verdict).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        return Handler
