"""Build the .docx and .vtt example transcripts from their plain-text sources.

The synthetic transcripts in this folder were all written as plain text. The
``.txt`` ones are shipped as written. The others are authored in
``src/<name>.src`` (YAML front matter + one ``Speaker: text`` line per turn;
a line without a label is a further paragraph of the same turn) and this
script renders them into the format named by the ``output`` key:

``docx-table``       heading + note, then a table ``Speaker | Time | Text``
                     (``Pembicara | Waktu | Teks`` when ``table_header: id``)
``docx-paragraphs``  heading + note, then one ``Name: text`` paragraph per turn
``vtt-zoom``         WEBVTT, numbered cues, cue text ``Name: text``
``vtt-teams``        WEBVTT, numbered cues, cue text ``<v Name>text</v>``

Sources use the ``.src`` extension (not ``.txt``) so that ingesting the whole
``transcripts/`` folder does not pick up each docx/vtt transcript twice.

Timestamps are not real: they are computed from the number of words in each
turn (about 2.4 words a second plus a short pause), starting at ``start``.

Usage (from the repository root)::

    .venv/bin/python transcripts/build_formats.py            # build all
    .venv/bin/python transcripts/build_formats.py NAME.src   # build some
    .venv/bin/python transcripts/build_formats.py --stats    # table of all files

``--stats`` reads every shipped transcript back (the .txt files too, with
its own small parser, independent of qualcode) and prints language, type,
number of speakers and words spoken (speaker labels, timestamps, front
matter and notes not counted).

Needs python-docx and PyYAML.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
SRC = HERE / "src"

WORDS_PER_SECOND = 2.4
PAUSE = 0.7  # seconds between turns
CUE_WORDS = 14  # at most this many words in one subtitle cue

_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)
_LABEL = re.compile(r"^(?P<name>[A-Z][\w.']*(?: [A-Z][\w.']*){0,3}): (?P<text>\S.*)$")


def parse_source(path: Path) -> tuple[dict, list[tuple[str, list[str]]]]:
    """-> (metadata, [(speaker, [paragraph, ...]), ...])."""
    text = path.read_text(encoding="utf-8")
    m = _FRONT.match(text)
    if not m:
        raise SystemExit(f"{path}: no YAML front matter")
    meta = yaml.safe_load(m.group(1))
    turns: list[tuple[str, list[str]]] = []
    for lineno, line in enumerate(text[m.end():].split("\n"), start=1):
        line = line.strip()
        if not line:
            continue
        lab = _LABEL.match(line)
        if lab:
            turns.append((lab.group("name"), [lab.group("text")]))
        elif turns:
            turns[-1][1].append(line)
        else:
            raise SystemExit(f"{path}: body line {lineno} has no speaker label")
    return meta, turns


def _seconds(value: object) -> float:
    if value is None:
        return 5.0
    if isinstance(value, (int, float)):  # YAML may read 00:00:05 as sexagesimal int
        return float(value)
    h, mnt, s = str(value).split(":")
    return int(h) * 3600 + int(mnt) * 60 + float(s)


def timed(turns, start: float):
    """-> [(speaker, paragraphs, t0, t1)] with synthetic times."""
    out, t = [], start
    for speaker, paras in turns:
        n = sum(len(p.split()) for p in paras)
        dur = max(1.5, n / WORDS_PER_SECOND)
        out.append((speaker, paras, t, t + dur))
        t = round(t + dur + PAUSE, 1)
    return out


def hms(t: float) -> str:
    t = int(t)
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}"


def vtt_time(t: float) -> str:
    ms = int(round(t * 1000))
    return f"{ms // 3600000:02d}:{ms % 3600000 // 60000:02d}:{ms % 60000 // 1000:02d}.{ms % 1000:03d}"


def _chunks(text: str) -> list[str]:
    """Split a turn into subtitle-sized pieces, preferring sentence ends."""
    words = text.split()
    chunks, cur = [], []
    for w in words:
        cur.append(w)
        end_sentence = w[-1] in ".?!" or w.endswith((".]", "?]", "!]"))
        if len(cur) >= CUE_WORDS or (end_sentence and len(cur) >= 6):
            chunks.append(" ".join(cur))
            cur = []
    if cur:
        if chunks and len(cur) < 3:
            chunks[-1] += " " + " ".join(cur)
        else:
            chunks.append(" ".join(cur))
    return chunks


def _set_properties(doc, meta: dict) -> None:
    cp = doc.core_properties
    cp.title = meta["title"]
    cp.subject = meta["site"]
    cp.keywords = meta.get("keywords", f"{meta['group_type']}; {meta['site']}")
    cp.category = meta.get("category", "synthetic example transcript")
    cp.author = "qualcode developers"
    cp.last_modified_by = "qualcode developers"
    cp.comments = "Synthetic transcript written for the qualcode examples; not fieldwork data."
    cp.language = meta["language"]
    when = dt.datetime.fromisoformat(str(meta["date"]))
    cp.created = when
    cp.modified = when
    cp.revision = 1


def _heading(doc, meta: dict) -> None:
    doc.add_heading(f"{meta['title']} (synthetic)", level=1)
    doc.add_paragraph(meta["note"])


def build_docx_table(meta: dict, turns, out: Path) -> None:
    from docx import Document

    doc = Document()
    _set_properties(doc, meta)
    _heading(doc, meta)
    header = ("Pembicara", "Waktu", "Teks") if meta.get("table_header") == "id" else (
        "Speaker", "Time", "Text")
    table = doc.add_table(rows=1, cols=3)
    table.style = "Table Grid"
    for cell, label in zip(table.rows[0].cells, header):
        cell.text = ""
        cell.paragraphs[0].add_run(label).bold = True
    for speaker, paras, t0, _ in timed(turns, _seconds(meta.get("start"))):
        cells = table.add_row().cells
        cells[0].text = speaker
        cells[1].text = hms(t0)
        cells[2].text = paras[0]
        for p in paras[1:]:
            cells[2].add_paragraph(p)
    doc.save(str(out))


def build_docx_paragraphs(meta: dict, turns, out: Path) -> None:
    from docx import Document

    doc = Document()
    _set_properties(doc, meta)
    _heading(doc, meta)
    for speaker, paras in turns:
        doc.add_paragraph(f"{speaker}: {paras[0]}")
        for p in paras[1:]:
            doc.add_paragraph(p)
    doc.save(str(out))


def build_vtt(meta: dict, turns, out: Path, *, style: str) -> None:
    lines = ["WEBVTT", "", "NOTE", meta["note"].replace("-->", "->"),
             f"{meta['title']} / {meta['site']} / {meta['group_type']} / {meta['date']}", ""]
    n = 0
    for speaker, paras, t0, t1 in timed(turns, _seconds(meta.get("start"))):
        pieces = [c for p in paras for c in _chunks(p)]
        total = sum(len(c.split()) for c in pieces)
        t = t0
        for c in pieces:
            dur = (t1 - t0) * len(c.split()) / total
            n += 1
            body = f"{speaker}: {c}" if style == "zoom" else f"<v {speaker}>{c}</v>"
            lines += [str(n), f"{vtt_time(t)} --> {vtt_time(t + dur)}", body, ""]
            t += dur
    out.write_text("\n".join(lines), encoding="utf-8")


BUILDERS = {
    "docx-table": build_docx_table,
    "docx-paragraphs": build_docx_paragraphs,
    "vtt-zoom": lambda m, t, o: build_vtt(m, t, o, style="zoom"),
    "vtt-teams": lambda m, t, o: build_vtt(m, t, o, style="teams"),
}


_TXT_LABEL = re.compile(
    r"^(?:\[\d\d:\d\d:\d\d\] )?(?P<name>[A-Z][\w.']*(?: [A-Z][\w.']*){0,3})"
    r"(?: \(\d\d:\d\d:\d\d\))?: (?P<text>.*)$"
)
_V_TAG = re.compile(r"^<v (?P<name>[^>]+)>(?P<text>.*)</v>$")


def spoken(path: Path) -> list[tuple[str, str]]:
    """(speaker, text) pieces of a shipped transcript, read back from the file."""
    out: list[tuple[str, str]] = []
    if path.suffix == ".txt":
        text = path.read_text(encoding="utf-8")
        body = text[_FRONT.match(text).end():]
        for line in body.split("\n"):
            m = _TXT_LABEL.match(line)
            if m:
                out.append((m["name"], m["text"]))
            elif line.strip() and out:
                out.append((out[-1][0], line))
    elif path.suffix == ".docx":
        from docx import Document

        doc = Document(str(path))
        if doc.tables:
            for row in doc.tables[0].rows[1:]:
                cells = row.cells
                out.append((cells[0].text, cells[2].text))
        else:
            for para in doc.paragraphs[2:]:
                m = _LABEL.match(para.text)
                if m:
                    out.append((m["name"], m["text"]))
                elif para.text.strip() and out:
                    out.append((out[-1][0], para.text))
    elif path.suffix == ".vtt":
        lines = path.read_text(encoding="utf-8").split("\n")
        assert lines[0] == "WEBVTT", path
        for i, line in enumerate(lines):
            if "-->" in line and i + 1 < len(lines):
                cue = lines[i + 1]
                m = _V_TAG.match(cue) or _LABEL.match(cue)
                out.append((m["name"], m["text"]))
    return out


def stats() -> list[dict]:
    rows = []
    import csv

    with open(HERE / "cases.csv", encoding="utf-8") as f:
        cases = {r["file"]: r for r in csv.DictReader(f)}
    for path in sorted(HERE.iterdir()):
        if path.suffix not in (".txt", ".docx", ".vtt"):
            continue
        pieces = spoken(path)
        case = cases.get(path.name, {})
        rows.append({
            "file": path.name,
            "language": case.get("language", "?"),
            "type": case.get("group_type", "?"),
            "speakers": len({s for s, _ in pieces}),
            "words": sum(len(t.split()) for _, t in pieces),
        })
    return rows


def main(argv: list[str]) -> int:
    if argv == ["--stats"]:
        print("| file | language | type | speakers | words |")
        print("|---|---|---|---|---|")
        for r in stats():
            print(f"| {r['file']} | {r['language']} | {r['type']} | {r['speakers']} | {r['words']:,} |")
        return 0
    sources = [SRC / a for a in argv] if argv else sorted(SRC.glob("*.src"))
    for src in sources:
        meta, turns = parse_source(src)
        out = HERE / meta["file"]
        BUILDERS[meta["output"]](meta, turns, out)
        words = sum(len(p.split()) for _, paras in turns for p in paras)
        speakers = len({s for s, _ in turns})
        print(f"{out.name}: {len(turns)} turns, {speakers} speakers, {words} words")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
