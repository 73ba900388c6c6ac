#!/usr/bin/env python3
"""Python's own e-mail test messages (Debian package libpython3.11-testsuite,
/usr/lib/python3.11/test/test_email/data, 47 messages, many deliberately
broken) through `sluicectl scan`: each must get the verdict below. A message
is quarantined only where a mail reader could read it differently than
sluice does; the reason says why, or why the sloppiness is harmless.

Environment: SLUICE_BUILD_DIR (or SLUICECTL), SLUICE_SOURCE_DIR,
PYTHON_EMAIL_DATA (default the Debian path). Prints "ok"/"FAIL" per message.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile

CLEAN, QUARANTINE = "clean", "quarantine"

EXPECT = {
    "msg_01.txt": (CLEAN, "plain text message"),
    "msg_02.txt": (CLEAN, "mailing-list digest: multipart/mixed with a multipart/digest of texts"),
    "msg_03.txt": (CLEAN, "no Content-Type: text/plain for every reader"),
    "msg_04.txt": (CLEAN, "simple multipart/mixed of two texts"),
    "msg_05.txt": (CLEAN, "multipart/report with an attached message, well formed"),
    "msg_06.txt": (CLEAN, "a forwarded message/rfc822"),
    "msg_07.txt": (CLEAN, "text and a GIF image"),
    "msg_08.txt": (CLEAN, "multipart of text parts in several charsets"),
    "msg_09.txt": (CLEAN, "the same with a part without Content-Type (text/plain for all)"),
    "msg_10.txt": (CLEAN, "text parts in 7bit, base64 and quoted-printable"),
    "msg_11.txt": (CLEAN, "a message that is only a message/rfc822"),
    "msg_12.txt": (CLEAN, "nested multipart of texts"),
    "msg_12a.txt": (CLEAN, "the same with a differently ordered nesting"),
    "msg_13.txt": (CLEAN, "nested multipart with an image"),
    "msg_14.txt": (CLEAN, "Content-Type 'text' without subtype: GMime makes it an application/"
                          "octet-stream leaf, Python text/plain; one leaf for both, typed by content"),
    "msg_15.txt": (QUARANTINE, "a nested multipart reuses its parent's boundary: readers disagree "
                               "on which part the GIF after the inner close belongs to"),
    "msg_16.txt": (CLEAN, "delivery report (multipart/report, message/delivery-status)"),
    "msg_17.txt": (QUARANTINE, "multipart/mixed without a single delimiter line: GMime finds no "
                               "part, what a client shows of the text is a guess"),
    "msg_18.txt": (CLEAN, "a header folded over several lines"),
    "msg_19.txt": (QUARANTINE, "no header block at all (a digest's text): not a message; mail from "
                               "Postfix always has headers"),
    "msg_20.txt": (CLEAN, "two Cc headers: real mail has them, they change nothing in how the "
                          "message is read (issue 10 section 2)"),
    "msg_21.txt": (CLEAN, "multipart with preamble and epilogue text"),
    "msg_22.txt": (CLEAN, "text and two images"),
    "msg_23.txt": (CLEAN, "minimal multipart with one text part"),
    "msg_24.txt": (CLEAN, "multipart whose one part is empty"),
    "msg_25.txt": (QUARANTINE, "multipart/report whose boundary parameter is cut ('bo'): GMime "
                               "finds no part, other readers guess"),
    "msg_26.txt": (CLEAN, "text and an application/riscos attachment (typed by content)"),
    "msg_27.txt": (CLEAN, "header with continuation lines"),
    "msg_28.txt": (CLEAN, "multipart/digest of messages"),
    "msg_29.txt": (CLEAN, "a trailing ';' in Content-Type"),
    "msg_30.txt": (CLEAN, "multipart/digest whose parts have no headers (message/rfc822 by the "
                          "digest default, for GMime and Python alike)"),
    "msg_31.txt": (QUARANTINE, "declared boundary BOUNDARY_, delimiters --BOUNDARY: GMime sees no "
                               "part and no close, readers that compare loosely see two"),
    "msg_32.txt": (CLEAN, "RFC 2231 charset parameter"),
    "msg_33.txt": (CLEAN, "multipart/signed with RFC 2231 parameters"),
    "msg_34.txt": (CLEAN, "multipart/digest with a text part"),
    "msg_35.txt": (QUARANTINE, "no blank line between header and body: GMime reads the text as a "
                               "broken header, Python as the body"),
    "msg_36.txt": (CLEAN, "message/external-body parts: headers of a file elsewhere, parsed as "
                          "mail, nothing to fetch or run"),
    "msg_37.txt": (QUARANTINE, "delimiter lines in a row: GMime takes them for header lines, "
                               "Python makes empty parts"),
    "msg_38.txt": (QUARANTINE, "outer delimiters (with a trailing blank) inside the text of an inner "
                               "part: which part the text belongs to depends on the reader"),
    "msg_39.txt": (QUARANTINE, "nested multiparts reuse one boundary: readers split differently"),
    "msg_40.txt": (QUARANTINE, "text/html with a boundary parameter and delimiter lines: GMime and "
                               "Python show one HTML part, ripmime splits it into parts"),
    "msg_41.txt": (QUARANTINE, "multipart/alternative without a boundary: no reader knows its parts"),
    "msg_42.txt": (CLEAN, "a message/rfc822 holding a multipart, well formed"),
    "msg_43.txt": (CLEAN, "delivery report whose text/rfc822-headers declare a multipart: headers "
                          "only, parsed as mail, nothing can hide in them"),
    "msg_44.txt": (CLEAN, "text attachments named msg.txt"),
    "msg_45.txt": (CLEAN, "multipart/signed with a PGP signature"),
    "msg_46.txt": (CLEAN, "Groupwise forward: message/rfc822 in ISO-8859-15"),
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    src = os.environ.get("SLUICE_SOURCE_DIR") or os.path.normpath(os.path.join(here, "..", ".."))
    build = os.environ.get("SLUICE_BUILD_DIR", os.path.join(src, "build"))
    ctl = os.environ.get("SLUICECTL") or os.path.join(build, "sluicectl")
    data = os.environ.get("PYTHON_EMAIL_DATA", "/usr/lib/python3.11/test/test_email/data")
    if not os.path.isdir(data):
        print("FAIL setup: %s is missing (Debian package libpython3.11-testsuite, scripts/deps.sh test)"
              % data)
        return 1
    files = sorted(f for f in os.listdir(data) if f.startswith("msg_") and f.endswith(".txt"))
    work = tempfile.mkdtemp(prefix="sluice-pyemail-")
    failed = passed = 0
    try:
        p = subprocess.run([ctl, "scan", "--config", os.path.join(src, "conf", "sluice.conf"),
                            "-o", "general.data_dir=" + work, "--json"] +
                           [os.path.join(data, f) for f in files],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=300)
        got = {}
        for line in p.stdout.decode("utf-8", "replace").split("\n"):
            if not line.strip():
                continue
            j = json.loads(line)
            got[os.path.basename(j["file"])] = j
        for f in sorted(set(files) | set(EXPECT)):
            want, why = EXPECT.get(f, (None, None))
            res = got.get(f)
            if want is None:
                print("FAIL %s: not in the table: decide its verdict and say why" % f)
            elif res is None:
                print("FAIL %s: no result (the Debian package changed?)" % f)
            elif res["verdict"] != want:
                print("FAIL %s: %s, expected %s (%s): %s" % (
                    f, res["verdict"], want, why, "; ".join(
                        "%s/%s@%s %s" % (x["kind"], x["rule"], x["part"], x["detail"])
                        for x in res["findings"])))
            elif want == QUARANTINE and not any(x["kind"] == "structure" for x in res["findings"]):
                print("FAIL %s: quarantined, but not for its structure" % f)
            else:
                passed += 1
                print("ok %s %s: %s" % (f, want, why))
                continue
            failed += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
