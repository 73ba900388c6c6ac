#!/usr/bin/env python3
"""What arrived through the test Postfix and sluiced's milter, checked.

  check_milter.py corpus --port P --sink DIR [--only NAME...]
      sends every tests/data/email/*.eml (CRLF, as a mail client sends it) to
      the test Postfix on port P, one recipient per case (NAME@corpus.test),
      waits for them at the smtp-sink dumping into DIR, and checks each
      against NAME.expect: the SMTP answer, one copy arrived, the verdict in
      X-Sluice-Verdict (with a reference unless clean), a clean message
      byte-identical to what was sent but for the trace fields and the
      verdict (and a sender's own X-Sluice-* fields), and the expect's
      present/absent/removed/kept lines on what the agent gets. Prints
      "ok NAME" or "FAIL NAME: reason", then "N passed, M failed", and the
      references of kept originals to DIR/refs ("NAME REF" lines).
  check_milter.py delivered FILE
      prints what the agent got (the sink's lines and the trace fields of
      this hop removed, the verdict kept) and the verdict on stderr.
  check_milter.py clean ORIGINAL FILE
      exit 0 when FILE is ORIGINAL (less its X-Sluice-* fields) plus the
      verdict "clean" and this hop's trace fields, nothing else.
"""
import argparse
import glob
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_corpus import (ExpectError, find_part, output_views, parse_bytes, parse_expect,  # noqa: E402
                          raw_payload, view_contains)
from output_checks import strip_own_headers  # noqa: E402
from smtp_send import send  # noqa: E402

SINK_LINES = (b"X-Client-Addr:", b"X-Client-Proto:", b"X-Helo-Args:", b"X-Mail-Args:", b"X-Rcpt-Args:")

# Cases Postfix itself changes before any milter sees them (so the agent gets
# what the milter judged, not what sluicectl scan reads from the file): the
# expectation through Postfix instead of NAME.expect, and why.
POSTFIX_EXPECT = {
    # Postfix ends the header block at the first line that is no header field
    # and stores the separator there: Postfix, the milter and the agent all
    # read the rest as the text/plain body. That body is laid out like a
    # message (a delimiter, a Content-Type naming facture.cmd), which some
    # readers open as one: sluice reads it so too, finds a broken header
    # block inside and holds it (the placeholder names the link defanged).
    "inject_placeholder_no_blank_line": "verdict: quarantine\nabsent: http://malware.invalid\n"
                                        "absent: name=\"facture.cmd\"\npresent: malware[.]invalid\n",
    # Postfix cuts the 1 MiB header field before it queues the message (to
    # about 60 KB, under limits.header_size): the agent gets the field the
    # milter saw. Not byte-identical to what was sent, by Postfix's doing.
    "limit_header_1mb": "verdict: clean\nidentical: no\n",
}


def _fields(block):
    """Header lines grouped into fields (continuation lines joined)."""
    out = []
    for line in block:
        if line[:1] in (b" ", b"\t") and out:
            out[-1].append(line)
        else:
            out.append([line])
    return out


def split_arrived(data):
    """(recipients line, verdict value or None, the message as the agent got
    it with the verdict field first). The sink writes LF line ends and puts
    its own lines and its Received field on top; this hop's Received field
    (Postfix's) is the first Received after the verdict."""
    if data.endswith(b"\n\n"):
        data = data[:-1]  # the sink ends each dump with an empty line
    lines = data.split(b"\n")
    i = 0
    rcpt = b""
    while i < len(lines) and lines[i].startswith(SINK_LINES):
        if lines[i].startswith(b"X-Rcpt-Args:"):
            rcpt += lines[i]
        i += 1
    # the sink's Received field
    if i < len(lines) and lines[i].startswith(b"Received:"):
        i += 1
        while i < len(lines) and lines[i][:1] in (b" ", b"\t"):
            i += 1
    try:
        end = lines.index(b"", i)
    except ValueError:
        end = len(lines)
    fields = _fields(lines[i:end])
    verdict = None
    kept = []
    dropped_received = False
    for f in fields:
        if verdict is None and f[0].lower().startswith(b"x-sluice-verdict:"):
            verdict = b" ".join(l.strip() for l in f)[len(b"X-Sluice-Verdict:"):].strip().decode()
            kept.insert(0, f)
            continue
        if not dropped_received and f[0].startswith(b"Received:"):
            dropped_received = True
            continue
        kept.append(f)
    msg = b"\n".join(b"\n".join(f) for f in kept)
    rest = b"\n".join(lines[end:])
    return rcpt.decode("utf-8", "replace"), verdict, msg + b"\n" + rest if kept else rest


def without_verdict(msg):
    """The message less its first field (the verdict put first by split_arrived)."""
    nl = msg.find(b"\n")
    while nl >= 0 and msg[nl + 1:nl + 2] in (b" ", b"\t"):
        nl = msg.find(b"\n", nl + 1)
    return msg[nl + 1:]


def lf(data):
    return data.replace(b"\r\n", b"\n")


def clean_matches(original, arrived):
    rcpt, verdict, msg = split_arrived(arrived)
    if verdict != "clean":
        return "verdict %r, not clean" % verdict
    want = strip_own_headers(lf(original))
    if not want.endswith(b"\n"):
        want += b"\n"
    got = without_verdict(msg)
    if got != want:
        for n, (a, b) in enumerate(zip(got.split(b"\n"), want.split(b"\n"))):
            if a != b:
                return "differs at line %d: got %r, sent %r" % (n + 1, a[:120], b[:120])
        return "differs in length: got %d bytes, sent %d" % (len(got), len(want))
    return None


def check_case(name, exp, original, answer, arrived):
    problems = []
    code, text = answer
    if "reject" in exp["verdicts"] and code == 550:
        if "5.7.1" not in text:
            problems.append("rejected without 5.7.1: %s" % text)
        return problems, None
    if code != 250:
        return ["answer %d %s" % (code, text)], None
    if len(arrived) != 1:
        return ["%d copies arrived" % len(arrived)], None
    rcpt, verdict, msg = split_arrived(arrived[0])
    if verdict is None:
        return ["no X-Sluice-Verdict field at the top"], None
    word = verdict.split()[0]
    if word not in exp["verdicts"]:
        problems.append("verdict %s, expected %s" % (verdict, "|".join(sorted(exp["verdicts"]))))
    ref = None
    m = re.search(r"\((SL-[0-9A-Z-]+)\)", verdict)
    if word != "clean":
        if m is None:
            problems.append("verdict %r names no reference" % verdict)
        else:
            ref = m.group(1)
    if word == "clean" and exp["identical"] is not False:
        why = clean_matches(original, arrived[0])
        if why:
            problems.append("clean but not the message sent: " + why)
    views = output_views(msg)
    for t in exp["absent"]:
        where = view_contains(views, t)
        if where:
            problems.append("absent %r: found in what arrived (%s)" % (t, where))
    for t in exp["present"]:
        if not view_contains(views, t):
            problems.append("present %r: not in what arrived" % t)
    if word == "rewrite":
        outmsg = parse_bytes(msg)
        for pid in exp["removed"]:
            part = find_part(outmsg, pid)
            if part is None or part.get_content_type() != "text/plain" or \
                    b"sluice" not in (part.get_payload(decode=True) or b"").lower():
                problems.append("removed %s: no notice in its place" % pid)
        if exp["kept"]:
            inmsg = parse_bytes(lf(original))
            for pid in exp["kept"]:
                part = find_part(inmsg, pid)
                raw = raw_payload(part) if part is not None else None
                if raw is None or lf(raw) not in msg:
                    problems.append("kept %s: not in what arrived" % pid)
    return problems, ref


def corpus(args):
    src = os.environ.get("SLUICE_SOURCE_DIR") or os.path.normpath(
        os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    cases = sorted(glob.glob(os.path.join(src, "tests", "data", "email", "*.eml")))
    if args.only:
        cases = [c for c in cases if os.path.basename(c)[:-4] in args.only]
    answers = {}
    originals = {}
    for c in cases:
        name = os.path.basename(c)[:-4]
        with open(c, "rb") as f:
            originals[name] = f.read()
        answers[name] = send(args.port, "customer@example.net", ["%s@corpus.test" % name], originals[name])
    want = sum(1 for a in answers.values() if a[0] == 250)
    deadline = time.time() + args.timeout
    files = []
    while time.time() < deadline:
        files = glob.glob(os.path.join(args.sink, "msg.*"))
        if len(files) >= want:
            break
        time.sleep(0.2)
    time.sleep(0.5)  # anything more (duplicates) would come now
    by_rcpt = {}
    for fn in glob.glob(os.path.join(args.sink, "msg.*")):
        with open(fn, "rb") as f:
            data = f.read()
        rcpt, _, _ = split_arrived(data)
        mm = re.search(r"<([^@>]+)@corpus\.test>", rcpt)
        if mm:
            by_rcpt.setdefault(mm.group(1), []).append(data)
    passed = failed = 0
    refs = []
    for c in cases:
        name = os.path.basename(c)[:-4]
        try:
            if name in POSTFIX_EXPECT:
                exp = parse_expect(POSTFIX_EXPECT[name])
            else:
                with open(c[:-4] + ".expect", encoding="utf-8") as f:
                    exp = parse_expect(f.read())
                if exp["identical"] is False:
                    exp["identical"] = "yes"  # a clean message arrives as it was sent
        except (OSError, ExpectError) as e:
            print("FAIL %s: .expect: %s" % (name, e))
            failed += 1
            continue
        problems, ref = check_case(name, exp, originals[name], answers[name], by_rcpt.get(name, []))
        if ref:
            refs.append("%s %s" % (name, ref))
        if problems:
            print("FAIL %s: %s" % (name, "; ".join(problems)))
            failed += 1
        else:
            print("ok %s" % name)
            passed += 1
    with open(os.path.join(args.sink, "..", "refs"), "w") as f:
        f.write("\n".join(refs) + "\n")
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


def main():
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("corpus")
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--sink", required=True)
    c.add_argument("--timeout", type=int, default=120)
    c.add_argument("--only", nargs="*")
    d = sub.add_parser("delivered")
    d.add_argument("file")
    k = sub.add_parser("clean")
    k.add_argument("original")
    k.add_argument("file")
    args = ap.parse_args()
    if args.cmd == "corpus":
        return corpus(args)
    if args.cmd == "delivered":
        with open(args.file, "rb") as f:
            _, verdict, msg = split_arrived(f.read())
        sys.stdout.buffer.write(msg)
        print(verdict, file=sys.stderr)
        return 0
    with open(args.original, "rb") as f:
        original = f.read()
    with open(args.file, "rb") as f:
        arrived = f.read()
    why = clean_matches(original, arrived)
    if why:
        print(why)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
