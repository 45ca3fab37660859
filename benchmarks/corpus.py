"""Deterministic synthetic corpus for benchmarks.

Generates transcripts of a given size in English and Indonesian with
speakers, turns of realistic length and a sprinkling of domain phrases, in
txt, docx and vtt. The same seed always gives the same bytes, so runs are
comparable across machines and days. The text is word salad from a fixed
vocabulary: it is for measuring speed, not for reading.
"""

from __future__ import annotations

import io
import random
import zipfile
from collections.abc import Iterator
from pathlib import Path

EN_WORDS = """
the and to of a in that it was we they you i but so for with not on have just like know
really work home piece rate money order bag sandal glue stitch family husband children
time day week month deadline target middleman employer agreement paper group meeting
together union organiser rights pay wage low cheap sick tired eyes hands health insurance
protection register data office official policy law court review convention cooperative
savings negotiate ask demand price
""".split()
ID_WORDS = """
yang dan di ke dari ini itu kami saya kita tidak belum sudah ada ya kalau tapi jadi karena
sama juga mau bisa harus kerja rumah borongan upah murah pengepul perantara majikan pabrik
order setor jahit lem sandal tas anak suami keluarga izin waktu malam minggu bulan target
kontrak perjanjian tertulis kelompok pertemuan serikat hak jaminan sosial bpjs kesehatan
sakit mata tangan data dinas pemerintah kebijakan undang koperasi tabungan berunding nego
minta harga bersama berani
""".split()
PHRASES = {
    "en": ["no written agreement", "piece rate", "social security", "we organised a group",
           "negotiated with the middleman", "judicial review", "not registered"],
    "id": ["tidak ada perjanjian tertulis", "upah borongan", "jaminan sosial",
           "kami membentuk kelompok", "berunding dengan pengepul", "uji materi",
           "belum terdaftar"],
}
SPEAKERS = {
    "en": ["Interviewer", "Participant", "Bu Rina", "Bu Sumi", "Moderator", "P3"],
    "id": ["Pewawancara", "Narasumber", "Bu Wati", "Mbak Nur", "Fasilitator", "Peserta 4"],
}


def _turns(rng: random.Random, lang: str, words: int) -> Iterator[tuple[str, str]]:
    vocab = EN_WORDS if lang == "en" else ID_WORDS
    speakers = SPEAKERS[lang]
    left = words
    while left > 0:
        n = min(left, max(3, int(rng.lognormvariate(3.2, 0.8))))
        sentence_words = [rng.choice(vocab) for _ in range(n)]
        if rng.random() < 0.3:
            at = rng.randrange(len(sentence_words))
            sentence_words.insert(at, rng.choice(PHRASES[lang]))
        # sentences of 5-20 words
        out, i = [], 0
        while i < len(sentence_words):
            k = rng.randint(5, 20)
            chunk = " ".join(sentence_words[i : i + k])
            out.append(chunk[:1].upper() + chunk[1:] + rng.choice([".", ".", "?", "..."]))
            i += k
        left -= n
        yield rng.choice(speakers), " ".join(out)


def transcript_txt(seed: int, lang: str, words: int) -> bytes:
    rng = random.Random(seed)
    lines = ["[Synthetic benchmark text; not a real transcript.]", ""]
    lines += [f"{s}: {t}" for s, t in _turns(rng, lang, words)]
    return "\n".join(lines).encode("utf-8")


def transcript_vtt(seed: int, lang: str, words: int) -> bytes:
    rng = random.Random(seed)
    out = ["WEBVTT", "", "NOTE synthetic benchmark text", ""]
    t = 0.0
    for i, (s, text) in enumerate(_turns(rng, lang, words), start=1):
        d = 0.4 * len(text.split()) + 0.5
        out += [str(i), f"{_ts(t)} --> {_ts(t + d)}", f"{s}: {text}", ""]
        t += d + 0.3
    return "\n".join(out).encode("utf-8")


def _ts(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d}.{ms % 1000:03d}"


_DOCX_CT = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_DOCX_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def transcript_docx(seed: int, lang: str, words: int) -> bytes:
    """A minimal but valid WordprocessingML package, one paragraph per turn."""
    rng = random.Random(seed)
    paras = ["[Synthetic benchmark text; not a real transcript.]"]
    paras += [f"{s}: {t}" for s, t in _turns(rng, lang, words)]
    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{_esc(p)}</w:t></w:r></w:p>'
                   for p in paras)
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{body}</w:body></w:document>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _DOCX_CT)
        z.writestr("_rels/.rels", _DOCX_RELS)
        z.writestr("word/document.xml", document)
    return buf.getvalue()


WRITERS = {"txt": transcript_txt, "vtt": transcript_vtt, "docx": transcript_docx}


def generate(
    directory: Path, *, files: int, words: int, formats: tuple[str, ...] = ("txt", "docx", "vtt"),
    seed: int = 1,
) -> list[Path]:
    """Write ``files`` transcripts of ``words`` words each, cycling formats and languages."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(files):
        fmt = formats[i % len(formats)]
        lang = "en" if i % 2 == 0 else "id"
        path = directory / f"t{i:05d}_{lang}.{fmt}"
        if not path.exists():
            path.write_bytes(WRITERS[fmt](seed * 1_000_003 + i, lang, words))
        paths.append(path)
    return paths
