#!/usr/bin/env python3
"""The messages of the milter benchmark (tests/bench/milter_bench.sh),
written deterministically into DIR:

  mail_clean.eml  about 30 KB, as a customer writes to a contact center: a
                  multipart/mixed with a multipart/alternative (a plain text
                  and an HTML version of the same letter, a few ordinary
                  links) and a PDF invoice of six pages (base64). Clean for
                  sluice: no finding, delivered untouched.
  mail_eicar.eml  the same letter with a second attachment, the EICAR test
                  file: every message of that run is rewritten by sluice (the
                  attachment replaced by a notice, the original kept in the
                  quarantine) and refused by clamav-milter.

  gen_milter_mail.py DIR
"""
import base64
import os
import sys

EICAR = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"

PARAGRAPHS = [
    "Good morning, I am writing about the invoice for the maintenance visit of last month.",
    "The amount on the second page does not match the quote we agreed on the phone.",
    "Could you check the hours billed for the technician and the parts listed below?",
    "I have attached the invoice with my notes; our order number is on the first page.",
    "We would like to pay before the end of the month, so an answer this week would help.",
    "If it is easier to talk, I am in the office every morning until noon.",
]


def text_body():
    lines = ["Hello,", ""]
    for i in range(6):
        lines += PARAGRAPHS[i % len(PARAGRAPHS)].split(". ")
        lines.append("")
    lines += ["Our customer page: https://www.example.com/customers/4711",
              "Delivery tracking: https://tracking.example.net/parcel/00340434161094042557", "",
              "Kind regards,", "Maria Jansen", "Jansen Installatie B.V.", ""]
    return "\r\n".join(lines)


def html_body():
    paras = "".join("<p>%s</p>\r\n" % PARAGRAPHS[i % len(PARAGRAPHS)] for i in range(12))
    return ("<!DOCTYPE html>\r\n<html><head><meta charset=\"utf-8\"><title>Invoice</title>\r\n"
            "<style>body{font-family:Arial,sans-serif;font-size:14px;color:#222}"
            "p{margin:0 0 12px 0}.sig{color:#555}</style></head>\r\n<body>\r\n<p>Hello,</p>\r\n" + paras +
            "<p>Our customer page: <a href=\"https://www.example.com/customers/4711\">www.example.com</a><br>\r\n"
            "Delivery tracking: <a href=\"https://tracking.example.net/parcel/00340434161094042557\">"
            "parcel 00340434161094042557</a></p>\r\n"
            "<p class=\"sig\">Kind regards,<br>Maria Jansen<br>Jansen Installatie B.V.</p>\r\n"
            "</body></html>\r\n")


def pdf(pages=6):
    """A plain PDF: each page a content stream of invoice lines (no
    compression, no scripts, no links)."""
    objs = []

    def add(body):
        objs.append(body)
        return len(objs)

    catalog = add(None)
    pages_obj = add(None)
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for p in range(pages):
        lines = [b"BT /F1 10 Tf 50 780 Td 14 TL"]
        for i in range(42):
            lines.append(b"(Line %d.%02d  Maintenance visit, parts and labour   %4d.%02d EUR) '"
                         % (p + 1, i + 1, (p * 97 + i * 31) % 1000, (i * 7) % 100))
        lines.append(b"ET")
        stream = b"\n".join(lines)
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font "
                        b"<< /F1 %d 0 R >> >> /Contents %d 0 R >>" % (pages_obj, font, content)))
    objs[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages_obj
    objs[pages_obj - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % k for k in kids), len(kids))
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (n, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, catalog, xref)
    return bytes(out)


def b64(data):
    s = base64.b64encode(data).decode()
    return "\r\n".join(s[i:i + 76] for i in range(0, len(s), 76))


def message(with_eicar):
    parts = [
        "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
        "--alt\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + text_body() +
        "\r\n--alt\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n"
        + html_body() + "\r\n--alt--\r\n",
        "--outer\r\nContent-Type: application/pdf; name=\"invoice-2024-0311.pdf\"\r\n"
        "Content-Disposition: attachment; filename=\"invoice-2024-0311.pdf\"\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n" + b64(pdf()) + "\r\n",
    ]
    if with_eicar:
        parts.append("--outer\r\nContent-Type: application/octet-stream; name=\"eicar.com\"\r\n"
                     "Content-Disposition: attachment; filename=\"eicar.com\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n\r\n" + b64(EICAR) + "\r\n")
    head = ("From: Maria Jansen <maria.jansen@jansen-installatie.example>\r\n"
            "To: support@contact-center.example\r\n"
            "Subject: Question about invoice 2024-0311\r\n"
            "Date: Mon, 11 Mar 2024 09:41:00 +0100\r\n"
            "Message-ID: <bench.%s@jansen-installatie.example>\r\n"
            "MIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n" % ("eicar" if with_eicar else "clean"))
    return (head + "".join(parts) + "--outer--\r\n").encode()


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    os.makedirs(sys.argv[1], exist_ok=True)
    for name, eicar in (("mail_clean.eml", False), ("mail_eicar.eml", True)):
        with open(os.path.join(sys.argv[1], name), "wb") as f:
            f.write(message(eicar))
    return 0


if __name__ == "__main__":
    sys.exit(main())
