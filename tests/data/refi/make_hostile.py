"""Build the small REFI-QDA fixtures in this folder (run by hand, not by the tests).

    .venv/bin/python tests/data/refi/make_hostile.py

Three kinds of file (see README.md):

* hostile: archives and XML that must be refused with an ExchangeError;
* broken but readable: dangling references, bad spans, missing sources,
  which import with warnings naming the element;
* producer quirks: positions in UTF-16 units, CRLF counted as one, a BOM,
  archive names in another case, GUID spellings, namespace variants.

Every text is synthetic. The output is deterministic (fixed zip times).
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
NS = "urn:QDA-XML:project:1.0"
TIME = (2024, 1, 1, 0, 0, 0)
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# -- the synthetic texts and what is coded in them -------------------------------------

#: Raw text of the "NVivo-like" source: BOM, CRLF, emoji (astral characters).
NVIVO_RAW = ("\ufeffInterviewer: How is the work at home? \U0001F600\r\n"
             "Participant: Hard. We glue shoes \U0001F45F all day, \U0001F45F\U0001F45F.\r\n"
             "\r\n"
             "Participant: No contract, nothing.   \r\n"
             "Interviewer: And the pay? \U0001F4B0\r\n"
             "Participant: Forty rupiah per pair.\r\n")
#: The passages coded in it (each occurs once).
NVIVO_CODED = ["Hard. We glue shoes \U0001F45F all day", "No contract, nothing.",
               "Forty rupiah per pair.", "Participant: Forty"]

#: Raw text of the "ATLAS-like" source: CRLF, accents, no BOM, one long passage.
ATLAS_RAW = ("Fasilitator: Bagaimana kerja di rumah, Bu?\r\n"
             "Ibu Sari: Saya menjahit mukena sejak pagi sampai malam, kadang sampai jam dua "
             "belas, karena pengepul datang hari Jumat dan semua harus selesai. Upahnya "
             "dihitung per kodi, tidak ada kontrak.\r\n"
             "Fasilitator: Ada jaminan sosial?\r\n"
             "Ibu Sari: Tidak ada. Kalau sakit, ya berhenti dulu.\r\n")
ATLAS_CODED = ["Saya menjahit mukena sejak pagi sampai malam, kadang sampai jam dua belas, "
               "karena pengepul datang hari Jumat dan semua harus selesai.",
               "tidak ada kontrak", "Tidak ada."]


def utf16_positions(raw: str, passage: str) -> tuple[int, int]:
    """NVivo's counting: UTF-16 code units, CRLF as 2, BOM not counted."""
    body = raw.removeprefix("\ufeff")
    i = body.index(passage)

    def units(s: str) -> int:
        return len(s.encode("utf-16-le")) // 2

    return units(body[:i]), units(body[: i + len(passage)])


def crlf1_positions(raw: str, passage: str) -> tuple[int, int]:
    """Code points with CR LF counted as one position."""
    i = raw.index(passage)

    def count(s: str) -> int:
        return len(s) - s.count("\r\n")

    return count(raw[:i]), count(raw[: i + len(passage)])


# -- writing -----------------------------------------------------------------------------


def _zip(path: Path, members: list[tuple[str, bytes]], *, method: int = zipfile.ZIP_DEFLATED
         ) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for name, data in members:
            if name.endswith("/"):
                zf.writestr(zipfile.ZipInfo(name, TIME), b"")
            else:
                zf.writestr(zipfile.ZipInfo(name, TIME), data, method)
    path.write_bytes(buf.getvalue())


def _project(body: str, *, name: str = "fixture", origin: str = "qualcode fixtures",
             ns: str = NS, declaration: bool = True, extra: str = "") -> bytes:
    head = '<?xml version="1.0" encoding="utf-8"?>\n' if declaration else ""
    return (f'{head}<Project xmlns="{ns}" name="{name}" origin="{origin}"{extra}>\n'
            f"{body}\n</Project>\n").encode()


CODES = """<CodeBook><Codes>
  <Code guid="11111111-1111-4111-8111-111111111111" name="work" isCodable="true" color="#336699">
    <Description>Work at home</Description>
    <Code guid="22222222-2222-4222-8222-222222222222" name="hours" isCodable="true"/>
    <Code guid="33333333-3333-4333-8333-333333333333" name="contract" isCodable="true"/>
  </Code>
  <Code guid="44444444-4444-4444-8444-444444444444" name="pay" isCodable="true" color="#c00"/>
</Codes></CodeBook>"""
USERS = """<Users>
  <User guid="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" name="Ana"/>
  <User guid="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb" name="Budi"/>
</Users>"""
TEXT_GUID = "55555555-5555-4555-8555-555555555555"


def _selection(guid: str, start: int, end: int, code: str, *, name: str = "",
               user: str = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa", desc: str = "") -> str:
    d = f"<Description>{desc}</Description>" if desc else ""
    return (f'<PlainTextSelection guid="{guid}" name="{name}" startPosition="{start}" '
            f'endPosition="{end}" creatingUser="{user}">{d}'
            f'<Coding guid="{guid[:-4]}c0de" creatingUser="{user}">'
            f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')


def _xml_attr(text: str) -> str:
    return (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace("\n", "&#10;"))


def nvivo_like(path: Path, *, origin: str, recorded: bool) -> None:
    """NVivo 12-style archive: BOM + CRLF text, UTF-16 positions, Sources/ folder."""
    codes = ["{22222222-2222-4222-8222-222222222222}", "33333333-3333-4333-8333-333333333333",
             "44444444-4444-4444-8444-444444444444", "11111111-1111-4111-8111-111111111111"]
    sels = []
    for n, (passage, code) in enumerate(zip(NVIVO_CODED, codes, strict=True)):
        start, end = utf16_positions(NVIVO_RAW, passage)
        sels.append(_selection(f"6666666{n}-6666-4666-8666-666666666666", start, end,
                               code.upper() if n == 1 else code,
                               name=_xml_attr(passage) if recorded else ""))
    body = (USERS + CODES
            + f'<Sources><TextSource guid="{TEXT_GUID}" name="interview_nvivo" '
            f'plainTextPath="internal://{TEXT_GUID}.txt">{"".join(sels)}</TextSource></Sources>')
    xml = _project(body, origin=origin, extra=' xmlns:xsd="http://www.w3.org/2001/XMLSchema"')
    _zip(path, [("Sources/", b""), ("project.qde", xml),
                (f"Sources/{TEXT_GUID}.txt", NVIVO_RAW.encode("utf-8"))])


def atlas_like(path: Path) -> None:
    """ATLAS-style names (text cut at 100 with …), CRLF counted once, quirky packaging."""
    codes = ["22222222-2222-4222-8222-222222222222", "33333333-3333-4333-8333-333333333333",
             "11111111-1111-4111-8111-111111111111"]
    sels = []
    for n, (passage, code) in enumerate(zip(ATLAS_CODED, codes, strict=True)):
        start, end = crlf1_positions(ATLAS_RAW, passage)
        name = passage if len(passage) <= 100 else passage[:100] + "…"
        sels.append(_selection(f"7777777{n}-7777-4777-8777-777777777777", start, end,
                               code, name=_xml_attr(name),
                               desc="Long hours before Friday" if n == 0 else ""))
    body = (USERS + CODES.replace('guid="', 'guid="{').replace('" name', '}" name')
            + f'<Sources><TextSource guid="{TEXT_GUID}" name="fgd_atlas.txt" '
            f'plainTextPath="internal://{TEXT_GUID}.txt">{"".join(sels)}</TextSource></Sources>'
            + "<Sets/>")
    body = _GUID.sub(lambda m: m.group().upper(), body)
    xml = _project(body, origin="ATLAS.ti 9.1.0 (fixture)", ns="urn:QDA-XML:project:1:0",
                   declaration=False)
    _zip(path, [("sources/", b""), (f"sources/{TEXT_GUID}.TXT", ATLAS_RAW.encode("utf-8")),
                ("project.qde", xml)])


def inline_project(path: Path) -> None:
    """A bare .qde with inline text, cases, variables, notes, sets and clashing code names."""
    text = ("I: Where do you work?\nR: At home, in Kediri. I sew sandals.\n"
            "I: Who pays you?\nR: The intermediary, per dozen, when he comes.")
    sel = [("At home, in Kediri.", "c2"), ("I sew sandals.", "c4"),
           ("The intermediary, per dozen", "c5")]
    sels = []
    for n, (passage, code) in enumerate(sel):
        i = text.index(passage)
        note = '<NoteRef targetGUID="{99999999-0000-4000-8000-000000000002}"/>' if n == 2 else ""
        sels.append(
            f'<PlainTextSelection guid="8888888{n}-8888-4888-8888-888888888888" '
            f'name="{passage}" startPosition="{i}" endPosition="{i + len(passage)}">'
            f'<Coding guid="8888888{n}-8888-4888-8888-88888888c0de" '
            f'creatingUser="bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb">'
            f'<CodeRef targetGUID="{{0000000{code[1]}-0000-4000-8000-000000000000}}"/>{note}'
            f"</Coding></PlainTextSelection>")
    i = text.index("per dozen")
    sels.append(f'<PlainTextSelection guid="88888889-8888-4888-8888-888888888888" name="" '
                f'startPosition="{i}" endPosition="{i + 9}" '
                'creatingUser="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa" '
                'creationDateTime="2024-05-12T09:30:00Z">'
                "<Description>Check: per dozen or per piece?</Description></PlainTextSelection>")
    codes = """<CodeBook><Codes>
  <Code guid="00000001-0000-4000-8000-000000000000" name="Place" isCodable="false">
    <Code guid="00000002-0000-4000-8000-000000000000" name="Other" isCodable="true"/>
  </Code>
  <Code guid="00000003-0000-4000-8000-000000000000" name="Work" isCodable="true" color="red">
    <Code guid="00000004-0000-4000-8000-000000000000" name="Other" isCodable="true"/>
  </Code>
  <Code guid="00000005-0000-4000-8000-000000000000" name="Pay" isCodable="true">
    <Description>Who pays, how and when</Description>
  </Code>
</Codes></CodeBook>"""
    variables = """<Variables>
  <Variable guid="10000001-0000-4000-8000-000000000000" name="site" typeOfVariable="Text"/>
  <Variable guid="10000002-0000-4000-8000-000000000000" name="age" typeOfVariable="Integer"/>
  <Variable guid="10000003-0000-4000-8000-000000000000" name="share" typeOfVariable="Float"/>
  <Variable guid="10000004-0000-4000-8000-000000000000" name="member" typeOfVariable="Boolean"/>
  <Variable guid="10000005-0000-4000-8000-000000000000" name="date" typeOfVariable="Date"/>
</Variables>"""

    def vv(var: int, kind: str, value: str) -> str:
        return (f'<VariableValue><VariableRef targetGUID="1000000{var}-0000-4000-8000-'
                f'000000000000"/><{kind}Value>{value}</{kind}Value></VariableValue>')

    cases = ('<Cases><Case guid="20000001-0000-4000-8000-000000000000" name="Ibu Wati">'
             + vv(1, "Text", "Kediri") + vv(2, "Integer", "41") + vv(3, "Float", "0.25")
             + vv(4, "Boolean", "true")
             + '<SourceRef targetGUID="30000001-0000-4000-8000-000000000000"/></Case></Cases>')
    source = ('<Sources><TextSource guid="30000001-0000-4000-8000-000000000000" '
              'name="wati.txt"><PlainTextContent>' + text + "</PlainTextContent>"
              + "".join(sels)
              + '<Coding guid="30000001-0000-4000-8000-00000000c0de" '
              'creatingUser="aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa">'
              '<CodeRef targetGUID="00000003-0000-4000-8000-000000000000"/></Coding>'
              + vv(5, "Date", "2024-05-11") + "</TextSource></Sources>")
    notes = ('<Notes><Note guid="99999999-0000-4000-8000-000000000001" name="Plan">'
             "<PlainTextContent>Ask about the piece rate.</PlainTextContent></Note>"
             '<Note guid="99999999-0000-4000-8000-000000000002" name="On pay">'
             "<PlainTextContent>Paid only when he comes.</PlainTextContent></Note></Notes>")
    sets = ('<Sets><Set guid="40000001-0000-4000-8000-000000000000" name="Kediri">'
            '<MemberSource targetGUID="30000001-0000-4000-8000-000000000000"/></Set>'
            '<Set guid="40000002-0000-4000-8000-000000000000" name="money">'
            '<MemberCode targetGUID="00000005-0000-4000-8000-000000000000"/></Set></Sets>')
    path.write_bytes(_project(USERS + codes + variables + cases + source + notes + sets,
                              name="Kediri pilot", origin="Fixture Tool 1.0"))


def codebook_variant(path: Path) -> None:
    """An ATLAS.ti 23-style .qdc: namespace codebook:0:4, braces, MemberCode guid=."""
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?>\n'
        '<CodeBook xmlns="urn:QDA-XML:codebook:0:4" origin="ATLAS.ti Win 23.4.0 (fixture)">\n'
        "  <Codes>\n"
        '    <Code guid="{A0000001-0000-4000-8000-000000000000}" name="barriers" '
        'isCodable="true" color="#46AA00">\n'
        "      <Description>Hambatan</Description>\n"
        '      <Code guid="{A0000002-0000-4000-8000-000000000000}" name="no contract" '
        'isCodable="true"/>\n'
        "    </Code>\n"
        "  </Codes>\n"
        "  <Sets>\n"
        '    <Set guid="B0000001-0000-4000-8000-000000000000" name="group">\n'
        '      <MemberCode guid="a0000002-0000-4000-8000-000000000000"/>\n'
        "    </Set>\n"
        "  </Sets>\n"
        "</CodeBook>\n", encoding="utf-8")


# -- broken but readable -------------------------------------------------------------------

SIMPLE_TEXT = "I: How long?\nR: Twelve hours a day.\n"


def _simple(path: Path, selections: str, *, extra_sources: str = "",
            members: list[tuple[str, bytes]] | None = None, users: str = USERS,
            extra: str = "") -> None:
    body = (users + CODES + f'<Sources><TextSource guid="{TEXT_GUID}" name="simple.txt" '
            f'plainTextPath="internal://{TEXT_GUID}.txt">{selections}</TextSource>'
            + extra_sources + "</Sources>" + extra)
    _zip(path, [("project.qde", _project(body)),
                (f"sources/{TEXT_GUID}.txt", SIMPLE_TEXT.encode()), *(members or [])])


def broken(folder: Path) -> None:
    good = SIMPLE_TEXT.index("Twelve hours a day.")
    ok = _selection("e0000000-0000-4000-8000-000000000001", good, good + 19,
                    "22222222-2222-4222-8222-222222222222")
    _simple(folder / "dangling_refs.qdpx", ok
            + _selection("e0000000-0000-4000-8000-000000000002", 0, 12,
                         "deadbeef-0000-4000-8000-000000000000")
            + _selection("e0000000-0000-4000-8000-000000000003", 16, 22,
                         "44444444-4444-4444-8444-444444444444",
                         user="cccccccc-cccc-4ccc-8ccc-cccccccccccc"))
    _simple(folder / "bad_spans.qdpx", ok
            + _selection("e0000000-0000-4000-8000-000000000004", 20, 10,
                         "44444444-4444-4444-8444-444444444444")
            + _selection("e0000000-0000-4000-8000-000000000005", 30, 500,
                         "44444444-4444-4444-8444-444444444444")
            + _selection("e0000000-0000-4000-8000-000000000006", -3, 5,
                         "44444444-4444-4444-8444-444444444444")
            + '<PlainTextSelection guid="e0000000-0000-4000-8000-000000000007" '
              'startPosition="x" endPosition="4"/>')
    _simple(folder / "missing_sources.qdpx", ok, extra_sources=(
        '<TextSource guid="f0000000-0000-4000-8000-000000000001" name="gone.txt" '
        'plainTextPath="internal://f0000000-0000-4000-8000-000000000001.txt">'
        + _selection("e0000000-0000-4000-8000-000000000008", 0, 3,
                     "44444444-4444-4444-8444-444444444444") + "</TextSource>"
        '<TextSource guid="f0000000-0000-4000-8000-000000000002" name="outside.txt" '
        'plainTextPath="absolute:///etc/hostname"/>'
        '<PDFSource guid="f0000000-0000-4000-8000-000000000003" name="scan.pdf" '
        'path="internal://f0000000-0000-4000-8000-000000000003.pdf"/>'
        '<AudioSource guid="f0000000-0000-4000-8000-000000000004" name="talk.m4a" '
        'path="relative:///talk.m4a"/>'))


# -- hostile ---------------------------------------------------------------------------------


def hostile(folder: Path) -> None:
    good = SIMPLE_TEXT.index("Twelve")
    ok = _selection("e0000000-0000-4000-8000-000000000001", good, good + 6,
                    "22222222-2222-4222-8222-222222222222")
    _simple(folder / "traversal_member.qdpx", ok, members=[("../../evil.txt", b"owned")])
    _zip(folder / "traversal_path.qdpx", [("project.qde", _project(
        CODES + '<Sources><TextSource guid="f0000000-0000-4000-8000-000000000009" name="x" '
        'plainTextPath="internal://../../../etc/passwd"/></Sources>'))])
    _simple(folder / "zip_bomb.qdpx", "", extra_sources=(
        '<TextSource guid="f0000000-0000-4000-8000-00000000b0b0" name="bomb.txt" '
        'plainTextPath="internal://bomb.txt"/>'),
        members=[("sources/bomb.txt", b"\0" * (3 * 1024 * 1024))])
    xxe = ('<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY xxe SYSTEM '
           '"file:///etc/passwd">]>\n'
           f'<Project xmlns="{NS}" name="&xxe;"/>\n').encode()
    _zip(folder / "doctype_xxe.qdpx", [("project.qde", xxe)])
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)]
    (folder / "billion_laughs.qde").write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE Project [' + "".join(lol) + "]>\n"
        f'<Project xmlns="{NS}" name="&lol9;"/>\n', encoding="utf-8")
    (folder / "deep_nesting.qde").write_text(
        f'<Project xmlns="{NS}" name="deep"><CodeBook><Codes>'
        + "".join(f'<Code guid="00000000-0000-4000-8000-{i:012d}" name="c{i}" isCodable="true">'
                  for i in range(400))
        + "</Code>" * 400 + "</Codes></CodeBook></Project>", encoding="utf-8")
    (folder / "not_a_zip.qdpx").write_text("I: this is a transcript, not a project\n",
                                            encoding="utf-8")
    _zip(folder / "no_project.qdpx", [("sources/a.txt", b"text")])
    _zip(folder / "malformed.qdpx", [("project.qde", _project(CODES)[:-30])])
    _zip(folder / "wrong_root.qdpx", [("project.qde", b'<?xml version="1.0"?><Foo name="x"/>')])


def main() -> None:
    nvivo_like(HERE / "nvivo_like.qdpx", origin="NVivo for Windows 12.6 (fixture)",
               recorded=False)
    nvivo_like(HERE / "utf16_recorded.qdpx", origin="Example Tool 2.1", recorded=True)
    atlas_like(HERE / "atlas_like.qdpx")
    inline_project(HERE / "inline_project.qde")
    codebook_variant(HERE / "codebook_0_4.qdc")
    broken(HERE)
    hostile(HERE)
    expected = {"NVIVO_CODED": NVIVO_CODED, "ATLAS_CODED": ATLAS_CODED}
    (HERE / "expected.json").write_text(json.dumps(expected, ensure_ascii=False, indent=1)
                                        + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
