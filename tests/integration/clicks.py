#!/usr/bin/env python3
"""Safe links, /healthz and /metrics end to end (run by test_clicks.sh).

A real sluiced with its public listener (http.listen on a free loopback
port), the fake reputation services of fake_reputation.py (Web Risk asked at
click time), a destination server that counts every request that reaches
it, sluicectl scan delivering a message through the same store and key, and
Debian's chromium driven over the DevTools protocol (cdp.py):

  tokens       a valid token: 302 with the exact Location; a tampered one,
               one signed with another key, one that names javascript: or a
               header break, path tricks: 400 and never a Location
  click time   a link that redirects is blocked (403) after the blocklist
               changes and sluiced reloads; the block page names the
               destination defanged and why
  warning      a delivered (wrapped) suspicious link gets the warning page;
               a GET-only prefetcher that fetches every URL of the page,
               HEAD and GET alike, never reaches the destination; the POST of
               the page's form token continues (303, exact Location); a
               missing, foreign or expired form token does not; a link that
               turned malicious is blocked on the POST too
  browser      chromium: lang, heading, no link or resource on the page, no
               CSP violation; a mouse click on the continue button lands on
               the destination (also with JavaScript off); screenshots of
               the warning and block pages in English and German (after a
               reload with safelinks.language = de) kept as artifacts
  logs         one line per click with the token's id and verdict, never a
               token
  /metrics     strict format (promcheck.py); click counters by verdict and
               action move by exactly what was done; provider look-ups and
               cache hits; the quarantine's size as the store says;
               http.metrics_allow refuses others (403)
  /healthz     200 with the providers; 503 while another process holds the
               store's write lock
  cache        a restart of sluiced does not ask Web Risk again

Prints "ok NAME" / "FAIL NAME" lines and a summary; exit status 1 on any
failure. Everything started here is stopped here, by pid.
"""
import base64
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import cdp  # noqa: E402
import promcheck  # noqa: E402

SRC = os.environ["SLUICE_SOURCE_DIR"]
BUILD = os.environ["SLUICE_BUILD_DIR"]
SLUICED = os.path.join(BUILD, "sluiced")
SLUICECTL = os.path.join(BUILD, "sluicectl")
ROOT = os.geteuid() == 0


def public_tree(work):
    """What sluiced reads after giving up root (conf, signatures, itself)
    must be readable by "nobody": CI may clone where only root can enter.
    As root: copies them under work/pub and points SLUICED and SLUICECTL
    there; returns the base_dir to use."""
    global SLUICED, SLUICECTL
    if not ROOT:
        return SRC
    pub = os.path.join(work, "pub")
    os.makedirs(os.path.join(pub, "bin"))
    for d in ("conf", "signatures"):
        shutil.copytree(os.path.join(SRC, d), os.path.join(pub, d))
    for b in ("sluiced", "sluicectl"):
        shutil.copy2(os.path.join(BUILD, b), os.path.join(pub, "bin", b))
    for root, dirs, files in os.walk(pub):
        for n in dirs:
            os.chmod(os.path.join(root, n), 0o755)
        for n in files:
            os.chmod(os.path.join(root, n), os.stat(os.path.join(root, n)).st_mode | 0o444)
    os.chmod(pub, 0o755)
    SLUICED = os.path.join(pub, "bin", "sluiced")
    SLUICECTL = os.path.join(pub, "bin", "sluicectl")
    return pub

passed = failed = 0


def check(name, cond, detail=""):
    global passed, failed
    if cond:
        passed += 1
        print("ok " + name)
    else:
        failed += 1
        print("FAIL " + name + (": " + str(detail) if detail else ""))
    sys.stdout.flush()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def read_key(path):
    k = open(path, "rb").read()
    if k.endswith(b"\n"):
        k = k[:-1]
    if k.endswith(b"\r"):
        k = k[:-1]
    return k


def mint(key, url):
    """A link token as lib/links/safelink.h describes it (our own reading)."""
    msg = b"\x01" + url.encode()
    return b64(msg) + "." + b64(hmac.new(key, msg, hashlib.sha256).digest()[:16])


def mint_form(key, token, expires):
    when = expires.to_bytes(8, "big")
    mac = hmac.new(key, b"sluice-continue\x00" + when + token.encode(), hashlib.sha256).digest()
    return b64(when) + "." + b64(mac[:16])


def request(port, method, path, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    h = dict(headers or {})
    if body is not None:
        h.setdefault("Content-Type", "application/x-www-form-urlencoded")
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data.decode("utf-8", "replace")


# ---- the destination: counts what reaches it ----

class Destination(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.hits = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), DestHandler)

    def count(self):
        """Requests for pages (a browser's own /favicon.ico does not count)."""
        with self.lock:
            return len([h for h in self.hits if h[1] != "/favicon.ico"])


class DestHandler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self):
        with self.server.lock:
            self.server.hits.append((self.command, self.path))
        body = b"<!DOCTYPE html><html lang=en><title>landed</title><h1>landed</h1></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    do_GET = do_POST = do_HEAD = answer


# ---- sluiced ----

class Daemon:
    def __init__(self, work, args):
        self.work = work
        self.args = args
        self.log_path = os.path.join(work, "sluiced.log")
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        ready = 1 + (self.text().count("ready config=") if os.path.exists(self.log_path) else 0)
        self.proc = subprocess.Popen([SLUICED] + self.args + ["--stderr"], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        self.wait_log("ready config=", ready)

    def text(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, what, count, timeout=60):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.text().count(what) >= count:
                return True
            if self.proc.poll() is not None:
                raise RuntimeError("sluiced exited: " + self.text()[-2000:])
            time.sleep(0.1)
        raise RuntimeError("sluiced: no '%s' in the log: %s" % (what, self.text()[-2000:]))

    def reload(self):
        n = self.text().count("reloaded") + self.text().count("reload failed")
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 60
        while time.time() < deadline:
            t = self.text()
            if t.count("reloaded") + t.count("reload failed") > n:
                return "reload failed" not in t[-4000:]
            time.sleep(0.1)
        return False

    def stop(self):
        if self.proc is None or self.proc.poll() is not None:
            return self.proc.returncode if self.proc else 0
        self.proc.send_signal(signal.SIGTERM)
        try:
            rc = self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc


def set_conf(path, key, value):
    """Replaces the line `key = ...` (a key named once in the file)."""
    text = open(path).read()
    text, n = re.subn(r"(?m)^%s = .*$" % re.escape(key), "%s = %s" % (key, value), text)
    assert n == 1, key
    open(path, "w").write(text)


def urls_in(html):
    """Every URL a link-preview bot or scanner could take from a page."""
    found = set(re.findall(r"""(?i)\b(?:href|src|action|formaction|content|srcset|data|poster|"""
                           r"""background|cite|ping)\s*=\s*["']?([^"'\s>]+)""", html))
    found |= set(re.findall(r"""(?i)\b(?:https?|ftp)://[^\s"'<>]+""", html))
    found |= set(re.findall(r"""(?i)url\(\s*["']?([^"')]+)""", html))
    return found


def prefetch(port, path, dest):
    """What a GET-only bot does: HEAD and GET the link, then every URL on the
    page (following redirects, a few hops). Returns the URLs it tried."""
    tried = []
    todo = [("http://127.0.0.1:%d%s" % (port, path), 0)]
    seen = set()
    while todo:
        url, depth = todo.pop()
        if url in seen or depth > 3:
            continue
        seen.add(url)
        u = urllib.parse.urlsplit(url)
        if u.scheme not in ("http", "https") or not u.hostname:
            continue
        for method in ("HEAD", "GET"):
            try:
                c = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=10)
                c.request(method, (u.path or "/") + ("?" + u.query if u.query else ""),
                          headers={"User-Agent": "LinkPreviewBot/1.0"})
                r = c.getresponse()
                body = r.read().decode("utf-8", "replace")
                c.close()
            except OSError:
                continue
            tried.append((method, url, r.status))
            loc = r.getheader("Location")
            if loc:
                todo.append((urllib.parse.urljoin(url, loc), depth + 1))
            for found in urls_in(body):
                todo.append((urllib.parse.urljoin(url, found), depth + 1))
    return tried


def form_token_of(html):
    m = re.search(r'name="form_token" value="([^"]+)"', html)
    return m.group(1) if m else None


def scrape(port):
    status, _, body = request(port, "GET", "/metrics")
    return status, body


def selftest_promcheck():
    """The checker must refuse what Prometheus refuses, or it proves nothing."""
    bad = [
        "x 1",                                                    # no line feed
        "a{b=\"c\\q\"} 1\n",                                      # bad escape
        "a{b=c} 1\n",                                             # unquoted
        "# TYPE a counter\na -1\n",                               # counter below 0
        "a 1\n# TYPE a counter\n",                                # TYPE after samples
        "a 1\nb 1\na{x=\"y\"} 1\n",                               # family split
        "a 1\na 2\n",                                             # series twice
        "# TYPE h histogram\nh_bucket{le=\"1\"} 2\nh_bucket{le=\"+Inf\"} 1\nh_sum 1\nh_count 1\n",
        "# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_sum 1\nh_count 1\n",   # no +Inf
        "# TYPE h histogram\nh_bucket{le=\"+Inf\"} 2\nh_sum 1\nh_count 1\n",  # count differs
        "a{__x=\"y\"} 1\n",
        "9a 1\n",
        "a one\n",
    ]
    for t in bad:
        try:
            promcheck.parse(t)
        except promcheck.FormatError:
            continue
        return "accepted: %r" % t
    good = "# HELP a x \\\\ y\\n\n# TYPE a counter\na{b=\"q\\\"\\\\\\n\"} 1\n"
    s = promcheck.parse(good)
    if promcheck.value(s, "a", b="q\"\\\n") != 1:
        return "misread escapes"
    return None


def main():
    work = tempfile.mkdtemp(prefix="sluice-clicks-")
    os.chmod(work, 0o755)
    artifacts = os.path.join(BUILD, "artifacts", "safelinks")
    os.makedirs(artifacts, exist_ok=True)
    started = []
    dest = Destination()
    threading.Thread(target=dest.serve_forever, daemon=True).start()
    daemon = None
    browser = None
    try:
        # ---- fake reputation services ----
        fake_dir = os.path.join(work, "fake")
        os.makedirs(fake_dir)
        fake = subprocess.Popen([sys.executable, os.path.join(HERE, "fake_reputation.py"),
                                 "--dir", fake_dir])
        started.append(fake)
        for _ in range(100):
            if os.path.exists(os.path.join(fake_dir, "ports")):
                break
            time.sleep(0.1)
        ports = dict(line.split("=") for line in open(os.path.join(fake_dir, "ports")).read().split())
        reqlog = os.path.join(fake_dir, "requests.log")
        open(reqlog, "a").close()

        def asked(url):
            return open(reqlog).read().splitlines().count("webrisk " + url)

        # ---- keys, lists, config ----
        key_path = os.path.join(work, "link.key")
        with open(key_path, "wb") as f:
            f.write(base64.b64encode(os.urandom(48)) + b"\n")
        gkey = os.path.join(work, "google.key")
        with open(gkey, "w") as f:
            f.write("google-test-key\n")
        for p in (key_path, gkey):
            os.chmod(p, 0o600)
            if ROOT:
                shutil.chown(p, "nobody")
        key = read_key(key_path)
        block = os.path.join(work, "block.txt")
        shutil.copy(os.path.join(SRC, "signatures", "urls", "blocklist.txt"), block)
        os.chmod(block, 0o644)
        conf = os.path.join(work, "sluice.conf")
        shutil.copy(os.path.join(SRC, "conf", "sluice.conf"), conf)
        set_conf(conf, "base_dir", public_tree(work))
        set_conf(conf, "blocklist_files", block)
        os.chmod(conf, 0o644)
        port = free_port()
        data = os.path.join(work, "data")
        base = "http://127.0.0.1:%d" % port
        args = ["--config", conf, "-o", "general.data_dir=" + data,
                "-o", "http.listen=127.0.0.1:%d" % port, "-o", "safelinks.base_url=" + base,
                "-o", "safelinks.key_file=" + key_path, "-o", "general.allow_insecure_loopback=true",
                "-o", "reputation.webrisk_url=http://127.0.0.1:" + ports["HTTP_PORT"],
                "-o", "reputation.webrisk_key_file=" + gkey, "-o", "store.timeout=1",
                "-o", "admin.socket=" + os.path.join(work, "admin.sock")]
        if ROOT:
            args += ["-o", "general.user=nobody"]
        daemon = Daemon(work, args)
        daemon.start()
        check("sluiced serves the public listener", "public HTTP on 127.0.0.1:%d" % port in daemon.text())

        err = selftest_promcheck()
        check("the metrics checker refuses bad text", err is None, err)
        status, before = scrape(port)
        check("/metrics answers", status == 200, status)
        try:
            promcheck.parse(before)
            check("/metrics: strict format before traffic", True)
        except promcheck.FormatError as e:
            check("/metrics: strict format before traffic", False, e)
            before = ""
        m0 = promcheck.parse(before) if before else {}

        def clicks(samples, verdict, action):
            return promcheck.value(samples, "sluice_safelink_clicks_total", verdict=verdict,
                                   action=action) or 0

        # ---- tokens ----
        target = "https://shop.example.org/offer?id=7&lang=de#top"
        tok = mint(key, target)
        s, h, _ = request(port, "GET", "/l/" + tok)
        check("valid token: 302", s == 302, s)
        check("valid token: Location exactly the wrapped URL", h.get("location") == target, h.get("location"))
        check("redirect: Referrer-Policy no-referrer", h.get("referrer-policy") == "no-referrer")
        s, h, _ = request(port, "GET", "/l/" + tok + "?url=https://evil.example/&to=https://evil.example/")
        check("query arguments change nothing", s == 302 and h.get("location") == target, (s, h.get("location")))

        invalid = []
        i = tok.index(".")
        flipped = tok[:i - 3] + ("A" if tok[i - 3] != "A" else "B") + tok[i - 2:]
        invalid.append(("tampered URL part", "/l/" + flipped))
        invalid.append(("tampered MAC", "/l/" + tok[:-1] + ("A" if tok[-1] != "A" else "B")))
        invalid.append(("token of another key", "/l/" + mint(b"x" * 40, target)))
        invalid.append(("javascript: signed with our key", "/l/" + mint(key, "javascript:alert(1)")))
        invalid.append(("header break signed with our key",
                        "/l/" + mint(key, "https://a.example/\r\nSet-Cookie: x=1")))
        invalid.append(("scheme-relative signed with our key", "/l/" + mint(key, "//evil.example/")))
        invalid.append(("a URL instead of a token", "/l/https:%2F%2Fevil.example%2F"))
        invalid.append(("a slash after the token", "/l/" + tok + "/"))
        invalid.append(("a path after the token", "/l/" + tok + "/https://evil.example/"))
        invalid.append(("dot segments", "/l/" + tok + "/../" + tok))
        invalid.append(("encoded slash", "/l/" + tok + "%2Fx"))
        invalid.append(("no MAC", "/l/" + tok.split(".")[0]))
        invalid.append(("empty MAC", "/l/" + tok.split(".")[0] + "."))
        invalid.append(("double slash", "/l//evil.example/"))
        for name, path in invalid:
            s, h, body = request(port, "GET", path)
            check("%s: 400 without Location" % name, s == 400 and "location" not in h, (s, h.get("location")))
        s, h, body = request(port, "GET", "/l/" + flipped)
        check("400 page: HTML in the configured language", '<html lang="en">' in body and "<h1>" in body)
        s, _, _ = request(port, "GET", "//l/" + tok)
        check("another path: no redirect", s in (400, 404), s)

        # ---- a link that turns malicious after delivery ----
        bad_url = "http://turns-bad.example.net/offer/2026?ref=mail"
        bad_tok = mint(key, bad_url)
        s, h, _ = request(port, "GET", "/l/" + bad_tok)
        check("before: the link redirects", s == 302 and h.get("location") == bad_url, s)
        with open(block, "a") as f:
            f.write("\nturns-bad.example.net\n")
        check("reload with the new blocklist", daemon.reload())
        s, h, body = request(port, "GET", "/l/" + bad_tok)
        check("after: blocked (403)", s == 403, s)
        check("block page names the destination, defanged", "hxxp[:]//turns-bad[.]example[.]net/offer/2026" in body)
        check("block page says why", "blocklist" in body)
        check("block page: no live destination", "turns-bad.example.net" not in body)
        check("block page: no link at all", not re.search(r"(?i)\b(href|src)\s*=", body))
        csp = h.get("content-security-policy", "")
        check("block page: strict CSP", csp.startswith("default-src 'none'; style-src 'sha256-")
              and "unsafe" not in csp and "frame-ancestors 'none'" in csp, csp)
        check("block page: X-Frame-Options DENY", h.get("x-frame-options") == "DENY")
        check("block page: Referrer-Policy no-referrer", h.get("referrer-policy") == "no-referrer")
        check("block page: not cached", h.get("cache-control") == "no-store")

        # ---- a delivered suspicious link: the warning page ----
        dest_url = "http://127.0.0.1:%d/landing?from=mail" % dest.server_address[1]
        msg = os.path.join(work, "in.eml")
        with open(msg, "w") as f:
            f.write("From: customer@example.com\r\nTo: agent@example.com\r\nSubject: my order\r\n"
                    "Message-ID: <click-1@example.com>\r\nContent-Type: text/plain\r\n\r\n"
                    "Please look at %s for the photos.\r\n" % dest_url)
        os.chmod(msg, 0o644)
        outdir = os.path.join(work, "out")
        os.makedirs(outdir)
        if ROOT:
            shutil.chown(outdir, "nobody")
        out = os.path.join(outdir, "out.eml")
        scan = [SLUICECTL, "scan"] + args + ["--output", out, msg]
        if ROOT:
            scan = ["runuser", "-u", "nobody", "--"] + scan
        r = subprocess.run(scan, capture_output=True, text=True, cwd=work)
        check("delivery: the message is rewritten", r.returncode == 1, r.stderr)
        wrapped = re.findall(re.escape(base) + r"/l/[A-Za-z0-9_.-]+", open(out).read()) if os.path.exists(out) else []
        check("delivery: the link is wrapped", len(wrapped) == 1, wrapped)
        check("delivery: the destination is not live in the message", dest_url not in open(out).read()
              if os.path.exists(out) else False)
        link_path = wrapped[0][len(base):] if wrapped else "/l/none"
        wtok = link_path[3:]
        s, h, body = request(port, "GET", link_path)
        check("warning page: 200", s == 200, s)
        check("warning page: the destination as defanged text",
              "hxxp[:]//127[.]0[.]0[.]1:%d/landing?from=mail" % dest.server_address[1] in body)
        check("warning page: says why", "IP address" in body)
        check("warning page: no live destination", dest_url not in body and "127.0.0.1:%d" % dest.server_address[1] not in body)
        check("warning page: the continue button POSTs", re.search(
            r'<form method="post" action="%s">' % re.escape(link_path), body) is not None)
        check("warning page: nothing loads or links",
              not re.search(r"(?i)\b(href|src|srcset|formaction)\s*=|url\(|<script", body))
        form = form_token_of(body)
        check("warning page: a form token", form is not None)
        tried = prefetch(port, link_path, dest)
        check("prefetcher: fetched the page and what it names", len(tried) >= 4, tried)
        check("prefetcher: never reached the destination", dest.count() == 0, dest.hits)

        m1 = promcheck.parse(scrape(port)[1])
        s, h, _ = request(port, "POST", link_path, body="form_token=" + urllib.parse.quote(form or ""))
        check("continue: 303 to exactly the destination", s == 303 and h.get("location") == dest_url, (s, h.get("location")))
        check("continue: Referrer-Policy no-referrer", h.get("referrer-policy") == "no-referrer")
        check("continue: the server itself does not fetch the destination", dest.count() == 0)
        refused = [("no form token", ""), ("a wrong form token", "form_token=AAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA"),
                   ("the form token of another link", "form_token=" + mint_form(key, tok, int(time.time()) + 300)),
                   ("an expired form token", "form_token=" + mint_form(key, wtok, int(time.time()) - 1)),
                   ("a link token as form token", "form_token=" + wtok)]
        for name, b in refused:
            s, h, body = request(port, "POST", link_path, body=b)
            check("continue with %s: refused, asked again" % name,
                  s == 403 and "location" not in h and form_token_of(body) is not None, s)
        s, h, _ = request(port, "POST", link_path, body="form_token=" + mint_form(key, wtok, int(time.time()) + 60))
        check("a form token made by the rules (our reading of safelink.h) continues", s == 303, s)
        s, h, body = request(port, "POST", "/l/" + bad_tok, body="form_token=" + mint_form(key, bad_tok, int(time.time()) + 60))
        check("continue to a link malicious by now: blocked", s == 403 and "location" not in h and "blocklist" in body, s)
        s, _, _ = request(port, "POST", "/l/" + flipped, body="form_token=x")
        check("continue with a tampered link token: 400", s == 400, s)
        check("refusals never reached the destination", dest.count() == 0, dest.hits)
        m2 = promcheck.parse(scrape(port)[1])
        check("metrics: continues counted", clicks(m2, "suspicious", "continue") - clicks(m1, "suspicious", "continue") == 2)
        check("metrics: refusals counted", clicks(m2, "suspicious", "refuse") - clicks(m1, "suspicious", "refuse") == len(refused))
        check("metrics: blocks counted", clicks(m2, "malicious", "block") - clicks(m1, "malicious", "block") == 1)
        check("metrics: invalid tokens counted", clicks(m2, "invalid", "refuse") - clicks(m1, "invalid", "refuse") == 1)
        check("metrics: invalid before (handler-level 400s)",
              clicks(m1, "invalid", "refuse") - clicks(m0, "invalid", "refuse") >= 10)

        # ---- the browser ----
        browser = cdp.Browser(work)
        tab = browser.tab()
        shots = {}
        st = tab.goto(base + link_path)
        check("browser: warning page 200", st == 200, st)
        html_node = tab.query_all("html")
        check("browser: lang=\"en\"", html_node and tab.attributes(html_node[0]).get("lang") == "en")
        check("browser: one h1", len(tab.query_all("h1")) == 1)
        check("browser: no element links or loads",
              not tab.query_all("a, [href], [src], [srcset], link, script, img, iframe"))
        check("browser: the button is in a POST form", len(tab.query_all("form[method=post] button")) == 1)
        shots["warn-en"] = tab.screenshot(os.path.join(artifacts, "warn-en.png"))
        check("browser: no CSP violation on the warning page", not tab.csp_violations(), tab.csp_violations())
        hits = dest.count()
        tab.click("form button")
        landed = tab.wait_url(lambda u: u.startswith("http://127.0.0.1:%d/" % dest.server_address[1]))
        check("browser: the continue button lands on the destination", landed == dest_url, landed)
        check("browser: the destination got the click", dest.count() == hits + 1 and ("GET", "/landing?from=mail") in dest.hits, dest.hits[-3:])
        tab.close()

        tab = browser.tab()
        tab.call("Emulation.setScriptExecutionDisabled", value=True)
        tab.goto(base + link_path)
        tab.click("form button")
        landed = tab.wait_url(lambda u: u.startswith("http://127.0.0.1:%d/" % dest.server_address[1]))
        check("browser, JavaScript off: continues too", landed == dest_url, landed)
        tab.close()

        tab = browser.tab()
        st = tab.goto(base + "/l/" + bad_tok)
        check("browser: block page 403", st == 403, st)
        check("browser: block page heading", "blocked" in tab.html())
        shots["block-en"] = tab.screenshot(os.path.join(artifacts, "block-en.png"))
        check("browser: no CSP violation on the block page", not tab.csp_violations(), tab.csp_violations())
        tab.close()

        set_conf(conf, "language", "de")
        set_conf(conf, "unknown", "warn")
        check("reload with safelinks.language = de, unknown = warn", daemon.reload())
        s, h, body = request(port, "GET", "/l/" + tok)
        check("unknown = warn: an unknown link gets the warning page", s == 200 and "location" not in h
              and form_token_of(body) is not None and "hxxps[:]//shop[.]example[.]org/offer" in body, s)
        tab = browser.tab()
        st = tab.goto(base + link_path)
        node = tab.query_all("html")
        check("browser: German warning page", st == 200 and node and tab.attributes(node[0]).get("lang") == "de"
              and "Weiter zu" in tab.html())
        shots["warn-de"] = tab.screenshot(os.path.join(artifacts, "warn-de.png"))
        st = tab.goto(base + "/l/" + bad_tok)
        check("browser: German block page", st == 403 and "gesperrt" in tab.html())
        shots["block-de"] = tab.screenshot(os.path.join(artifacts, "block-de.png"))
        check("browser: no CSP violation on the German pages", not tab.csp_violations(), tab.csp_violations())
        tab.close()
        browser.close()
        browser = None
        set_conf(conf, "unknown", "redirect")
        check("reload with unknown = redirect again", daemon.reload())
        for name, path in sorted(shots.items()):
            ok = os.path.getsize(path) > 2000 and open(path, "rb").read(8) == b"\x89PNG\r\n\x1a\n"
            check("screenshot %s kept" % name, ok)
            print("artifact: " + path)

        # ---- logs ----
        text = daemon.text()
        lines = [l for l in text.splitlines() if "safelink click" in l]
        check("log: a line per click", len(lines) >= 30, len(lines))
        check("log: time, id, verdict on each", all(re.search(r"at=\S+Z id=[0-9a-f]{16} verdict=\w+ action=\w+", l) for l in lines))
        tokens = [tok, bad_tok, wtok, flipped] + ([form] if form else [])
        check("log: never a token", not any(t in text for t in tokens))

        # ---- /metrics ----
        cache_url = "https://cache-me.example.net/x"
        cache_tok = mint(key, cache_url)
        m3 = promcheck.parse(scrape(port)[1])
        request(port, "GET", "/l/" + cache_tok)
        request(port, "GET", "/l/" + cache_tok)
        status, text = scrape(port)
        try:
            m4 = promcheck.parse(text)
            check("/metrics: strict format after traffic", True)
        except promcheck.FormatError as e:
            check("/metrics: strict format after traffic", False, e)
            m4 = {}
        look = lambda m, r: promcheck.value(m, "sluice_provider_lookups_total", provider="webrisk", result=r) or 0
        check("metrics: one Web Risk look-up for the new link", look(m4, "not_listed") - look(m3, "not_listed") == 1)
        check("metrics: the second click from the cache", look(m4, "cached") - look(m3, "cached") == 1)
        check("metrics: cache hits", (promcheck.value(m4, "sluice_reputation_cache_hits_total") or 0) >
              (promcheck.value(m3, "sluice_reputation_cache_hits_total") or 0))
        check("metrics: Web Risk latency histogram", (promcheck.value(m4, "sluice_provider_latency_seconds_count", provider="webrisk") or 0) >= 1)
        check("metrics: Web Risk up", promcheck.value(m4, "sluice_provider_up", provider="webrisk") == 1)
        check("metrics: redirects by verdict", clicks(m4, "unknown", "redirect") - clicks(m3, "unknown", "redirect") == 2)
        db = sqlite3.connect("file:%s?mode=ro" % os.path.join(data, "quarantine.db"), uri=True)
        held = db.execute("SELECT count(*) FROM items WHERE status = 'held'").fetchone()[0]
        db.close()
        check("metrics: the quarantine's size as the store says",
              held >= 1 and promcheck.value(m4, "sluice_quarantine_items", status="held") == held, held)
        check("metrics: WhatsApp queues empty without the WhatsApp door",
              all(promcheck.value(m4, n) == 0 for n in ("sluice_outbox_backlog", "sluice_outbox_dead",
                                                        "sluice_inbox_backlog")))
        check("metrics: the engine's families are declared",
              all(("# TYPE %s " % n) in text for n in ("sluice_messages_total", "sluice_findings_total",
                                                       "sluice_scan_seconds")))
        check("metrics: store up", promcheck.value(m4, "sluice_store_up") == 1)
        dash = json.load(open(os.path.join(SRC, "conf", "grafana-dashboard.json")))
        used = set()
        for panel in dash["panels"]:
            for t in panel.get("targets", []):
                used |= set(re.findall(r"\bsluice_[a-z_]+", t["expr"]))
        used = {re.sub(r"_(bucket|sum|count)$", "", n) for n in used}
        missing = sorted(n for n in used if ("# TYPE %s " % n) not in text)
        check("the Grafana dashboard asks only for metrics /metrics has", used and not missing, missing)

        set_conf(conf, "metrics_allow", "10.0.0.0/8")
        check("reload with metrics_allow elsewhere", daemon.reload())
        s1, _, _ = request(port, "GET", "/metrics")
        s2, _, _ = request(port, "GET", "/healthz")
        check("metrics_allow: /metrics refused (403)", s1 == 403, s1)
        check("metrics_allow: /healthz refused (403)", s2 == 403, s2)
        s, _, _ = request(port, "GET", "/l/" + tok)
        check("metrics_allow: the redirector still answers everyone", s == 302, s)
        set_conf(conf, "metrics_allow", "127.0.0.0/8; ::1")
        check("reload with metrics_allow back", daemon.reload())

        # ---- /healthz ----
        request(port, "GET", "/l/" + mint(key, "https://fresh.example.net/"))  # Web Risk answers once more
        s, h, body = request(port, "GET", "/healthz")
        j = json.loads(body) if s in (200, 503) else {}
        check("healthz: 200", s == 200, body)
        check("healthz: JSON with engine, store, providers", j.get("status") == "ok" and j["engine"]["loaded"]
              and j["store"]["writable"] and [p["name"] for p in j["providers"]] == ["webrisk"]
              and j["providers"][0]["state"] == "up", j)
        check("healthz: cache persisted", j.get("reputation_cache", {}).get("persisted") is True, j)
        lock = sqlite3.connect(os.path.join(data, "quarantine.db"), timeout=5, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            s, h, body = request(port, "GET", "/healthz")
            j = json.loads(body) if s in (200, 503) else {}
            check("healthz: 503 while the store takes no writes", s == 503, (s, body))
            check("healthz: says the store is not writable", j.get("store", {}).get("writable") is False
                  and j.get("status") == "failing", j)
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        s, _, _ = request(port, "GET", "/healthz")
        check("healthz: 200 again when the store writes again", s == 200, s)

        # ---- the cache across a restart ----
        n = asked(cache_url)
        check("Web Risk asked once about the link", n == 1, n)
        rc = daemon.stop()
        check("sluiced stops with status 0", rc == 0, rc)
        daemon.start()
        s, h, _ = request(port, "GET", "/l/" + cache_tok)
        check("after a restart: the click still judged", s == 302 and h.get("location") == cache_url, s)
        check("after a restart: Web Risk not asked again", asked(cache_url) == n, asked(cache_url))
        m5 = promcheck.parse(scrape(port)[1])
        check("after a restart: answers loaded from the store",
              (promcheck.value(m5, "sluice_reputation_cache_loaded_total") or 0) >= 1)
        check("after a restart: the click counters are the new process's",
              clicks(m5, "unknown", "redirect") == 1)
    except Exception as e:  # a broken step fails the test, with its reason
        import traceback
        traceback.print_exc()
        check("the test ran to its end", False, e)
    finally:
        if browser is not None:
            browser.close()
        if daemon is not None:
            rc = daemon.stop()
            if rc not in (0, None):
                check("sluiced stops with status 0 at the end", False, rc)
        for p in started:
            p.terminate()
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        dest.shutdown()
        if failed:
            for name in ("sluiced.log", "chromium.log"):
                if os.path.exists(os.path.join(work, name)):
                    shutil.copy(os.path.join(work, name), os.path.join(artifacts, name))
                    print("kept: " + os.path.join(artifacts, name))
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
