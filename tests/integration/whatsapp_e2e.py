#!/usr/bin/env python3
"""The WhatsApp door end to end: a real sluiced (its webhook over HTTPS on a
free loopback port, a certificate made here), a fake Graph API and a fake
platform (fake_meta.py) on another free port, Meta-signed payloads posted
as Meta posts them. Run by test_whatsapp.sh (SQLite) and test_whatsapp_pg.sh
(PostgreSQL, --backend postgresql --dsn DSN --quick).

What must hold, each a check:
  - the handshake: 200 with hub.challenge for the verify token, else 403;
  - 401 without or with a wrong X-Hub-Signature-256, 413 past
    whatsapp.max_payload_size, 400 for what is not a notification;
  - every payload of tests/data/whatsapp reaches the platform as its
    .expect says (check_whatsapp.py), each item once, signed
    (X-Sluice-Signature-256), its X-Sluice-Delivery-Id the one in its body;
  - a payload sent again (Meta's retries) is delivered once;
  - media on a host not in whatsapp.media_hosts, or behind a redirect, or
    expired (404), are withheld and marked unscanned;
  - a held message released by a supervisor reaches the platform with
    released_by; a second release is refused;
  - the platform down for a while, then up: delivered exactly once;
  - the platform down past whatsapp.max_attempts: a dead letter, listed by
    sluicectl outbox list, sent by sluicectl outbox retry;
  - sluiced killed (SIGKILL) after the 200, while the media are fetched, and
    again while the platform is down, then restarted: delivered, once.
"""

import argparse
import glob
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import check_whatsapp as cw  # noqa: E402
import fake_meta  # noqa: E402
import output_checks  # noqa: E402

SRC = cw.SRC
BUILD = os.environ.get("SLUICE_BUILD_DIR") or os.path.join(SRC, "build")
SLUICED = os.path.join(BUILD, "sluiced")
SLUICECTL = os.path.join(BUILD, "sluicectl")
APP_SECRET, VERIFY, TOKEN, DOWN_SECRET = "app-secret-7f3a", "verify-token-91", "EAAG-test-token", "down-secret-55"

passed, failed = 0, 0


def check(name, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok", name, flush=True)
    else:
        failed += 1
        print("FAIL", name, detail, flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_for(pred, timeout=40, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class Rig:
    def __init__(self, args):
        self.args = args
        self.tmp = tempfile.mkdtemp(prefix="sluice-wa-")
        os.chmod(self.tmp, 0o755)
        self.srv, self.fake = fake_meta.start(os.path.join(cw.DATA, "media"), TOKEN, DOWN_SECRET)
        self.fport = self.srv.server_port
        self.hport = free_port()
        self.proc = None
        self.log = os.path.join(self.tmp, "sluiced.log")
        self.secret_files = {}
        for name, value in (("app", APP_SECRET), ("verify", VERIFY), ("token", TOKEN), ("down", DOWN_SECRET)):
            path = os.path.join(self.tmp, name)
            with open(path, "w") as f:
                f.write(value + "\n")
            os.chmod(path, 0o600)
            self.secret_files[name] = path
        self.cert, self.key = os.path.join(self.tmp, "cert.pem"), os.path.join(self.tmp, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", self.key, "-out",
                        self.cert], check=True, capture_output=True)
        os.chmod(self.key, 0o600)
        self.ctx = ssl.create_default_context(cafile=self.cert)
        conf = os.path.join(self.tmp, "sluice.conf")
        with open(os.path.join(SRC, "conf/sluice.conf"), encoding="utf-8") as f:
            text = f.read().replace("base_dir = ..", "base_dir = " + SRC, 1)
        with open(conf, "w", encoding="utf-8") as f:
            f.write(text)
        self.conf = conf
        self.admin = os.path.join(self.tmp, "admin.sock")
        self.over = [
            "general.data_dir=" + os.path.join(self.tmp, "data"), "admin.socket=" + self.admin,
            "general.allow_insecure_loopback=true", "general.log_level=info",
            "http.listen=127.0.0.1:%d" % self.hport, "http.tls_cert_file=" + self.cert,
            "http.tls_key_file=" + self.key,
            "whatsapp.app_secret_file=" + self.secret_files["app"],
            "whatsapp.verify_token_file=" + self.secret_files["verify"],
            "whatsapp.access_token_file=" + self.secret_files["token"],
            "whatsapp.downstream_secret_file=" + self.secret_files["down"],
            "whatsapp.graph_base=http://127.0.0.1:%d" % self.fport, "whatsapp.media_hosts=127.0.0.1",
            "whatsapp.downstream_url=http://127.0.0.1:%d/downstream" % self.fport,
            "whatsapp.retry_min_interval=1", "whatsapp.retry_max_interval=1", "whatsapp.max_attempts=4",
            "whatsapp.media_attempts=1", "whatsapp.worker_lease=600",
        ]
        if os.getuid() == 0:
            self.over.append("general.user=nobody")
        if args.backend == "postgresql":
            self.over += ["store.backend=postgresql", "store.dsn=" + args.dsn]

    def start(self):
        cmd = [SLUICED, "--config", self.conf, "--stderr"]
        for o in self.over:
            cmd += ["-o", o]
        start = os.path.getsize(self.log) if os.path.exists(self.log) else 0
        self.proc = subprocess.Popen(cmd, stderr=open(self.log, "ab"))

        def ready():
            with open(self.log, "rb") as f:
                f.seek(start)
                return b" ready " in f.read()
        if not wait_for(ready, 120):
            raise RuntimeError("sluiced did not start:\n" + open(self.log).read()[-3000:])

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(30)
        self.proc = None

    def stop(self):
        if self.proc is None:
            return 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = -9
        self.proc = None
        return rc

    def close(self):
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
        self.srv.shutdown()
        if self.args.keep:
            print("kept", self.tmp)
        else:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # ---- requests
    def url(self, query=""):
        return "https://127.0.0.1:%d/webhook/whatsapp%s" % (self.hport, query)

    def request(self, req):
        try:
            with urllib.request.urlopen(req, context=self.ctx, timeout=60) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def post(self, body, secret=APP_SECRET, sig=None, headers=None):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
        h = {"Content-Type": "application/json"}
        if sig is None and secret is not None:
            sig = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if sig is not None:
            h["X-Hub-Signature-256"] = sig
        h.update(headers or {})
        return self.request(urllib.request.Request(self.url(), data=body, headers=h, method="POST"))

    def oversized(self, length):
        """Says a body of length bytes is coming and reads the answer first,
        as the server answers before it reads any of it."""
        import http.client
        c = http.client.HTTPSConnection("127.0.0.1", self.hport, context=self.ctx, timeout=30)
        c.putrequest("POST", "/webhook/whatsapp")
        c.putheader("Content-Type", "application/json")
        c.putheader("Content-Length", str(length))
        c.putheader("X-Hub-Signature-256", "sha256=" + "0" * 64)
        c.endheaders()
        st = c.getresponse().status
        c.close()
        return st

    def get(self, query):
        return self.request(urllib.request.Request(self.url(query)))

    def control(self, **c):
        req = urllib.request.Request("http://127.0.0.1:%d/__control" % self.fport, data=json.dumps(c).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def deliveries(self):
        with self.fake.lock:
            return list(self.fake.deliveries)

    def accepted(self, delivery_id):
        return [d for d in self.deliveries() if d["delivery_id"] == delivery_id and d["accepted"]]

    def ctl(self, *args):
        cmd = [SLUICECTL, *args, "--config", self.conf, "-o", "admin.socket=" + self.admin]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120)


def delivery_id(key):
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def message_payload(wamid, body_text, waba="102290129340398"):
    return {"object": "whatsapp_business_account", "entry": [{"id": waba, "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp", "metadata": {"display_phone_number": "15550783881",
                                                      "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Test Customer"}, "wa_id": "16505550000"}],
        "messages": [{"from": "16505550000", "id": wamid, "timestamp": "1765065600", "type": "text",
                      "text": {"body": body_text}}]}}]}]}


def document_payload(wamid, media_id, data, filename="scan.pdf"):
    p = message_payload(wamid, "")
    m = p["entry"][0]["changes"][0]["value"]["messages"][0]
    m["type"] = "document"
    del m["text"]
    m["document"] = {"filename": filename, "mime_type": "application/pdf",
                     "sha256": hashlib.sha256(data).hexdigest(), "id": media_id}
    return p


def msg_of(delivery):
    v = json.loads(delivery["body"])["entry"][0]["changes"][0]["value"]
    return (v.get("messages") or [None])[0]


# ---- the scenarios ------------------------------------------------------------------


def handshake(r):
    st, body = r.get("?hub.mode=subscribe&hub.verify_token=%s&hub.challenge=1158201444" % VERIFY)
    check("handshake: 200 with the challenge", st == 200 and body == b"1158201444", (st, body))
    st, _ = r.get("?hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1158201444")
    check("handshake: a wrong verify token is 403", st == 403, st)
    st, _ = r.get("?hub.verify_token=%s&hub.challenge=1" % VERIFY)
    check("handshake: no hub.mode is 403", st == 403, st)


def refusals(r):
    before = len(r.deliveries())
    payload = message_payload("wamid.refused", "x")
    st, _ = r.post(payload, secret=None)
    check("no signature: 401", st == 401, st)
    st, _ = r.post(payload, secret="not-the-app-secret")
    check("a signature with another secret: 401", st == 401, st)
    st, _ = r.post(payload, sig="sha256=" + "0" * 64)
    check("a wrong signature: 401", st == 401, st)
    st = r.oversized(3 * 1024 * 1024 + 1)
    check("over 3 MB: 413 before the body is read", st == 413, st)
    st, _ = r.post(b"not json at all")
    check("not JSON: 400", st == 400, st)
    st, _ = r.post({"object": "page", "entry": []})
    check("not a whatsapp_business_account notification: 400", st == 400, st)
    time.sleep(1)
    check("nothing refused reached the platform", len(r.deliveries()) == before)


def corpus(r, names):
    for name in names:
        payload, sections, dropped = cw.load_case(name)
        with open(os.path.join(cw.DATA, name + ".json"), "rb") as f:
            raw = f.read()
        nitems, msgs, sts, _ = cw.items_of(payload)
        keys = ["wa:" + mid for mid in msgs] + \
            ["status:%s:%s:%s" % (s["id"], s["status"], s["timestamp"]) for v in sts.values() for s in v]
        ids = {delivery_id(k): k for k in keys}
        st, _ = r.post(raw)
        if st != 200:
            check("corpus %s: 200" % name, False, st)
            continue
        got = wait_for(lambda: all(r.accepted(i) for i in ids)) if ids else True
        errs = [] if got else ["not delivered: %s" % [k for i, k in ids.items() if not r.accepted(i)]]
        for i, key in ids.items():
            acc = r.accepted(i)
            if len(acc) != 1:
                errs.append("%s delivered %d times" % (key, len(acc)))
                continue
            d = acc[0]
            if not d["signature_ok"] or d["content_type"] != "application/json":
                errs.append("%s: bad signature or type" % key)
            m = msg_of(d)
            if m is not None and m.get("sluice", {}).get("delivery_id") != i:
                errs.append("%s: X-Sluice-Delivery-Id is not sluice.delivery_id" % key)
        for (kind, ident), items in sections.items():
            if kind == "status":
                got_sts = [json.loads(d["body"])["entry"][0]["changes"][0]["value"]["statuses"][0]
                           for d in r.deliveries() if d["accepted"] and ids.get(d["delivery_id"], "").startswith(
                               "status:%s:" % ident)]
                if sorted(map(json.dumps, got_sts)) != sorted(map(json.dumps, sts.get(ident, []))):
                    errs.append("status %s not forwarded untouched" % ident)
                continue
            acc = r.accepted(delivery_id("wa:" + ident))
            if not acc:
                continue
            down = json.loads(acc[0]["body"])
            sl = msg_of(acc[0])["sluice"]
            report = {"verdict": sl["verdict"], "findings": sl["findings"], "reference": sl["reference"]}
            bad = output_checks.bad_hosts(SRC, r.conf, {"urls": []})
            inp, contact = msgs[ident]
            cw.check_message(errs, ident, items, inp, contact, report, down, bad)
        check("corpus %s: delivered as its .expect says" % name, not errs, errs)


def duplicates(r):
    with open(os.path.join(cw.DATA, "text_clean.json"), "rb") as f:
        raw = f.read()
    for _ in range(3):
        r.post(raw)
    did = delivery_id("wa:wamid.text_clean")
    wait_for(lambda: r.accepted(did))
    time.sleep(2)
    check("a payload Meta sends again is delivered once", len(r.accepted(did)) == 1, len(r.accepted(did)))


def ssrf(r):
    data = b"%PDF-1.4 harmless\n"
    r.control(extra={"3001": {"data_hex": data.hex(), "mime_type": "application/pdf"},
                     "3002": {"data_hex": data.hex(), "mime_type": "application/pdf"}},
              elsewhere=["3001"], redirect=["3002"])
    for mid, what in (("3001", "a host not in media_hosts"), ("3002", "a redirect")):
        wamid = "wamid.ssrf" + mid
        r.post(document_payload(wamid, mid, data))
        acc = wait_for(lambda: r.accepted(delivery_id("wa:" + wamid)))
        m = msg_of(acc[0]) if acc else {}
        sl = m.get("sluice", {})
        ok = acc and "id" not in m.get("document", {}) and sl.get("withheld") == [mid] and \
            any(f["rule"] == "media_unscanned" for f in sl.get("findings", []))
        check("media behind %s: withheld and marked unscanned" % what, ok, m)


def release(r):
    acc = r.accepted(delivery_id("wa:wamid.unknown_type"))
    ref = msg_of(acc[0])["sluice"]["reference"] if acc else None
    if not ref:
        check("release: the held message has a reference", False)
        return
    p = r.ctl("quarantine", "release", ref, "--reason", "called the customer back")
    check("release: sluicectl says released", p.returncode == 0 and "released" in p.stdout, p.stdout + p.stderr)
    did = delivery_id("release:" + ref)
    acc = wait_for(lambda: r.accepted(did))
    m = msg_of(acc[0]) if acc else {}
    sl = m.get("sluice", {})
    check("release: the original reaches the platform with released_by",
          acc and m.get("type") == "poll" and sl.get("verdict") == "released" and sl.get("released_by") and
          sl.get("reference") == ref, m)
    p = r.ctl("quarantine", "release", ref, "--reason", "again")
    check("release: a second release is refused (exit 1)", p.returncode == 1, p.returncode)
    time.sleep(1.5)
    check("release: delivered once", len(r.accepted(did)) == 1)


def down_then_up(r):
    r.control(down=True)
    wamid = "wamid.down_then_up"
    did = delivery_id("wa:" + wamid)
    st, _ = r.post(message_payload(wamid, "hello while the platform is down"))
    check("platform down: the webhook still answers 200", st == 200, st)
    fails = wait_for(lambda: len([d for d in r.deliveries() if d["delivery_id"] == did]) >= 2)
    r.control(down=False)
    acc = wait_for(lambda: r.accepted(did))
    tries = [d for d in r.deliveries() if d["delivery_id"] == did]
    check("platform down, then up: delivered", fails and acc, len(tries))
    time.sleep(1.5)
    check("platform down, then up: exactly once, attempts numbered",
          len(r.accepted(did)) == 1 and [d["attempt"] for d in tries] == [str(i + 1) for i in range(len(tries))],
          [(d["attempt"], d["accepted"]) for d in tries])


def dead_letter(r):
    r.control(down=True)
    wamid = "wamid.dead_letter"
    did = delivery_id("wa:" + wamid)
    r.post(message_payload(wamid, "nobody takes this"))

    def dead_row():
        p = r.ctl("outbox", "list", "--state", "dead", "--json")
        if p.returncode != 0:
            return None
        rows = [x for x in json.loads(p.stdout) if x["key"] == "wa:" + wamid]
        return rows[0] if rows else None
    row = wait_for(dead_row, 60, 0.5)
    r.control(down=False)
    check("max_attempts failures: a dead letter in sluicectl outbox list",
          row is not None and row["attempts"] == 4 and "503" in (row.get("last_error") or ""), row)
    if row is None:
        return
    p = r.ctl("outbox", "list")
    check("outbox list: a table", p.returncode == 0 and "wa:" + wamid in p.stdout, p.stdout)
    p = r.ctl("outbox", "retry", str(row["id"]))
    check("outbox retry: accepted", p.returncode == 0, p.stdout + p.stderr)
    check("outbox retry: delivered", wait_for(lambda: r.accepted(did)))
    p = r.ctl("outbox", "retry", str(row["id"]))
    check("outbox retry of a delivered row: refused (exit 1)", p.returncode == 1, p.stderr)


def killed_while_fetching(r):
    data = b"%PDF-1.4 fetched slowly\n"
    r.control(extra={"4001": {"data_hex": data.hex(), "mime_type": "application/pdf"}}, slow={"4001": 5})
    wamid = "wamid.killed_fetching"
    did = delivery_id("wa:" + wamid)
    with r.fake.lock:
        g0 = r.fake.graph
    st, _ = r.post(document_payload(wamid, "4001", data))
    check("killed while fetching: 200 first", st == 200, st)
    wait_for(lambda: r.fake.graph > g0, 20)
    r.kill()
    check("killed while fetching: nothing delivered yet", not r.accepted(did))
    r.control(slow={"4001": 0})
    r.start()
    acc = wait_for(lambda: r.accepted(did))
    time.sleep(1.5)
    check("killed while fetching, restarted: delivered once", acc and len(r.accepted(did)) == 1,
          len(r.accepted(did)))


def killed_while_platform_down(r):
    r.control(down=True)
    wamid = "wamid.killed_outbox"
    did = delivery_id("wa:" + wamid)
    st, _ = r.post(message_payload(wamid, "queued when the gateway died"))
    wait_for(lambda: [d for d in r.deliveries() if d["delivery_id"] == did])
    r.kill()
    r.control(down=False)
    r.start()
    acc = wait_for(lambda: r.accepted(did))
    time.sleep(1.5)
    check("killed while the platform was down, restarted: delivered once", st == 200 and acc and
          len(r.accepted(did)) == 1, len(r.accepted(did)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--backend", default="sqlite")
    ap.add_argument("--dsn", default="")
    ap.add_argument("--quick", action="store_true", help="the corpus, duplicates and a restart only")
    ap.add_argument("--keep", action="store_true")
    args = ap.parse_args()
    r = Rig(args)
    names = sorted(os.path.basename(p)[:-5] for p in glob.glob(os.path.join(cw.DATA, "*.json")))
    try:
        r.start()
        if not args.quick:
            handshake(r)
            refusals(r)
        corpus(r, names)
        duplicates(r)
        if not args.quick:
            ssrf(r)
            release(r)
            down_then_up(r)
            dead_letter(r)
            killed_while_fetching(r)
        killed_while_platform_down(r)
        rc = r.stop()
        check("TERM stops sluiced with status 0", rc == 0, rc)
        with open(r.log, encoding="utf-8", errors="replace") as f:
            log = f.read()
        check("no sanitizer report in sluiced's log", "Sanitizer" not in log and "runtime error" not in log,
              log[-2000:])
        check("no secret in sluiced's log", not any(s in log for s in (APP_SECRET, TOKEN, DOWN_SECRET, VERIFY)))
    finally:
        r.close()
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
