"""Regenerate the document fixtures under tests/data/ (not run by the tests).

    python tests/data/make_fixtures.py            # python-docx and hand-made files
    python tests/data/make_fixtures.py --soffice  # also the LibreOffice conversions

All text is synthetic, written for the tests: short interviews about
home-based women workers (no written agreement with the intermediary,
piece rates, no social protection, organising a group). See README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import shutil
import subprocess
import sys
import tempfile
import zipfile
import zlib
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from docx.text.run import Run

HERE = Path(__file__).resolve().parent
CREATED = dt.datetime(2024, 3, 5, 9, 0, 0)

INTERVIEW_EN = [
    "Synthetic test fixture: an invented interview about home-based women workers, "
    "written for qualcode's tests. Not real data.",
    "I: How long have you been sewing at home?",
    "R: About six years. I sew sandal straps for a collector who brings the materials "
    "every Monday.",
    "I: Did you sign any written agreement with the intermediary?",
    "R: No, there is no written agreement. He just tells us the piece rate when he brings "
    "the bundle.",
    "I: How much is the piece rate?",
    "R: Two hundred rupiah per pair \u2013 it hasn\u2019t gone up since 2019.",
    "I: Do you have any social protection, like BPJS?",
    "R: None. If I get sick, I simply earn nothing that week.",
    "I: Have you thought about organising?",
    "R: Yes. Seven of us started a group last year, so we can ask for a better rate together.",
]

INTERVIEW_ID = [
    "Synthetic test fixture: transkrip wawancara rekaan tentang pekerja rumahan perempuan, "
    "ditulis untuk pengujian qualcode. Bukan data nyata.",
    "Pewawancara: Selamat pagi, Bu. Sudah berapa lama Ibu bekerja dari rumah?",
    "Narasumber: Sudah hampir delapan tahun, Mbak. Saya menjahit kerudung untuk seorang "
    "pengepul dari kota.",
    "Bahannya diantar setiap hari Senin, lalu hasilnya diambil hari Sabtu.",
    "Pewawancara: Apakah ada perjanjian tertulis dengan pengepul itu?",
    "Narasumber: Tidak ada kontrak, Mbak. Semuanya hanya lisan saja.",
    "Kalau upahnya turun, kami tidak bisa protes karena tidak ada bukti.",
    "Pewawancara: Berapa upah per potong?",
    "Narasumber: Seribu lima ratus rupiah per potong. Sehari paling banyak dua puluh potong.",
    "Pewawancara: Apakah Ibu punya BPJS Ketenagakerjaan atau jaminan sosial lain?",
    "Narasumber: Belum punya. Kami tidak tahu cara mendaftar sebagai pekerja rumahan.",
    "Sekarang kami sedang membentuk kelompok supaya bisa belajar bersama.",
]

FGD_PREAMBLE = [
    "Diskusi kelompok terfokus (FGD) pekerja rumahan, Desa Contoh.",
    "Synthetic test fixture: percakapan rekaan untuk pengujian, bukan data nyata.",
]
FGD_ROWS = [
    ("Pembicara", "Waktu", "Teks"),
    ("Fasilitator", "00:00:05", "Selamat siang, Ibu-ibu. Apakah ada yang punya kontrak "
     "tertulis dengan pengepul?"),
    ("Ibu Sari", "00:00:21", "Tidak ada, Bu. Kami hanya diberi tahu upahnya secara lisan."),
    ("Ibu Wati", "00:00:40", "Sama. Upah borongan kami seribu rupiah per lusin."),
    ("Ibu Ani", "00:01:02", "Kalau ada barang rusak, upah kami dipotong."),
    ("", "00:01:15", "Padahal benangnya dari pengepul sendiri."),
    ("Fasilitator", "00:01:30", "Bagaimana dengan jaminan sosial, misalnya BPJS?"),
    ("Ibu Rina", "00:01:48", "Tidak ada yang menanggung kalau kami sakit."),
    ("Ibu Yuni", "00:02:10", "Makanya kami mau membentuk kelompok pekerja rumahan."),
    ("Ibu Sari", "00:02:31", "Dengan kelompok kami bisa menawar upah bersama."),
]


def _save(document: docx.document.Document, path: Path) -> None:
    props = document.core_properties
    props.created = CREATED
    props.modified = CREATED
    props.last_modified_by = "qualcode fixtures"
    props.revision = 1
    document.save(str(path))


def _add_custom_properties(path: Path, props: dict[str, tuple[str, str]]) -> None:
    """Add docProps/custom.xml (python-docx cannot write custom properties)."""
    items = "".join(
        f'<property fmtid="{{D5CDD505-2E9C-101B-9397-08002B2CF9AE}}" pid="{i}" name="{k}">'
        f"<vt:{kind}>{v}</vt:{kind}></property>"
        for i, (k, (kind, v)) in enumerate(props.items(), start=2)
    )
    custom = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'custom-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        f'2006/docPropsVTypes">{items}</Properties>'
    )
    src = zipfile.ZipFile(path)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/docProps/custom.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.custom-properties+xml"/></Types>',
                )
            elif info.filename == "_rels/.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rIdCustom1" Type="http://schemas.openxmlformats.org/'
                    b'officeDocument/2006/relationships/custom-properties" '
                    b'Target="docProps/custom.xml"/></Relationships>',
                )
            dst.writestr(info, data)
        dst.writestr("docProps/custom.xml", custom)
    src.close()
    path.write_bytes(out.getvalue())


def interview_en(path: Path) -> None:
    d = docx.Document()
    for text in INTERVIEW_EN:
        d.add_paragraph(text)
    p = d.core_properties
    p.title = "Interview 01 (synthetic)"
    p.subject = "Home-based women workers"
    p.author = "qualcode tests"
    p.keywords = "home-based work; piece rates; social protection"
    p.category = "interview"
    p.comments = "Synthetic test fixture"
    _save(d, path)
    _add_custom_properties(path, {"site": ("lpwstr", "Sidoarjo"),
                                  "participant_id": ("lpwstr", "P01"),
                                  "age": ("i4", "41")})


def interview_id(path: Path) -> None:
    d = docx.Document()
    for text in INTERVIEW_ID:
        d.add_paragraph(text)
    p = d.core_properties
    p.title = "Wawancara 02 (rekaan)"
    p.author = "qualcode tests"
    p.comments = "Synthetic test fixture"
    _save(d, path)


def fgd_table(path: Path) -> None:
    d = docx.Document()
    for text in FGD_PREAMBLE:
        d.add_paragraph(text)
    table = d.add_table(rows=len(FGD_ROWS), cols=3)
    table.style = "Table Grid"
    for r, row in enumerate(FGD_ROWS):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    p = d.core_properties
    p.title = "FGD 03 (rekaan)"
    p.author = "qualcode tests"
    p.category = "fgd"
    p.comments = "Synthetic test fixture"
    _save(d, path)


_REVISION = 0


def _track(run: Run, kind: str) -> None:
    """Wrap ``run`` in a w:ins or w:del revision (deleted text becomes w:delText)."""
    global _REVISION
    _REVISION += 1
    wrap = OxmlElement(f"w:{kind}")
    wrap.set(qn("w:id"), str(100 + _REVISION))
    wrap.set(qn("w:author"), "Peneliti B")
    wrap.set(qn("w:date"), "2024-03-06T10:00:00Z")
    run._r.addprevious(wrap)
    wrap.append(run._r)
    if kind == "del":
        for t in run._r.findall(qn("w:t")):
            t.tag = qn("w:delText")


def _delete_paragraph_mark(paragraph: Paragraph) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    rpr = OxmlElement("w:rPr")
    mark = OxmlElement("w:del")
    mark.set(qn("w:id"), "199")
    mark.set(qn("w:author"), "Peneliti B")
    mark.set(qn("w:date"), "2024-03-06T10:00:00Z")
    rpr.append(mark)
    ppr.append(rpr)


def tracked_comments(path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("Synthetic test fixture: perubahan terlacak dan komentar Word, "
                    "teks rekaan untuk pengujian.")
    d.add_paragraph("Pewawancara: Bagaimana hubungan Ibu dengan perantara?")
    p = d.add_paragraph("Narasumber: Dengan perantara memang ")
    anchor = p.add_run("tidak ada kontrak")
    p.add_run(", hanya janji lisan.")
    first = d.add_comment(anchor, text="Kode: tanpa perjanjian tertulis", author="Peneliti A",
                          initials="PA")
    first._comment_elm.set(qn("w:date"), "2024-03-06T09:30:00Z")
    p = d.add_paragraph("Upahnya ")
    _track(p.add_run("seribu"), "del")
    inserted = p.add_run("dua ribu")
    rest = p.add_run(" rupiah per potong")
    p.add_run(".")
    _track(inserted, "ins")
    second = d.add_comment([inserted, rest], text="Kode: upah borongan", author="Peneliti B",
                           initials="PB")
    second._comment_elm.set(qn("w:date"), "2024-03-06T09:45:00Z")
    gone = d.add_paragraph()
    _track(gone.add_run("Kalimat ini dihapus seluruhnya."), "del")
    _delete_paragraph_mark(gone)
    d.add_paragraph("Pewawancara: Apakah sudah ada kelompok?")
    p = d.add_paragraph("Narasumber: Sudah, kami membentuk kelompok ")
    _track(p.add_run("bulan lalu"), "del")
    _track(p.add_run("tahun lalu"), "ins")
    p.add_run(". Kami juga belum punya jaminan sosial.")
    props = d.core_properties
    props.title = "Perubahan terlacak (rekaan)"
    props.author = "qualcode tests"
    props.comments = "Synthetic test fixture"
    _save(d, path)


def scanned_pdf(path: Path) -> None:
    """A one-page PDF holding only an image and a drawn rectangle: no text layer."""
    w, h = 120, 60
    pixels = bytes((x * 2 + y * 3) % 256 for y in range(h) for x in range(w))
    image = zlib.compress(pixels)
    content = b"q 400 0 0 200 100 500 cm /Im1 Do Q 0.5 g 100 300 400 100 re f"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /XObject << /Im1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
        % (w, h, len(image), image),
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (i, obj)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    path.write_bytes(bytes(out))


def encrypted_pdf(source: Path, path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    writer.append(PdfReader(str(source)))
    writer.encrypt(user_password="rahasia", owner_password="rahasia-owner",
                   algorithm="RC4-128")
    with path.open("wb") as f:
        writer.write(f)


def soffice(src: Path, fmt: str, outdir: Path, name: str | None = None) -> Path:
    exe = shutil.which("soffice") or shutil.which("libreoffice")
    if exe is None:
        sys.exit("soffice not found: apt-get install libreoffice-writer-nogui")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([exe, "--headless", "--convert-to", fmt, "--outdir", tmp, str(src)],
                       check=True, capture_output=True)
        produced = Path(tmp) / (src.stem + "." + fmt.split(":")[0])
        target = outdir / (name or produced.name)
        shutil.move(str(produced), target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--soffice", action="store_true", help="also run LibreOffice")
    args = parser.parse_args()
    dx, od, rt, pd = (HERE / d for d in ("docx", "odt", "rtf", "pdf"))
    for folder in (dx, od, rt, pd):
        folder.mkdir(exist_ok=True)

    interview_en(dx / "interview_en.docx")
    interview_id(dx / "interview_id.docx")
    fgd_table(dx / "fgd_table_id.docx")
    tracked_comments(dx / "tracked_comments.docx")
    good = (dx / "interview_en.docx").read_bytes()
    (dx / "corrupt_truncated.docx").write_bytes(good[: len(good) // 2])
    (dx / "text_renamed.docx").write_text(
        "I: This is a plain text file that was renamed to .docx.\nR: Synthetic test fixture.\n",
        encoding="utf-8")
    (rt / "not_rtf.rtf").write_bytes(b"\x89PNG\r\n\x1a\n synthetic test fixture: not RTF")
    scanned_pdf(pd / "scanned_no_text.pdf")
    (pd / "corrupt.pdf").write_bytes(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R")

    if args.soffice:
        for stem in ("interview_en", "interview_id", "fgd_table_id", "tracked_comments"):
            soffice(dx / f"{stem}.docx", "odt", od)
        for stem in ("interview_en", "interview_id"):
            soffice(dx / f"{stem}.docx", "rtf", rt)
            soffice(dx / f"{stem}.docx", "pdf", pd)
        soffice(od / "interview_id.odt", "docx", dx, "interview_id_lo.docx")
        soffice(od / "fgd_table_id.odt", "docx", dx, "fgd_table_id_lo.docx")
        soffice(od / "tracked_comments.odt", "docx", dx, "tracked_comments_lo.docx")
    if (pd / "interview_en.pdf").exists():
        encrypted_pdf(pd / "interview_en.pdf", pd / "encrypted.pdf")


if __name__ == "__main__":
    main()
