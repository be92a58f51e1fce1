#!/usr/bin/env python3
"""A stand-in for Alibaba Cloud SMS (dysmsapi, API version 2017-05-25) for SafeSnap's tests.

It checks a ``SendSms`` call as the service documents it ("HTTP协议及签名", signature version
1.0): the common parameters, a timestamp within 15 minutes, a nonce never seen before, the
AccessKey ID, and the signature — Base64(HMAC-SHA1(secret + "&", "POST&%2F&" +
encode(sorted, encoded query))) recomputed here, independently of the server's code; then the
sign name, the template code and that the template's parameters are exactly the ones the
template has, and the phone number. It answers as the service does (``Code`` ``OK`` with a
``BizId``, or an error code), and records every accepted message.

Usage: ``python3 tests/sms_service.py --port 0 --key-id ID --secret S --sign NAME
--template SMS_1=url --template SMS_2=code,minutes …`` prints ``READY http://127.0.0.1:<port>``.

Endpoints:
  POST /                 SendSms (form-encoded). Per number, as set by /behave:
                           ok (default); throttle-once: the first valid request gets
                           isv.BUSINESS_LIMIT_CONTROL, later ones OK; down-once: the first gets
                           HTTP 503 ServiceUnavailable; refuse: isv.MOBILE_NUMBER_ILLEGAL.
                         Checks that fail answer their documented code (SignatureDoesNotMatch,
                         SignatureNonceUsed, InvalidTimeStamp.Expired, …) and record nothing.
  POST /behave           {"phone": "...", "behaviour": "..."}
  GET  /sent             JSON list of accepted messages {"phone", "sign", "template", "params",
                         "out_id", "biz_id"}, oldest first.
  GET  /refused          JSON list of {"code", "phone"} of every request answered with an error.
"""

from __future__ import annotations

import argparse
import base64
import datetime
import hashlib
import hmac
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote

LOCK = threading.Lock()
SENT: list[dict] = []
REFUSED: list[dict] = []
NONCES: set[str] = set()
BEHAVIOUR: dict[str, str] = {}
ARGS = None


def pop_encode(s: str) -> str:
    return quote(s, safe="-_.~")


def signature(method: str, params: dict[str, str], secret: str) -> str:
    query = "&".join(f"{pop_encode(k)}={pop_encode(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{pop_encode('/')}&{pop_encode(query)}"
    mac = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status: int, body) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def error(self, status: int, code: str, message: str, phone: str = "") -> None:
        with LOCK:
            REFUSED.append({"code": code, "phone": phone})
        self.answer(status, {"Code": code, "Message": message, "RequestId": secrets.token_hex(8)})

    def do_GET(self):
        with LOCK:
            if self.path == "/sent":
                return self.answer(200, SENT)
            if self.path == "/refused":
                return self.answer(200, REFUSED)
        self.answer(404, {"Code": "InvalidAction.NotFound"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        if self.path == "/behave":
            b = json.loads(body)
            with LOCK:
                BEHAVIOUR[b["phone"]] = b["behaviour"]
            return self.answer(200, {"ok": True})
        if self.path != "/":
            return self.answer(404, {"Code": "InvalidAction.NotFound"})
        if not self.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
            return self.error(400, "MissingParameter", "not a form")
        pairs = parse_qsl(body, keep_blank_values=True, strict_parsing=True)
        params = dict(pairs)
        if len(params) != len(pairs):
            return self.error(400, "InvalidParameter", "a parameter given twice")
        phone = params.get("PhoneNumbers", "")
        required = ["AccessKeyId", "Action", "Format", "PhoneNumbers", "RegionId", "SignName",
                    "SignatureMethod", "SignatureNonce", "SignatureVersion", "TemplateCode",
                    "Timestamp", "Version", "Signature"]
        for name in required:
            if not params.get(name):
                return self.error(400, "MissingParameter", f"{name} is mandatory", phone)
        fixed = {"Action": "SendSms", "Version": "2017-05-25", "SignatureMethod": "HMAC-SHA1",
                 "SignatureVersion": "1.0", "Format": "JSON"}
        for name, value in fixed.items():
            if params[name] != value:
                return self.error(400, "InvalidParameter", f"{name} must be {value}", phone)
        if params["AccessKeyId"] != ARGS.key_id:
            return self.error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.", phone)
        try:
            at = datetime.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=datetime.timezone.utc)
        except ValueError:
            return self.error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.", phone)
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - at).total_seconds())
        if skew > 15 * 60:
            return self.error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired.", phone)
        given = params.pop("Signature")
        if not hmac.compare_digest(given, signature("POST", params, ARGS.secret)):
            return self.error(400, "SignatureDoesNotMatch", "Specified signature is not matched with our calculation.", phone)
        with LOCK:
            if params["SignatureNonce"] in NONCES:
                return self.error(400, "SignatureNonceUsed", "Specified signature nonce was used already.", phone)
            NONCES.add(params["SignatureNonce"])
        if params["SignName"] != ARGS.sign:
            return self.error(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名", phone)
        wants = TEMPLATES.get(params["TemplateCode"])
        if wants is None:
            return self.error(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板", phone)
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            return self.error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法", phone)
        if not isinstance(values, dict) or sorted(values) != sorted(wants) or not all(
                isinstance(v, str) and v for v in values.values()):
            return self.error(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板变量缺少对应参数值", phone)
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            return self.error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", phone)
        with LOCK:
            behaviour = BEHAVIOUR.get(phone, "ok")
            if behaviour == "throttle-once":
                BEHAVIOUR[phone] = "ok"
            if behaviour == "down-once":
                BEHAVIOUR[phone] = "ok"
        if behaviour == "throttle-once":
            return self.error(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1", phone)
        if behaviour == "down-once":
            return self.error(503, "ServiceUnavailable", "The request has failed due to a temporary failure of the server.", phone)
        if behaviour == "refuse":
            return self.error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号", phone)
        biz_id = f"{secrets.randbelow(10**15):015d}^0"
        with LOCK:
            SENT.append({"phone": phone, "sign": params["SignName"], "template": params["TemplateCode"],
                         "params": values, "out_id": params.get("OutId", ""), "biz_id": biz_id})
        self.answer(200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": secrets.token_hex(8)})


TEMPLATES: dict[str, list[str]] = {}


def main() -> None:
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--key-id", required=True)
    p.add_argument("--secret", required=True)
    p.add_argument("--sign", required=True)
    p.add_argument("--template", action="append", default=[], help="CODE=var,var")
    ARGS = p.parse_args()
    for t in ARGS.template:
        code, _, names = t.partition("=")
        TEMPLATES[code] = [n for n in names.split(",") if n]
    server = ThreadingHTTPServer(("127.0.0.1", ARGS.port), Handler)
    print(f"READY http://127.0.0.1:{server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
