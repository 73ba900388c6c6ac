#!/usr/bin/env python3
"""ClamAV's own test files (Debian package clamav-testfiles) through sluice.

Every file of /usr/share/clamav-testfiles holds clam.exe, ClamAV's harmless
test program: as it is, packed, in every archive and installer format ClamAV
opens, in mail, in HTML, and embedded in four ordinary documents. Each file is
sent as the attachment of a message built here (and the mail ones also as the
message itself) through `sluicectl scan --json --output`, and must be stopped:

  - the verdict is not clean, and the findings include the rules recorded
    for the file below (the documents: embedded_executable);
  - what the agent would receive (--output) no longer holds the file: the
    attachment became sluice's notice, or the message was held, and scanning
    that output again finds nothing (for the messages built here: clean).

A file in the folder without an entry below fails the test: a new file in a
later package must be judged, with its reason, not passed by default.

Environment: SLUICE_BUILD_DIR or SLUICECTL (the sluicectl to run),
SLUICE_SOURCE_DIR (for conf/sluice.conf), CLAMAV_TESTFILES (default
/usr/share/clamav-testfiles). Prints "ok NAME" or "FAIL NAME: reason", then a
summary; exits 1 if anything failed or nothing ran.
"""

import base64
import concurrent.futures
import email
import email.policy
import json
import os
import subprocess
import sys
import tempfile

PROGRAM = {"executable"}
IN_ARCHIVE = {"executable"}   # on the member (2/1, 2/1/1...): the archive is removed whole
EMBEDDED = {"embedded_executable"}

# file -> (rules that must be among the findings, why)
EXPECT = {
    "clam.exe": (PROGRAM, "a PE32 program"),
    "clam-aspack.exe": (PROGRAM, "a PE packed with ASPack"),
    "clam-fsg.exe": (PROGRAM, "a PE packed with FSG"),
    "clam-mew.exe": (PROGRAM, "a PE packed with MEW"),
    "clam-nsis.exe": (PROGRAM, "a Nullsoft (NSIS) installer: a PE"),
    "clam-pespin.exe": (PROGRAM, "a PE packed with PESpin"),
    "clam-petite.exe": (PROGRAM, "a PE packed with Petite"),
    "clam-upack.exe": (PROGRAM, "a PE packed with Upack"),
    "clam-upx.exe": (PROGRAM, "a PE packed with UPX"),
    "clam-wwpack.exe": (PROGRAM, "a PE packed with WWPack32"),
    "clam-yc.exe": (PROGRAM, "a PE encrypted with yoda's Crypter"),
    "clam.ea05.exe": (PROGRAM, "a compiled AutoIt script (EA05): a PE"),
    "clam.ea06.exe": (PROGRAM, "a compiled AutoIt script (EA06): a PE"),
    "clam_IScab_ext.exe": (PROGRAM, "an InstallShield setup with an external cabinet: a PE"),
    "clam_IScab_int.exe": (PROGRAM, "an InstallShield setup with an internal cabinet: a PE"),
    "clam_ISmsi_ext.exe": (PROGRAM, "an InstallShield MSI setup, external: a PE"),
    "clam_ISmsi_int.exe": (PROGRAM, "an InstallShield MSI setup, internal: a PE"),
    "clam.7z": (IN_ARCHIVE, "a 7-Zip archive holding clam.exe"),
    "clam.arj": (IN_ARCHIVE, "an ARJ archive holding clam.exe"),
    "clam.bin-be.cpio": (IN_ARCHIVE, "a big-endian binary cpio archive holding clam.exe"),
    "clam.bin-le.cpio": (IN_ARCHIVE, "a little-endian binary cpio archive holding clam.exe"),
    "clam.newc.cpio": (IN_ARCHIVE, "an SVR4 (newc) cpio archive holding clam.exe"),
    "clam.odc.cpio": (IN_ARCHIVE, "a portable (odc) cpio archive holding clam.exe"),
    "clam.bz2.zip": (IN_ARCHIVE, "a zip whose member is bzip2-compressed"),
    "clam.d64.zip": (IN_ARCHIVE, "a zip whose member is Deflate64-compressed"),
    "clam.impl.zip": (IN_ARCHIVE, "a zip whose member is imploded"),
    "clam.zip": (IN_ARCHIVE, "a zip holding clam.exe"),
    "clam.cab": (IN_ARCHIVE, "a Microsoft cabinet holding clam.exe"),
    "clam.tar.gz": (IN_ARCHIVE, "a gzip-compressed tar holding clam.exe"),
    "clam.exe.bz2": (IN_ARCHIVE, "clam.exe compressed with bzip2"),
    "clam.exe.szdd": (IN_ARCHIVE, "clam.exe compressed with MS Compress (SZDD), typed from ClamAV's layer"),
    "clam.exe.binhex": (IN_ARCHIVE, "clam.exe in BinHex 4.0 text, decoded by ClamAV"),
    "clam.chm": ({"script", "executable"}, "a compiled HTML help file holding clam.exe"),
    "clam.sis": ({"installer", "executable"}, "a Symbian installer holding clam.exe"),
    "clam.tnef": (IN_ARCHIVE, "a TNEF winmail.dat carrying clam.exe"),
    "clam.exe.html": ({"html_attachment", "executable"},
                      "HTML whose data: link carries clam.exe (ClamAV decodes it)"),
    "clam.exe.mbox.base64": (PROGRAM, "a mailbox whose message carries clam.exe in base64"),
    "clam.exe.mbox.uu": (PROGRAM, "a mailbox whose message carries clam.exe uuencoded"),
    "clam.mail": (PROGRAM, "a message (attached as a file) carrying clam.exe"),
    "clam_cache_emax.tgz": ({"limit"}, "tgz in tgz 16 deep with clam.exe at the bottom: ClamAV stops "
                                        "at clamav.max_recursion, so the message is incomplete and held"),
    "clam.exe.rtf": (EMBEDDED, "an RTF whose \\objdata object is clam.exe"),
    "clam.ole.doc": (EMBEDDED, "a Word 97 document with clam.exe as an OLE Package object"),
    "clam.ppt": (EMBEDDED, "a PowerPoint file whose embedded OLE document holds clam.exe"),
    "clam.pdf": (EMBEDDED, "a PDF whose embedded file is clam.exe"),
}

# Files that are mail themselves: also scanned as the message.
AS_MESSAGE = {"clam.mail", "clam.exe.mbox.base64", "clam.exe.mbox.uu"}

# Findings that mean the output still carries something dangerous.
DANGER_KINDS = {"virus", "filetype", "filename"}
DANGER_RULES = {"unexplained_layer", "unexplained_detection"}


def wrap(name, data):
    """A plain multipart message with the file as its second part."""
    b64 = base64.encodebytes(data).decode().replace("\n", "\r\n")
    return ("From: customer@customer.example\r\nTo: support@contact-center.example\r\n"
            "Subject: file %s\r\nDate: Mon, 04 Mar 2024 09:15:00 +0100\r\n"
            "Message-ID: <clamav-testfile@corpus.sluice.test>\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"=_sluice_testfile\"\r\n\r\n"
            "--=_sluice_testfile\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
            "Please see the attached file.\r\n"
            "--=_sluice_testfile\r\nContent-Type: application/octet-stream; name=\"%s\"\r\n"
            "Content-Disposition: attachment; filename=\"%s\"\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n%s"
            "--=_sluice_testfile--\r\n" % (name, name, name, b64)).encode()


def scan(ctl, conf, path, output=None):
    data_dir = path + ".data"
    os.makedirs(data_dir, exist_ok=True)
    cmd = [ctl, "scan", "--config", conf, "-o", "general.data_dir=" + data_dir, "--json"]
    if output:
        cmd += ["--output", output]
    r = subprocess.run(cmd + [path], capture_output=True, timeout=120)
    if r.returncode not in (0, 1):
        raise RuntimeError("sluicectl exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")))
    return json.loads(r.stdout.decode().splitlines()[0])


def decoded_parts(raw):
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    return [p.get_payload(decode=True) or b"" for p in msg.walk() if not p.is_multipart()]


def check(ctl, conf, tmp, name, data, as_message):
    """Returns None when the file was stopped, else the reason it was not."""
    want, _why = EXPECT[name]
    label = name + (" (as the message)" if as_message else "")
    src = os.path.join(tmp, label.replace(" ", "_") + ".eml")
    out = src + ".out"
    with open(src, "wb") as f:
        f.write(data if as_message else wrap(name, data))
    r = scan(ctl, conf, src, out)
    rules = {f["rule"] for f in r["findings"]}
    if r["verdict"] == "clean":
        return "verdict clean"
    if not as_message and not want <= rules:
        return "rules %s, expected %s among them" % (sorted(rules), sorted(want))
    if as_message and not rules & (PROGRAM | {"unexplained_layer"}):
        return "rules %s: no program found" % sorted(rules)
    if not os.path.exists(out):
        return None if r["verdict"] == "reject" else "no --output written"
    with open(out, "rb") as f:
        got = f.read()
    if data in got or any(p == data for p in decoded_parts(got)):
        return "the output still holds the file"
    if r["verdict"] == "rewrite" and not as_message:
        parts = decoded_parts(got)
        if len(parts) < 2 or b"sluice" not in parts[1]:
            return "part 2 of the output is not sluice's notice"
    again = scan(ctl, conf, out)
    bad = [f for f in again["findings"] if f["kind"] in DANGER_KINDS or f["rule"] in DANGER_RULES]
    if bad:
        return "the output rescans with %s" % [(f["rule"], f["part"]) for f in bad]
    if not as_message and again["verdict"] != "clean":
        # A message built here is well formed: what sluice makes of it must be too.
        return "the output rescans %s" % again["verdict"]
    return None


def main():
    src_dir = os.environ.get("SLUICE_SOURCE_DIR",
                             os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))
    ctl = os.environ.get("SLUICECTL") or os.path.join(
        os.environ.get("SLUICE_BUILD_DIR", os.path.join(src_dir, "build")), "sluicectl")
    conf = os.path.join(src_dir, "conf", "sluice.conf")
    folder = os.environ.get("CLAMAV_TESTFILES", "/usr/share/clamav-testfiles")
    if not os.path.isdir(folder):
        print("FAIL: %s is missing (scripts/deps.sh test installs clamav-testfiles)" % folder)
        return 1
    files = sorted(os.listdir(folder))
    failed = 0
    for name in sorted(set(EXPECT) - set(files)):
        print("FAIL %s: expected in %s, not there" % (name, folder))
        failed += 1
    jobs = []
    for name in files:
        if name not in EXPECT:
            print("FAIL %s: no expectation recorded (judge it and add it to EXPECT)" % name)
            failed += 1
            continue
        with open(os.path.join(folder, name), "rb") as f:
            data = f.read()
        jobs.append((name, data, False))
        if name in AS_MESSAGE:
            jobs.append((name, data, True))
    with tempfile.TemporaryDirectory(prefix="sluice-clamav-testfiles-") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as ex:
            futs = [(j, ex.submit(check, ctl, conf, tmp, *j)) for j in jobs]
            for (name, _data, as_message), fut in futs:
                label = name + (" (as the message)" if as_message else "")
                try:
                    why = fut.result()
                except Exception as e:  # a crash or a timeout is a failure, not a skip
                    why = "error: %s" % e
                if why:
                    print("FAIL %s: %s" % (label, why))
                    failed += 1
                else:
                    print("ok %s: %s" % (label, EXPECT[name][1]))
    ran = len(jobs)
    print("%d checked, %d failed" % (ran, failed))
    return 1 if failed or ran == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
