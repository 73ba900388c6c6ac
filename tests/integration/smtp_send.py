#!/usr/bin/env python3
"""A small SMTP client for the tests: sends one file as one message and
prints the server's answer to the end of data ("250 2.0.0 Ok: queued as X").

  smtp_send.py --port P [--from ADDR] [--size N] [--raw] [--cut N]
               [--pause-at N --pause SECONDS] FILE RCPT...

Line ends become CRLF (as a mail client sends them) unless --raw, which
sends the bytes as they are (bare LF stays bare LF). --size N announces
SIZE=N in MAIL FROM. --cut N sends the first N bytes of the data and hangs
up (a client that disconnects mid-body). --pause-at N --pause S sends the
first N bytes of the data, waits S seconds (or until the file named by
--pause-file exists), then the rest (a message in flight while the test does
something else). Exit status 0 when the answer was
2xx, 1 for any other answer, 2 when the connection failed; an answer to
MAIL FROM, RCPT TO or DATA that refuses is printed the same way.

As a module: send(port, sender, rcpts, data, ...) -> (code, text).
"""
import argparse
import os
import socket
import sys
import time


def _reply(f):
    lines = []
    while True:
        line = f.readline()
        if not line:
            raise ConnectionError("connection closed")
        lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
        if len(line) < 4 or line[3:4] != b"-":
            break
    return int(lines[-1][:3]), " ".join(lines)


def wire(data, raw=False):
    """The DATA bytes: CRLF line ends (unless raw), dots stuffed, a final line end."""
    if not raw:
        data = data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    lines = data.split(b"\n")
    data = b"\n".join((b"." + l) if l.startswith(b".") else l for l in lines)
    if not data.endswith(b"\n"):
        data += b"\r\n"
    return data


def send(port, sender, rcpts, data, host="127.0.0.1", raw=False, size=None, cut=None, timeout=120,
         pause_at=None, pause=0.0, pause_file=None):
    """Sends one message; returns (code, text) of the answer that ended it
    (0 and the reason when the connection failed)."""
    data = wire(data, raw)
    try:
        s = socket.create_connection((host, port), timeout=timeout)
    except OSError as e:
        return 0, "connect: %s" % e
    f = s.makefile("rb")

    def cmd(line):
        s.sendall(line.encode() + b"\r\n")
        return _reply(f)

    try:
        code, text = _reply(f)
        if code != 220:
            return code, text
        cmd("EHLO client.example.net")
        mail = "MAIL FROM:<%s>" % sender + (" SIZE=%d" % size if size else "")
        for line in [mail] + ["RCPT TO:<%s>" % r for r in rcpts]:
            code, text = cmd(line)
            if code >= 300:
                return code, text
        code, text = cmd("DATA")
        if code != 354:
            return code, text
        if cut is not None:
            s.sendall(data[:cut])
            return 0, "cut after %d bytes" % cut
        if pause_at is not None:
            s.sendall(data[:pause_at])
            end = time.time() + pause
            while time.time() < end and not (pause_file and os.path.exists(pause_file)):
                time.sleep(0.05)
            data = data[pause_at:]
        s.sendall(data + b".\r\n")
        code, text = _reply(f)
        try:
            cmd("QUIT")
        except (ConnectionError, OSError):
            pass
        return code, text
    except (ConnectionError, OSError) as e:
        return 0, "connection: %s" % e
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--from", dest="sender", default="customer@example.net")
    ap.add_argument("--size", type=int)
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--cut", type=int)
    ap.add_argument("--pause-at", type=int)
    ap.add_argument("--pause", type=float, default=0.0)
    ap.add_argument("--pause-file")
    ap.add_argument("file")
    ap.add_argument("rcpt", nargs="+")
    a = ap.parse_args()
    with open(a.file, "rb") as f:
        data = f.read()
    code, text = send(a.port, a.sender, a.rcpt, data, a.host, a.raw, a.size, a.cut,
                      pause_at=a.pause_at, pause=a.pause, pause_file=a.pause_file)
    print(text)
    if code == 0:
        return 0 if a.cut is not None and text.startswith("cut") else 2
    return 0 if 200 <= code < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
