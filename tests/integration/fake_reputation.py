#!/usr/bin/env python3
"""Fake live reputation services for the tests, on loopback, free ports.

One process serves, each on a port the kernel picks:
  http  URLhaus API v1 (POST /v1/url/, /v1/host/, form fields, Auth-Key
        header), Google Web Risk (GET /v1/uris:search?threatTypes=..&uri=..
        &key=..) and Google Safe Browsing v4 Lookup (POST
        /v4/threatMatches:find?key=.., JSON body), answering as the public
        documentation of each describes;
  hang  accepts TCP connections, reads what comes, and never answers;
  dns   a UDP DNS responder for DNS blocklist zones (A records with the
        return codes, NXDOMAIN, SERVFAIL, REFUSED, or silence).
The ports are written to DIR/ports (shell: HTTP_PORT=.. HANG_PORT=..
DNS_PORT=..); every request is one line of DIR/requests.log, so that tests
can count what reached the services.

What is listed is decided by the host's first label, so that a test message
picks the answer it wants by its link: uh* for URLhaus (uhmalware: online,
uhoffline, uhinvalid, uherror500; host uhmalwarehost), wr* for Web Risk
(wrphish, wrmalware, wrunwanted, wrboth, wrshort: expires in 2 s,
wrratelimit: 429, wrbroken: 503), sb* for Safe Browsing (sbphish, sbmalware,
sbunwanted, sbshort: cacheDuration 2s), and DNS_ANSWERS for the DNS names.
"""
import argparse
import datetime
import json
import os
import socket
import socketserver
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOG_LOCK = threading.Lock()
ARGS = None


def log(line):
    with LOG_LOCK:
        with open(os.path.join(ARGS.dir, "requests.log"), "a") as f:
            f.write(line + "\n")


def first_label(url_or_host):
    host = url_or_host
    if "://" in url_or_host:
        host = urllib.parse.urlsplit(url_or_host).hostname or ""
    return host.split(".")[0]


def rfc3339(seconds_from_now):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds_from_now)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f") + "Z"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: sluice reuses connections

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, obj=None, text=None):
        body = text.encode() if text is not None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain" if text is not None else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(n) if n else b""

    # ---- Web Risk ----
    def do_GET(self):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query)
        if u.path != "/v1/uris:search":
            return self.reply(404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}})
        uri = (q.get("uri") or [""])[0]
        log("webrisk " + uri)
        if (q.get("key") or [""])[0] != ARGS.google_key:
            return self.reply(400, {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                                              "status": "INVALID_ARGUMENT"}})
        if not q.get("threatTypes") or not uri:
            return self.reply(400, {"error": {"code": 400, "message": "threatTypes and uri are required",
                                              "status": "INVALID_ARGUMENT"}})
        label = first_label(uri)
        if label == "wrratelimit":
            return self.reply(429, {"error": {"code": 429, "message": "Quota exceeded for quota metric",
                                              "status": "RESOURCE_EXHAUSTED"}})
        if label == "wrbroken":
            return self.reply(503, text="upstream unavailable")
        types = {"wrphish": ["SOCIAL_ENGINEERING"], "wrmalware": ["MALWARE"],
                 "wrunwanted": ["UNWANTED_SOFTWARE"], "wrshort": ["SOCIAL_ENGINEERING"],
                 "wrboth": ["UNWANTED_SOFTWARE", "MALWARE"]}.get(label)
        if types is None or not set(types) & set(q["threatTypes"]):
            return self.reply(200, {})
        ttl = 2 if label == "wrshort" else 300
        return self.reply(200, {"threat": {"threatTypes": [t for t in types if t in q["threatTypes"]],
                                           "expireTime": rfc3339(ttl)}})

    def do_POST(self):
        u = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if u.path in ("/v1/url/", "/v1/host/"):
            return self.urlhaus(u.path, body)
        if u.path == "/v4/threatMatches:find":
            return self.safebrowsing(urllib.parse.parse_qs(u.query), body)
        return self.reply(404, {"error": "not found"})

    # ---- URLhaus ----
    def urlhaus(self, path, body):
        form = urllib.parse.parse_qs(body.decode())
        field = "url" if path == "/v1/url/" else "host"
        value = (form.get(field) or [""])[0]
        log("urlhaus-%s %s" % (field, value))
        if self.headers.get("Auth-Key") != ARGS.urlhaus_key:
            return self.reply(401, {"query_status": "unknown_auth_key"})
        if not value:
            return self.reply(200, {"query_status": "invalid_" + field})
        label = first_label(value)
        if label == "uherror500":
            return self.reply(500, text="Internal Server Error")
        if field == "url":
            if label in ("uhmalware", "uhoffline"):
                return self.reply(200, {
                    "query_status": "ok", "id": "1", "urlhaus_reference": "https://urlhaus.abuse.ch/url/1/",
                    "url": value, "url_status": "online" if label == "uhmalware" else "offline",
                    "host": urllib.parse.urlsplit(value).hostname, "date_added": "2024-01-01 00:00:00 UTC",
                    "threat": "malware_download", "blacklists": {"spamhaus_dbl": "not listed", "surbl": "not listed"},
                    "reporter": "test", "larted": "false", "takedown_time_seconds": None, "tags": ["test"],
                    "payloads": []})
            if label == "uhinvalid":
                return self.reply(200, {"query_status": "invalid_url"})
            return self.reply(200, {"query_status": "no_results"})
        if label == "uhmalwarehost":
            return self.reply(200, {
                "query_status": "ok", "urlhaus_reference": "https://urlhaus.abuse.ch/host/x/", "host": value,
                "firstseen": "2024-01-01 00:00:00 UTC", "url_count": "2",
                "blacklists": {"spamhaus_dbl": "not listed", "surbl": "not listed"},
                "urls": [{"id": "2", "url": "http://%s/a.exe" % value, "url_status": "online",
                          "threat": "malware_download"},
                         {"id": "3", "url": "http://%s/b.exe" % value, "url_status": "offline",
                          "threat": "malware_download"}]})
        return self.reply(200, {"query_status": "no_results"})

    # ---- Safe Browsing v4 ----
    def safebrowsing(self, q, body):
        try:
            req = json.loads(body)
            info = req["threatInfo"]
            entries = [e["url"] for e in info["threatEntries"]]
            ok = (req["client"]["clientId"] and req["client"]["clientVersion"] and info["threatTypes"]
                  and info["platformTypes"] and info["threatEntryTypes"] == ["URL"])
        except (ValueError, KeyError, TypeError):
            ok = False
        if not ok:
            return self.reply(400, {"error": {"code": 400, "message": "Invalid JSON payload received.",
                                              "status": "INVALID_ARGUMENT"}})
        log("safebrowsing %d %s" % (len(entries), " ".join(entries)))
        if (q.get("key") or [""])[0] != ARGS.google_key:
            return self.reply(400, {"error": {"code": 400, "message": "API key not valid.",
                                              "status": "INVALID_ARGUMENT"}})
        matches = []
        for url in entries:
            label = first_label(url)
            t = {"sbphish": "SOCIAL_ENGINEERING", "sbmalware": "MALWARE", "sbunwanted": "UNWANTED_SOFTWARE",
                 "sbshort": "SOCIAL_ENGINEERING"}.get(label)
            if t and t in info["threatTypes"]:
                matches.append({"threatType": t, "platformType": "ANY_PLATFORM", "threatEntryType": "URL",
                                "threat": {"url": url},
                                "cacheDuration": "2s" if label == "sbshort" else "300s"})
        return self.reply(200, {"matches": matches} if matches else {})


class Hang(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class HangHandler(socketserver.BaseRequestHandler):
    def handle(self):
        log("hang connection")
        try:
            while self.request.recv(65536):
                pass  # read everything, answer nothing
        except OSError:
            pass


# DNS: the first label of the name asked decides (names are "<label>.<rest>.<zone>").
DNS_ANSWERS = {
    "listed-phish": ["127.0.1.4"],
    "listed-spam": ["127.0.1.2"],
    "listed-malware": ["127.0.1.5"],
    "listed-unmapped": ["127.0.1.77"],
    "errcode": ["127.255.255.254"],
    "ipquery": ["127.0.1.255"],
    "hijack": ["198.51.100.7"],
    "servfail": "SERVFAIL",
    "refused": "REFUSED",
    "silent": "DROP",
    # reversed IPv4 192.0.2.10 (surbl-style zone): bits 16 (malware)
    "10": ["127.0.0.16"],
}


def dns_loop(sock):
    while True:
        try:
            data, peer = sock.recvfrom(4096)
        except OSError:
            return
        if len(data) < 12:
            continue
        qid, flags, qd = struct.unpack(">HHH", data[:6])
        pos, labels = 12, []
        while pos < len(data) and data[pos] != 0:
            n = data[pos]
            labels.append(data[pos + 1:pos + 1 + n].decode("ascii", "replace"))
            pos += 1 + n
        qend = pos + 5
        question = data[12:qend]
        name = ".".join(labels).lower()
        log("dns " + name)
        ans = DNS_ANSWERS.get(labels[0].lower() if labels else "", None)
        rd = flags & 0x0100
        if ans == "DROP":
            continue
        records = ans if isinstance(ans, list) else []
        rcode = 3 if ans is None else 2 if ans == "SERVFAIL" else 5 if ans == "REFUSED" else 0
        hdr = struct.pack(">HHHHHH", qid, 0x8000 | 0x0400 | rd | 0x0080 | rcode, 1, len(records), 0, 0)
        out = hdr + question
        for a in records:
            out += struct.pack(">HHHIH", 0xC00C, 1, 1, 300, 4) + socket.inet_aton(a)
        sock.sendto(out, peer)


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--urlhaus-key", default="urlhaus-test-key")
    p.add_argument("--google-key", default="google-test-key")
    ARGS = p.parse_args()
    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    http.daemon_threads = True
    hang = Hang(("127.0.0.1", 0), HangHandler)
    dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    dns.bind(("127.0.0.1", 0))
    for target in (http.serve_forever, hang.serve_forever):
        threading.Thread(target=target, daemon=True).start()
    threading.Thread(target=dns_loop, args=(dns,), daemon=True).start()
    tmp = os.path.join(ARGS.dir, "ports.tmp")
    with open(tmp, "w") as f:
        f.write("HTTP_PORT=%d\nHANG_PORT=%d\nDNS_PORT=%d\n"
                % (http.server_address[1], hang.server_address[1], dns.getsockname()[1]))
    os.rename(tmp, os.path.join(ARGS.dir, "ports"))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
