#!/usr/bin/env python3
"""A fake Web Push service for SafeSnap's end-to-end tests.

It plays both sides a real deployment has: the browser (``POST /subscribe`` makes a
subscription with its own P-256 key pair and auth secret, exactly what
``PushSubscription.toJSON()`` returns) and the push service (``POST /push/<id>`` checks the
VAPID ``Authorization`` header (RFC 8292) and the headers of RFC 8030, then decrypts the
``aes128gcm`` body (RFC 8291) with ``http_ece`` — an implementation independent of the server's).
Every push request is recorded and can be read back with ``GET /received``.

Usage: ``python3 tests/push_service.py --port 0`` prints ``READY http://127.0.0.1:<port>`` once
listening. Needs ``pip install http_ece cryptography``.

Endpoints:
  POST /subscribe        {"behaviour": "ok"|"gone"|"notfound"|"throttle"|"fail-twice"|"slow"}
                         -> 200 {"endpoint", "expirationTime": null, "keys": {"p256dh", "auth"}}
  POST /push/<id>        the push message; answers per the subscription's behaviour:
                           ok 201; gone 410; notfound 404; throttle 429 (Retry-After: 1) on the
                           first valid request then 201; fail-twice 500, 500, then 201;
                           slow sleeps 10 s, then 201.
                         A request that fails a check gets 403 (VAPID) or 400/413 (the message)
                         and does not advance the behaviour's sequence. Unknown id: 404.
  GET  /received[?id=X]  JSON list of records {"id", "status", "ttl", "urgency", "topic",
                         "payload", "error", "aud", "sub", "at"}, oldest first.
  POST /reset            forget all records (subscriptions stay).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import secrets
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

BEHAVIOURS = ("ok", "gone", "notfound", "throttle", "fail-twice", "slow")
SLOW_SECONDS = 10.0
MAX_BODY = 4096  # RFC 8291 section 4: push services need not accept more
MAX_JWT_LIFETIME = 24 * 60 * 60  # RFC 8292 section 2: exp no more than 24 hours ahead
URGENCIES = ("very-low", "low", "normal", "high")
TOPIC_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    text = text.strip()
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Rejected(Exception):
    """A check failed: answer `status` with `reason`."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class Subscription:
    def __init__(self, sub_id: str, behaviour: str):
        self.id = sub_id
        self.behaviour = behaviour
        self.private_key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        self.accepted_requests = 0  # valid push requests so far (drives the behaviour)

    def public_key_bytes(self) -> bytes:
        return self.private_key.public_key().public_bytes(
            Encoding.X962, PublicFormat.UncompressedPoint
        )


class State:
    def __init__(self, origin: str):
        self.origin = origin
        self.lock = threading.Lock()
        self.subscriptions: dict[str, Subscription] = {}
        self.records: list[dict] = []


def parse_vapid(header: str | None) -> tuple[str, str]:
    """`vapid t=<jwt>, k=<key>` (parameters in any order) -> (jwt, key)."""
    if not header:
        raise Rejected(403, "missing Authorization header")
    scheme, _, params = header.strip().partition(" ")
    if scheme.lower() != "vapid":
        raise Rejected(403, f"Authorization scheme is {scheme!r}, not vapid")
    values = {}
    for part in params.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise Rejected(403, f"malformed Authorization parameter {part.strip()!r}")
        values[name.strip().lower()] = value.strip()
    if "t" not in values or "k" not in values:
        raise Rejected(403, "Authorization needs both t= and k=")
    return values["t"], values["k"]


def verify_jwt(jwt: str, key_b64: str, origin: str) -> dict:
    """Checks the VAPID JWT as a push service does; returns its claims."""
    try:
        key_bytes = b64url_decode(key_b64)
        public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), key_bytes)
    except Exception:
        raise Rejected(403, "k is not a base64url P-256 public key")
    if len(key_bytes) != 65:
        raise Rejected(403, "k must be a 65-byte uncompressed point")
    parts = jwt.split(".")
    if len(parts) != 3:
        raise Rejected(403, "JWT does not have three parts")
    try:
        header = json.loads(b64url_decode(parts[0]))
        claims = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except Exception:
        raise Rejected(403, "JWT parts are not base64url JSON")
    if not isinstance(header, dict) or header.get("alg") != "ES256":
        raise Rejected(403, f"JWT alg is {header.get('alg') if isinstance(header, dict) else None!r}, not ES256")
    if header.get("typ", "JWT") != "JWT":
        raise Rejected(403, "JWT typ is not JWT")
    if len(signature) != 64:
        raise Rejected(403, f"JWT signature is {len(signature)} bytes, not raw r||s (64)")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, f"{parts[0]}.{parts[1]}".encode("ascii"), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise Rejected(403, "JWT signature does not verify with k")
    if not isinstance(claims, dict):
        raise Rejected(403, "JWT claims are not an object")
    if claims.get("aud") != origin:
        raise Rejected(403, f"JWT aud is {claims.get('aud')!r}, expected {origin!r}")
    exp = claims.get("exp")
    now = time.time()
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise Rejected(403, "JWT exp is not an integer")
    if exp <= now:
        raise Rejected(403, "JWT has expired")
    if exp > now + MAX_JWT_LIFETIME + 5:
        raise Rejected(403, "JWT exp is more than 24 hours ahead")
    sub = claims.get("sub")
    if not isinstance(sub, str) or not (sub.startswith("mailto:") or sub.startswith("https:")):
        raise Rejected(403, "JWT sub is missing or not a mailto: or https: URL")
    return claims


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # header and body writes go out at once (keep-alive latency)
    server_version = "FakePushService/1"
    state: State  # set on the class by main()

    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        if self.server.verbose:  # type: ignore[attr-defined]
            sys.stderr.write("push_service: " + (format % args) + "\n")

    # --- plumbing -------------------------------------------------------------------------

    def read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def answer(self, status: int, body: bytes = b"", content_type: str = "text/plain; charset=utf-8",
               headers: dict | None = None) -> None:
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body:
                self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer_json(self, status: int, value) -> None:
        self.answer(status, json.dumps(value).encode("utf-8"), "application/json")

    # --- routes ---------------------------------------------------------------------------

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/received":
            wanted = parse_qs(url.query).get("id")
            with self.state.lock:
                records = [r for r in self.state.records if not wanted or r["id"] in wanted]
            self.answer_json(200, records)
        else:
            self.answer(404, b"not found\n")

    def do_POST(self):
        url = urlsplit(self.path)
        try:
            body = self.read_body()
        except (ValueError, OSError):
            self.close_connection = True
            self.answer(400, b"unreadable body\n")
            return
        if url.path == "/subscribe":
            self.subscribe(body)
        elif url.path == "/reset":
            with self.state.lock:
                self.state.records.clear()
            self.answer(204)
        elif url.path.startswith("/push/"):
            self.push(url.path[len("/push/"):], body)
        else:
            self.answer(404, b"not found\n")

    def subscribe(self, body: bytes) -> None:
        try:
            request = json.loads(body) if body.strip() else {}
            behaviour = request.get("behaviour", "ok")
        except (ValueError, AttributeError):
            self.answer(400, b"body must be a JSON object\n")
            return
        if behaviour not in BEHAVIOURS:
            self.answer(400, f"behaviour must be one of {', '.join(BEHAVIOURS)}\n".encode())
            return
        sub = Subscription(secrets.token_urlsafe(12), behaviour)
        with self.state.lock:
            self.state.subscriptions[sub.id] = sub
        self.answer_json(200, {
            "endpoint": f"{self.state.origin}/push/{sub.id}",
            "expirationTime": None,
            "keys": {"p256dh": b64url_encode(sub.public_key_bytes()), "auth": b64url_encode(sub.auth)},
        })

    def push(self, sub_id: str, body: bytes) -> None:
        record = {"id": sub_id, "status": None, "ttl": None, "urgency": None, "topic": None,
                  "payload": None, "error": None, "aud": None, "sub": None, "at": time.time()}
        headers: dict = {}
        delay = 0.0
        try:
            with self.state.lock:
                sub = self.state.subscriptions.get(sub_id)
            if sub is None:
                raise Rejected(404, "unknown subscription")
            jwt, key = parse_vapid(self.headers.get("Authorization"))
            claims = verify_jwt(jwt, key, self.state.origin)
            record["aud"], record["sub"] = claims["aud"], claims["sub"]
            ttl = self.headers.get("TTL")
            if ttl is None:
                raise Rejected(400, "missing TTL header")
            if not ttl.strip().isdigit():
                raise Rejected(400, f"TTL {ttl!r} is not a non-negative integer")
            record["ttl"] = int(ttl)
            urgency = self.headers.get("Urgency")
            if urgency is not None:
                record["urgency"] = urgency
                if urgency not in URGENCIES:
                    raise Rejected(400, f"Urgency {urgency!r} is not one of {', '.join(URGENCIES)}")
            topic = self.headers.get("Topic")
            if topic is not None:
                record["topic"] = topic
                if not (0 < len(topic) <= 32 and set(topic) <= TOPIC_CHARS):
                    raise Rejected(400, "Topic must be 1-32 base64url characters")
            encoding = self.headers.get("Content-Encoding")
            if (encoding or "").strip().lower() != "aes128gcm":
                raise Rejected(400, f"Content-Encoding is {encoding!r}, not aes128gcm")
            if len(body) > MAX_BODY:
                raise Rejected(413, f"body of {len(body)} bytes exceeds {MAX_BODY}")
            try:
                plaintext = http_ece.decrypt(body, private_key=sub.private_key,
                                             auth_secret=sub.auth, version="aes128gcm")
            except Exception as err:  # http_ece raises ECEException, cryptography InvalidTag, ...
                raise Rejected(400, f"cannot decrypt body: {type(err).__name__} {err}".strip())
            record["payload"] = plaintext.decode("utf-8", errors="replace")

            with self.state.lock:
                sub.accepted_requests += 1
                n = sub.accepted_requests
            status = 201
            if sub.behaviour == "gone":
                status = 410
            elif sub.behaviour == "notfound":
                status = 404
            elif sub.behaviour == "throttle" and n == 1:
                status, headers = 429, {"Retry-After": "1"}
            elif sub.behaviour == "fail-twice" and n <= 2:
                status = 500
            elif sub.behaviour == "slow":
                delay = SLOW_SECONDS
            if status == 201:
                headers = {"Location": f"{self.state.origin}/message/{sub_id}-{n}"}
            record["status"] = status
            reason = b""
        except Rejected as rejected:
            record["status"] = rejected.status
            record["error"] = rejected.reason
            reason = (rejected.reason + "\n").encode("utf-8")
        with self.state.lock:
            self.state.records.append(record)
        if delay:
            time.sleep(delay)
        self.answer(record["status"], reason, headers=headers)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    verbose = False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port to listen on (0: any free port)")
    parser.add_argument("--verbose", action="store_true", help="log requests to stderr")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    server.verbose = args.verbose
    origin = f"http://127.0.0.1:{server.server_address[1]}"
    Handler.state = State(origin)
    print(f"READY {origin}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
