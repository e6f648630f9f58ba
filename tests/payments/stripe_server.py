"""A small local HTTP server that answers the few Stripe API endpoints the site
calls, the way Stripe answers them: create a Checkout Session, expire one, create
a refund. Stripe's official SDK is pointed at it through STRIPE_API_BASE (the
client's `base_addresses`), so the tests run the SDK's real request and response
code; nothing of the SDK is patched.

It keeps what it was asked (`requests`), honours Idempotency-Key like Stripe
(the same key gives the same answer and does the work once), and can be told to
fail the next call (`fail_next`).
"""

import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

API_KEY = "sk_test_local_server"


@dataclass
class Call:
    method: str
    path: str
    form: dict[str, str]
    idempotency_key: str


@dataclass
class FakeStripe:
    requests: list[Call] = field(default_factory=list)
    sessions: dict[str, dict] = field(default_factory=dict)
    refunds: dict[str, dict] = field(default_factory=dict)
    fail_next: list[tuple[int, str]] = field(default_factory=list)
    _answers: dict[str, tuple[int, dict]] = field(default_factory=dict)
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""

    def calls(self, path_start: str = "") -> list[Call]:
        return [call for call in self.requests if call.path.startswith(path_start)]

    # --- what each endpoint does ---

    def answer(self, method: str, path: str, form: dict, key: str) -> tuple[int, dict]:
        with self._lock:
            self.requests.append(Call(method, path, form, key))
            if key and key in self._answers:
                return self._answers[key]
            if self.fail_next:
                status, kind = self.fail_next.pop(0)
                return status, {"error": {"type": kind, "message": "Local failure."}}
            status, body = self._route(method, path, form)
            if key and status < 500:
                self._answers[key] = (status, body)
            return status, body

    def _route(self, method: str, path: str, form: dict) -> tuple[int, dict]:
        parts = path.strip("/").split("/")
        if method == "POST" and parts == ["v1", "checkout", "sessions"]:
            return self._create_session(form)
        if (
            method == "POST"
            and len(parts) == 5
            and parts[:3] == ["v1", "checkout", "sessions"]
            and parts[4] == "expire"
        ):
            return self._expire_session(parts[3])
        if method == "POST" and parts == ["v1", "refunds"]:
            return self._create_refund(form)
        return 404, _error(
            "invalid_request_error", f"Unrecognized request URL ({path})."
        )

    def _create_session(self, form: dict) -> tuple[int, dict]:
        for needed in ("mode", "success_url", "line_items[0][price_data][unit_amount]"):
            if needed not in form:
                return 400, _error("invalid_request_error", f"Missing {needed}.")
        number = next(self._ids)
        session_id = f"cs_test_local{number}"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "amount_total": int(form["line_items[0][price_data][unit_amount]"]),
            "currency": form["line_items[0][price_data][currency]"],
            "client_reference_id": form.get("client_reference_id"),
            "customer_email": form.get("customer_email"),
            "expires_at": int(form.get("expires_at", time.time() + 86400)),
            "metadata": _sub(form, "metadata"),
            "mode": form["mode"],
            "payment_intent": None,
            "payment_status": "unpaid",
            "status": "open",
            "success_url": form["success_url"],
            "cancel_url": form.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
        }
        self.sessions[session_id] = session
        return 200, session

    def _expire_session(self, session_id: str) -> tuple[int, dict]:
        session = self.sessions.get(session_id)
        if session is None:
            return 404, _error("invalid_request_error", "No such checkout.session.")
        if session["status"] != "open":
            return 400, _error(
                "invalid_request_error", "Only open sessions can be expired."
            )
        session["status"] = "expired"
        return 200, session

    def _create_refund(self, form: dict) -> tuple[int, dict]:
        if "payment_intent" not in form:
            return 400, _error("invalid_request_error", "Missing payment_intent.")
        refund_id = f"re_local{next(self._ids)}"
        refund = {
            "id": refund_id,
            "object": "refund",
            "amount": int(form["amount"]),
            "currency": "gbp",
            "payment_intent": form["payment_intent"],
            "status": "succeeded",
            "metadata": _sub(form, "metadata"),
        }
        self.refunds[refund_id] = refund
        return 200, refund

    # --- serving ---

    def start(self) -> "FakeStripe":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                self._serve("POST")

            def do_GET(self):  # noqa: N802
                self._serve("GET")

            def _serve(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.headers.get("Authorization") != f"Bearer {API_KEY}":
                    status, answer = 401, _error("invalid_request_error", "Bad key.")
                else:
                    status, answer = fake.answer(
                        method,
                        self.path.split("?")[0],
                        dict(parse_qsl(body, keep_blank_values=True)),
                        self.headers.get("Idempotency-Key", ""),
                    )
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_local")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def _error(kind: str, message: str) -> dict:
    return {"error": {"type": kind, "message": message}}


def _sub(form: dict, name: str) -> dict:
    prefix = f"{name}["
    return {
        key[len(prefix) : -1]: value
        for key, value in form.items()
        if key.startswith(prefix) and key.endswith("]") and "][" not in key
    }
