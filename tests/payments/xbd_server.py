"""A test server for XBezahldienste 1.0: OAuth2 token endpoint, POST/GET paymenttransaction and a pay
page. Every request Rathaus sends is validated against the JSON schemas in ./schemas (written from the
spec, see their $comment); violations are collected in ``server.errors`` and answered with 400, so a
test fails on them. Listens on 127.0.0.1, port 18200-18299 (helper "pay")."""

from __future__ import annotations

import json
import threading
import time
import urllib.parse
import uuid
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource

SCHEMAS = Path(__file__).parent / "schemas"
CLIENT_ID = "rathaus-test"
CLIENT_SECRET = "s3cr3t-xbd"
ORIGINATOR = "rathaus-zeitz"
ENDPOINT = "15084590"


def _load(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text())


_registry = Registry().with_resources(
    [
        (n, Resource.from_contents(_load(n)))
        for n in ("payment_request.schema.json", "payment_transaction.schema.json")
    ]
)
REQUEST = jsonschema.Draft202012Validator(
    _load("payment_request.schema.json"), registry=_registry, format_checker=jsonschema.FormatChecker()
)
TRANSACTION = jsonschema.Draft202012Validator(_load("payment_transaction.schema.json"), registry=_registry)
TOKEN = jsonschema.Draft202012Validator(_load("token_request.schema.json"))


class XbdServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.base = f"http://127.0.0.1:{port}"
        self.tokens: set[str] = set()
        self.transactions: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.log: list[tuple[str, str]] = []
        self.mode = "ok"  # "ok" | "down" (503) | "slow" (sleeps 3 s)
        self.tamper_amount: Decimal | None = None
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up during "slow" mode closes the socket: expected, not an error.
        pass

    def set_status(self, txn: str, status: str) -> None:
        with self.lock:
            self.transactions[txn]["paymentInformation"]["status"] = status


class Handler(BaseHTTPRequestHandler):
    server: XbdServer

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def _json(self, code: int, data: Any, ctype: str = "application/json") -> None:
        body = json.dumps(data).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _problem(self, code: int, error: str) -> None:
        self._json(
            code,
            {"errorCode": error, "httpResponseCode": code, "functionalText": error},
            "application/problem+json",
        )

    def _invalid(self, what: str) -> None:
        self.server.errors.append(what)
        self._problem(400, "VALIDATION_ERROR")

    def _gate(self) -> bool:
        if self.server.mode == "down":
            self._problem(503, "UNSPECIFIED")
            return False
        if self.server.mode == "slow":
            time.sleep(3)
        return True

    def _authorised(self) -> bool:
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or auth[7:] not in self.server.tokens:
            self._problem(403, "FORBIDDEN")
            return False
        return True

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _parts(self) -> list[str]:
        return [urllib.parse.unquote(p) for p in urllib.parse.urlsplit(self.path).path.strip("/").split("/")]

    # --- POST ------------------------------------------------------------------------------------

    def do_POST(self) -> None:
        parts = self._parts()
        self.server.log.append(("POST", self.path))
        if parts == ["oauth", "token"]:
            if not self._gate():
                return
            if self.headers.get("Content-Type", "").split(";")[0] != "application/x-www-form-urlencoded":
                return self._invalid("token: content type")
            form = dict(urllib.parse.parse_qsl(self._body().decode()))
            problems = [e.message for e in TOKEN.iter_errors(form)]
            if problems:
                return self._invalid(f"token: {problems}")
            if form["client_id"] != CLIENT_ID or form["client_secret"] != CLIENT_SECRET:
                return self._json(401, {"error": "invalid_client"})
            token = uuid.uuid4().hex
            self.server.tokens.add(token)
            return self._json(200, {"access_token": token, "token_type": "Bearer", "expires_in": 300})
        if parts[:1] == ["pay"] and len(parts) == 2:
            return self._pay_post(parts[1])
        if parts[:2] != ["api", "paymenttransaction"] or len(parts) != 4:
            return self._problem(404, "UNSPECIFIED")
        if not self._gate() or not self._authorised():
            return
        if parts[2] != ORIGINATOR or parts[3] != ENDPOINT:
            return self._problem(403, "NO_VALID_ORIGINATOR_OR_ENDPOINT")
        if self.headers.get("Content-Type", "").split(";")[0] != "application/json":
            return self._invalid("payment request: content type")
        try:
            req = json.loads(self._body())
        except ValueError:
            return self._invalid("payment request: no JSON")
        problems = [f"{list(e.path)}: {e.message}" for e in REQUEST.iter_errors(req)]
        if problems:
            return self._invalid(f"payment request: {problems}")
        total = sum(
            Decimal(str(i["totalNetAmount"])) + Decimal(str(i.get("totalTaxAmount", 0))) for i in req["items"]
        )
        if total != Decimal(str(req["grosAmount"])):
            self.server.errors.append(f"calculation: {total} != {req['grosAmount']}")
            return self._problem(400, "CALCULATION_ERROR")
        with self.server.lock:
            if any(
                t["paymentRequest"]["requestId"] == req["requestId"]
                for t in self.server.transactions.values()
            ):
                return self._problem(409, "PAYMENT_EXISTS")
            txn = uuid.uuid4().hex[:24]
            data = {
                "paymentInformation": {
                    "transactionId": txn,
                    "transactionUrl": f"{self.server.base}/api/paymenttransaction/"
                    f"{ORIGINATOR}/{ENDPOINT}/{txn}",
                    "transactionRedirectUrl": f"{self.server.base}/pay/{txn}",
                    "transactionTimestamp": "2026-12-07T10:00:00Z",
                    "status": "INITIAL",
                },
                "paymentRequest": req,
            }
            self.server.transactions[txn] = data
        self._answer(201, data)

    def _answer(self, code: int, data: dict[str, Any]) -> None:
        problems = [e.message for e in TRANSACTION.iter_errors(data)]
        if problems:  # the server's own answers follow the schema too
            self.server.errors.append(f"server answer: {problems}")
        self._json(code, data)

    # --- GET -------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        parts = self._parts()
        self.server.log.append(("GET", self.path))
        if parts[:1] == ["pay"] and len(parts) == 2:
            return self._pay_page(parts[1])
        if parts[:2] != ["api", "paymenttransaction"] or len(parts) != 5:
            return self._problem(404, "UNSPECIFIED")
        if not self._gate() or not self._authorised():
            return
        data = self.server.transactions.get(parts[4])
        if data is None or parts[2] != ORIGINATOR or parts[3] != ENDPOINT:
            return self._problem(404, "UNSPECIFIED")
        data = json.loads(json.dumps(data))
        if self.server.tamper_amount is not None:
            data["paymentRequest"]["grosAmount"] = float(self.server.tamper_amount)
        self._answer(200, data)

    # --- the pay page (what a PSP shows the citizen) ----------------------------------------------

    def _pay_page(self, txn: str) -> None:
        data = self.server.transactions.get(txn)
        if data is None:
            return self._problem(404, "UNSPECIFIED")
        amount = data["paymentRequest"]["grosAmount"]
        html = (
            '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Testbezahlseite</title></head>'
            f"<body><main><h1>Testbezahlseite</h1><p>Betrag: {amount:.2f} EUR</p>"
            f'<form method="post" action="/pay/{txn}">'
            '<button name="action" value="pay">Jetzt zahlen</button> '
            '<button name="action" value="cancel">Abbrechen</button></form></main></body></html>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(html)))
        self.end_headers()
        self.wfile.write(html)

    def _pay_post(self, txn: str) -> None:
        data = self.server.transactions.get(txn)
        if data is None:
            return self._problem(404, "UNSPECIFIED")
        action = dict(urllib.parse.parse_qsl(self._body().decode())).get("action")
        self.server.set_status(txn, "PAYED" if action == "pay" else "CANCELED")
        self.send_response(303)
        self.send_header("Location", data["paymentRequest"]["redirectUrl"])
        self.send_header("Content-Length", "0")
        self.end_headers()


def start(ports: range = range(18200, 18300)) -> XbdServer:
    last: OSError | None = None
    for port in ports:
        try:
            server = XbdServer(port)
        except OSError as exc:
            last = exc
            continue
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server
    raise RuntimeError(f"no free port in {ports}: {last}")
