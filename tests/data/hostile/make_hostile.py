"""Generate the hostile corpus: broken, malicious and pathological input for every parser.

Run from the repository root to (re)write the committed files::

    .venv/bin/python tests/data/hostile/make_hostile.py

Every case is listed in :data:`CASES` with the parser it targets, what it
is, and what must happen: ``"error"`` (a :class:`~qualcode.errors.QualcodeError`
naming the file) or ``"any"`` (either a result or such an error; input a
reader may reasonably repair, such as a few NUL bytes in UTF-8 text). In
every case the parser must finish in bounded time and memory, never crash
with another exception, and never write a file.

Only files of at most :data:`COMMIT_LIMIT` bytes are committed; larger
ones (zip bombs of 20 MB, a 2 MB subtitle file, and the ``big=True`` cases:
100 MB single lines, a 20,001-member archive, a 6 MB codebook) are built at
test time in a temporary folder (:func:`corpus_path`).

Folders: ``transcripts/`` holds only transcripts that must fail (so
``qualcode ingest transcripts/`` must report one error per file),
``tolerated/`` transcripts that may be read, ``tables/`` case and codings
tables, ``codebooks/`` codebook YAML, ``refi/`` REFI-QDA files.

Zip member names that try to escape (``../../``, absolute paths) are named
``qualcode_hostile_escape*`` so a test can check that no such file ever
appears outside the temporary folder.
"""

from __future__ import annotations

import io
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
#: File name every path-traversal member points at.
ESCAPE_NAME = "qualcode_hostile_escape"
#: Files up to this size are committed; larger ones are built at test time.
COMMIT_LIMIT = 64 * 1024
_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Case:
    """One hostile file: where it goes, what reads it, what must happen."""

    path: str
    parser: str
    expect: str
    what: str
    build: Callable[[], bytes]
    big: bool = False

    @property
    def name(self) -> str:
        return Path(self.path).name


# -- zip helpers ------------------------------------------------------------------------


def zip_bytes(members: Sequence[tuple[str, bytes | str]], *, stored: bool = False) -> bytes:
    """A zip archive of ``members`` (name, data), deterministic (fixed dates)."""
    buf = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            info = zipfile.ZipInfo(name, _DATE)
            info.compress_type = method
            zf.writestr(info, data.encode("utf-8") if isinstance(data, str) else data)
    return buf.getvalue()


def _patch_sizes(data: bytes, member: str, *, file_size: int) -> bytes:
    """Rewrite ``member``'s uncompressed size in the local and central headers (a lying header)."""
    out = bytearray(data)
    encoded = member.encode()
    i = out.find(b"PK\x03\x04")
    while i != -1:
        n = struct.unpack_from("<H", out, i + 26)[0]
        if bytes(out[i + 30:i + 30 + n]) == encoded:
            struct.pack_into("<I", out, i + 22, file_size)
        i = out.find(b"PK\x03\x04", i + 4)
    i = out.find(b"PK\x01\x02")
    while i != -1:
        n = struct.unpack_from("<H", out, i + 28)[0]
        if bytes(out[i + 46:i + 46 + n]) == encoded:
            struct.pack_into("<I", out, i + 24, file_size)
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)


def _set_flag(data: bytes, member: str, flag: int) -> bytes:
    """Set a general-purpose flag bit on ``member`` (e.g. 0x1: encrypted)."""
    out = bytearray(data)
    encoded = member.encode()
    for sig, name_len_at, flag_at, name_at in ((b"PK\x03\x04", 26, 6, 30),
                                               (b"PK\x01\x02", 28, 8, 46)):
        i = out.find(sig)
        while i != -1:
            n = struct.unpack_from("<H", out, i + name_len_at)[0]
            if bytes(out[i + name_at:i + name_at + n]) == encoded:
                old = struct.unpack_from("<H", out, i + flag_at)[0]
                struct.pack_into("<H", out, i + flag_at, old | flag)
            i = out.find(sig, i + 4)
    return bytes(out)


def _needs_version(data: bytes, version: int) -> bytes:
    """Claim every member needs zip ``version`` to extract (e.g. 64: unsupported)."""
    out = bytearray(data)
    i = out.find(b"PK\x01\x02")
    while i != -1:
        struct.pack_into("<H", out, i + 6, version)
        i = out.find(b"PK\x01\x02", i + 4)
    return bytes(out)


def overlapping_bomb(first_name: str, kernel: bytes, copies: int) -> bytes:
    """A non-recursive zip bomb: many central-directory entries share one compressed kernel."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = comp.compress(kernel) + comp.flush()
    crc = zlib.crc32(kernel)
    name = first_name.encode()
    local = struct.pack("<4sHHHHHIIIHH", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(packed),
                        len(kernel), len(name), 0) + name + packed
    central = b""
    for i in range(copies):
        entry = name if i == 0 else f"part{i:04d}.xml".encode()
        central += struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0, 8, 0, 0x21,
                               crc, len(packed), len(kernel), len(entry), 0, 0, 0, 0, 0,
                               0) + entry
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, copies, copies, len(central),
                      len(local), 0)
    return local + central + end


def traversal_members() -> list[tuple[str, bytes | str]]:
    """Members whose names would escape the extraction folder."""
    return [
        (f"../../../../../../tmp/{ESCAPE_NAME}.txt", "escaped\n"),
        (f"/tmp/{ESCAPE_NAME}_absolute.txt", "escaped\n"),
        (f"..\\..\\..\\{ESCAPE_NAME}_windows.txt", "escaped\n"),
        (f"word/../../{ESCAPE_NAME}_dotdot.xml", "<x/>"),
        (f"C:/Windows/Temp/{ESCAPE_NAME}_drive.txt", "escaped\n"),
    ]


# -- XML payloads -----------------------------------------------------------------------

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
XXE_DTD = '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_NET = '<!DOCTYPE d [<!ENTITY % ext SYSTEM "http://127.0.0.1:9/evil.dtd"> %ext;]>'
LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
    f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">'
    for i in range(1, 10)) + "]>")
QUADRATIC = '<!DOCTYPE q [<!ENTITY a "' + "A" * 50_000 + '">]>'
SPEECH = "I: Where do you work?</w:t></w:r></w:p><w:p><w:r><w:t>R: At home, sewing."


def docx_xml(inner: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W_NS}">'
            f"<w:body>{inner}</w:body></w:document>")


def para(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def docx(document: str | bytes | None, extra: list[tuple[str, bytes | str]] | None = None,
         *, stored: bool = False) -> bytes:
    members: list[tuple[str, bytes | str]] = [(
        "[Content_Types].xml",
        '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        'content-types"/>')]
    if document is not None:
        members.append(("word/document.xml", document))
    return zip_bytes(members + (extra or []), stored=stored)


GOOD_DOCX_XML = docx_xml(para(SPEECH))

ODT_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"')


def odt_xml(inner: str, prolog: str = "") -> str:
    return (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<office:document-content {ODT_NS}>'
            f"<office:body><office:text>{inner}</office:text></office:body>"
            "</office:document-content>")


def odt(content: str | bytes | None, extra: list[tuple[str, bytes | str]] | None = None,
        mimetype: str = "application/vnd.oasis.opendocument.text") -> bytes:
    members: list[tuple[str, bytes | str]] = [("mimetype", mimetype)]
    if content is not None:
        members.append(("content.xml", content))
    return zip_bytes(members + (extra or []))


GOOD_ODT_XML = odt_xml("<text:p>I: Where do you work?</text:p><text:p>R: At home.</text:p>")


# -- PDF --------------------------------------------------------------------------------


def pdf(objects: list[bytes]) -> bytes:
    """A PDF with these numbered objects (1 is the catalog) and a correct xref table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return out


def page_pdf(content: bytes, *, flate: bool = False) -> bytes:
    stream = zlib.compress(content, 9) if flate else content
    filt = b" /Filter /FlateDecode" if flate else b""
    return pdf([
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + filt + b" >>\nstream\n" + stream
        + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ])


GOOD_PDF = page_pdf(b"BT /F1 12 Tf 72 720 Td (I: Where do you work?) Tj ET")


def encrypted_pdf() -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=io.BytesIO(GOOD_PDF))
    writer.encrypt(user_password="rahasia", owner_password="rahasia-owner", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


# -- spreadsheets -------------------------------------------------------------------------


def xlsx(rows: list[list[str]], *, sheet_extra: str = "", prolog: str = "",
         dimension: bool = True, no_sheets: bool = False) -> bytes:
    """A minimal .xlsx with one sheet of inline strings (no openpyxl needed)."""
    def cell(r: int, c: int, v: str) -> str:
        return f'<c r="{chr(65 + c)}{r}" t="inlineStr"><is><t>{v}</t></is></c>'

    body = "".join(f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row))
                   + "</row>" for r, row in enumerate(rows, 1))
    dim = f'<dimension ref="A1:{chr(64 + max(len(r) for r in rows))}{len(rows)}"/>' \
        if dimension else ""
    sheet = (f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="http://schemas.'
             f'openxmlformats.org/spreadsheetml/2006/main">{dim}<sheetData>{body}{sheet_extra}'
             "</sheetData></worksheet>")
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    return zip_bytes([
        ("[Content_Types].xml",
         '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
         'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-'
         'package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
         '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
         'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
         'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
         'worksheet+xml"/></Types>'),
        ("_rels/.rels",
         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         f'2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>'),
        ("xl/workbook.xml",
         '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
         f'2006/main" xmlns:r="{rel}"><sheets>'
         + ("" if no_sheets else '<sheet name="Sheet1" sheetId="1" r:id="rId1"/>')
         + "</sheets></workbook>"),
        ("xl/_rels/workbook.xml.rels",
         '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
         f'2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" '
         'Target="worksheets/sheet1.xml"/></Relationships>'),
        ("xl/worksheets/sheet1.xml", sheet),
    ])


CASES_ROWS = [["file", "site"], ["a.txt", "Kediri"]]
CODINGS_ROWS = [["document", "code", "start", "end"], ["fixture.txt", "c", "0", "5"]]
ROW_BOMB = '<row><c t="inlineStr"><is><t>x</t></is></c></row>' * 600_000  # 29 MB, ratio ~400


# -- REFI-QDA -----------------------------------------------------------------------------

QDE_NS = "urn:QDA-XML:project:1.0"


def qde(prolog: str = "", body: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<Project xmlns="{QDE_NS}" '
            f'name="hostile" origin="qualcode hostile corpus">{body}</Project>')


def qdc(prolog: str = "", body: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>{prolog}<CodeBook xmlns="urn:QDA-XML:'
            f'codebook:1.0"><Codes>{body}</Codes></CodeBook>')


# -- text builders ----------------------------------------------------------------------

def _rng() -> random.Random:
    return random.Random(20240101)


def binary_with_nuls() -> bytes:
    r = _rng()
    return b"\x89PNG\r\n\x1a\n" + bytes(r.choice((0, 0, 0, r.randrange(256))) for _ in range(4000))


def front(meta: str, body: str = "I: Where do you work?\nR: At home.\n") -> bytes:
    return f"---\n{meta}\n---\n{body}".encode()


def nested_yaml_map(depth: int) -> str:
    return "\n".join("  " * i + f"k{i}:" for i in range(depth)) + " leaf"


YAML_LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ", ".join([f"*{chr(97 + i)}"] * 9) + "]\n"
    for i in range(8))
UTF16_TEXT = "Pewawancara: Apa kabar, Bu? Café, naïve, “quoted”.\nNarasumber: Baik.\n"
LONG_LINE_BYTES = 100 * 2**20


def long_line(prefix: bytes, size: int, word: bytes = b"word ") -> bytes:
    line = (word * (size // len(word) + 1))[:size]
    return prefix + line


def codebook(rules: str) -> str:
    return f"codebook: hostile\nversion: '1'\ncodes:\n  - name: c\n    rules:\n{rules}"


def _cases() -> list[Case]:
    c: list[Case] = []

    def add(path: str, parser: str, what: str, build: Callable[[], bytes],
            expect: str = "error", big: bool = False) -> None:
        c.append(Case(path, parser, expect, what, build, big))

    T = "transcripts/"
    # ---------------------------------------------------------------- txt
    add(T + "txt_binary_nul.txt", "txt", "binary data full of NUL bytes", binary_with_nuls)
    add(T + "txt_utf16le_no_bom.txt", "txt", "UTF-16 LE without BOM, non-ASCII text",
        lambda: UTF16_TEXT.encode("utf-16-le"))
    add(T + "txt_utf16be_no_bom.txt", "txt", "UTF-16 BE without BOM, non-ASCII text",
        lambda: UTF16_TEXT.encode("utf-16-be"))
    add(T + "txt_utf32_no_bom.txt", "txt", "UTF-32 without BOM",
        lambda: UTF16_TEXT.encode("utf-32-le"))
    add(T + "txt_bom_only.txt", "txt", "a UTF-8 BOM and nothing else", lambda: b"\xef\xbb\xbf")
    add(T + "txt_controls_only.txt", "txt", "only control characters",
        lambda: bytes(range(1, 9)) * 50)
    add(T + "txt_yaml_deep_list.txt", "txt", "front matter nested 1,500 lists deep",
        lambda: front("k: " + "[" * 1500 + "]" * 1500))
    add(T + "txt_yaml_deep_map.txt", "txt", "front matter mapping nested 300 deep",
        lambda: front(nested_yaml_map(300)))
    add(T + "txt_yaml_python_apply.txt", "txt", "front matter !!python/object/apply:os.system",
        lambda: front(f"x: !!python/object/apply:os.system ['touch /tmp/{ESCAPE_NAME}_yaml']"))
    add(T + "txt_yaml_python_name.txt", "txt", "front matter !!python/name:os.system",
        lambda: front("x: !!python/name:os.system"))
    add(T + "txt_yaml_billion_laughs.txt", "txt", "front matter alias expansion (laughs)",
        lambda: front(YAML_LAUGHS))
    add(T + "txt_yaml_unclosed_quote.txt", "txt", "front matter with an unclosed quote",
        lambda: front('site: "Kediri'))
    tol = "tolerated/"
    add(tol + "txt_nul_sprinkled.txt", "txt", "UTF-8 text with a few NUL bytes",
        lambda: b"I: Where\x00 do you work?\nR: At\x00 home.\n", "any")
    add(tol + "txt_invalid_utf8.txt", "txt", "mostly UTF-8 with invalid sequences",
        lambda: b"I: caf\xc3\x28 \xed\xa0\x80 \xff ok\nR: fine \xe2\x82\n", "any")
    add(tol + "txt_utf16le_ascii_no_bom.txt", "txt", "ASCII text as UTF-16 LE without BOM",
        lambda: "I: hello there\nR: fine\n".encode("utf-16-le"), "any")
    add(tol + "txt_unclosed_front_matter.txt", "txt", "front matter never closed",
        lambda: b"---\nsite: Kediri\nI: hi\n", "any")
    add(tol + "txt_many_labels.txt", "txt", "30,000 one-word speaker turns",
        lambda: b"".join(b"P%d: ya\n" % (i % 50) for i in range(30_000)), "any")
    add(tol + "txt_bidi_zero_width.txt", "txt", "bidi overrides, zero-width and odd spaces",
        lambda: "I:\u202e kerja\u200b di\u2028rumah\u00a0?\nR:\u2066 ya\u2069\r\r\n".encode(),
        "any")
    add(tol + "txt_colons_everywhere.txt", "txt", "a 1 MB line of colons and capitals",
        lambda: b"A: " + b"Bb Cc: " * 150_000, "any")
    # big, built at test time
    add("big/txt_100mb_words.txt", "txt", "a single 100 MB line of words",
        lambda: long_line(b"I: ", LONG_LINE_BYTES), "any", big=True)
    add("big/txt_30mb_one_token.txt", "txt", "a single 30 MB line without spaces",
        lambda: b"x" * (30 * 2**20), "any", big=True)
    add("big/vtt_10mb_cue.vtt", "vtt", "one cue of a 10 MB line",
        lambda: long_line(b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n", 10 * 2**20),
        "any", big=True)
    add("big/srt_10mb_cue.srt", "srt", "one cue of a 10 MB line",
        lambda: long_line(b"1\n00:00:01,000 --> 00:00:02,000\n", 10 * 2**20), "any", big=True)

    # ---------------------------------------------------------------- docx
    add(T + "docx_truncated.docx", "docx", "the first half of a valid .docx",
        lambda: docx(GOOD_DOCX_XML)[: len(docx(GOOD_DOCX_XML)) // 2])
    add(T + "docx_garbage_pk.docx", "docx", "a zip signature followed by garbage",
        lambda: b"PK\x03\x04" + bytes(_rng().randrange(256) for _ in range(2000)))
    add(T + "docx_random.docx", "docx", "random bytes",
        lambda: bytes(_rng().randrange(256) for _ in range(3000)))
    add(T + "docx_empty_zip.docx", "docx", "a zip archive with no members",
        lambda: zip_bytes([]))
    add(T + "docx_ole_encrypted.docx", "docx", "an OLE2 file (password-protected Word)",
        lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    add(T + "docx_ratio_bomb.docx", "docx", "document.xml: 20 MB of spaces (ratio ~1000)",
        lambda: docx(docx_xml(para("I: x" + " " * (20 * 2**20)))))
    add(T + "docx_size_bomb.docx", "docx", "document.xml declares 4 GB uncompressed",
        lambda: _patch_sizes(docx(GOOD_DOCX_XML), "word/document.xml", file_size=2**32 - 1))
    add(T + "docx_overlap_bomb.docx", "docx",
        "non-recursive bomb: 400 entries share one 1 MB kernel",
        lambda: overlapping_bomb("word/document.xml", b"\x20" * 2**20, 400))
    add(T + "docx_traversal_only.docx", "docx", "only path-traversal members, no document",
        lambda: docx(None, traversal_members()))
    add(T + "docx_rels_traversal.docx", "docx", "relationships point the main part at ../../",
        lambda: docx(None, [("_rels/.rels",
                             '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                             'openxmlformats.org/package/2006/relationships"><Relationship '
                             'Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/'
                             '2006/relationships/officeDocument" Target="../../../../etc/passwd"'
                             "/></Relationships>")]))
    add(T + "docx_xxe.docx", "docx", "document.xml with an external entity (file:///etc/passwd)",
        lambda: docx(docx_xml(para("&xxe;"), XXE_DTD)))
    add(T + "docx_xxe_parameter.docx", "docx", "document.xml with a network parameter entity",
        lambda: docx(docx_xml(para("x"), XXE_NET)))
    add(T + "docx_billion_laughs.docx", "docx", "document.xml: billion laughs",
        lambda: docx(docx_xml(para("&lol9;"), LAUGHS)))
    add(T + "docx_quadratic.docx", "docx", "document.xml: quadratic blow-up entity",
        lambda: docx(docx_xml(para("&a;" * 2000), QUADRATIC)))
    add(T + "docx_xxe_core.docx", "docx", "valid document, core.xml with an external entity",
        lambda: docx(GOOD_DOCX_XML, [("docProps/core.xml",
                                      '<?xml version="1.0"?>' + XXE_DTD + '<cp:coreProperties '
                                      'xmlns:cp="http://schemas.openxmlformats.org/package/'
                                      '2006/metadata/core-properties"><t>&xxe;</t>'
                                      "</cp:coreProperties>")]))
    add(T + "docx_deep_nesting.docx", "docx", "document.xml nested 5,000 elements deep",
        lambda: docx(docx_xml("<w:sdt><w:sdtContent>" * 5000 + para(SPEECH)
                              + "</w:sdtContent></w:sdt>" * 5000)))
    add(T + "docx_not_xml.docx", "docx", "document.xml is binary",
        lambda: docx(binary_with_nuls()))
    add(T + "docx_wrong_root.docx", "docx", "document.xml is XHTML, not WordprocessingML",
        lambda: docx('<html xmlns="http://www.w3.org/1999/xhtml"><body>x</body></html>'))
    add(T + "docx_encrypted_member.docx", "docx", "document.xml flagged as encrypted",
        lambda: _set_flag(docx(GOOD_DOCX_XML), "word/document.xml", 0x1))
    add(T + "docx_bad_crc.docx", "docx", "stored document.xml with a corrupted byte",
        lambda: docx(GOOD_DOCX_XML, stored=True).replace(b"Where", b"Whare", 1))
    add(T + "docx_lying_size.docx", "docx", "document.xml declares fewer bytes than it holds",
        lambda: _patch_sizes(docx(GOOD_DOCX_XML), "word/document.xml", file_size=40))
    add(T + "docx_zip_version_64.docx", "docx", "members need an unsupported zip version",
        lambda: _needs_version(docx(GOOD_DOCX_XML), 64))
    add(T + "docx_empty_body.docx", "docx", "a Word document without text",
        lambda: docx(docx_xml("<w:p/>")))
    add("markup/docx_markup_in_message.docx", "docx",
        "main part named word/[/x].xml (console markup in the error message)",
        lambda: docx(None, [("_rels/.rels",
                             '<?xml version="1.0"?><Relationships xmlns="http://schemas.'
                             'openxmlformats.org/package/2006/relationships"><Relationship '
                             'Id="r1" Type="http://schemas.openxmlformats.org/officeDocument/'
                             '2006/relationships/officeDocument" Target="word/[/x].xml"/>'
                             "</Relationships>")]))
    add("markup/[bold]txt_markup_in_name.txt", "txt", "console markup in the file name",
        lambda: b"\x00" * 64)
    add(tol + "docx_traversal_extra.docx", "docx", "a valid document plus traversal members",
        lambda: docx(GOOD_DOCX_XML, traversal_members()), "any")
    add("big/docx_many_members.docx", "docx", "20,001 members", lambda: zip_bytes(
        [("word/document.xml", GOOD_DOCX_XML)] + [(f"m/{i}", "") for i in range(20_001)],
        stored=True), big=True)

    # ---------------------------------------------------------------- odt
    add(T + "odt_truncated.odt", "odt", "the first half of a valid .odt",
        lambda: odt(GOOD_ODT_XML)[: len(odt(GOOD_ODT_XML)) // 2])
    add(T + "odt_xxe.odt", "odt", "content.xml with an external entity",
        lambda: odt(odt_xml("<text:p>&xxe;</text:p>", XXE_DTD)))
    add(T + "odt_billion_laughs.odt", "odt", "content.xml: billion laughs",
        lambda: odt(odt_xml("<text:p>&lol9;</text:p>", LAUGHS)))
    add(T + "odt_xxe_meta.odt", "odt", "valid content, meta.xml with an external entity",
        lambda: odt(GOOD_ODT_XML, [("meta.xml", '<?xml version="1.0"?>' + XXE_DTD
                                    + "<office:document-meta " + ODT_NS + ">&xxe;"
                                    "</office:document-meta>")]))
    add(T + "odt_ratio_bomb.odt", "odt", "content.xml: 20 MB of spaces",
        lambda: odt(odt_xml("<text:p>I: x" + " " * (20 * 2**20) + "</text:p>")))
    add(T + "odt_overlap_bomb.odt", "odt", "non-recursive bomb: 400 entries, one kernel",
        lambda: overlapping_bomb("content.xml", b"\x20" * 2**20, 400))
    add(T + "odt_traversal_only.odt", "odt", "only path-traversal members",
        lambda: odt(None, traversal_members()))
    add(T + "odt_spreadsheet_mimetype.odt", "odt", "an OpenDocument spreadsheet renamed",
        lambda: odt(GOOD_ODT_XML, mimetype="application/vnd.oasis.opendocument.spreadsheet"))
    add(T + "odt_deep_nesting.odt", "odt", "content.xml nested 5,000 deep",
        lambda: odt(odt_xml("<text:section>" * 5000 + "<text:p>I: x</text:p>"
                            + "</text:section>" * 5000)))

    # ---------------------------------------------------------------- rtf
    add(T + "rtf_png.rtf", "rtf", "PNG bytes named .rtf",
        lambda: b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    add(T + "rtf_unicode_overflow.rtf", "rtf", "\\u escape beyond any code point",
        lambda: b"{\\rtf1\\ansi I: hello \\u99999999999? there}")
    add(T + "rtf_no_text.rtf", "rtf", "a header and no text",
        lambda: b"{\\rtf1\\ansi{\\fonttbl{\\f0 Arial;}}}")
    add(tol + "rtf_deep_groups.rtf", "rtf", "100,000 nested groups",
        lambda: b"{\\rtf1 " + b"{" * 100_000 + b"I: x" + b"}" * 100_000 + b"}", "any")
    add(tol + "rtf_truncated.rtf", "rtf", "unterminated groups",
        lambda: b"{\\rtf1\\ansi {\\b I: hello {\\i there", "any")
    add(tol + "rtf_bin_huge.rtf", "rtf", "\\bin with a 1 GB length",
        lambda: b"{\\rtf1 I: hello \\bin999999999 there}", "any")
    add(tol + "rtf_bad_hex.rtf", "rtf", "invalid \\' escapes and NUL bytes",
        lambda: b"{\\rtf1 I: \\'zz\\'f\\'\x00 hello\x00}", "any")

    # ---------------------------------------------------------------- pdf
    add(T + "pdf_truncated.pdf", "pdf", "the first half of a valid PDF",
        lambda: GOOD_PDF[: len(GOOD_PDF) // 2])
    add(T + "pdf_header_only.pdf", "pdf", "a %PDF header and nothing else",
        lambda: b"%PDF-1.7\n")
    add(T + "pdf_garbage.pdf", "pdf", "a %PDF header and random bytes",
        lambda: b"%PDF-1.7\n" + bytes(_rng().randrange(256) for _ in range(5000)))
    add(T + "pdf_flate_bomb.pdf", "pdf", "a content stream inflating to 100 MB",
        lambda: page_pdf(b" " * (100 * 2**20) + b"BT (x) Tj ET", flate=True))
    add(T + "pdf_page_cycle.pdf", "pdf", "a page tree that contains itself",
        lambda: pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [2 0 R] /Count 1 >>"]))
    add(T + "pdf_deep_arrays.pdf", "pdf", "content stream nested 100,000 arrays deep",
        lambda: page_pdf(b"BT /F1 12 Tf 72 720 Td " + b"[" * 100_000 + b"(x)"
                         + b"]" * 100_000 + b" TJ ET"))
    add(T + "pdf_deep_dicts.pdf", "pdf", "catalog nested 100,000 arrays deep",
        lambda: pdf([b"<< /Type /Catalog /Pages 2 0 R /X " + b"[" * 100_000 + b"]" * 100_000
                     + b" >>", b"<< /Type /Pages /Kids [] /Count 0 >>"]))
    add(tol + "pdf_no_root.pdf", "pdf", "a trailer without /Root (pypdf finds the catalog)",
        lambda: GOOD_PDF.replace(b"/Root 1 0 R", b"/Prev 0"), "any")
    add(T + "pdf_encrypted.pdf", "pdf", "encrypted with a user password", encrypted_pdf)
    add(T + "pdf_no_text.pdf", "pdf", "pages without text (a scan)",
        lambda: page_pdf(b"0 0 m 100 100 l S"))
    add(T + "pdf_count_lie.pdf", "pdf", "/Count 999999999 over three empty pages",
        lambda: pdf([b"<< /Type /Catalog /Pages 2 0 R >>",
                     b"<< /Type /Pages /Kids [3 0 R 3 0 R 3 0 R] /Count 999999999 >>",
                     b"<< /Type /Page /Parent 2 0 R >>"]))

    # ---------------------------------------------------------------- vtt / srt
    add(T + "vtt_no_header.vtt", "vtt", "cues without the WEBVTT line",
        lambda: b"00:00:01.000 --> 00:00:02.000\nI: hi\n")
    add(T + "vtt_binary.vtt", "vtt", "WEBVTT then binary", lambda: b"WEBVTT\n\n"
        + binary_with_nuls())
    add(T + "vtt_utf16_no_bom.vtt", "vtt", "UTF-16 LE without BOM",
        lambda: ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + UTF16_TEXT).encode("utf-16-le"))
    add(T + "vtt_huge_timestamp.vtt", "vtt", "a 5,000-digit hour field",
        lambda: b"WEBVTT\n\n" + b"9" * 5000 + b":00:00.000 --> 00:00:01.000\nhi\n")
    add(T + "vtt_end_before_start.vtt", "vtt", "every cue ends before it starts",
        lambda: b"WEBVTT\n\n" + b"".join(b"00:00:%02d.000 --> 00:00:00.000\nx\n\n" % (i + 1)
                                         for i in range(50)))
    add(T + "vtt_notes_only.vtt", "vtt", "only NOTE blocks",
        lambda: b"WEBVTT\n\n" + b"NOTE hello\n\n" * 1000)
    add(tol + "vtt_tag_soup.vtt", "vtt", "a cue of 100,000 unclosed tags",
        lambda: b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n" + b"<v " * 100_000 + b"\n", "any")
    add(tol + "vtt_many_cues.vtt", "vtt", "10,000 tiny cues", lambda: b"WEBVTT\n\n" + b"".join(
        b"%d\n00:%02d:%02d.000 --> 00:%02d:%02d.500\nP%d: ya\n\n"
        % (i, i // 60 % 60, i % 60, i // 60 % 60, i % 60, i % 7) for i in range(10_000)), "any")
    add(T + "srt_no_timings.srt", "srt", "text without a single timing line",
        lambda: b"1\nhello\n\n2\nthere\n")
    add(T + "srt_huge_timestamp.srt", "srt", "a 5,000-digit hour field",
        lambda: b"1\n" + b"9" * 5000 + b":00:00,000 --> 00:00:01,000\nhi\n")
    add(T + "srt_binary.srt", "srt", "binary data", binary_with_nuls)
    add(tol + "srt_tag_soup.srt", "srt", "a cue of 100,000 unclosed <font and {\\ tags",
        lambda: b"1\n00:00:01,000 --> 00:00:02,000\n" + b"<font " * 100_000 + b"{\\" * 100_000
        + b"\n", "any")
    add(tol + "txt_spaces_before_label.txt", "txt", "labels after 1,000,000 spaces",
        lambda: b"x\n" + b" " * 1_000_000 + b"Ab" + b" " * 1_000_000 + b"x\nI: y\n", "any")
    add(tol + "srt_huge_index.srt", "srt", "a 5,000-digit cue number",
        lambda: b"9" * 5000 + b"\n00:00:00,000 --> 00:00:01,000\nhi\n", "any")

    # ---------------------------------------------------------------- case tables
    TB = "tables/"
    add(TB + "cases_invalid_utf8.csv", "cases", "not UTF-8",
        lambda: b"file,site\na.txt,K\xe9diri\xff\n")
    add(TB + "cases_huge_cell.csv", "cases", "a 200 kB cell (over csv's field limit)",
        lambda: b"file,site\na.txt," + b"x" * 200_000 + b"\n")
    add(TB + "cases_utf16_no_bom.csv", "cases", "UTF-16 without BOM",
        lambda: "file,site\na.txt,Kediri\n".encode("utf-16-le"))
    add(TB + "cases_bare_cr.csv", "cases", "a carriage return inside an unquoted cell",
        lambda: b"file,site\na.txt,Ke\rdiri\n")
    add(TB + "cases_no_file_column.csv", "cases", "no file column",
        lambda: b"site,age\nKediri,3\n")
    add(TB + "cases_binary.csv", "cases", "binary data", binary_with_nuls)
    add(TB + "cases_truncated.xlsx", "cases", "the first half of an .xlsx",
        lambda: xlsx(CASES_ROWS)[: len(xlsx(CASES_ROWS)) // 2])
    add(TB + "cases_not_zip.xlsx", "cases", "text named .xlsx", lambda: b"file,site\na,b\n")
    add(TB + "cases_xxe.xlsx", "cases", "worksheet with an external entity",
        lambda: xlsx([["file", "&xxe;"], ["a.txt", "K"]], prolog=XXE_DTD))
    add(TB + "cases_billion_laughs.xlsx", "cases", "worksheet: billion laughs",
        lambda: xlsx([["file", "&lol9;"], ["a.txt", "K"]], prolog=LAUGHS))
    add(TB + "cases_row_bomb.xlsx", "cases", "600,000 identical rows compressed ~400x",
        lambda: xlsx(CASES_ROWS, sheet_extra=ROW_BOMB, dimension=False))
    add(TB + "cases_size_bomb.xlsx", "cases", "worksheet declares 4 GB",
        lambda: _patch_sizes(xlsx(CASES_ROWS), "xl/worksheets/sheet1.xml", file_size=2**32 - 1))
    add(TB + "cases_no_sheets.xlsx", "cases", "a workbook without worksheets (no cases)",
        lambda: xlsx(CASES_ROWS, no_sheets=True), "any")
    add("big/cases_20mb_line.csv", "cases", "a 20 MB single line",
        lambda: long_line(b"file,site\na.txt,", 20 * 2**20, b"x"), big=True)
    # ---------------------------------------------------------------- codings tables
    add(TB + "codings_invalid_utf8.csv", "codings", "not UTF-8",
        lambda: b"document,code,start,end\nfixture.txt,c\xff,0,5\n")
    add(TB + "codings_huge_cell.csv", "codings", "a 200 kB cell (over csv's field limit)",
        lambda: b"document,code,start,end,memo\nfixture.txt,c,0,5," + b"x" * 200_000 + b"\n")
    add(TB + "codings_bare_cr.csv", "codings",
        "a carriage return inside an unquoted cell (found by atheris)",
        lambda: b"document,code,start,end\nfixture.txt,c\rx,0,5\n")
    add(TB + "codings_missing_columns.csv", "codings", "no document or code column",
        lambda: b"a,b\n1,2\n")
    add(TB + "codings_bad_offsets.csv", "codings", "huge, negative and reversed offsets",
        lambda: b"document,code,start,end\nfixture.txt,c,0," + b"9" * 5000
        + b"\nfixture.txt,c,-5,3\nfixture.txt,c,5,2\nfixture.txt,c,x,y\n")
    add(TB + "codings_unknown_documents.csv", "codings", "rows naming unknown documents",
        lambda: b"document,code,start,end\n" + b"".join(b"../../etc/passwd%d,c,0,1\n" % i
                                                         for i in range(1000)))
    add(TB + "codings_nul.csv", "codings", "NUL bytes in cells",
        lambda: b"document,code,start,end\nfixture.txt\x00,c\x00,0,5\n")
    add(TB + "codings_truncated.xlsx", "codings", "the first half of an .xlsx",
        lambda: xlsx(CODINGS_ROWS)[: len(xlsx(CODINGS_ROWS)) // 2])
    add(TB + "codings_xxe.xlsx", "codings", "worksheet with an external entity",
        lambda: xlsx([["document", "&xxe;"], ["fixture.txt", "c"]], prolog=XXE_DTD))
    add(TB + "codings_billion_laughs.xlsx", "codings", "worksheet: billion laughs",
        lambda: xlsx([["document", "&lol9;"], ["fixture.txt", "c"]], prolog=LAUGHS))
    add(TB + "codings_row_bomb.xlsx", "codings", "600,000 identical rows compressed ~400x",
        lambda: xlsx(CODINGS_ROWS, sheet_extra=ROW_BOMB, dimension=False))
    add(TB + "codings_no_sheets.xlsx", "codings",
        "a workbook without worksheets (no codings; found by atheris)",
        lambda: xlsx(CODINGS_ROWS, no_sheets=True), "any")
    add("big/codings_20mb_line.csv", "codings", "a 20 MB single line",
        lambda: long_line(b"document,code,start,end\nfixture.txt,c,0,", 20 * 2**20, b"9"),
        big=True)

    # ---------------------------------------------------------------- codebooks
    CB = "codebooks/"
    add(CB + "deep_list.yaml", "codebook", "lists nested 1,500 deep",
        lambda: ("codebook: x\ncodes: " + "[" * 1500 + "]" * 1500 + "\n").encode())
    add(CB + "deep_map.yaml", "codebook", "codes nested 300 levels deep", lambda: (
        "codebook: x\nversion: '1'\ncodes:\n" + "".join(
            "  " * (2 * i) + f"- name: c{i}\n" + "  " * (2 * i) + "  children:\n"
            for i in range(300)) + "  " * 600 + "- name: leaf\n").encode())
    add(CB + "python_apply.yaml", "codebook", "!!python/object/apply:os.system",
        lambda: f"codebook: !!python/object/apply:os.system ['touch /tmp/{ESCAPE_NAME}_cb']\n"
        "codes: []\n".encode())
    add(CB + "python_new.yaml", "codebook", "!!python/object/new at the root",
        lambda: b"!!python/object/new:os.system [echo hostile]\n")
    add(CB + "billion_laughs.yaml", "codebook", "alias expansion (billion laughs)",
        lambda: (YAML_LAUGHS + "codebook: x\ncodes: []\n").encode())
    add(CB + "recursive_alias.yaml", "codebook", "codes that contain themselves",
        lambda: b"codebook: x\ncodes: &c\n  - name: a\n    children: *c\n")
    add(CB + "redos_nested.yaml", "codebook", "regex (a+)+b: catastrophic backtracking",
        lambda: codebook("      en: [{regex: '(a+)+b'}]\n").encode())
    add(CB + "redos_words.yaml", "codebook", "regex ^(\\w+\\s?)*$: catastrophic backtracking",
        lambda: codebook("      en: [{regex: '^(\\w+\\s?)*$'}]\n").encode())
    add(CB + "redos_overlap.yaml", "codebook", "regex (x+x+)+y: catastrophic backtracking",
        lambda: codebook("      en: [{regex: '(x+x+)+y'}]\n").encode())
    add(CB + "redos_alternation.yaml", "codebook", "regex (a|aa)+$: overlapping alternatives",
        lambda: codebook("      en: [{regex: '(a|aa)+$'}]\n").encode())
    add(CB + "redos_dotstar.yaml", "codebook", "regex (.*a){20}: polynomial blow-up",
        lambda: codebook("      en: [{regex: '(.*a){20}'}]\n").encode())
    add(CB + "nul.yaml", "codebook", "NUL bytes", lambda: b"codebook: x\x00\ncodes: []\n")
    add(CB + "utf16_no_bom.yaml", "codebook", "UTF-16 without BOM",
        lambda: "codebook: x\ncodes: []\n".encode("utf-16-le"))
    add(CB + "invalid_utf8.yaml", "codebook", "not UTF-8",
        lambda: b"codebook: caf\xe9\ncodes: []\n")
    add(CB + "binary.yaml", "codebook", "binary data", binary_with_nuls)
    add(CB + "not_mapping.yaml", "codebook", "a YAML list, not a mapping", lambda: b"- a\n- b\n")
    add("big/codebook_6mb.yaml", "codebook", "a 6 MB codebook",
        lambda: b"codebook: x\ncodes: []\n#" + b"x" * (6 * 2**20), big=True)

    # ---------------------------------------------------------------- REFI-QDA
    R = "refi/"
    good_qde = qde()
    add(R + "truncated.qdpx", "qdpx", "the first half of a .qdpx",
        lambda: zip_bytes([("project.qde", good_qde)])[:60])
    add(R + "not_zip.qdpx", "qdpx", "text named .qdpx", lambda: b"<Project/>\n")
    add(R + "xxe.qdpx", "qdpx", "project.qde with an external entity",
        lambda: zip_bytes([("project.qde", qde(XXE_DTD, "&xxe;"))]))
    add(R + "billion_laughs.qdpx", "qdpx", "project.qde: billion laughs",
        lambda: zip_bytes([("project.qde", qde(LAUGHS, "&lol9;"))]))
    add(R + "ratio_bomb.qdpx", "qdpx", "project.qde: 20 MB of spaces",
        lambda: zip_bytes([("project.qde", qde(body=" " * (20 * 2**20)))]))
    add(R + "overlap_bomb.qdpx", "qdpx", "non-recursive bomb: 400 entries, one kernel",
        lambda: overlapping_bomb("project.qde", b"\x20" * 2**20, 400))
    add(R + "traversal_only.qdpx", "qdpx", "only path-traversal members",
        lambda: zip_bytes(traversal_members()))
    add(R + "zip_version_64.qdpx", "qdpx", "members need an unsupported zip version",
        lambda: _needs_version(zip_bytes([("project.qde", good_qde)]), 64))
    add(R + "empty_member_name.qdpx", "qdpx", "a member with an empty name (found by atheris)",
        lambda: zip_bytes([("", "x"), ("project.qde", good_qde)]))
    add(R + "deep_nesting.qdpx", "qdpx", "project.qde nested 5,000 deep",
        lambda: zip_bytes([("project.qde", qde(body="<x>" * 5000 + "</x>" * 5000))]))
    add(R + "xxe.qdc", "qdc", "codebook with an external entity",
        lambda: qdc(XXE_DTD, "&xxe;").encode())
    add(R + "billion_laughs.qdc", "qdc", "codebook: billion laughs",
        lambda: qdc(LAUGHS, "&lol9;").encode())
    add(R + "binary.qdc", "qdc", "binary data", binary_with_nuls)
    add(R + "deep_nesting.qdc", "qdc", "codes nested 5,000 deep",
        lambda: qdc(body='<Code guid="1" name="a" isCodable="true">' * 5000
                    + "</Code>" * 5000).encode())
    return c


#: Every hostile case, committed (``big=False``) or built at test time.
CASES: list[Case] = _cases()


def build_case(case: Case, root: Path) -> Path:
    """Write ``case`` under ``root``; returns its path."""
    path = root / case.path
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(case.build())
    return path


def build(root: Path = HERE) -> list[Path]:
    """Write the small cases (at most :data:`COMMIT_LIMIT` bytes) under ``root``.

    Larger ones are removed from ``root`` if present: tests build them in a
    temporary folder (see :func:`corpus_path`).
    """
    written = []
    for case in CASES:
        path = root / case.path
        data = b"" if case.big else case.build()
        if case.big or len(data) > COMMIT_LIMIT:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        written.append(path)
    return written


def corpus_path(case: Case, tmp: Path) -> Path:
    """The committed file of ``case`` if there is one, else a copy built under ``tmp``."""
    committed = HERE / case.path
    if not case.big and committed.is_file():
        return committed
    path = tmp / case.path
    return path if path.is_file() else build_case(case, tmp)


if __name__ == "__main__":
    written = build(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
    total = sum(p.stat().st_size for p in written)
    print(f"wrote {len(written)} files, {total / 1024:.0f} kB")
