#!/usr/bin/env python3
"""Writes tests/data/whatsapp: WhatsApp Cloud API webhook payloads (NAME.json)
in Meta's notification shape, the media they name (media/MEDIA_ID), and what
sluice must make of each (NAME.expect). Deterministic: fixed ids, times and
bytes. The media bytes are the corpus's own payloads (tests/data/payloads,
written by gen_corpus.py).

    python3 tests/data/gen_whatsapp.py          (re)write the files
    python3 tests/data/gen_whatsapp.py --check  report files that differ

The integration tests use the same payloads: test_whatsapp_scan.sh (offline,
check_whatsapp.py) and test_whatsapp.sh (through sluiced, a fake Graph API
serving media/ and a fake downstream).
"""

import base64
import hashlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "whatsapp")
PAYLOADS = os.path.join(HERE, "payloads")

WABA = "102290129340398"
META = {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"}
CUSTOMER = "16505551234"
TS = "1765065600"  # 2025-12-07T00:00:00Z

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def media_bytes(name):
    with open(os.path.join(PAYLOADS, name), "rb") as f:
        return f.read()


# MEDIA_ID -> (bytes, mime type); the fake Graph API serves the same files.
MEDIA = {
    "1001": (media_bytes("invoice.pdf"), "application/pdf"),
    "1002": (media_bytes("pe32.exe"), "application/pdf"),   # a program named invoice.pdf.exe
    "1003": (EICAR, "text/plain"),
    "1004": (media_bytes("logo.png"), "image/png"),
    "1005": (media_bytes("invoice.pdf"), "application/pdf"),  # sha256 in base64 in the webhook
}
MISSING = "1999"  # named by a message, never served: expired


def sha_hex(b):
    return hashlib.sha256(b).hexdigest()


def sha_b64(b):
    return base64.b64encode(hashlib.sha256(b).digest()).decode()


def contact(name, wa_id=CUSTOMER):
    return {"profile": {"name": name}, "wa_id": wa_id}


def message(mid, mtype, body, frm=CUSTOMER, ts=TS, **extra):
    m = {"from": frm, "id": mid, "timestamp": ts, "type": mtype}
    if body is not None:
        m[mtype] = body
    m.update(extra)
    return m


def media_obj(media_id, caption=None, filename=None, b64=False, mime=None):
    data, mt = MEDIA.get(media_id, (b"", mime or "application/octet-stream"))
    o = {"mime_type": mime or mt, "sha256": (sha_b64(data) if b64 else sha_hex(data)) if data else
         "0" * 64, "id": media_id}
    if caption is not None:
        o["caption"] = caption
    if filename is not None:
        o["filename"] = filename
    return o


def value(messages=None, statuses=None, contacts=None, errors=None):
    v = {"messaging_product": "whatsapp", "metadata": dict(META)}
    if contacts is not None:
        v["contacts"] = contacts
    if messages is not None:
        v["messages"] = messages
    if statuses is not None:
        v["statuses"] = statuses
    if errors is not None:
        v["errors"] = errors
    return v


def payload(*entries):
    return {"object": "whatsapp_business_account", "entry": list(entries)}


def entry(*changes, waba=WABA):
    return {"id": waba, "changes": list(changes)}


def change(v, field="messages"):
    return {"value": v, "field": field}


def one(msg, name="Sheena Nelson"):
    return payload(entry(change(value(messages=[msg], contacts=[contact(name, msg["from"])]))))


def status(sid, st, ts=TS):
    return {"id": sid, "status": st, "timestamp": ts, "recipient_id": CUSTOMER,
            "conversation": {"id": "c0ffee", "origin": {"type": "service"}},
            "pricing": {"billable": True, "pricing_model": "CBP", "category": "service"}}


CASES = []


def case(name, data, expect, note):
    CASES.append((name, data, expect, note))


case("text_link", one(message("wamid.text_link", "text",
                              {"body": "Your parcel is held: https://phishing.test/login?id=7 pay the fee"})),
     """message: wamid.text_link
verdict: rewrite
rule: url_malicious text.body
present: hxxps[:]//phishing[.]test
absent: https://phishing.test
""", "a text with a blocklisted link: defanged in text.body")

case("text_clean", one(message("wamid.text_clean", "text",
                               {"body": "Hello, my order 4711 has not arrived yet. Can you help?"})),
     """message: wamid.text_clean
verdict: clean
identical: yes
""", "a plain question: passed on untouched")

case("text_eicar", one(message("wamid.text_eicar", "text", {"body": EICAR.decode()})),
     """message: wamid.text_eicar
verdict: rewrite
finding: virus text.body
removed: text.body
absent: EICAR-STANDARD
""", "the EICAR string typed as text: the field becomes a notice")

case("document_pdf_exe", one(message("wamid.doc_exe", "document",
                                     media_obj("1002", caption="the invoice", filename="invoice.pdf.exe"))),
     """message: wamid.doc_exe
verdict: rewrite
finding: filetype|filename document
withheld: document
present: the invoice
present: sluice removed
""", "a program named invoice.pdf.exe: withheld, notice with the reference")

case("document_eicar", one(message("wamid.doc_eicar", "document", media_obj("1003", filename="notes.txt"))),
     """message: wamid.doc_eicar
verdict: rewrite
finding: virus document
withheld: document
""", "an EICAR file: withheld")

case("document_clean_pdf", one(message("wamid.doc_pdf", "document",
                                       media_obj("1001", caption="Invoice 2025-11", filename="invoice.pdf"))),
     """message: wamid.doc_pdf
verdict: clean
identical: yes
kept: document
""", "a clean PDF: passed on with its media id")

case("document_sha_base64", one(message("wamid.doc_b64", "document",
                                        media_obj("1005", filename="invoice.pdf", b64=True))),
     """message: wamid.doc_b64
verdict: clean
kept: document
""", "the webhook's sha256 in base64, as older payloads write it")

case("image_caption", one(message("wamid.image", "image", media_obj("1004", caption="Photo of the damage"))),
     """message: wamid.image
verdict: clean
identical: yes
kept: image
""", "a clean image with a caption")

case("image_caption_link", one(message("wamid.image_link", "image",
                                       media_obj("1004", caption="see http://malware.invalid/x.apk"))),
     """message: wamid.image_link
verdict: rewrite
rule: url_malicious image.caption
kept: image
absent: http://malware.invalid
present: hxxp[:]//malware[.]invalid
""", "a clean image whose caption has a bad link: the caption is edited, the image kept")

case("media_expired", one(message("wamid.expired", "document", media_obj(MISSING, filename="scan.pdf",
                                                                        mime="application/pdf"))),
     """message: wamid.expired
verdict: rewrite
rule: media_unscanned document
withheld: document
present: not scanned
""", "media the Graph API no longer has (404): delivered withheld and marked unscanned")

case("status", payload(entry(change(value(statuses=[status("wamid.out1", "delivered"),
                                                    status("wamid.out1", "read")])))),
     """status: wamid.out1
""", "statuses: forwarded untouched, one each")

case("batch", payload(
    entry(change(value(messages=[message("wamid.batch1", "text", {"body": "first"}),
                                 message("wamid.batch2", "text", {"body": "go to https://phishing.test/"})],
                       contacts=[contact("Ann")]))),
    entry(change(value(messages=[message("wamid.batch3", "image", media_obj("1004"), frm="16505559876")],
                       contacts=[contact("Bob", "16505559876")],
                       statuses=[status("wamid.out2", "sent")])), waba="102290129340399")),
     """message: wamid.batch1
verdict: clean
message: wamid.batch2
verdict: rewrite
absent: https://phishing.test
message: wamid.batch3
verdict: clean
kept: image
status: wamid.out2
""", "two entries, three messages and a status: each item on its own")

case("contacts_link", one(message("wamid.contacts", "contacts", None, contacts=[{
    "name": {"formatted_name": "Support Desk", "first_name": "Support"},
    "phones": [{"phone": "+1 555 0100", "wa_id": "15550100", "type": "WORK"}],
    "emails": [{"email": "help@example.com", "type": "WORK"}],
    "urls": [{"url": "https://credential-harvest.example/verify", "type": "WORK"}]}])),
     """message: wamid.contacts
verdict: rewrite
rule: url_malicious contacts.0.urls.0.url
absent: https://credential-harvest.example
""", "a shared contact card whose url is on the blocklist")

case("location_link", one(message("wamid.location", "location", {
    "latitude": 37.48, "longitude": -122.15, "name": "Pickup point",
    "address": "1 Hacker Way", "url": "http://phishing.test/map"})),
     """message: wamid.location
verdict: rewrite
rule: url_malicious location.url
absent: http://phishing.test
""", "a shared location whose url is on the blocklist")

case("interactive_reply", one(message("wamid.interactive", "interactive", {
    "type": "list_reply", "list_reply": {"id": "opt-2", "title": "Call me back",
                                          "description": "details at https://phishing.test/cb"}})),
     """message: wamid.interactive
verdict: rewrite
rule: url_malicious interactive.list_reply.description
absent: https://phishing.test
present: opt-2
""", "a list reply: the title and description are text; the reply id stays")

case("button_reply", one(message("wamid.button", "button", {"payload": "YES", "text": "Yes please"},
                                 context={"from": "15550783881", "id": "wamid.ctx"})),
     """message: wamid.button
verdict: clean
identical: yes
""", "a quick-reply button: clean")

case("profile_name_link", one(message("wamid.profile", "text", {"body": "hi"}),
                              name="Visit https://phishing.test/ now"),
     """message: wamid.profile
verdict: rewrite
rule: url_malicious contact.profile.name
absent: https://phishing.test
""", "a sender whose profile name is a bad link: the contact's name is defanged")

case("unknown_type", one(message("wamid.unknown_type", "poll", {"question": "pick one"})),
     """message: wamid.unknown_type
verdict: quarantine
finding: structure
placeholder: yes
""", "a message type sluice does not know: held, the agent gets a placeholder")

case("history_dropped", payload(entry(change({"messaging_product": "whatsapp", "metadata": dict(META),
                                              "history": [{"threads": [{"id": CUSTOMER, "messages": [
                                                  message("wamid.hist", "text", {"body": "old"})]}]}]},
                                             field="history"))),
     """dropped: 1
""", "a history sync carries messages sluice does not scan: not forwarded")


def render(name, data, expect, note):
    body = json.dumps(data, indent=1, ensure_ascii=False) + "\n"
    exp = ("# generated by tests/data/gen_whatsapp.py: edit the generator, not this file\n"
           f"# {name}: {note}\n" + expect)
    return body, exp


def main():
    check = "--check" in sys.argv[1:]
    files = {}
    for name, data, expect, note in CASES:
        body, exp = render(name, data, expect, note)
        files[os.path.join(OUT, name + ".json")] = body.encode()
        files[os.path.join(OUT, name + ".expect")] = exp.encode()
    for mid, (data, _mt) in MEDIA.items():
        files[os.path.join(OUT, "media", mid)] = data
    files[os.path.join(OUT, "media", "index.json")] = (json.dumps(
        {mid: {"mime_type": mt, "sha256": sha_hex(d)} for mid, (d, mt) in sorted(MEDIA.items())},
        indent=1) + "\n").encode()
    bad = 0
    for path, data in sorted(files.items()):
        if check:
            try:
                with open(path, "rb") as f:
                    if f.read() != data:
                        print("differs:", path)
                        bad = 1
            except OSError:
                print("missing:", path)
                bad = 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return bad


if __name__ == "__main__":
    sys.exit(main())
