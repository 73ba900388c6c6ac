#!/usr/bin/env python3
"""Drives a headless Chromium over the DevTools protocol, with the standard
library only (http.client and a minimal WebSocket client of our own), for
the tests that check sluice's pages in a real browser.

    with Browser(tmpdir) as b:
        tab = b.tab()
        status = tab.goto("http://127.0.0.1:8025/l/TOKEN")
        html = tab.html()
        tab.click("button")              # real mouse events at its centre
        tab.wait_url(lambda u: u.startswith("http://127.0.0.1:9999/"))
        tab.screenshot("/path/warn.png")

Chromium runs as Debian's `chromium` with --headless --no-sandbox (root in
CI) and every background service off, its DevTools endpoint on a loopback
port it picks itself (--remote-debugging-port=0; the port is read from
DevToolsActivePort in its profile folder), no proxy. Everything waits with a
timeout; close() (or leaving the with block) kills the browser by its pid.
"""
import base64
import http.client
import json
import os
import socket
import struct
import subprocess
import time

CHROMIUM = os.environ.get("SLUICE_CHROMIUM", "chromium")


class CDPError(Exception):
    pass


class WebSocket:
    """A WebSocket client (RFC 6455): text frames out (masked), frames in."""

    def __init__(self, host, port, path, timeout=30):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        req = ("GET %s HTTP/1.1\r\nHost: %s:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key))
        self.sock.sendall(req.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(1)
            if not chunk:
                raise CDPError("WebSocket handshake: connection closed")
            head += chunk
        if not head.startswith(b"HTTP/1.1 101"):
            raise CDPError("WebSocket handshake refused: %r" % head[:80])

    def _read(self, n):
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise CDPError("WebSocket closed")
            buf += chunk
        return buf

    def _frame(self, opcode, payload):
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        mask = os.urandom(4)
        body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(head + mask + body)

    def send(self, text):
        self._frame(0x1, text.encode())

    def recv(self):
        """The next whole text or binary message (pings answered, fragments joined)."""
        parts = []
        while True:
            b0, b1 = self._read(2)
            opcode, fin = b0 & 0x0F, b0 & 0x80
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._frame(0xA, payload)
                continue
            if opcode == 0x8:
                raise CDPError("WebSocket closed by the browser")
            if opcode in (0x0, 0x1, 0x2):
                parts.append(payload)
                if fin:
                    return b"".join(parts).decode()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class Tab:
    """One page target: commands, and the events that came meanwhile."""

    def __init__(self, ws_url, timeout=30):
        rest = ws_url.split("://", 1)[1]
        hostport, path = rest.split("/", 1)
        host, port = hostport.rsplit(":", 1)
        self.ws = WebSocket(host, int(port), "/" + path, timeout)
        self.timeout = timeout
        self.next_id = 0
        self.events = []
        for domain in ("Page", "Network", "Log", "DOM"):
            self.call(domain + ".enable")

    def call(self, method, **params):
        self.next_id += 1
        mid = self.next_id
        self.ws.send(json.dumps({"id": mid, "method": method, "params": params}))
        deadline = time.time() + self.timeout
        while time.time() < deadline:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == mid:
                if "error" in msg:
                    raise CDPError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            if "method" in msg:
                self.events.append(msg)
        raise CDPError("%s: no answer" % method)

    def wait_event(self, method, pred=lambda p: True, timeout=None):
        """The first event of method (queued or to come) for which pred holds."""
        deadline = time.time() + (timeout or self.timeout)
        while True:
            for i, e in enumerate(self.events):
                if e["method"] == method and pred(e.get("params", {})):
                    return self.events.pop(i)["params"]
            if time.time() > deadline:
                raise CDPError("no %s event" % method)
            self.ws.sock.settimeout(max(0.1, deadline - time.time()))
            try:
                msg = json.loads(self.ws.recv())
            except socket.timeout:
                continue
            finally:
                self.ws.sock.settimeout(self.timeout)
            if "method" in msg:
                self.events.append(msg)

    def url(self):
        h = self.call("Page.getNavigationHistory")
        return h["entries"][h["currentIndex"]]["url"]

    def goto(self, url):
        """Navigates and waits for the load; returns the document's HTTP status."""
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        frame = self.call("Page.navigate", url=url)
        if frame.get("errorText"):
            raise CDPError("navigate %s: %s" % (url, frame["errorText"]))
        self.wait_event("Page.loadEventFired")
        return self.last_status()

    def last_status(self):
        status = None
        for e in self.events:
            if e["method"] == "Network.responseReceived" and e["params"].get("type") == "Document":
                status = e["params"]["response"]["status"]
        return status

    def html(self):
        root = self.call("DOM.getDocument", depth=-1)["root"]
        return self.call("DOM.getOuterHTML", nodeId=root["nodeId"])["outerHTML"]

    def query_all(self, selector):
        root = self.call("DOM.getDocument", depth=-1)["root"]
        return self.call("DOM.querySelectorAll", nodeId=root["nodeId"], selector=selector)["nodeIds"]

    def attributes(self, node):
        a = self.call("DOM.getAttributes", nodeId=node)["attributes"]
        return dict(zip(a[0::2], a[1::2]))

    def click(self, selector):
        """A left click with the mouse at the centre of the first match."""
        nodes = self.query_all(selector)
        if not nodes:
            raise CDPError("nothing matches %s" % selector)
        quad = self.call("DOM.getBoxModel", nodeId=nodes[0])["model"]["content"]
        x = sum(quad[0::2]) / 4
        y = sum(quad[1::2]) / 4
        self.events = [e for e in self.events if e["method"] != "Page.loadEventFired"]
        self.call("Input.dispatchMouseEvent", type="mouseMoved", x=x, y=y)
        self.call("Input.dispatchMouseEvent", type="mousePressed", x=x, y=y, button="left", clickCount=1)
        self.call("Input.dispatchMouseEvent", type="mouseReleased", x=x, y=y, button="left", clickCount=1)

    def wait_url(self, pred, timeout=None):
        deadline = time.time() + (timeout or self.timeout)
        u = None
        while time.time() < deadline:
            try:
                u = self.url()
            except CDPError:  # between two documents: "Not attached to an active page"
                time.sleep(0.1)
                continue
            if pred(u):
                try:
                    self.wait_event("Page.loadEventFired", timeout=5)
                except CDPError:
                    pass
                return u
            time.sleep(0.1)
        raise CDPError("the page stayed at %s" % u)

    def csp_violations(self):
        return [e["params"]["entry"]["text"] for e in self.events
                if e["method"] == "Log.entryAdded"
                and "Content Security Policy" in e["params"]["entry"].get("text", "")]

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", format="png")["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))
        return path

    def close(self):
        self.ws.close()


class Browser:
    def __init__(self, workdir, timeout=30):
        self.profile = os.path.join(workdir, "chromium-profile")
        os.makedirs(self.profile, exist_ok=True)
        self.log = open(os.path.join(workdir, "chromium.log"), "wb")
        self.timeout = timeout
        self.proc = subprocess.Popen(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", "--no-proxy-server", "--disable-extensions",
             "--window-size=1000,800", "--remote-debugging-address=127.0.0.1",
             "--remote-debugging-port=0", "--user-data-dir=" + self.profile, "about:blank"],
            stdout=self.log, stderr=subprocess.STDOUT)
        portfile = os.path.join(self.profile, "DevToolsActivePort")
        deadline = time.time() + timeout
        self.port = None
        while time.time() < deadline and self.port is None:
            if self.proc.poll() is not None:
                raise CDPError("chromium exited (%d); see %s" % (self.proc.returncode, self.log.name))
            try:
                with open(portfile) as f:
                    first = f.readline().strip()
                    self.port = int(first) if first else None
            except (OSError, ValueError):
                pass
            time.sleep(0.1)
        if self.port is None:
            self.close()
            raise CDPError("chromium gave no DevTools port")

    def _get(self, path, method="GET"):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        c.request(method, path)
        r = c.getresponse()
        body = r.read()
        c.close()
        return json.loads(body)

    def tab(self):
        t = self._get("/json/new?about:blank", method="PUT")
        return Tab(t["webSocketDebuggerUrl"], self.timeout)

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
