#!/usr/bin/env python3
"""Run `sluicectl scan --json --output` on every tests/data/email/*.eml and
check the result against NAME.expect beside it.

Environment:
  SLUICE_BUILD_DIR   where sluicectl was built (required unless SLUICECTL is set)
  SLUICE_SOURCE_DIR  the source tree (default: two levels above this file)
  SLUICECTL          path of the sluicectl to run (default $SLUICE_BUILD_DIR/sluicectl)
  SLUICE_CORPUS_DIR  folder of .eml/.expect pairs (default $SLUICE_SOURCE_DIR/tests/data/email)
  SLUICE_CASE_TIMEOUT seconds per message (default 120)
Arguments: optional case names (without .eml) to run only those.

.expect format (one item a line; '#' starts a comment at the start of a line or
after whitespace, so href="#" is text):
  verdict: V[|V...]        the JSON verdict is one of these
  finding: KIND[|KIND...] [PART]
                           a finding of one of these kinds exists; with PART, its
                           part equals PART or starts with PART + "/" or PART + "."
  nofinding: KIND          no finding of this kind
  identical: yes           --output is byte-identical to the input
  identical: except-own-headers
                           --output is the input less the X-Sluice-* fields of its
                           top header block (a clean message that carried forged ones)
  removed: PART            in --output, PART is a text/plain notice mentioning sluice
  kept: PART               the raw (still encoded) body of the input's PART appears
                           verbatim in --output
  rule: RULE [PART]        a finding with this rule (url_malicious, url_in_attachment,
                           ...) exists; PART as for finding:
  url: REP[|REP...] SUBSTRING
                           some JSON urls[] entry whose "url" or "found" contains
                           SUBSTRING has one of these reputations (malicious
                           suspicious clean unknown)
  absent: TEXT             TEXT appears nowhere in --output: not in its raw bytes, not
                           in a top-level header field RFC 2047-decoded, not in any
                           part's transfer-decoded body, not in any text part's body
                           decoded from its charset (so encoded words, QP, base64 and
                           UTF-16 cannot hide it)
  present: TEXT            TEXT appears in --output: in the raw bytes, a decoded header
                           field, a part's transfer-decoded body or a text part's
                           charset-decoded body
  TEXT and SUBSTRING are the rest of the line, surrounding blanks trimmed, UTF-8.
Part ids are IMAP-style (see tests/data/email/README.md).

Every case, whatever its .expect says (output_checks.py, issue 10): a clean
output is the input less its top-level X-Sluice-* fields at most; no bad host
(blocklisted, or of a link judged malicious or suspicious) is left in a form a
linkifier would take, in any view of the output; and scanning the output again
gives a clean verdict, the parts the first scan announced, and an output that
is the first one less its X-Sluice-* fields.

Prints "ok NAME" or "FAIL NAME: reason" per case, then "N passed, M failed";
exits 1 if anything failed (or nothing ran).
"""

import email
import email.header
import email.policy
import json
import os
import shutil
import subprocess
import sys
import tempfile

from output_checks import bad_hosts, live_bad_links, rescan_problems, strip_own_headers

sys.setrecursionlimit(20000)

KINDS = {"virus", "filetype", "filename", "url", "structure", "limit", "pan"}
REPUTATIONS = {"malicious", "suspicious", "clean", "unknown"}
VERDICTS = {"clean", "rewrite", "quarantine", "reject"}


class ExpectError(Exception):
    pass


def strip_comment(line):
    """Drop a '#' comment: '#' at the start of the line or after whitespace."""
    for i, c in enumerate(line):
        if c == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


def parse_expect(text):
    """Return a dict: verdicts(set|None), findings[(kinds,part)], nofindings[kind],
    identical(bool), removed[part], kept[part], rules[(rule,part)],
    urls[(reps,substring)], absent[text], present[text]."""
    exp = {"verdicts": None, "findings": [], "nofindings": [], "identical": False,
           "removed": [], "kept": [], "rules": [], "urls": [], "absent": [], "present": []}
    for n, line in enumerate(text.splitlines(), 1):
        line = strip_comment(line).strip()
        if not line:
            continue
        if ":" not in line:
            raise ExpectError("line %d: no ':' in %r" % (n, line))
        key, val = (s.strip() for s in line.split(":", 1))
        words = val.split()
        if key == "verdict":
            vs = set(val.split("|"))
            if len(words) != 1 or not vs <= VERDICTS:
                raise ExpectError("line %d: bad verdict %r" % (n, val))
            exp["verdicts"] = vs
        elif key == "finding":
            if not 1 <= len(words) <= 2:
                raise ExpectError("line %d: finding: KIND [PART]" % n)
            kinds = set(words[0].split("|"))
            if not kinds <= KINDS:
                raise ExpectError("line %d: unknown kind in %r" % (n, words[0]))
            exp["findings"].append((kinds, words[1] if len(words) == 2 else None))
        elif key == "nofinding":
            if len(words) != 1 or words[0] not in KINDS:
                raise ExpectError("line %d: nofinding: KIND" % n)
            exp["nofindings"].append(words[0])
        elif key == "identical":
            if val not in ("yes", "no", "except-own-headers"):
                raise ExpectError("line %d: identical: yes|no|except-own-headers" % n)
            exp["identical"] = False if val == "no" else val
        elif key in ("removed", "kept"):
            if len(words) != 1:
                raise ExpectError("line %d: %s: PART" % (n, key))
            exp[key].append(words[0])
        elif key == "rule":
            if not 1 <= len(words) <= 2:
                raise ExpectError("line %d: rule: RULE [PART]" % n)
            exp["rules"].append((words[0], words[1] if len(words) == 2 else None))
        elif key == "url":
            rest = val.split(None, 1)
            if len(rest) != 2:
                raise ExpectError("line %d: url: REPUTATION SUBSTRING" % n)
            reps = set(rest[0].split("|"))
            if not reps <= REPUTATIONS:
                raise ExpectError("line %d: unknown reputation in %r" % (n, rest[0]))
            exp["urls"].append((reps, rest[1].strip()))
        elif key in ("absent", "present"):
            if not val:
                raise ExpectError("line %d: %s: TEXT" % (n, key))
            exp[key].append(val)
        else:
            raise ExpectError("line %d: unknown key %r" % (n, key))
    if exp["verdicts"] is None:
        raise ExpectError("no verdict line")
    return exp


def part_matches(found, want):
    if want is None:
        return True
    found = str(found if found is not None else "")
    return found == want or found.startswith(want + "/") or found.startswith(want + ".")


# ---- IMAP-style part ids -----------------------------------------------------

def _is_rfc822(part):
    return part.get_content_type() == "message/rfc822"


def _walk(part, pid):
    yield pid, part
    if _is_rfc822(part):
        inner = part.get_payload()
        if isinstance(inner, list):
            inner = inner[0] if inner else None
        if inner is not None:
            yield from _body(inner, pid)
    elif part.is_multipart():
        for i, child in enumerate(part.get_payload(), 1):
            yield from _walk(child, "%s.%d" % (pid, i))


def _body(msg, prefix):
    """Parts of a message's body: 1, 2... (multipart) or 1 (single), under prefix."""
    pre = prefix + "." if prefix else ""
    if msg.is_multipart() and not _is_rfc822(msg):
        for i, child in enumerate(msg.get_payload(), 1):
            yield from _walk(child, "%s%d" % (pre, i))
    else:
        yield from _walk(msg, pre + "1")


def find_part(msg, pid):
    for p, part in _body(msg, ""):
        if p == pid:
            return part
    return None


def parse_bytes(data):
    return email.message_from_bytes(data, policy=email.policy.compat32)


def output_views(data):
    """Everything a reader or a program could take from the output: the raw
    bytes, each part's transfer-decoded body and each text part's body decoded
    from its charset, as (label, bytes) and (label, str)."""
    views = [("raw", data)]
    try:
        msg = parse_bytes(data)
    except Exception:  # noqa: BLE001 - raw bytes still count
        return views
    # header fields as a reader sees them (RFC 2047 decoded, unfolded)
    for _, value in msg.items():
        try:
            hv = str(email.header.make_header(email.header.decode_header(value)))
        except Exception:  # noqa: BLE001 - the raw bytes still count
            continue
        views.append(("header", " ".join(hv.split())))
    for part in msg.walk():
        if part.is_multipart():
            continue
        try:
            body = part.get_payload(decode=True)
        except Exception:  # noqa: BLE001
            body = None
        if not isinstance(body, bytes):
            continue
        views.append(("decoded", body))
        if part.get_content_maintype() == "text":
            cs = part.get_content_charset() or "utf-8"
            try:
                views.append(("text", body.decode(cs, "replace")))
            except LookupError:
                views.append(("text", body.decode("utf-8", "replace")))
    return views


def view_contains(views, needle):
    nb = needle.encode("utf-8")
    for label, v in views:
        if (needle in v) if isinstance(v, str) else (nb in v):
            return label
    return None


def raw_payload(part):
    """The part's body bytes as they stand in the message (still encoded)."""
    # compat32 keeps the undecoded body in _payload (bytes beyond ASCII as
    # surrogate escapes); get_payload() would re-decode 8bit text by charset.
    pl = getattr(part, "_payload", None)
    if not isinstance(pl, str):
        return None
    return pl.encode("ascii", "surrogateescape")


# ---- one case ------------------------------------------------------------------

def scan(sluicectl, conf, data_dir, eml, out, timeout):
    """Runs sluicectl scan --json --output: (exit status, the JSON report), or
    RuntimeError saying what went wrong."""
    cmd = [sluicectl, "scan"]
    if conf:
        cmd += ["--config", conf]
    cmd += ["-o", "general.data_dir=" + data_dir, "--json", "--output", out, eml]
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise RuntimeError("timed out after %ds" % timeout)
    except OSError as e:
        raise RuntimeError("cannot run %s: %s" % (sluicectl, e))
    err = proc.stderr.decode("utf-8", "replace").strip().splitlines()
    if proc.returncode == 2 or proc.returncode < 0 or proc.returncode > 2:
        raise RuntimeError("exit %d: %s" % (proc.returncode, err[-1] if err else "(no stderr)"))
    lines = [l for l in proc.stdout.decode("utf-8", "replace").splitlines() if l.strip()]
    objs = []
    for l in lines:
        try:
            objs.append(json.loads(l))
        except ValueError:
            pass
    if len(objs) != 1 or not isinstance(objs[0], dict):
        raise RuntimeError("expected one JSON object on stdout, got %d (%d lines)" % (len(objs), len(lines)))
    return proc.returncode, objs[0]


def check_output(src, sluicectl, conf, tmp, res, output, timeout):
    """What every output must be (issue 10): no bad host a linkifier would
    take, and a rescan that is clean and finds the parts announced."""
    problems = ["live link: " + l for l in live_bad_links(output_views(output), bad_hosts(src, conf, res))]
    out_eml = os.path.join(tmp, "out.eml")
    out2 = os.path.join(tmp, "out2.eml")
    try:
        _, res2 = scan(sluicectl, conf, os.path.join(tmp, "data"), out_eml, out2, timeout)
    except RuntimeError as e:
        return problems + ["rescan of the output: %s" % e]
    data2 = None
    if os.path.exists(out2):
        with open(out2, "rb") as f:
            data2 = f.read()
    return problems + rescan_problems(res, res2, output, data2)


def run_case(sluicectl, conf, eml, exp, timeout, src="."):
    problems = []
    tmp = tempfile.mkdtemp(prefix="sluice-corpus-")
    try:
        out = os.path.join(tmp, "out.eml")
        data_dir = os.path.join(tmp, "data")
        os.mkdir(data_dir)
        try:
            rc, res = scan(sluicectl, conf, data_dir, eml, out, timeout)
        except RuntimeError as e:
            return [str(e)]
        verdict = res.get("verdict")
        findings = res.get("findings") or []
        if not isinstance(findings, list):
            return ["findings is not a list"]
        fdesc = ", ".join("%s@%s" % (f.get("kind"), f.get("part")) for f in findings
                          if isinstance(f, dict)) or "none"

        if verdict not in exp["verdicts"]:
            problems.append("verdict %s, expected %s (findings: %s)"
                            % (verdict, "|".join(sorted(exp["verdicts"])), fdesc))
        want_rc = 0 if verdict == "clean" else 1
        if verdict in VERDICTS and rc != want_rc:
            problems.append("exit %d with verdict %s" % (rc, verdict))
        for kinds, part in exp["findings"]:
            if not any(isinstance(f, dict) and f.get("kind") in kinds and part_matches(f.get("part"), part)
                       for f in findings):
                problems.append("no %s finding%s (findings: %s)"
                                % ("|".join(sorted(kinds)), " on " + part if part else "", fdesc))
        for rule, part in exp["rules"]:
            if not any(isinstance(f, dict) and f.get("rule") == rule and part_matches(f.get("part"), part)
                       for f in findings):
                problems.append("no finding with rule %s%s (rules: %s)"
                                % (rule, " on " + part if part else "",
                                   ", ".join("%s@%s" % (f.get("rule"), f.get("part")) for f in findings
                                             if isinstance(f, dict)) or "none"))
        urls = res.get("urls") or []
        if not isinstance(urls, list):
            urls = []
        for reps, sub in exp["urls"]:
            hits = [u for u in urls if isinstance(u, dict)
                    and any(isinstance(u.get(k), str) and sub in u[k] for k in ("url", "found"))]
            if not hits:
                problems.append("url %s: no such entry in urls[] (%d urls)" % (sub, len(urls)))
            elif not any(u.get("reputation") in reps for u in hits):
                problems.append("url %s: reputation %s (source %s), expected %s"
                                % (sub, ",".join(sorted({str(u.get("reputation")) for u in hits})),
                                   hits[0].get("source"), "|".join(sorted(reps))))
        for kind in exp["nofindings"]:
            bad = [f for f in findings if isinstance(f, dict) and f.get("kind") == kind]
            if bad:
                problems.append("unexpected %s finding on %s: %s"
                                % (kind, bad[0].get("part"), bad[0].get("detail")))

        with open(eml, "rb") as f:
            original = f.read()
        if not os.path.exists(out):
            if verdict != "reject":
                problems.append("no --output file written")
            return problems
        with open(out, "rb") as f:
            output = f.read()
        if exp["absent"] or exp["present"]:
            views = output_views(output)
            for t in exp["absent"]:
                where = view_contains(views, t)
                if where:
                    problems.append("absent %r: found in the output (%s)" % (t, where))
            for t in exp["present"]:
                if not view_contains(views, t):
                    problems.append("present %r: not in the output" % t)
        if exp["identical"] == "yes" and output != original:
            problems.append("output differs from input (%d vs %d bytes)" % (len(output), len(original)))
        if exp["identical"] == "except-own-headers" and (output == original
                                                           or output != strip_own_headers(original)):
            problems.append("output is not the input less its X-Sluice-* fields (%d vs %d bytes)"
                            % (len(output), len(original)))
        if verdict == "clean" and output != strip_own_headers(original):
            problems.append("clean, but the output differs from the input beyond its X-Sluice-* fields")
        problems += check_output(src, sluicectl, conf, tmp, res, output, timeout)
        if output != original and verdict != "clean":
            try:
                outmsg = parse_bytes(output)
            except Exception as e:  # noqa: BLE001 - any parse failure is the finding
                problems.append("output does not parse: %s" % e)
                return problems
            if outmsg.get("X-Sluice-Verdict") is None:
                problems.append("output has no X-Sluice-Verdict header")
            for pid in exp["removed"]:
                part = find_part(outmsg, pid)
                if part is None:
                    problems.append("removed %s: no such part in output" % pid)
                    continue
                if part.get_content_type() != "text/plain":
                    problems.append("removed %s: output part is %s, not text/plain"
                                    % (pid, part.get_content_type()))
                    continue
                body = part.get_payload(decode=True) or b""
                if b"sluice" not in body.lower():
                    problems.append("removed %s: notice does not mention sluice" % pid)
            if exp["kept"]:
                inmsg = parse_bytes(original)
                for pid in exp["kept"]:
                    part = find_part(inmsg, pid)
                    raw = raw_payload(part) if part is not None else None
                    if raw is None:
                        problems.append("kept %s: no such leaf part in the input (corpus bug)" % pid)
                    elif raw not in output:
                        problems.append("kept %s: its %d raw bytes are not in the output" % (pid, len(raw)))
        elif exp["removed"]:
            problems.append("output is the unchanged input, expected %s removed"
                            % ", ".join(exp["removed"]))
        return problems
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.environ.get("SLUICE_SOURCE_DIR") or os.path.normpath(os.path.join(here, "..", ".."))
    build = os.environ.get("SLUICE_BUILD_DIR", "")
    sluicectl = os.environ.get("SLUICECTL") or (os.path.join(build, "sluicectl") if build else "")
    if not sluicectl:
        print("FAIL setup: set SLUICE_BUILD_DIR (or SLUICECTL)")
        print("0 passed, 1 failed")
        return 1
    conf = os.path.join(src, "conf", "sluice.conf")
    if not os.path.exists(conf):
        conf = None
    corpus = os.environ.get("SLUICE_CORPUS_DIR") or os.path.join(src, "tests", "data", "email")
    timeout = int(os.environ.get("SLUICE_CASE_TIMEOUT", "120"))
    names = sorted(f[:-4] for f in os.listdir(corpus) if f.endswith(".eml"))
    if argv:
        names = [n for n in names if n in set(argv)]
    passed = failed = 0
    for name in names:
        eml = os.path.join(corpus, name + ".eml")
        try:
            with open(os.path.join(corpus, name + ".expect"), encoding="utf-8") as f:
                exp = parse_expect(f.read())
            problems = run_case(sluicectl, conf, eml, exp, timeout, src)
        except (OSError, ExpectError) as e:
            problems = ["expect file: %s" % e]
        if problems:
            failed += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)), flush=True)
        else:
            passed += 1
            print("ok %s" % name, flush=True)
    if passed + failed == 0:
        print("FAIL setup: no cases in %s" % corpus)
        failed = 1
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
