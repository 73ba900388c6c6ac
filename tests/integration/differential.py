#!/usr/bin/env python3
"""Parser differential test: sluice against the readers an agent might use.

Every input goes through `sluicectl scan --json --output-dir` (in batches, the
engine loaded once a batch); then what the agent receives goes through the
readers sluice is tested against:

  python-default   Python's email package, policy.default
  python-compat32  Python's email package, policy.compat32
                   (message_from_bytes, walk, get_payload(decode=True), get_filename)
  ripmime          Debian package ripmime
  munpack          Debian package mpack (munpack -t)

A reader that extracts a program (ELF, PE or Mach-O bytes) or a script or
program by name (.js, .exe, ...) from that output is a failure: sluice delivered
something it neither removed nor held back. Also a failure: a control message
(ordinary or sloppy-but-common mail) that is not clean, and a generated
message, corpus case or fuzzer input whose non-clean output does not rescan
clean (the rewriter's invariant: placeholders and notices are clean mail).
SLUICE_DIFF_STRICT_RESCAN=0 turns that into a note for the corpus and the
fuzzers' inputs (for bisecting).

Inputs: the generated ambiguous messages (gen_ambiguous.py) and
SLUICE_DIFF_MUTANTS (3000) mutants of them (mutate_ambiguous.py, seed
SLUICE_DIFF_MUTANT_SEED, 1), the corpus
tests/data/email, the fuzzers' seeds (tests/fuzz/seeds), the corpus and
artifacts run_fuzzer.sh keeps (SLUICE_FUZZ_KEEP, SLUICE_FUZZ_ARTIFACTS, at most
FUZZ_SAMPLE files from each), and any files or folders given as arguments.

Environment: SLUICE_BUILD_DIR (or SLUICECTL), SLUICE_SOURCE_DIR.
Prints "FAIL name: reason" lines and a summary; exits 1 on any failure.
"""

import concurrent.futures
import email
import email.policy
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import warnings

sys.setrecursionlimit(10000)
warnings.simplefilter("ignore")

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_ambiguous  # noqa: E402
import mutate_ambiguous  # noqa: E402

# What a double click runs, by name (the readers' file names).
DANGEROUS_EXTS = {
    "js", "jse", "vbs", "vbe", "wsf", "wsh", "wsc", "hta", "bat", "cmd", "ps1", "psm1", "scr",
    "pif", "com", "cpl", "exe", "dll", "msi", "msp", "lnk", "jar", "reg", "sct", "inf", "scf",
    "application", "gadget", "msc", "url",
}
FUZZ_SAMPLE = int(os.environ.get("FUZZ_SAMPLE", "100"))
MUTANTS = int(os.environ.get("SLUICE_DIFF_MUTANTS", "3000"))
MUTANT_SEED = int(os.environ.get("SLUICE_DIFF_MUTANT_SEED", "1"))


def program_kind(data):
    if data[:4] == b"\x7fELF":
        return "ELF program"
    if data[:2] == b"MZ" and len(data) >= 64:
        off = int.from_bytes(data[60:64], "little")
        if data[off:off + 4] == b"PE\0\0" or off + 4 > len(data):
            return "PE program"
    if data[:4] in (b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf", b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe"):
        return "Mach-O program"
    return None


def name_kind(name):
    if not name:
        return None
    base = name.replace("\\", "/").rsplit("/", 1)[-1].rstrip(" .")
    if "." not in base:
        return None
    ext = base.rsplit(".", 1)[1].lower()
    return "file named .%s" % ext if ext in DANGEROUS_EXTS else None


def dangerous(data, name):
    return program_kind(data or b"") or name_kind(name)


# ---- readers -----------------------------------------------------------------

def read_python(data, policy):
    found = []
    try:
        m = email.message_from_bytes(data, policy=policy)
        parts = list(m.walk())
    except Exception:  # noqa: BLE001 - a reader that gives up extracts nothing
        return found
    for p in parts:
        try:
            if p.is_multipart():
                continue
            body = p.get_payload(decode=True)
            name = p.get_filename()
        except Exception:  # noqa: BLE001
            continue
        if not isinstance(body, bytes):
            continue
        what = dangerous(body, str(name) if name is not None else None)
        if what:
            found.append("%s (%s)" % (name or "unnamed part", what))
    return found


def read_dir(d):
    found = []
    for root, _, files in os.walk(d):
        for f in sorted(files):
            with open(os.path.join(root, f), "rb") as fh:
                head = fh.read(4096)
            what = dangerous(head, f)
            if what:
                found.append("%s (%s)" % (f, what))
    return found


def read_tool(cmd, path, work):
    d = tempfile.mkdtemp(dir=work)
    try:
        subprocess.run([a.replace("{in}", path).replace("{out}", d) for a in cmd],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=20, cwd=d)
    except (subprocess.TimeoutExpired, OSError):
        pass
    found = read_dir(d)
    shutil.rmtree(d, ignore_errors=True)
    return found


READERS = [
    ("ripmime", ["ripmime", "-i", "{in}", "-d", "{out}", "--timeout", "10"]),
    ("munpack", ["munpack", "-q", "-t", "-C", "{out}", "{in}"]),
]


# ---- sluice -------------------------------------------------------------------

def scan_batch(ctl, conf, data_dir, paths, outdir):
    """sluicectl scan --json --output-dir on paths (in one process, the engine
    loaded once); returns {path: result dict}."""
    cmd = [ctl, "scan", "--config", conf, "-o", "general.data_dir=" + data_dir, "--json",
           "--output-dir", outdir] + paths
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    res = {}
    for line in p.stdout.decode("utf-8", "replace").split("\n"):
        try:
            j = json.loads(line)
        except ValueError:
            continue
        res[j.get("file")] = j
    # A path without a result says why: the exit status and what sluicectl
    # printed last.
    why = "sluicectl exited %d: %s" % (p.returncode, p.stderr.decode("utf-8", "replace")[-600:].strip())
    for path in paths:
        res.setdefault(path, {"error": why})
    return res


def scan_all(ctl, conf, work, paths, outdir, jobs):
    """scan_batch over jobs chunks in parallel."""
    os.makedirs(outdir, exist_ok=True)
    data_dir = tempfile.mkdtemp(dir=work)
    chunks = [paths[i::jobs] for i in range(jobs)]
    res = {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for r in ex.map(lambda c: scan_batch(ctl, conf, data_dir, c, outdir) if c else {}, chunks):
            res.update(r)
    return res


def findings_text(res):
    return "; ".join("%s/%s@%s %s" % (f.get("kind"), f.get("rule"), f.get("part"),
                                      str(f.get("detail")).replace("\n", "\\n"))
                     for f in res.get("findings", []))


def check_one(item, res, again, out, work):
    """Problems and notes of one input, given its scan and rescan results."""
    name, kind, path = item
    problems, notes = [], []
    strict = kind in ("attack", "control", "extra") or os.environ.get("SLUICE_DIFF_STRICT_RESCAN", "1") != "0"
    if res is None or "error" in res:
        return "error", ["sluicectl gave no result for it (%s)" % (res or {}).get("error", "not scanned")], notes
    verdict = res.get("verdict")
    if kind == "control" and verdict != "clean":
        problems.append("control message is %s: %s" % (verdict, findings_text(res)))
    if not os.path.exists(out):
        if verdict != "reject":
            problems.append("no output written")
        return verdict, problems, notes
    with open(out, "rb") as f:
        output = f.read()
    if verdict != "clean" and (again is None or again.get("verdict") != "clean"):
        (problems if strict else notes).append("its output rescans %s: %s" % (
            again.get("verdict", "with an error") if again else "with an error",
            findings_text(again) if again and "error" not in again else (again or {}).get("error", "")))
    d = tempfile.mkdtemp(dir=work)
    try:
        for rname, cmd in READERS:
            for x in read_tool(cmd, out, d):
                problems.append("%s extracts %s from sluice's %s output" % (rname, x, verdict))
    finally:
        shutil.rmtree(d, ignore_errors=True)
    for rname, pol in (("python-default", email.policy.default),
                       ("python-compat32", email.policy.compat32)):
        for x in read_python(output, pol):
            problems.append("%s extracts %s from sluice's %s output" % (rname, x, verdict))
    return verdict, problems, notes


def keep_input(path, name):
    """A fuzzer's input that fails stays with the artifacts run_fuzzer.sh keeps
    (read again by every later run until it passes)."""
    keep = os.environ.get("SLUICE_FUZZ_ARTIFACTS", "/tmp/sluice-fuzz-artifacts")
    if os.path.dirname(os.path.abspath(path)) == os.path.abspath(keep):
        return path  # read from there already
    os.makedirs(keep, exist_ok=True)
    dest = os.path.join(keep, "differential-" + os.path.basename(path))
    if not os.path.exists(dest):
        shutil.copyfile(path, dest)
    return dest


def sample(files, n):
    """A deterministic sample of n files (ordered by a hash of their path)."""
    files = sorted(files, key=lambda f: hashlib.sha256(f.encode()).hexdigest())
    return files[:n]


def files_in(d, limit=None):
    out = []
    if d and os.path.isdir(d):
        for root, _, names in os.walk(d):
            out += [os.path.join(root, n) for n in names if not n.endswith(".expect")]
    out.sort()
    return sample(out, limit) if limit is not None and len(out) > limit else out


def main(argv):
    src = os.environ.get("SLUICE_SOURCE_DIR") or os.path.normpath(os.path.join(HERE, "..", ".."))
    build = os.environ.get("SLUICE_BUILD_DIR", os.path.join(src, "build"))
    ctl = os.environ.get("SLUICECTL") or os.path.join(build, "sluicectl")
    conf = os.path.join(src, "conf", "sluice.conf")
    for tool in ("ripmime", "munpack"):
        if shutil.which(tool) is None:
            print("FAIL setup: %s is not installed (scripts/deps.sh test)" % tool)
            return 1
    work = tempfile.mkdtemp(prefix="sluice-diff-")
    try:
        gen = os.path.join(work, "gen")
        os.mkdir(gen)
        items = []
        for name, kind, data in gen_ambiguous.cases():
            p = os.path.join(gen, name + ".eml")
            with open(p, "wb") as f:
                f.write(data)
            items.append((name, kind, p))
        # Mutants of the generated cases (fixed seed: every run reads the
        # same ones), judged like the fuzzers' inputs.
        mdir = os.path.join(work, "mutants")
        os.mkdir(mdir)
        for name, data in mutate_ambiguous.mutants(MUTANTS, MUTANT_SEED):
            p = os.path.join(mdir, name + ".eml")
            with open(p, "wb") as f:
                f.write(data)
            items.append(("mutant/" + name, "fuzz", p))
        ngen = len(items)
        for p in [f for f in files_in(os.path.join(src, "tests", "data", "email")) if f.endswith(".eml")]:
            items.append(("corpus/" + os.path.basename(p), "corpus", p))
        seeds = files_in(os.path.join(src, "tests", "fuzz", "seeds"))
        kept = []
        for env, default in (("SLUICE_FUZZ_KEEP", os.path.join(build, "fuzz-kept")),
                             ("SLUICE_FUZZ_ARTIFACTS", "/tmp/sluice-fuzz-artifacts")):
            kept += files_in(os.environ.get(env, default), FUZZ_SAMPLE)
        for p in seeds + kept:
            items.append(("fuzz/" + os.path.relpath(p, src if p.startswith(src) else "/"), "fuzz", p))
        for a in argv:
            for p in files_in(a) if os.path.isdir(a) else [a]:
                items.append(("extra/" + os.path.basename(p), "extra", p))
        # Every input under a name of its own: sluicectl writes DIR/<file name>.
        indir = os.path.join(work, "in")
        os.mkdir(indir)
        staged, origin = [], {}
        for i, (name, kind, p) in enumerate(items):
            q = os.path.join(indir, "%04d.eml" % i)
            shutil.copyfile(p, q)
            staged.append((name, kind, q))
            origin[q] = p
        jobs = max(2, os.cpu_count() or 2)
        outdir, againdir = os.path.join(work, "out"), os.path.join(work, "again")
        t0 = time.time()
        first = scan_all(ctl, conf, work, [q for _, _, q in staged], outdir, jobs)
        t1 = time.time()
        outs = {q: os.path.join(outdir, os.path.basename(q)) for _, _, q in staged}
        redo = [outs[q] for _, _, q in staged
                if q in first and first[q].get("verdict") != "clean" and os.path.exists(outs[q])]
        second = scan_all(ctl, conf, work, redo, againdir, jobs)
        t2 = time.time()
        failed = noted = 0
        verdicts = {}

        def one(it):
            q = it[2]
            return it, check_one(it, first.get(q), second.get(outs[q]), outs[q], work)

        with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
            for (name, kind, path), (verdict, problems, notes) in ex.map(one, staged):
                verdicts[verdict] = verdicts.get(verdict, 0) + 1
                if notes:
                    noted += 1
                    print("note %s [%s, %s]: %s" % (name, kind, verdict, " | ".join(n[:300] for n in notes)),
                          flush=True)
                if problems:
                    failed += 1
                    print("FAIL %s [%s, %s]: %s" % (name, kind, verdict, " | ".join(problems)),
                          flush=True)
                    if kind == "fuzz":
                        print("     kept for the next runs: %s" % keep_input(origin[path], name), flush=True)
        print("%d messages (%d generated, %d corpus/fuzz/extra): %s; %d with notes; %d failed"
              % (len(items), ngen, len(items) - ngen,
                 ", ".join("%s %d" % kv for kv in sorted(verdicts.items())), noted, failed))
        print("time: scan %.1fs, rescan %.1fs, readers %.1fs" % (t1 - t0, t2 - t1, time.time() - t2))
        print("readers: python-default, python-compat32, %s" % ", ".join(r for r, _ in READERS))
        return 1 if failed else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
