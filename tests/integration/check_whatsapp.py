#!/usr/bin/env python3
"""Runs `sluicectl scan --channel whatsapp --media-dir media --json --output`
on every tests/data/whatsapp/NAME.json and checks what comes out against
NAME.expect (written by tests/data/gen_whatsapp.py).

Environment: SLUICE_BUILD_DIR (sluicectl), SLUICE_SOURCE_DIR.
Arguments: optional case names to run only those.

.expect format: one item a line, '#' comments. Items after "message: WAMID"
or "status: ID" are about that item until the next such line.
  message: WAMID          the message with this id
  verdict: V[|V...]       its JSON verdict is one of these
  finding: KIND[|KIND] [PART]  a finding of one of these kinds (on PART, or
                          on a part inside it: PART/..., PART....)
  rule: RULE [PART]       a finding with this rule (on PART, as above)
  identical: yes          the downstream message is the input's, plus its
                          "sluice" object; the contact is the input's
  kept: TYPE              the downstream media object TYPE still has its id
  withheld: TYPE          it lost id and url, and sluice.withheld names it
  removed: PART           the text field PART is sluice's removal notice
  placeholder: yes        the message became sluice's text placeholder
  present: TEXT / absent: TEXT   in the downstream message's strings
  status: ID              a status with this id is forwarded untouched
  dropped: N              N changes of the payload are not forwarded
Every case, whatever its .expect says:
  - one downstream payload per item, in Meta's shape, each message with a
    "sluice" object and a 32-hex delivery_id, the same in the JSON report;
  - no blocklisted host and no host of a link judged bad is left live in any
    string a platform shows (output_checks.live_bad_links);
  - the output scanned again is clean but for media it withheld (no id);
  - with a quarantine store, every message that is not clean names its
    reference in sluice.reference.
"""

import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import output_checks  # noqa: E402

SRC = os.environ.get("SLUICE_SOURCE_DIR") or os.path.abspath(os.path.join(os.path.dirname(__file__), "../.."))
BUILD = os.environ.get("SLUICE_BUILD_DIR") or os.path.join(SRC, "build")
CTL = os.environ.get("SLUICECTL") or os.path.join(BUILD, "sluicectl")
DATA = os.path.join(SRC, "tests/data/whatsapp")
CONF = os.path.join(SRC, "conf/sluice.conf")


def strings(v, out):
    if isinstance(v, str):
        out.append(v)
    elif isinstance(v, dict):
        for x in v.values():
            strings(x, out)
    elif isinstance(v, list):
        for x in v:
            strings(x, out)
    return out


def value_of(payload):
    return payload["entry"][0]["changes"][0]["value"]


def scan(path, tmp, extra=()):
    out = os.path.join(tmp, "out.jsonl")
    cmd = [CTL, "scan", "--config", CONF, "-o", "general.data_dir=" + os.path.join(tmp, "var"),
           "--channel", "whatsapp", "--media-dir", os.path.join(DATA, "media"), "--json", "--output", out, *extra,
           path]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    reports = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    outs = []
    if os.path.exists(out):
        with open(out, encoding="utf-8") as f:
            outs = [json.loads(line) for line in f if line.strip()]
    return p, reports, outs


def items_of(payload):
    n = 0
    msgs, sts, dropped = {}, {}, 0
    for e in payload["entry"]:
        for c in e.get("changes", []):
            v = c["value"]
            if c.get("field") != "messages":
                dropped += 1 if "messages" in json.dumps(v) else 0
                n += 0 if "messages" in json.dumps(v) else 1
                continue
            for m in v.get("messages", []):
                msgs[m["id"]] = (m, next((k for k in v.get("contacts", []) if k.get("wa_id") == m["from"]), None))
                n += 1
            for s in v.get("statuses", []):
                sts.setdefault(s["id"], []).append(s)
                n += 1
            if v.get("errors"):
                n += 1
    return n, msgs, sts, dropped


def under(part, want):
    return part == want or (part or "").startswith(want + "/") or (part or "").startswith(want + ".")


def field(msg, path):
    at = msg
    for step in path.split("."):
        at = at[int(step)] if isinstance(at, list) else at.get(step)
        if at is None:
            return None
    return at


def check_message(errs, wamid, items, inp, contact, report, down, bad):
    msg = value_of(down)["messages"][0]
    dcontacts = value_of(down).get("contacts", [])
    sl = msg.get("sluice")
    if not isinstance(sl, dict) or len(sl.get("delivery_id", "")) != 32:
        errs.append(f"{wamid}: no sluice object with a delivery_id")
        return
    text = strings({k: v for k, v in msg.items()}, []) + strings(dcontacts, [])
    views = [("downstream " + wamid, "\n".join(text))]
    live = output_checks.live_bad_links(views, bad)
    if live:
        errs.append(f"{wamid}: bad links left live: {live}")
    if report.get("verdict") != "clean" and report.get("reference") and sl.get("reference") != report["reference"]:
        errs.append(f"{wamid}: sluice.reference {sl.get('reference')} is not the report's {report['reference']}")
    for key, arg in items:
        if key == "verdict":
            if report["verdict"] not in arg.split("|"):
                errs.append(f"{wamid}: verdict {report['verdict']}, expected {arg}")
        elif key in ("finding", "rule"):
            what, _, part = arg.partition(" ")
            ok = any(f[("kind" if key == "finding" else "rule")] in what.split("|") and
                     (not part or under(f.get("part"), part.strip())) for f in report["findings"])
            if not ok:
                errs.append(f"{wamid}: no {key} {arg} in {report['findings']}")
        elif key == "identical":
            plain = {k: v for k, v in msg.items() if k != "sluice"}
            if plain != inp:
                errs.append(f"{wamid}: not identical: {plain}")
            if contact is not None and dcontacts != [contact]:
                errs.append(f"{wamid}: contact changed: {dcontacts}")
        elif key == "kept":
            if msg.get(arg, {}).get("id") != inp[arg]["id"]:
                errs.append(f"{wamid}: the {arg} lost its id")
        elif key == "withheld":
            o = msg.get(arg, {})
            if "id" in o or "url" in o or inp[arg]["id"] not in sl.get("withheld", []):
                errs.append(f"{wamid}: the {arg} was not withheld: {o} {sl.get('withheld')}")
            if "Reference:" not in sl.get("notice", "") and "not kept" not in sl.get("notice", ""):
                errs.append(f"{wamid}: no notice with a reference")
        elif key == "removed":
            v = field(msg, arg)
            if not isinstance(v, str) or "sluice removed" not in v:
                errs.append(f"{wamid}: {arg} is not a removal notice: {v!r}")
        elif key == "placeholder":
            body = field(msg, "text.body") or ""
            if msg.get("type") != "text" or "held" not in body or sl.get("verdict") != "quarantine":
                errs.append(f"{wamid}: not a placeholder: {msg}")
        elif key == "present":
            if not any(arg in t for t in text):
                errs.append(f"{wamid}: '{arg}' not present")
        elif key == "absent":
            if any(arg in t for t in text):
                errs.append(f"{wamid}: '{arg}' present")
        else:
            errs.append(f"{wamid}: unknown expect item {key}")


def load_case(name):
    """The payload of a case, its expectations by item, and how many changes it drops."""
    with open(os.path.join(DATA, name + ".json"), encoding="utf-8") as f:
        payload = json.load(f)
    with open(os.path.join(DATA, name + ".expect"), encoding="utf-8") as f:
        lines = [ln.split(" #")[0].strip() for ln in f if ln.strip() and not ln.startswith("#")]
    sections, cur, dropped_want = {}, None, 0
    for ln in lines:
        key, _, arg = ln.partition(":")
        key, arg = key.strip(), arg.strip()
        if key in ("message", "status"):
            cur = (key, arg)
            sections[cur] = []
        elif key == "dropped":
            dropped_want = int(arg)
        else:
            sections[cur].append((key, arg))
    return payload, sections, dropped_want


def run_case(name, tmp):
    errs = []
    path = os.path.join(DATA, name + ".json")
    payload, sections, dropped_want = load_case(name)
    p, reports, outs = scan(path, tmp)
    if p.returncode not in (0, 1):
        return [f"exit status {p.returncode}: {p.stderr.strip()}"]
    nitems, msgs, sts, dropped = items_of(payload)
    if len(outs) != nitems:
        errs.append(f"{len(outs)} downstream payloads for {nitems} items")
    if dropped != dropped_want:
        errs.append(f"{dropped} changes dropped, expected {dropped_want}")
    rep = {r["message"]: r for r in reports}
    down = {}
    for o in outs:
        v = value_of(o)
        for m in v.get("messages", []):
            down[("message", m["id"])] = o
        for s in v.get("statuses", []):
            down.setdefault(("status", s["id"]), []).append(s)
    want_status = 1 if any(r["verdict"] != "clean" for r in reports) else 0
    if p.returncode != want_status:
        errs.append(f"exit status {p.returncode}, expected {want_status}")
    for (kind, ident), items in sections.items():
        if kind == "status":
            if down.get(("status", ident)) != sts.get(ident):
                errs.append(f"status {ident} not forwarded untouched")
            continue
        if ("message", ident) not in down or ident not in rep:
            errs.append(f"message {ident}: no output or report")
            continue
        inp, contact = msgs[ident]
        bad = output_checks.bad_hosts(SRC, CONF, rep[ident])
        check_message(errs, ident, items, inp, contact, rep[ident], down[("message", ident)], bad)
        if rep[ident]["verdict"] != "clean" and not rep[ident].get("reference"):
            errs.append(f"message {ident}: not clean, but no reference (not kept)")
    # sluice's own output, scanned again, is clean (withheld media have no id: unscanned by design)
    if outs:
        again = os.path.join(tmp, "again.json")
        merged = {"object": "whatsapp_business_account", "entry": [e for o in outs for e in o["entry"]]}
        with open(again, "w", encoding="utf-8") as f:
            json.dump(merged, f)
        p2, reports2, _ = scan(again, tmp, ("--no-store",))
        for r in reports2:
            left = [f for f in r["findings"] if f["rule"] != "media_unscanned"]
            if left or (r["verdict"] != "clean" and not r["findings"]):
                errs.append(f"rescan of {r['message']}: {r['verdict']} {left}")
            withheld = set()
            for o in outs:
                for m in value_of(o).get("messages", []):
                    if m["id"] == r["message"]:
                        withheld = {t for t in ("image", "video", "audio", "document", "sticker")
                                    if t in m and "id" not in m[t]}
            for f in r["findings"]:
                if f["rule"] == "media_unscanned" and f["part"] not in withheld:
                    errs.append(f"rescan of {r['message']}: {f['part']} unscanned but was not withheld")
    return errs


def main():
    names = sys.argv[1:] or sorted(n[:-5] for n in os.listdir(DATA) if n.endswith(".json"))
    bad = 0
    for name in names:
        with tempfile.TemporaryDirectory() as tmp:
            errs = run_case(name, tmp)
        if errs:
            bad += 1
            print(f"FAIL {name}")
            for e in errs:
                print("   ", e)
        else:
            print(f"ok {name}")
    print(f"{len(names) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
