#!/usr/bin/env python3
"""A fake of Meta's Graph API (media) and of a contact-center platform
("downstream") on one loopback port, for the WhatsApp integration tests.

Graph API, as Meta documents it:
  GET /{version}/{media_id}      with "Authorization: Bearer TOKEN":
      200 {"messaging_product": "whatsapp", "url": ..., "mime_type": ...,
           "sha256": hex, "file_size": "N", "id": media_id}
      401 {"error": {...}} for a missing or wrong token
      404 {"error": {...}} for media it does not have (expired)
  GET /media/{media_id}?mid=..   with the same bearer token: the bytes
The media are the files of a directory (tests/data/whatsapp/media); their
types come from its index.json.

Downstream:
  POST /downstream               records the body, X-Sluice-Signature-256
      (checked against the shared secret), X-Sluice-Delivery-Id and
      X-Sluice-Attempt; answers 200, or 503 while "down".

Control (for the test driver, JSON):
  GET  /__state                  {"deliveries": [...], "graph": N, "media": N,
                                  "bad_auth": N}
  POST /__control                {"down": bool, "slow": {"ID": seconds},
                                  "redirect": ["ID"], "elsewhere": ["ID"],
                                  "extra": {"ID": {"data_hex": .., "mime_type": ..}}}
Run as a module (start(), in a thread of the driver) or as a program:
  fake_meta.py MEDIA_DIR TOKEN SECRET  (prints the port, serves until killed)
"""

import hashlib
import hmac
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


class State:
    def __init__(self, media_dir, token, secret, version="v21.0"):
        self.lock = threading.Lock()
        self.token = token
        self.secret = secret.encode()
        self.version = version
        self.media = {}
        with open(os.path.join(media_dir, "index.json"), encoding="utf-8") as f:
            index = json.load(f)
        for mid, meta in index.items():
            with open(os.path.join(media_dir, mid), "rb") as f:
                self.media[mid] = (f.read(), meta["mime_type"])
        self.deliveries = []
        self.graph = 0
        self.media_gets = 0
        self.bad_auth = 0
        self.down = False
        self.slow = {}
        self.redirect = set()
        self.elsewhere = set()


def graph_error(code, message, etype="OAuthException", fb_code=100):
    return code, {"error": {"message": message, "type": etype, "code": fb_code, "fbtrace_id": "AbCdEf123"}}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    st = None  # set by make_server

    def log_message(self, fmt, *args):
        pass

    def reply(self, code, body, ctype="application/json", extra=None):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def authorized(self):
        ok = self.headers.get("Authorization") == "Bearer " + self.st.token
        if not ok:
            with self.st.lock:
                self.st.bad_auth += 1
        return ok

    def do_GET(self):
        st = self.st
        path = urlsplit(self.path).path
        if path == "/__state":
            with st.lock:
                return self.reply(200, {"deliveries": st.deliveries, "graph": st.graph, "media": st.media_gets,
                                        "bad_auth": st.bad_auth})
        parts = path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == st.version:
            mid = parts[1]
            with st.lock:
                st.graph += 1
                delay = st.slow.get(mid, 0)
            if not self.authorized():
                return self.reply(*graph_error(401, "Invalid OAuth access token.", fb_code=190))
            time.sleep(delay)
            if mid not in st.media:
                return self.reply(*graph_error(404, "Unsupported get request. Object with ID '%s' does not exist" % mid))
            data, mt = st.media[mid]
            host = "127.0.0.2" if mid in st.elsewhere else "127.0.0.1"
            url = "http://%s:%d/media/%s?mid=%s&ext=1765065600&hash=ARx" % (host, self.server.server_port, mid, mid)
            return self.reply(200, {"messaging_product": "whatsapp", "url": url, "mime_type": mt,
                                    "sha256": hashlib.sha256(data).hexdigest(), "file_size": str(len(data)),
                                    "id": mid})
        if len(parts) == 2 and parts[0] == "media":
            mid = parts[1]
            with st.lock:
                st.media_gets += 1
            if not self.authorized():
                return self.reply(*graph_error(401, "Invalid OAuth access token.", fb_code=190))
            if mid in st.redirect:
                return self.reply(302, b"", "text/plain", {"Location": "http://127.0.0.1:1/elsewhere"})
            if mid not in st.media:
                return self.reply(404, b"", "text/plain")
            data, mt = st.media[mid]
            return self.reply(200, data, mt)
        return self.reply(404, {"error": "no such path"})

    def do_POST(self):
        st = self.st
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n)
        path = urlsplit(self.path).path
        if path == "/__control":
            c = json.loads(body or b"{}")
            with st.lock:
                if "down" in c:
                    st.down = bool(c["down"])
                st.slow.update({k: float(v) for k, v in c.get("slow", {}).items()})
                st.redirect |= set(c.get("redirect", []))
                st.elsewhere |= set(c.get("elsewhere", []))
                for mid, m in c.get("extra", {}).items():
                    st.media[mid] = (bytes.fromhex(m["data_hex"]), m["mime_type"])
            return self.reply(200, {})
        if path == "/downstream":
            sig = self.headers.get("X-Sluice-Signature-256", "")
            want = "sha256=" + hmac.new(st.secret, body, hashlib.sha256).hexdigest()
            with st.lock:
                down = st.down
                st.deliveries.append({"delivery_id": self.headers.get("X-Sluice-Delivery-Id"),
                                      "attempt": self.headers.get("X-Sluice-Attempt"),
                                      "signature_ok": hmac.compare_digest(sig, want),
                                      "content_type": self.headers.get("Content-Type"),
                                      "accepted": not down,
                                      "body": body.decode("utf-8", "replace")})
            if down:
                return self.reply(503, {"error": "maintenance"})
            return self.reply(200, {"ok": True})
        return self.reply(404, {"error": "no such path"})


def make_server(media_dir, token, secret):
    st = State(media_dir, token, secret)
    handler = type("H", (Handler,), {"st": st})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    srv.handle_error = lambda request, client_address: None  # a client that went away (a killed sluiced)
    return srv, st


def start(media_dir, token, secret):
    srv, st = make_server(media_dir, token, secret)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, st


if __name__ == "__main__":
    server, _ = make_server(sys.argv[1], sys.argv[2], sys.argv[3])
    print(server.server_port, flush=True)
    server.serve_forever()
