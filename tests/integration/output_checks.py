"""Checks on what sluice writes, for check_corpus.py (issue 10):

live_bad_links(views, hosts)
    A model of a linkifier (mail clients, chat tools) run over every view of
    the output (raw bytes, transfer-decoded bodies, charset-decoded text): it
    takes "scheme://host...", "www.host..." and a bare "label.tld" as links.
    Every bad host counts as having a known TLD (the corpus's .test, .invalid
    and .example stand in for real ones), so a bare bad host anywhere is a
    link; a host after '@' is an e-mail address, not a web link. Returns the
    bad hosts found live, with where.

bad_hosts(source_dir, conf, report)
    The hosts a rewritten message must not show live: every host and address
    of the configured blocklists, and the host of every link the JSON report
    judged malicious or suspicious (in its normalised and written forms,
    Unicode and punycode).

rescan_problems(first, second, out1, out2)
    The invariant: scanning sluice's own output gives a clean verdict, the
    parts the first scan announced (kept parts with the same bytes, edited
    ones in their place, each removed part a text/plain notice in its place,
    a placeholder as one text/plain part), and an output of its own that is
    the first output less its X-Sluice-* header fields.
"""

import configparser
import ipaddress
import os
import re
from urllib.parse import urlsplit

# ---- bad hosts -----------------------------------------------------------------


def _host_forms(host):
    host = host.strip().strip(".").lower()
    if not host:
        return set()
    forms = {host}
    try:
        forms.add(host.encode("idna").decode("ascii"))
    except (UnicodeError, ValueError):
        pass
    try:
        forms.add(host.encode("ascii").decode("idna"))
    except (UnicodeError, ValueError):
        pass
    return {f for f in forms if f}


def _list_entries(path):
    hosts = set()
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return hosts
    for line in lines:
        line = re.split(r"(?:^|\s)#", line, 1)[0].strip()
        if not line:
            continue
        for word in line.split():
            word = word.lstrip("=")
            if "://" in word:
                word = urlsplit(word).hostname or ""
            elif "/" in word:  # a CIDR range: its address is as good as any
                word = word.split("/", 1)[0]
            hosts |= _host_forms(word)
    return hosts


def bad_hosts(source_dir, conf, report):
    hosts = set()
    if conf:
        cp = configparser.ConfigParser(interpolation=None)
        try:
            cp.read(conf, encoding="utf-8")
            files = cp.get("urls", "blocklist_files", fallback="")
        except configparser.Error:
            files = ""
        for f in files.split(";"):
            f = f.strip()
            if f:
                hosts |= _list_entries(f if os.path.isabs(f) else os.path.join(source_dir, f))
    for u in report.get("urls") or []:
        if not isinstance(u, dict) or u.get("reputation") not in ("malicious", "suspicious"):
            continue
        for key in ("url", "found"):
            v = u.get(key)
            if not isinstance(v, str):
                continue
            if "://" not in v and re.match(r"[A-Za-z][A-Za-z0-9+-]*:(?![0-9])", v):
                continue  # a scheme with no authority (ms-msdt:, search-ms:): no host to show
            try:
                h = urlsplit(v if "://" in v else "http://" + v).hostname
            except ValueError:
                h = None
            if h:
                hosts |= _host_forms(h)
    # A bare number is no host a linkifier takes without a scheme.
    return {h for h in hosts if not re.fullmatch(r"[0-9]+", h)}


# ---- the linkifier ---------------------------------------------------------------

_SCHEME = re.compile(r"(?i)(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*://([^\s<>\"'`]+)")
_WWW = re.compile(r"(?i)(?<![\w.@-])(www\d{0,3}\.[^\s<>\"'`]+)")


def _host_of(rest):
    """The host of what follows "scheme://" (or a www. link)."""
    h = re.split(r"[/?#\\]", rest, 1)[0]
    h = h.rsplit("@", 1)[-1]
    if h.startswith("["):
        return h[1:].split("]", 1)[0].lower()
    return h.split(":", 1)[0].strip(".").lower()


def _matches(host, bad):
    return host == bad or host.endswith("." + bad)


def _is_ip(h):
    try:
        ipaddress.ip_address(h)
        return True
    except ValueError:
        return False


def live_bad_links(views, hosts):
    found = []
    if not hosts:
        return found
    bare = [(h, re.compile(r"(?i)(?<![\w@.-])(?:[\w-]+\.)*" + re.escape(h) + r"(?![\w-])"))
            for h in sorted(hosts) if not _is_ip(h)]
    for label, v in views:
        text = v if isinstance(v, str) else v.decode("latin-1")
        for m in _SCHEME.finditer(text):
            host = _host_of(m.group(1))
            for h in hosts:
                if _matches(host, h):
                    found.append("%s in %s (%s)" % (h, label, " ".join(m.group(0)[:80].split())))
        for m in _WWW.finditer(text):
            host = _host_of(m.group(1))
            for h in hosts:
                if _matches(host, h):
                    found.append("%s in %s (%s)" % (h, label, " ".join(m.group(0)[:80].split())))
        for h, rx in bare:
            m = rx.search(text)
            if m:
                found.append("%s in %s (%s)" % (h, label, " ".join(text[max(0, m.start() - 20):m.end() + 20].split())))
    return found


# ---- the rescan invariant ----------------------------------------------------------


def strip_own_headers(data):
    """data less the X-Sluice-* fields of its top header block."""
    out, i, n = bytearray(), 0, len(data)
    dropping = False
    while i < n:
        j = data.find(b"\n", i)
        j = n if j < 0 else j + 1
        line = data[i:j]
        if line in (b"\n", b"\r\n"):
            out += data[i:]
            return bytes(out)
        if line[:1] not in (b" ", b"\t"):
            dropping = line[:9].lower() == b"x-sluice-"
        if not dropping:
            out += line
        i = j
    return bytes(out)


def _under(pid, top):
    return pid == top or pid.startswith(top + ".") or pid.startswith(top + "/")


def rescan_problems(first, second, out1, out2):
    problems = []
    if second.get("verdict") != "clean":
        problems.append("rescan of the output: verdict %s (%s)" % (
            second.get("verdict"),
            ", ".join("%s@%s: %s" % (f.get("rule"), f.get("part"), str(f.get("detail"))[:80])
                      for f in second.get("findings") or [] if isinstance(f, dict))))
    want_out2 = strip_own_headers(out1)
    if out2 is not None and out2 != want_out2:
        problems.append("rescan of the output changed it beyond its X-Sluice-* fields (%d vs %d bytes)"
                        % (len(out2), len(want_out2)))
    parts1 = {p["id"]: p for p in first.get("parts") or [] if isinstance(p, dict)}
    parts2 = {p["id"]: p for p in second.get("parts") or [] if isinstance(p, dict)}
    verdict = first.get("verdict")
    if verdict == "quarantine":
        if list(parts2) != ["1"] or parts2["1"].get("declared_type") != "text/plain":
            problems.append("the placeholder is not one text/plain part: %s" % sorted(parts2))
        return problems
    findings = [f for f in first.get("findings") or [] if isinstance(f, dict)]
    removed = {re.split(r"/", str(f.get("part")), 1)[0] for f in findings
               if f.get("action") == "remove" and f.get("part")}
    edited = {str(f.get("part")) for f in findings if f.get("action") in ("defang", "wrap")}
    want = {pid for pid in parts1 if not any(_under(pid, r) for r in removed)} | removed
    if set(parts2) != want:
        problems.append("rescan parts %s, announced %s" % (sorted(parts2), sorted(want)))
        return problems
    for pid in sorted(want):
        p2 = parts2[pid]
        if pid in removed:
            if p2.get("declared_type") != "text/plain":
                problems.append("removed %s: rescanned as %s" % (pid, p2.get("declared_type")))
        elif pid in edited or any(_under(pid, e) for e in edited):
            if p2.get("declared_type") != parts1[pid].get("declared_type"):
                problems.append("edited %s: %s became %s" % (pid, parts1[pid].get("declared_type"),
                                                             p2.get("declared_type")))
        elif p2.get("sha256") != parts1[pid].get("sha256"):
            problems.append("kept %s: its bytes changed" % pid)
    return problems
