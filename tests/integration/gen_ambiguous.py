#!/usr/bin/env python3
"""Generator of ambiguous MIME messages for the parser differential test.

Every message is built around one classic MIME ambiguity (a transfer encoding
that is almost a token, a delimiter that is almost a delimiter, a name that
only some readers see, a message hidden in a part that only some readers
parse, ...) and carries a dangerous file -- a small ELF or PE program, or a
JScript file under a .js name -- placed so that a reader that reads the
ambiguity the other way extracts it. Controls (kind "control") are ordinary
or sloppy-but-common mail that must stay clean.

What sluice does with each class (lib/mime.c, lib/mimeparam.c, lib/mimelines.c):
  decoded the permissive way, the result typed: cte_* (near-token transfer
    encodings), qp_* (padded soft breaks), uu_* and uu_broken_* (uuencode in
    any part, any case, tabs, any digits, stray bytes), message_*,
    toplevel_message_*, mail_attachment_* and text_holds_part_* (parsed as
    mail), pasted_mail_*
  judged in every reading: name_*, by_name_*, ct_invalid_* (names lost with
    an invalid Content-Type), combo_*
  structure finding (quarantine): multipart_invalid_*, lone_cr_*, delimiter_*,
    boundary_*, after_close_*, unterminated_*, duplicate_* (reading headers)
  read as ripmime reads (reader_*): fields named almost like a reading field
    (names judged, another reading a structure finding), names on a
    multipart, parts after the closing delimiter and in an encoded multipart
    (parsed and judged), one-dash delimiters and header blocks that run into
    a delimiter (structure), the raw body of a decoded part (parsed as mail)
  read alike, no finding: cosmetic_*, control_* (controls must stay clean)

    gen_ambiguous.py DIR      writes DIR/NAME.eml for every case
    import gen_ambiguous; gen_ambiguous.cases() -> [(name, kind, bytes)]

Cases are the base layouts (every third in CRLF too), and each once more
inside a wrapper (an attached message, message/partial, a base64
message/rfc822, a nested multipart, an attached mailbox), the wrapper chosen
in turn so that every class meets every wrapper across the list. The output
is deterministic.
"""

import base64
import binascii
import os
import re
import struct
import sys


# ---- payloads ------------------------------------------------------------------

def elf_program():
    """A minimal x86-64 Linux ELF executable that calls exit(0)."""
    code = b"\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05"  # xor edi,edi; mov eax,60; syscall
    base = 0x400000
    ehsize, phsize = 64, 56
    entry = base + ehsize + phsize
    total = ehsize + phsize + len(code)
    ident = b"\x7fELF" + bytes([2, 1, 1, 0]) + bytes(8)
    eh = ident + struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, ehsize, 0, 0,
                             ehsize, phsize, 1, 64, 0, 0)
    ph = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, total, total, 0x1000)
    return eh + ph + code


def pe_program():
    """A small well-formed PE32 program: MZ stub, PE signature, COFF and
    optional header, one .text section holding a RET."""
    mz = bytearray(64)
    mz[0:2] = b"MZ"
    struct.pack_into("<I", mz, 60, 64)
    coff = struct.pack("<HHIIIHH", 0x14C, 1, 0, 0, 0, 224, 0x0102)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII", 0x10B, 14, 0, 0x200, 0, 0, 0x1000, 0x1000,
                      0x2000, 0x400000, 0x1000, 0x200, 6, 0, 0, 0, 6, 0, 0, 0x2000, 0x200, 0, 2,
                      0x8140, 0x100000, 0x1000, 0x100000, 0x1000, 0, 16) + bytes(16 * 8)
    sect = b".text\0\0\0" + struct.pack("<IIIIIIHHI", 0x200, 0x1000, 0x200, 0x200, 0, 0, 0, 0,
                                        0x60000020)
    head = bytes(mz) + b"PE\0\0" + coff + opt + sect
    return head + bytes(0x200 - len(head)) + b"\xc3" + bytes(0x1ff)


JS = (b"var sh = new ActiveXObject('WScript.Shell');\r\n"
      b"sh.Run('cmd /c echo DIFFJSMARK');\r\n")

ELF = elf_program()
PE = pe_program()

PAYLOADS = [("elf", ELF, "report.dat"), ("pe", PE, "scan.dat"), ("js", JS, "invoice.js")]

HEAD = [
    b"From: Anna Klient <anna@klient.example>",
    b"To: agent@cc.example",
    b"Subject: documents",
    b"Date: Mon, 04 Mar 2024 09:15:00 +0100",
    b"Message-ID: <diff@klient.example>",
    b"MIME-Version: 1.0",
]

TEXT = b"Hello, please find the documents attached."


def b64(data, width=76):
    s = base64.b64encode(data)
    return b"\n".join(s[i:i + width] for i in range(0, len(s), width))


def qp(data):
    """Quoted-printable with every byte outside printable ASCII escaped."""
    out, line = [], b""
    for c in data:
        t = bytes([c]) if 33 <= c <= 126 and c != 61 else b"=%02X" % c
        if len(line) + len(t) > 72:
            out.append(line + b"=")
            line = b""
        line += t
    out.append(line)
    return b"\n".join(out)


def uu(data, name, begin=b"begin 644 "):
    out = [begin + name.encode()]
    for i in range(0, len(data), 45):
        out.append(binascii.b2a_uu(data[i:i + 45]).rstrip(b"\n"))
    out += [b"`", b"end"]
    return b"\n".join(out)


# ---- builders ------------------------------------------------------------------

def msg(headers, body):
    """Top-level message: common headers + given headers, blank line, body."""
    return b"\n".join(HEAD + headers) + b"\n\n" + body + b"\n"


def mixed(parts, boundary=b"X", ct=None, close=True, epilogue=b""):
    """A multipart/mixed message with a text part first and then parts."""
    ct = ct or b'Content-Type: multipart/mixed; boundary="' + boundary + b'"'
    body = b"--" + boundary + b"\nContent-Type: text/plain; charset=us-ascii\n\n" + TEXT + b"\n"
    for p in parts:
        body += b"--" + boundary + b"\n" + p + b"\n"
    if close:
        body += b"--" + boundary + b"--\n"
    return msg([ct], body + epilogue)


def att(data, name, cte=b"base64", ctype=b"application/octet-stream", disp=True, enc=None):
    """An attachment part (headers + body) with the given encoding header."""
    h = [b"Content-Type: " + ctype + (b'; name="' + name.encode() + b'"' if name else b"")]
    if disp:
        h.append(b"Content-Disposition: attachment" +
                 (b'; filename="' + name.encode() + b'"' if name else b""))
    if cte is not None:
        h.append(b"Content-Transfer-Encoding: " + cte)
    body = enc if enc is not None else (b64(data) if cte and b"64" in cte.lower() else data)
    return b"\n".join(h) + b"\n\n" + body


def inner_message(data, name):
    """A complete MIME message with the payload as a base64 attachment."""
    body = (b"--I\nContent-Type: text/plain\n\ninner text\n--I\n" +
            att(data, name) + b"\n--I--\n")
    return (b"From: x@inner.example\nSubject: inner\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="I"\n\n' + body)


# ---- base layouts --------------------------------------------------------------
# Each returns the message bytes for a payload (data, name). Names ending in
# a safe extension are used where the attack is in the decoding, so that only
# the content can give the payload away.

def cte_variant(value, data, name):
    if b"uu" in value.lower():
        enc = uu(data, name)
    elif b"quoted" in value.lower():
        enc = qp(data)
    else:
        enc = b64(data)
    return mixed([att(data, name, cte=value, enc=enc)])


CTE_VALUES = [b"base64;", b"base64(c)", b"base64; x=y", b"x-base64", b'"base64"', b"BASE64 ",
              b" base64", b"base64x", b"=?us-ascii?q?base64?=", b"base-64", b".base64", b"7bit base64",
              b"\x0c base64", b"7bit (base64)", b"quoted-printable;",
              b"x-quoted-printable", b"uue", b"x-uue", b"uuencode", b"x-uuencode", b"uuencode;"]


def ct_invalid(ctype, data, name):
    h = b"Content-Type: " + ctype + b'; name="' + name.encode() + b'"\nContent-Transfer-Encoding: base64'
    return mixed([h + b"\n\n" + b64(data)])


CT_INVALID = [b"application", b"application/", b'"application/octet-stream"', b"applic ation/octet-stream",
              b"", b"/octet-stream", b"application/octet-stream/x", b"text"]


def multipart_invalid(ctype, data, name):
    body = (b"--X\nContent-Type: text/plain\n\n" + TEXT + b"\n--X\n" + att(data, name) + b"\n--X--\n")
    return msg([b"Content-Type: " + ctype], body)


MP_INVALID = [b"multipart; boundary=X", b"multipart/; boundary=X", b'"multipart/mixed"; boundary=X',
              b"multipart /mixed; boundary=X", b"multi-part/mixed; boundary=X",
              b"multipart/mix(ed; boundary=X", b'multipart/mixe"d; boundary=X']


def lone_cr(kind, data, name):
    if kind == "cte_value":
        p = (b'Content-Type: application/octet-stream; name="' + name.encode() +
             b'"\nContent-Transfer-Encoding: base64\rX-Note: y\n\n' + b64(data))
    elif kind == "hidden_cte":
        p = (b'Content-Type: application/octet-stream; name="' + name.encode() +
             b'"\nX-Note: y\rContent-Transfer-Encoding: base64\n\n' + b64(data))
    elif kind == "hidden_name":
        p = (b"Content-Type: text/plain\rContent-Disposition: attachment; filename=\"invoice.js\""
             b"\n\n" + JS)
    else:  # hidden_boundary: a whole part joined to the text by lone CRs
        p = (b"Content-Type: text/plain\n\nhello\r--X\rContent-Type: application/octet-stream; name=\"" +
             name.encode() + b"\"\rContent-Transfer-Encoding: base64\r\r" + b64(data).replace(b"\n", b"\r"))
    return mixed([p])


def delimiter_variant(delim, data, name):
    body = (b"--X\nContent-Type: text/plain; charset=us-ascii\n\n" + TEXT + b"\n" + delim + b"\n" +
            att(data, name) + b"\n--X--\n")
    return msg([b'Content-Type: multipart/mixed; boundary="X"'], body)


DELIMS = [b"--X\f", b"--X\v", b"--Xfoo", b"--x", b"--X \t", b"--X\x85", b"--X--x"]


def boundary_param(param, used, data, name):
    body = (b"--" + used + b"\nContent-Type: text/plain\n\n" + TEXT + b"\n--" + used + b"\n" +
            att(data, name) + b"\n--" + used + b"--\n")
    return msg([b"Content-Type: multipart/mixed; " + param], body)


LONG = b"B" * 300
BOUNDARY_PARAMS = [
    (b"boundary=a b", b"a"), (b'boundary="X "', b"X"), (b'boundary=" X"', b"X"),
    (b'boundary="' + LONG + b'"', LONG[:200] + b"Z"), (b'boundary*0="X"; boundary*1="Y"', b"X"),
    (b'boundary*0="X"; boundary*1="Y"', b"XY"), (b"boundary*=us-ascii''X%20Y", b"X Y"),
    (b'boundary="=?us-ascii?Q?X?="', b"=?us-ascii?Q?X?="), (b'boundary="=?us-ascii?Q?X?="', b"X"),
    (b'(c; boundary="Y"); boundary="X"', b'Y")'), (b'(c; boundary="Y"); boundary="X"', b"Y"),
    (b'boundary="X\xe9"', b"X\xe9"), (b'boundary="X"; boundary="Y"', b"Y"),
    (b"boundary=X;", b"X"),
]


def after_close(data, name):
    return mixed([], epilogue=b"--X\n" + att(data, name) + b"\n--X--\n")


def in_preamble(data, name):
    pre = b"--Y\n" + att(data, name) + b"\n--Y--\n"
    body = pre + b"--X\nContent-Type: text/plain\n\n" + TEXT + b"\n--X--\n"
    return msg([b'Content-Type: multipart/mixed; boundary="X"'], body)


def unterminated(data, name):
    return mixed([att(data, name)], close=False)


def message_sub(ctype, cte, data, name, inner=None):
    inner = inner if inner is not None else inner_message(data, name)
    h = b"Content-Type: " + ctype
    if cte == b"base64":
        body = b64(inner)
    elif cte == b"quoted-printable":
        body = qp(inner)
    else:
        body = inner
    if cte:
        h += b"\nContent-Transfer-Encoding: " + cte
    return mixed([h + b"\n\n" + body])


MESSAGE_TYPES = [
    (b"message/partial; id=\"a@b\"; number=1; total=1", None), (b"message/x-rfc822", None),
    (b"message/delivery-status", None), (b"text/rfc822-headers", None), (b"message/foo", None),
    (b"message/external-body; access-type=x", None), (b"message/disposition-notification", None),
    (b"message/rfc822", b"base64"), (b"message/global", b"base64"), (b"message/rfc822", b"quoted-printable"),
    (b"message/news", b"base64"), (b"message/rfc822", b"base64;"),
]


def toplevel_message(sub, data, name):
    return msg([b"Content-Type: message/" + sub], inner_message(data, name))


def mail_attachment(kind, data, name):
    inner = inner_message(data, name)
    if kind == "eml":
        return mixed([att(inner, "forward.eml")])
    if kind == "mbox":
        box = b"From someone@example.com Mon Mar  4 09:00:00 2024\n" + inner + b"\n"
        box += b"From other@example.com Mon Mar  4 09:01:00 2024\nSubject: two\n\nsecond\n"
        return mixed([att(box, "mail.mbox")])
    if kind == "mbox_uu":
        inner = (b"From: a@b.example\nMIME-Version: 1.0\nContent-Type: application/octet-stream;"
                 b' name="run.bin"\nContent-Transfer-Encoding: x-uuencode\n\n' + uu(data, "run.bin"))
        box = b"From someone@example.com Mon Mar  4 09:00:00 2024\n" + inner + b"\n"
        return mixed([att(box, "mail.mbx")])
    if kind == "txt_named":  # a message sent as a plain text file
        return mixed([att(inner, "notes.txt", ctype=b"text/plain")])
    # nested: an attached message holding an attached message
    return mixed([att(inner_message(inner, "deeper.eml"), "outer.eml")])


def pasted_mail(where, data, name):
    """A whole MIME message pasted into the text meant to be read."""
    inner = inner_message(data, name)
    if where == "toplevel":
        return msg([b"Content-Type: text/plain"], inner)
    if where == "text_part":
        return mixed([b"Content-Type: text/plain\n\n" + inner])
    return mixed([b"Content-Type: text/html\n\n" + inner])


def text_holds_part(kind, data, name):
    """Part headers inside text: ripmime peels them off as a part of its own,
    or splits the text at the boundary it guesses."""
    part = (b"Content-Type: application/octet-stream; name=\"" + name.encode() + b"\"\n"
            b"Content-Disposition: attachment; filename=\"" + name.encode() + b"\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + b64(data) + b"\n")
    if kind == "paragraph":
        return mixed([b"Content-Type: text/plain\n\nHello text\n" + part])
    if kind == "second_paragraph":
        return msg([b"Content-Type: text/plain"], b"Hello text\n\n" + part)
    if kind == "parts_no_multipart":
        return mixed([b"Content-Type: text/plain\n\nsee below\n\n--Q\n" + part + b"--Q--\n"])
    if kind == "lost_content_type":
        return msg([b"X-Note: the Content-Type header got lost"],
                   b"--X\nContent-Type: text/plain\n\nhi\n--X\n" + part + b"--X--\n")
    if kind == "encoded_body_holds_mail":
        # the text body, base64, decodes to a whole message (a NUL in a header)
        inner = inner_message(data, name).replace(b"Subject: inner", b"Subject:\0inner")
        return msg([b"Content-Type: text/plain", b"Content-Transfer-Encoding: base64"], b64(inner))
    # a CRLF blank line in an LF message ends the headers for GMime and Python
    return mixed([b"Content-Type: text/plain\r\n\r\nHello text\n" + part])


def uu_broken(kind, data, name):
    """uuencode a strict decoder rejects and ripmime decodes."""
    enc = uu(data, name).split(b"\n")
    if kind == "stray_byte":
        enc[1] = enc[1][:20] + b"j" + enc[1][21:]
    elif kind == "short_lines":
        enc = [l.rstrip(b"`") for l in enc]
    elif kind == "no_end":
        enc = enc[:-2]
    else:
        enc[0] = enc[0].replace(b"644", b"688")
    return mixed([b"Content-Type: text/plain\n\nHello\n\n" + b"\n".join(enc) + b"\n\nbye\n"])


def uu_text(begin, data, name, ctype=b"text/plain"):
    body = TEXT + b"\n\n" + uu(data, name, begin=begin) + b"\n\nbye\n"
    return mixed([b"Content-Type: " + ctype + b"\n\n" + body])


UU_BEGINS = [b"begin 644 ", b"BEGIN 644 ", b"begin\t644 ", b"Begin 0644 ", b"begin 644  ",
             b"begin 288 ", b"begin -644 ", b"begin 6x4 ", b"begin \x0c644 "]


def reader_variant(kind, data, name):
    """Where ripmime reads a part that GMime does not (found by mutating the
    cases above): a field named almost like a reading field, a name on a
    multipart, parts after the closing delimiter, an encoded multipart, a
    delimiter with one dash, a header block with no blank line after it, an
    8-bit boundary in text that holds parts, an orphan begin line."""
    enc = b64(data)
    if kind.startswith("odd_cte_"):
        field = {"odd_cte_paren": b"Content-Transfer-Encoding)", "odd_cte_x": b"X-Content-Transfer-Encoding",
                 "odd_cte_nocolon": b"Content-Transfer-Encoding", "odd_cte_glued": b"XContent-Transfer-Encoding"}[kind]
        sep = b" " if kind == "odd_cte_nocolon" else b": "
        p = (b'Content-Type: application/octet-stream; name="' + name.encode() + b'"\n' +
             field + sep + b"base64\n\n" + enc)
        return mixed([p])
    if kind == "odd_ctype_name":
        return mixed([b'X-Content-Type: application/octet-stream; name="invoice.js"\n\n' + JS])
    if kind == "odd_disposition_name":
        return mixed([b'Content-Type: text/plain\nContent-Disposition.: attachment; filename="invoice.js"\n\n' + JS])
    if kind == "name_on_multipart":
        m = mixed([b"Content-Type: text/plain\n\n" + JS])
        h, b = split_top(m)
        return h + b'\nContent-Disposition: attachment; filename="invoice.js"\n\n' + b
    if kind == "name_on_multipart_case":
        m = mixed([b"Content-Type: text/plain\n\n" + JS])
        h, b = split_top(m)
        return b'cONTENT-dISPOSITION: ATTACHMENT; FILENAME="INVOICE.JS"\n' + h + b"\n\n" + b
    if kind == "epilogue_part":
        return mixed([], epilogue=att(data, name) + b"\n")
    if kind == "epilogue_part_after_text":
        return mixed([], epilogue=b"thanks\n" + att(data, name) + b"\n")
    if kind == "epilogue_part_nested":
        inner = (b'Content-Type: multipart/alternative; boundary="Y"\n\n--Y\nContent-Type: text/plain\n\n' +
                 TEXT + b"\n--Y--\n" + att(data, name) + b"\n")
        return mixed([inner, b"Content-Type: text/plain\n\nbye"])
    if kind == "encoded_multipart":
        body = qp(b"--X\nContent-Type: text/plain\n\n" + TEXT + b"\n--X--\n" + data)
        return msg([b'Content-Type: multipart/mixed; boundary="X"', b'Content-Disposition: attachment; filename="' +
                    name.encode() + b'"', b"Content-Transfer-Encoding: quoted-printable"], body)
    if kind in ("one_dash", "one_dash_junk", "one_dash_space"):
        d = {"one_dash": b"-X", "one_dash_junk": b"-)-X", "one_dash_space": b"- X"}[kind]
        body = b"--X\nContent-Type: text/plain\n\n" + TEXT + b"\n" + d + b"\n" + att(data, name) + b"\n--X--\n"
        return msg([b'Content-Type: multipart/mixed; boundary="X"'], body)
    if kind == "headers_into_delimiter":
        body = (b"--X\nContent-Type: text/plain\n\n" + TEXT + b'\n--X\nContent-Type: application/octet-stream; '
                b'name="' + name.encode() + b'"\nContent-Transfer-Encoding: base64\n--X\n\n' + enc + b"\n--X--\n")
        return msg([b'Content-Type: multipart/mixed; boundary="X"'], body)
    if kind == "blank_in_headers_8bit_boundary":
        body = (b"--X\xe9\nContent-Type: text/plain\n\n" + TEXT + b"\n--X\xe9\n" + att(data, name) +
                b"\n--X\xe9--\n")
        return b"\n".join(HEAD[:2]) + b"\n\n" + b"\n".join(HEAD[2:]) + b'\nContent-Type: multipart/mixed; boundary="X\xe9"\n\n' + body
    if kind == "encoded_message_raw":
        # a message part declared base64 whose body is the plain message
        return mixed([b"Content-Type: message/foo\nContent-Transfer-Encoding: base64\n\n" + inner_message(data, name)])
    if kind == "lost_type_encoded_message":
        return mixed([b"Content-T--ype: message/rfc822\nContent-Transfer-Encoding: base64;\n\n" + inner_message(data, name)])
    if kind == "uu_orphan_begin":
        return mixed([b"Content-Type: text/plain\n\nsee below\nbegin 644 invoice.js\nbye"])
    raise ValueError(kind)


READER_KINDS = ["odd_cte_paren", "odd_cte_x", "odd_cte_nocolon", "odd_cte_glued", "odd_ctype_name",
                "odd_disposition_name", "name_on_multipart", "name_on_multipart_case", "epilogue_part",
                "epilogue_part_after_text", "epilogue_part_nested", "encoded_multipart", "one_dash",
                "one_dash_junk", "one_dash_space", "headers_into_delimiter", "blank_in_headers_8bit_boundary",
                "encoded_message_raw", "lost_type_encoded_message", "uu_orphan_begin"]


def qp_variant(kind, data, name):
    enc = qp(data)
    if kind == "soft_space":
        enc = b"= \n" + enc
    elif kind == "soft_tab":
        enc = b"=\t\t\n" + enc
    elif kind == "lower_hex":
        enc = re.sub(rb"=([0-9A-F]{2})", lambda mo: b"=" + mo.group(1).lower(), enc)
    return mixed([att(data, name, cte=b"quoted-printable", enc=enc)])


def name_variant(cdisp, ctype_name, data):
    h = b"Content-Type: application/octet-stream" + ctype_name
    if cdisp:
        h += b"\nContent-Disposition: " + cdisp
    return mixed([h + b"\nContent-Transfer-Encoding: base64\n\n" + b64(data)])


NAME_VARIANTS = [
    (b"attachment; filename*=UTF-8'invoice.js", b""),
    (b'attachment; filename="invoice.js?="', b""),
    (b"attachment; filename*=''invoice.js", b""),
    (b"attachment; filename*=UTF-8''invoice%2Ejs", b""),
    (b'attachment; filename="invoice.js (.txt)"', b""),
    (b"attachment; filename=invoice.js(.txt)", b""),
    (b"attachment; filename=invoice.js (.txt)", b""),
    (b'attachment filename="invoice.js"', b""),
    (b"attachment; filename=invoice.txt; filename=invoice.js", b""),
    (b'attachment; filename*0="invoice"; filename*1=".js"', b""),
    (b"attachment; filename*0*=UTF-8''invoice; filename*1=.js", b""),
    (b'attachment; filename="=?utf-8?B?aW52b2ljZS5qcw==?="', b""),
    (b'attachment; filename="=?utf-8?B?aW52b2ljZS5qcw?="', b""),
    (b"attachment; filename==?utf-8?Q?invoice=2Ejs?=", b""),
    (b'attachment; filename="invoice.js."', b""),
    (b'attachment; filename="invoice.pdf"', b'; name="invoice.js"'),
    (b"inline", b'; name="invoice.js"'),
    (None, b"; name=invoice.js"),
    (b'attachment; filename="f\xe4ktura.js"', b""),
    (b'attachment; filename="invoice.js\r.txt"', b""),
    (b"attachment; filename=\"invoice\\\".js\"", b""),
    (b"attachment; name=invoice.js", b""),
    # a continuation whose parameter name holds 8-bit bytes: readers that match
    # "filename" as a prefix join it, GMime drops it
    (b"attachment; filename*0=invoice; filename\xae\xae*1=.js", b""),
    (b"attachment; filename*0*=UTF-8''statement; filename\xc3\xa9*1*=%2Ejs", b""),
]


def combo(i, data, name):
    """Two or three ambiguities in one part: a near-token encoding, a name
    only some readers see, and a near-delimiter or a hidden message."""
    cte = CTE_VALUES[i % 7]
    cd, ctn = NAME_VARIANTS[(3 * i) % len(NAME_VARIANTS)]
    enc = uu(data, "x.dat") if b"uu" in cte else (qp(data) if b"quoted" in cte else b64(data))
    h = b"Content-Type: application/octet-stream" + ctn
    if cd:
        h += b"\nContent-Disposition: " + cd
    part = h + b"\nContent-Transfer-Encoding: " + cte + b"\n\n" + enc
    if i % 3 == 0:
        return delimiter_variant(DELIMS[i % len(DELIMS)], data, name).replace(
            att(data, name), part)
    if i % 3 == 1:
        return message_sub(MESSAGE_TYPES[i % len(MESSAGE_TYPES)][0], None, data, name,
                           inner=b"From: x@y.example\nMIME-Version: 1.0\n"
                                 b'Content-Type: multipart/mixed; boundary="I"\n\n--I\n' +
                                 part + b"\n--I--\n")
    return mixed([part])


def exe_by_name(ext):
    body = b"This is plain text, but the name says it runs.\n"
    return mixed([att(body, "readme." + ext, cte=b"7bit", ctype=b"application/octet-stream")])


def duplicate_headers(kind, data, name):
    if kind == "cc":
        return msg([b"Cc: a@example.com", b"Cc: b@example.com", b"Content-Type: text/plain"], TEXT)
    if kind == "subject":
        return msg([b"Subject: again", b"Content-Type: text/plain"], TEXT)
    if kind == "cte":
        p = (b'Content-Type: application/octet-stream; name="' + name.encode() +
             b'"\nContent-Transfer-Encoding: 7bit\nContent-Transfer-Encoding: base64\n\n' + b64(data))
        return mixed([p])
    if kind == "ctype":
        p = (b"Content-Type: text/plain\nContent-Type: application/octet-stream; name=\"" +
             name.encode() + b"\"\nContent-Transfer-Encoding: base64\n\n" + b64(data))
        return mixed([p])
    if kind == "disposition":
        p = (b"Content-Type: application/octet-stream\nContent-Disposition: attachment; filename=a.txt\n"
             b"Content-Disposition: attachment; filename=invoice.js\nContent-Transfer-Encoding: base64\n\n"
             + b64(JS))
        return mixed([p])
    # mime-version twice with different values
    return msg([b"MIME-Version: 2.0", b'Content-Type: multipart/mixed; boundary="X"'],
               b"--X\nContent-Type: text/plain\n\nhi\n--X\n" + att(data, name) + b"\n--X--\n")


def cosmetic(kind, data, name):
    if kind == "8bit_subject":
        return msg([b"Subject: Rechnung f\xfcr M\xe4rz \xc3(", b"Content-Type: text/plain"], TEXT)
    if kind == "bad_2047_subject":
        return msg([b"Subject: =?utf-8?B?broken?= =?unknown?Q?x?=", b"Content-Type: text/plain"], TEXT)
    if kind == "bad_address":
        return msg([b"Cc: <<<broken@@", b"Content-Type: text/plain"], TEXT)
    if kind == "empty_part":
        return mixed([b"Content-Type: application/octet-stream; name=\"" + name.encode() + b"\""])
    if kind == "dup_param":
        return mixed([att(data, name, ctype=b"application/octet-stream; charset=x; charset=x")])
    if kind == "8bit_ctype":
        return mixed([b"Content-Type: text/plain; charset=\"utf-8\xe9\"\n\n" + TEXT])
    if kind == "param_no_value":
        return mixed([att(data, name, ctype=b"application/octet-stream; foo")])
    return mixed([b"Content-Type: text/plain\n" + b"X-Long: " + b"a" * 2000 + b"\n\n" + TEXT])


def controls():
    """Mail that must stay clean: ordinary, forwarded, reports, sloppy."""
    pdfish = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    fwd = (b"From: b@example.com\nSubject: fwd\nMIME-Version: 1.0\nContent-Type: text/plain\n\n"
           b"forwarded text\n")
    dsn = (b"Reporting-MTA: dns; mx.example\n\nFinal-Recipient: rfc822; x@example.com\n"
           b"Action: failed\nStatus: 5.1.1\n")
    return [
        ("control_plain", msg([b"Content-Type: text/plain; charset=us-ascii"], TEXT)),
        ("control_pdf", mixed([att(pdfish, "invoice.pdf", ctype=b"application/pdf")])),
        ("control_forward", mixed([b"Content-Type: message/rfc822\n\n" + fwd])),
        ("control_forward_attached_eml", mixed([att(fwd, "fwd.eml", ctype=b"message/rfc822", cte=b"7bit")])),
        ("control_dsn", mixed([b"Content-Type: message/delivery-status\n\n" + dsn,
                               b"Content-Type: text/rfc822-headers\n\n" + fwd.split(b"\n\n")[0]])),
        ("control_dsn_mime_headers", mixed([
            b"Content-Type: message/delivery-status\n\n" + dsn,
            b"Content-Type: text/rfc822-headers\n\nFrom: a@b.example\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/mixed; boundary="orig"\n'])),
        ("control_dup_cc", duplicate_headers("cc", ELF, "")),
        ("control_dup_subject", duplicate_headers("subject", ELF, "")),
        ("control_8bit_subject", cosmetic("8bit_subject", ELF, "")),
        ("control_bad_2047_subject", cosmetic("bad_2047_subject", ELF, "")),
        ("control_bad_address", cosmetic("bad_address", ELF, "")),
        ("control_8bit_filename", mixed([att(pdfish, "R\xe9sum\xe9.pdf", ctype=b"application/pdf")])),
        ("control_2231_name", name_variant(b"attachment; filename*=UTF-8''R%C3%A9sum%C3%A9.txt", b"",
                                           b"just text\n")),
        ("control_bin_name", mixed([att(b"\x00\x01data", "ATT00001.bin")])),
        ("control_qp_text", mixed([b"Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable"
                                   b"\n\nline one =\nstill one, caf=C3=A9\n"])),
        ("control_uu_word", mixed([b"Content-Type: text/plain\n\nbegin 644 words of text here.\nend\n"])),
        ("control_boundary_lwsp", delimiter_variant(b"--X \t", b"just notes\n", "notes.txt")),
        ("control_ct_comment", mixed([att(pdfish, "invoice.pdf", ctype=b"application/pdf")],
                                     ct=b'Content-Type: multipart/mixed (sent by a web form); boundary="X"')),
        ("control_nosniff", msg([b"X-Content-Type-Options: nosniff", b"X-Original-Content-Type: text/html"],
                                TEXT)),
        ("control_begin_prose", mixed([b"Content-Type: text/plain\n\nwe begin the meeting at nine\nbegin 2 pm "
                                       b"is lunch\nthen work\n"])),
        ("control_epilogue_text", mixed([att(pdfish, "invoice.pdf", ctype=b"application/pdf")],
                                        epilogue=b"This is the end of the message.\n")),
    ]


def base_cases():
    out = []
    k = 0

    def pay():
        nonlocal k
        p = PAYLOADS[k % len(PAYLOADS)]
        k += 1
        return p

    for i, v in enumerate(CTE_VALUES):
        tag, data, name = pay()
        out.append(("cte_%02d_%s" % (i, tag), cte_variant(v, data, name)))
    for i, v in enumerate(CT_INVALID):
        out.append(("ct_invalid_%02d" % i, ct_invalid(v, JS, "invoice.js")))
    for i, v in enumerate(MP_INVALID):
        tag, data, name = pay()
        out.append(("multipart_invalid_%02d_%s" % (i, tag), multipart_invalid(v, data, name)))
    for kind in ("cte_value", "hidden_cte", "hidden_name", "hidden_boundary"):
        tag, data, name = pay()
        out.append(("lone_cr_%s_%s" % (kind, tag), lone_cr(kind, data, name)))
    for i, d in enumerate(DELIMS):
        tag, data, name = pay()
        out.append(("delimiter_%02d_%s" % (i, tag), delimiter_variant(d, data, name)))
    for i, (param, used) in enumerate(BOUNDARY_PARAMS):
        tag, data, name = pay()
        out.append(("boundary_%02d_%s" % (i, tag), boundary_param(param, used, data, name)))
    for fn, label in ((after_close, "after_close"), (in_preamble, "in_preamble"),
                      (unterminated, "unterminated")):
        tag, data, name = pay()
        out.append(("%s_%s" % (label, tag), fn(data, name)))
    for i, (ct, cte) in enumerate(MESSAGE_TYPES):
        tag, data, name = pay()
        out.append(("message_%02d_%s" % (i, tag), message_sub(ct, cte, data, name)))
    for sub in (b"foo", b"partial", b"x-rfc822"):
        tag, data, name = pay()
        out.append(("toplevel_message_%s_%s" % (sub.decode().replace("-", "_"), tag),
                    toplevel_message(sub, data, name)))
    for kind in ("eml", "mbox", "mbox_uu", "txt_named", "nested"):
        tag, data, name = pay()
        out.append(("mail_attachment_%s_%s" % (kind, tag), mail_attachment(kind, data, name)))
    for i, b in enumerate(UU_BEGINS):
        tag, data, name = pay()
        out.append(("uu_%02d_%s" % (i, tag), uu_text(b, data, name)))
    for ct in (b"application/octet-stream", b"application/pdf", b"image/png"):
        tag, data, name = pay()
        out.append(("uu_in_%s_%s" % (ct.split(b"/")[1].decode().replace("-", "_"), tag),
                    uu_text(b"begin 644 ", data, name, ctype=ct)))
    tag, data, name = pay()
    out.append(("uu_toplevel_%s" % tag, msg([b"Content-Type: text/plain"], uu(data, name))))
    for where in ("toplevel", "text_part", "html_part"):
        tag, data, name = pay()
        out.append(("pasted_mail_%s_%s" % (where, tag), pasted_mail(where, data, name)))
    for kind in ("paragraph", "second_paragraph", "parts_no_multipart", "lost_content_type",
                 "crlf_blank_in_lf", "encoded_body_holds_mail"):
        tag, data, name = pay()
        out.append(("text_holds_part_%s_%s" % (kind, tag), text_holds_part(kind, data, name)))
    for kind in ("stray_byte", "short_lines", "no_end", "bad_mode"):
        tag, data, name = pay()
        out.append(("uu_broken_%s_%s" % (kind, tag), uu_broken(kind, data, name)))
    for kind in READER_KINDS:
        tag, data, name = pay()
        out.append(("reader_%s_%s" % (kind, tag), reader_variant(kind, data, name)))
    for kind in ("soft_space", "soft_tab", "lower_hex"):
        tag, data, name = pay()
        out.append(("qp_%s_%s" % (kind, tag), qp_variant(kind, data, name)))
    for i, (cd, ctn) in enumerate(NAME_VARIANTS):
        out.append(("name_%02d" % i, name_variant(cd, ctn, JS)))
    for ext in ("exe", "scr", "com", "dll", "pif", "cpl", "msi", "lnk", "hta", "vbs"):
        out.append(("by_name_%s" % ext, exe_by_name(ext)))
    for kind in ("cte", "ctype", "disposition", "mime_version"):
        tag, data, name = pay()
        out.append(("duplicate_%s_%s" % (kind, tag), duplicate_headers(kind, data, name)))
    for i in range(12):
        tag, data, name = pay()
        out.append(("combo_%02d_%s" % (i, tag), combo(i, data, name)))
    for kind in ("empty_part", "dup_param", "8bit_ctype", "param_no_value", "long_header"):
        tag, data, name = pay()
        out.append(("cosmetic_%s_%s" % (kind, tag), cosmetic(kind, data, name)))
    return out


# ---- wrappers and line ends ------------------------------------------------------

def split_top(m):
    h, _, b = m.partition(b"\n\n")
    return h, b


def wrap(kind, m):
    """The whole message m carried inside another message (boundary W)."""
    if kind == "rfc822":
        return mixed([b"Content-Type: message/rfc822\n\n" + m], boundary=b"W")
    if kind == "partial":
        return mixed([b'Content-Type: message/partial; id="w@x"; number=1; total=1\n\n' + m],
                     boundary=b"W")
    if kind == "rfc822_b64":
        return mixed([b"Content-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n" + b64(m)],
                     boundary=b"W")
    if kind == "eml_attachment":
        return mixed([att(m, "message.eml")], boundary=b"W")
    if kind == "mbox":
        return mixed([att(b"From a@b.example Mon Mar  4 09:00:00 2024\n" + m, "saved.mbox")],
                     boundary=b"W")
    # nested: the message's own content as a multipart inside a multipart
    h, b = split_top(m)
    ct = [l for l in h.split(b"\n") if l.lower().startswith(b"content-")]
    return mixed([b"\n".join(ct) + b"\n\n" + b], boundary=b"W")


WRAPPERS = ["rfc822", "partial", "rfc822_b64", "eml_attachment", "mbox", "nested"]


def crlf(m):
    return m.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def cases():
    """[(name, kind, bytes)]: kind is "attack" or "control"."""
    out = []
    base = base_cases()
    for i, (name, m) in enumerate(base):
        out.append((name, "attack", m))
        if i % 3 == 0:
            out.append((name + "_crlf", "attack", crlf(m)))
        w = WRAPPERS[i % len(WRAPPERS)]
        out.append((name + "_in_" + w, "attack", wrap(w, m)))
    for name, m in controls():
        out.append((name, "control", m))
        out.append((name + "_crlf", "control", crlf(m)))
    return out


def main(argv):
    if len(argv) != 1:
        print("usage: gen_ambiguous.py DIR", file=sys.stderr)
        return 2
    os.makedirs(argv[0], exist_ok=True)
    for name, _, data in cases():
        with open(os.path.join(argv[0], name + ".eml"), "wb") as f:
            f.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
