"""Subtitle transcripts: WebVTT (Zoom, Teams, YouTube, live captions) and SubRip."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import qualcode as qc
from qualcode.io._subtitles import MAX_WORDS, PAUSE
from qualcode.io.srt import parse_srt, read_srt
from qualcode.io.vtt import parse_vtt, read_vtt

DATA = Path(__file__).parent / "data" / "subtitles"


def load(name: str) -> bytes:
    return (DATA / name).read_bytes()


def check_offsets(doc: qc.Document) -> None:
    for t in doc.turns:
        assert doc.text[t.start : t.end] == t.text


def vtt(body: str) -> qc.Document:
    doc = parse_vtt(("WEBVTT\n\n" + body).encode(), name="t.vtt")
    check_offsets(doc)
    return doc


# --- Zoom --------------------------------------------------------------------


def test_zoom_speakers_merged_turns_roles_and_timestamps() -> None:
    data = load("zoom_interview_id.vtt")
    doc = parse_vtt(data, name="some/dir/zoom_interview_id.vtt")
    check_offsets(doc)
    assert doc.name == "zoom_interview_id.vtt"
    assert doc.format == "vtt"
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.speakers == ["Pewawancara", "Ibu Sari", "Ibu Wati"]
    assert len(doc.turns) == 14  # 19 cues
    first, last = doc.turns[0], doc.turns[-1]
    assert first.text == (
        "Selamat pagi, Ibu Sari dan Ibu Wati. Terima kasih sudah bersedia diwawancarai. "
        "Boleh diceritakan sejak kapan Ibu bekerja dari rumah?"
    )
    assert (first.speaker, first.role, first.timestamp, first.end_time) == (
        "Pewawancara", "interviewer", 1.2, 10.4)
    assert last.text == "Baik, terima kasih banyak, Ibu-ibu."
    assert (last.timestamp, last.end_time) == (99.2, 102.0)
    assert {t.speaker: t.role for t in doc.turns} == {
        "Pewawancara": "interviewer", "Ibu Sari": "participant", "Ibu Wati": "participant"}
    # cue 4 has no name: it continues Ibu Sari's turn
    assert doc.turns[1].text.endswith(
        "waktu anak kedua lahir. "
        "Bahannya diantar pengepul setiap Senin, lalu diambil lagi hari Sabtu.")
    assert (doc.turns[1].timestamp, doc.turns[1].end_time) == (11.0, 21.3)
    # cue 17 (two lines, no name) joins turn 12 with spaces
    assert doc.turns[11].text.endswith(
        "sebagai peserta mandiri, iurannya enam belas ribu delapan ratus sebulan.")
    # layout: preamble from the NOTE, then "[HH:MM:SS] Name: text" paragraphs
    assert doc.text.startswith("Synthetic test fixture for qualcode: an invented interview")
    assert "[00:00:01] Pewawancara: Selamat pagi" in doc.text
    assert "[00:01:39] Pewawancara: Baik" in doc.text
    assert not any("Synthetic" in t.text for t in doc.turns)
    assert doc.turns[0].start > 0


def test_zoom_via_read_transcript_and_read_vtt() -> None:
    path = DATA / "zoom_interview_id.vtt"
    doc = qc.read_transcript(path)
    check_offsets(doc)
    assert doc.language == "id"
    assert doc.source == str(path.resolve())
    assert doc.turns == parse_vtt(load("zoom_interview_id.vtt")).turns
    assert read_vtt(path, roles={"Ibu Sari": "facilitator"}).turns[1].role == "facilitator"


def test_roles_mapping_overrides_default_table() -> None:
    doc = parse_vtt(load("zoom_interview_id.vtt"), roles={"pewawancara": "facilitator"})
    assert doc.turns[0].role == "facilitator"


# --- Teams -------------------------------------------------------------------


def test_teams_voice_tags_entities_and_two_voices_in_one_cue() -> None:
    doc = qc.read_transcript(DATA / "teams_meeting_en.vtt",
                             roles={"Daniel Reyes": "interviewer"})
    check_offsets(doc)
    assert doc.language == "en"
    assert doc.speakers == ["Daniel Reyes", "Grace Okafor"]
    assert [t.speaker for t in doc.turns] == ["Daniel Reyes", "Grace Okafor"] * 4 + ["Daniel Reyes"]
    assert [t.role for t in doc.turns[:2]] == ["interviewer", "participant"]
    g = doc.turns[1]
    assert g.text == (
        "Sure. We organise home-based workers, mostly women who sew or pack goods at home. "
        "Most of them have never seen a written contract. The subcontractor just drops off "
        "the bundles."
    )
    assert (g.timestamp, g.end_time) == (6.52, 16.04)
    assert "Rates of <5 cents a piece" in doc.turns[3].text
    assert 'deductions for "defects" are' in doc.turns[3].text
    assert "Health & Safety" in doc.turns[3].text
    assert "independent members, but the monthly" in doc.turns[5].text
    assert "\xa0" not in doc.text and "&" not in doc.text.replace("Health & Safety", "")
    assert "<" not in doc.text.replace("<5 cents", "")
    # two voices in one cue: two turns with the cue's timing
    assert [(t.speaker, t.text, t.timestamp) for t in doc.turns[6:8]] == [
        ("Daniel Reyes", "That's really helpful.", 45.6),
        ("Grace Okafor", "You're welcome.", 45.6),
    ]
    assert doc.turns[-1].text == "Thank you, Grace. I'll stop the recording here."
    assert doc.turns[-1].end_time == 52.35


def test_default_role_of_named_teams_speakers_is_participant() -> None:
    doc = parse_vtt(load("teams_meeting_en.vtt"))
    assert {t.role for t in doc.turns} == {"participant"}


# --- YouTube auto-captions ---------------------------------------------------

YOUTUBE_TURNS = [
    "this is a synthetic test fixture not real captions home-based workers in many cities "
    "sew sandals and garments at home they are paid by the piece and most have no written "
    "contract with the intermediary who brings the work",
    "[Music]",
    "so the question for organisers is how to reach women who work alone in their own homes "
    "and how to get them into social security",
]


def test_youtube_rolling_cues_are_deduplicated_and_split_at_pauses() -> None:
    doc = qc.read_transcript(DATA / "youtube_auto_en.vtt")
    check_offsets(doc)
    assert [t.text for t in doc.turns] == YOUTUBE_TURNS
    assert [t.speaker for t in doc.turns] == [None, None, None]
    assert [t.role for t in doc.turns] == ["unknown"] * 3
    assert [(t.timestamp, t.end_time) for t in doc.turns] == [
        (0.0, 16.48), (19.5, 22.0), (24.5, 35.4)]
    for phrase in ("this is a synthetic test fixture", "at home they are paid by the piece",
                   "get them into social security"):
        assert doc.text.count(phrase) == 1
    assert "<" not in doc.text and "align:" not in doc.text and "::cue" not in doc.text
    assert doc.attributes["language"] == "en"
    assert doc.text.startswith("Synthetic test fixture for qualcode: invented captions")


def test_rolling_detection_leaves_ordinary_repetition_alone() -> None:
    doc = vtt("00:01.000 --> 00:02.000\nNo.\n\n00:02.000 --> 00:03.000\nNo.\n\n"
              "00:03.000 --> 00:03.000\nNo.\n\n00:03.000 --> 00:03.000\nNo.\n")
    assert [t.text for t in doc.turns] == ["No. No. No. No."]


# --- live captions: >>, tags, entities, blocks -------------------------------


def test_live_captions_markers_tags_entities_and_blocks() -> None:
    doc = parse_vtt(load("captions_features_en.vtt"), name="captions_features_en.vtt")
    check_offsets(doc)
    assert [(t.speaker, t.role) for t in doc.turns] == [
        ("MODERATOR", "facilitator"), (None, "unknown"), ("MODERATOR", "facilitator"),
        (None, "unknown"), ("MODERATOR", "facilitator"), ("AUDIENCE MEMBER", "participant")]
    texts = [t.text for t in doc.turns]
    assert texts[0] == ("Welcome to the panel on home-based work & social protection. "
                        "Our first speaker organises workers in Java.")
    assert texts[1] == ("Thank you. Pekerja rumahan – home-based workers – are paid per piece, "
                        "often < 1,000 rupiah.")
    assert texts[2] == "Do they have contracts?"
    assert texts[3:5] == ["Almost never. The intermediary keeps no records.", "Thank you."]
    assert texts[5] == "What about BPJS?"
    assert [t.timestamp for t in doc.turns] == [1.0, 7.5, 16.0, 19.9, 19.9, 25.0]
    assert doc.turns[-1].end_time == 28.25
    preamble = doc.text[: doc.turns[0].start]
    assert preamble.startswith("Panel on informal work (synthetic)\n\nSynthetic test fixture")
    assert "captioner missed" not in doc.text
    assert "id:bottom" not in doc.text and "yellow" not in doc.text
    assert ">>" not in doc.text


def test_bracketed_sounds_are_text_and_bracketed_names_are_speakers() -> None:
    doc = vtt("00:01.000 --> 00:02.000\n[Music] la la\n\n00:02.500 --> 00:03.000\n"
              "[Sari] Kami tidak punya kontrak.\n")
    assert [(t.speaker, t.text) for t in doc.turns] == [
        (None, "[Music] la la"), ("Sari", "Kami tidak punya kontrak.")]


def test_role_hint_in_label_and_voice_with_class() -> None:
    doc = vtt("00:01.000 --> 00:02.000\nSari (Fasilitator): Mari mulai.\n\n"
              "00:02.000 --> 00:03.000\n<v.loud Esme>Hello!</v>\n")
    assert [(t.speaker, t.role, t.text) for t in doc.turns] == [
        ("Sari (Fasilitator)", "facilitator", "Mari mulai."), ("Esme", "participant", "Hello!")]


def test_lower_case_zoom_names_repeated_at_cue_starts_are_speakers() -> None:
    body = "".join(
        f"{i}\n00:00:0{i}.000 --> 00:00:0{i}.900\n{who}: kalimat nomor {i}\n\n"
        for i, who in enumerate(["sari w", "dewi", "sari w", "dewi"], 1)
    )
    doc = vtt(body + "5\n00:00:06.000 --> 00:00:06.500\nthe point is: one line\n")
    assert [t.speaker for t in doc.turns] == ["sari w", "dewi", "sari w", "dewi"]
    assert doc.turns[-1].text == "kalimat nomor 4 the point is: one line"


def test_layout_quirks_stray_blank_line_missing_blank_line_whitespace_line() -> None:
    doc = vtt(
        "1\n00:01.000 --> 00:02.000\nSari: first part\n\nsecond part after a stray blank\n\n"
        "2\n00:02.000 --> 00:03.000\nDewi: no blank line follows\n"
        "00:03.000 --> 00:04.000\nSari: new cue\n \n"
        "4\n00:04.000 --> 00:05.000\nDewi: after a whitespace-only line\n"
    )
    assert [(t.speaker, t.text) for t in doc.turns] == [
        ("Sari", "first part second part after a stray blank"),
        ("Dewi", "no blank line follows"),
        ("Sari", "new cue"),
        ("Dewi", "after a whitespace-only line"),
    ]


def test_zero_length_cue_and_utf8_bom_and_crlf() -> None:
    data = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:01.000\r\nSari: Ya.\r\n".encode()
    doc = parse_vtt(data)
    assert [(t.text, t.timestamp, t.end_time) for t in doc.turns] == [("Ya.", 1.0, 1.0)]


# --- speaker-less merging rules ----------------------------------------------


def test_speakerless_cues_split_at_pause_of_two_seconds() -> None:
    doc = vtt("00:01.000 --> 00:02.000\nsatu\n\n00:03.900 --> 00:04.000\ndua\n\n"
              f"00:{4 + PAUSE:06.3f} --> 00:07.000\ntiga\n")
    assert [t.text for t in doc.turns] == ["satu dua", "tiga"]


def test_speakerless_turns_stay_within_max_words_and_end_at_sentences() -> None:
    cues = "".join(
        f"00:{i // 10:02d}.{i % 10}00 --> 00:{i // 10:02d}.{i % 10}90\nkata kata kata kata kata\n\n"
        for i in range(52)
    )
    doc = vtt(cues)
    assert [len(t.text.split()) for t in doc.turns] == [MAX_WORDS, MAX_WORDS, 60]
    doc = vtt("".join(
        f"00:{i:02d}.000 --> 00:{i:02d}.900\n{'kata ' * 9}akhir.\n\n" for i in range(12)))
    assert [len(t.text.split()) for t in doc.turns] == [50, 50, 20]


def test_speaker_cue_after_speakerless_cues_and_gap_does_not_split_named_turn() -> None:
    doc = vtt("00:01.000 --> 00:02.000\nmulai\n\n00:02.000 --> 00:03.000\nSari: satu\n\n"
              "00:30.000 --> 00:31.000\ndua\n")
    assert [(t.speaker, t.text) for t in doc.turns] == [(None, "mulai"), ("Sari", "satu dua")]


# --- SubRip ------------------------------------------------------------------


def test_srt_crlf_names_italics_and_dialogue_dashes() -> None:
    data = load("focus_group_id.srt")
    assert b"\r\n" in data
    doc = parse_srt(data, name="focus_group_id.srt")
    check_offsets(doc)
    assert doc.format == "srt"
    assert "\r" not in doc.text
    assert [t.speaker for t in doc.turns] == [
        None, "Fasilitator", "Bu Rina", "Bu Yanti", "Fasilitator", None, None, "Bu Endang",
        "Fasilitator"]
    assert doc.turns[1].role == "facilitator"
    assert doc.turns[0].text.startswith("[Fixture uji sintetis untuk qualcode")
    assert doc.turns[2].text == (
        "Upah kami dihitung per kodi. Satu kodi dua puluh potong, dibayar lima belas ribu. "
        "Kalau ada yang cacat, dipotong dari upah. Tidak ada hitungan tertulis.")
    assert (doc.turns[2].timestamp, doc.turns[2].end_time) == (7.8, 16.9)
    assert [(t.text, t.timestamp, t.end_time) for t in doc.turns[5:7]] == [
        ("Saya pernah, dari kader posyandu.", 24.5, 27.9), ("Saya belum pernah.", 24.5, 27.9)]
    assert doc.turns[-1].text == "Terima kasih. Kita lanjut setelah istirahat."
    assert "<i>" not in doc.text


def test_srt_via_read_transcript_and_utf16() -> None:
    doc = qc.read_transcript(DATA / "focus_group_id.srt")
    assert doc.language == "id"
    assert len(doc.turns) == 9
    assert read_srt(DATA / "focus_group_id.srt").turns == doc.turns
    text = load("focus_group_id.srt").decode("utf-8")
    assert parse_srt(text.encode("utf-16")).turns == doc.turns
    assert parse_srt(text.encode("utf-8-sig")).turns == doc.turns


def test_srt_cp1252_curly_quotes_and_bracketed_speakers() -> None:
    doc = qc.read_transcript(DATA / "interview_cp1252.srt")
    check_offsets(doc)
    assert [(t.speaker, t.role) for t in doc.turns] == [
        (None, "unknown"), ("Interviewer", "interviewer"), ("Maria", "participant"),
        ("Interviewer", "interviewer"), ("Maria", "participant")]
    assert doc.turns[2].text == (
        "He says we’re “partners”, not employees, so there’s no contract. "
        "The café owner down the road says the same to her staff.")
    assert doc.turns[-1].text == "It’s 1.5 cents a piece – less than last year."
    assert doc.turns[0].text.startswith("(Synthetic test fixture for qualcode – ")


def test_cp1252_one_half_sign() -> None:
    data = "1\r\n00:00:01,000 --> 00:00:02,000\r\n[Maria] It’s 1½ “cents”.\r\n".encode("cp1252")
    assert parse_srt(data).turns[0].text == "It’s 1½ “cents”."


def test_srt_without_numbers_or_blank_lines_and_with_positions() -> None:
    doc = parse_srt(b"00:00:01,000 --> 00:00:02,000 X1:10 X2:20 Y1:30 Y2:40\nA: satu\n"
                    b"00:00:02,000 --> 00:00:03,000\nB: dua\n\n\n7\n00:00:04.5 --> 00:00:05,000\n"
                    b"B: {\\an8}<font color=\"#ffff00\">tiga</font>\n")
    check_offsets(doc)
    assert [(t.speaker, t.text, t.timestamp) for t in doc.turns] == [
        ("A", "satu", 1.0), ("B", "dua tiga", 2.0)]


# --- errors ------------------------------------------------------------------


def test_malformed_vtt_timings_are_all_reported_with_line_numbers() -> None:
    with pytest.raises(qc.InputError) as info:
        parse_vtt(load("malformed_timings.vtt"), name="malformed_timings.vtt")
    e = info.value
    assert isinstance(e, ValueError)
    assert (e.path, e.line) == ("malformed_timings.vtt", 10)
    assert [p.line for p in e.problems] == [10, 14, 18]
    assert "0x" in e.problems[0].message
    assert "before it starts" in e.problems[1].message
    assert "no '-->'" in e.problems[2].message
    assert str(e).startswith("malformed_timings.vtt:10: malformed cue timing line")
    assert "2 more" in str(e)

    path = DATA / "malformed_timings.vtt"
    with pytest.raises(qc.InputError) as info:
        qc.read_transcript(path)
    assert info.value.path == str(path)
    assert [p.line for p in info.value.problems] == [10, 14, 18]


def test_malformed_srt_timings_are_all_reported_with_line_numbers() -> None:
    with pytest.raises(qc.InputError) as info:
        qc.read_transcript(DATA / "malformed.srt")
    assert info.value.line == 6
    assert [p.line for p in info.value.problems] == [6, 10, 14]


def test_single_bad_timing_line_reports_its_line() -> None:
    with pytest.raises(qc.InputError) as info:
        vtt("1\n00:00:01.000 --> 00:00:02.000\nSatu.\n\n2\n00:00:61.000 --> 00:00:62.000\nDua.\n")
    assert info.value.line == 8
    assert len(info.value.problems) == 1


def test_missing_header_is_not_webvtt() -> None:
    with pytest.raises(qc.InputError) as info:
        qc.read_transcript(DATA / "no_header.vtt")
    e = info.value
    assert not isinstance(e, qc.EmptyFileError)
    assert e.line == 1 and "WEBVTT" in e.message
    with pytest.raises(qc.InputError, match=r"name the file \.srt"):
        parse_vtt(load("focus_group_id.srt"))


def test_text_without_timings_is_not_subrip() -> None:
    with pytest.raises(qc.InputError, match="not a SubRip file") as info:
        parse_srt(b"Pewawancara: Apa kabar?\nIbu Sari: Baik.\n")
    assert info.value.line == 1


@pytest.mark.parametrize("name", ["empty.vtt", "header_only.vtt"])
def test_empty_files(name: str) -> None:
    with pytest.raises(qc.EmptyFileError):
        qc.read_transcript(DATA / name)
    with pytest.raises(qc.EmptyFileError):
        parse_vtt(load(name))


def test_empty_bytes_and_cues_without_text() -> None:
    for parse in (parse_vtt, parse_srt):
        with pytest.raises(qc.EmptyFileError):
            parse(b"")
        with pytest.raises(qc.EmptyFileError):
            parse(b"\r\n \n")
    with pytest.raises(qc.EmptyFileError):
        parse_srt(b"1\n00:00:01,000 --> 00:00:02,000\n<i></i>\n")


def test_binary_junk() -> None:
    with pytest.raises(qc.EncodingError):
        qc.read_transcript(DATA / "binary_junk.vtt")
    with pytest.raises(qc.InputError):
        parse_vtt(bytes(range(128, 256)) * 4)
    with pytest.raises(qc.InputError):
        parse_srt(bytes(range(128, 256)) * 4)


# --- properties --------------------------------------------------------------

NAMES = ["Pewawancara", "Ibu Sari", "Grace Okafor", "Daniel Reyes", "P2"]
WORDS = ["kami", "tidak", "punya", "kontrak", "upah", "per", "potong", "the", "piece",
         "rate", "is", "low", "bpjs", "pengepul", "sandal", "contract", "yes", "no"]
cue_text = st.lists(st.sampled_from(WORDS), min_size=1, max_size=12).map(" ".join)
cue_list = st.lists(
    st.tuples(st.one_of(st.none(), st.sampled_from(NAMES)), cue_text,
              st.integers(0, 5000), st.integers(0, 8000)),
    min_size=1, max_size=25,
)


def _ts(ms: int, sep: str, hours: bool = True) -> str:
    h, rest = divmod(ms, 3_600_000)
    body = f"{rest // 60_000:02d}:{rest % 60_000 // 1000:02d}{sep}{ms % 1000:03d}"
    return f"{h:02d}:{body}" if hours or h else body


def _expected(cues: list[tuple[str | None, str, int, int]]) -> list[tuple[str, str]]:
    """Consecutive cues of one speaker form a turn; a cue without one continues."""
    turns: list[tuple[str, list[str]]] = []
    speaker = NAMES[0]
    for i, (who, text, _, _) in enumerate(cues):
        if who is not None or i == 0:
            who = who or NAMES[0]
            if not turns or who != speaker:
                turns.append((who, []))
            speaker = who
        turns[-1][1].append(text)
    return [(s, " ".join(parts)) for s, parts in turns]


def _timed(cues: list[tuple[str | None, str, int, int]]) -> list[tuple[int, int]]:
    t, out = 0, []
    for _, _, gap, length in cues:
        t += gap
        out.append((t, t + length))
        t += length
    return out


@settings(max_examples=150, deadline=None)
@given(cue_list, st.sampled_from(["zoom", "teams"]), st.booleans())
def test_generated_vtt_round_trips(
    cues: list[tuple[str | None, str, int, int]], style: str, hours: bool
) -> None:
    lines = ["WEBVTT", ""]
    speaker = NAMES[0]
    for i, ((who, text, _, _), (start, end)) in enumerate(zip(cues, _timed(cues), strict=True)):
        if i == 0 and who is None:
            who = NAMES[0]
        lines += [str(i + 1), f"{_ts(start, '.', hours)} --> {_ts(end, '.', hours)}"]
        if style == "teams":
            speaker = who or speaker
            lines += [f"<v {speaker}>{text}</v>", ""]
        else:
            lines += [f"{who}: {text}" if who else text, ""]
    doc = parse_vtt("\n".join(lines).encode())
    check_offsets(doc)
    assert [(t.speaker, t.text) for t in doc.turns] == _expected(cues)
    assert doc.turns[0].timestamp == _timed(cues)[0][0] / 1000
    assert doc.turns[-1].end_time == _timed(cues)[-1][1] / 1000


@settings(max_examples=150, deadline=None)
@given(cue_list, st.sampled_from(["colon", "bracket"]), st.sampled_from(["\n", "\r\n"]))
def test_generated_srt_round_trips(
    cues: list[tuple[str | None, str, int, int]], style: str, newline: str
) -> None:
    lines = []
    for i, ((who, text, _, _), (start, end)) in enumerate(zip(cues, _timed(cues), strict=True)):
        if i == 0 and who is None:
            who = NAMES[0]
        label = "" if who is None else f"{who}: " if style == "colon" else f"[{who}] "
        lines += [str(i + 1), f"{_ts(start, ',')} --> {_ts(end, ',')}", label + text, ""]
    doc = parse_srt(newline.join(lines).encode("utf-8"))
    check_offsets(doc)
    assert [(t.speaker, t.text) for t in doc.turns] == _expected(cues)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(cue_text, st.integers(0, 3000), st.integers(10, 4000)),
                min_size=1, max_size=40))
def test_generated_speakerless_cues_follow_pause_and_size_rules(
    cues: list[tuple[str, int, int]]
) -> None:
    # no sentence ends in the text, so only the pause and size rules apply
    lines = ["WEBVTT", ""]
    expected: list[tuple[str, int]] = []  # (text, words) of each turn
    t = end = 0
    for text, gap, length in cues:
        t += gap
        words = len(text.split())
        if expected and t - end < PAUSE * 1000 and expected[-1][1] + words <= MAX_WORDS:
            expected[-1] = (expected[-1][0] + " " + text, expected[-1][1] + words)
        else:
            expected.append((text, words))
        lines += [f"{_ts(t, '.')} --> {_ts(t + length, '.')}", text, ""]
        t = end = t + length
    doc = parse_vtt("\n".join(lines).encode())
    check_offsets(doc)
    assert [t.text for t in doc.turns] == [text for text, _ in expected]
    assert all(t.speaker is None for t in doc.turns)


FRAGMENTS = ["WEBVTT\n", "\n", "\n\n", "\r\n", " --> ", "00:00:01.000", "00:02,500", "1\n",
             "<v Sari>", "</v>", "<i>", "<00:00:01.500><c>", "NOTE ", "STYLE\n", ">> ",
             "- ", "Sari: ", "[Dewi] ", "[Music]", "&amp;", "&nbsp;", " ", "\t", "\x00"]
messy = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=20)), max_size=40).map(
    "".join)


def _parse_or_input_error(parse: object, data: bytes) -> None:
    assert callable(parse)
    try:
        doc = parse(data, name="fuzz")
    except qc.InputError:
        return
    assert isinstance(doc, qc.Document)
    check_offsets(doc)
    assert all(t.text and t.text == t.text.strip() for t in doc.turns)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=300), messy))
def test_arbitrary_text_raises_only_input_errors(text: str) -> None:
    for data in (text.encode(), ("WEBVTT\n\n" + text).encode()):
        _parse_or_input_error(parse_vtt, data)
        _parse_or_input_error(parse_srt, data)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_raise_only_input_errors(data: bytes) -> None:
    _parse_or_input_error(parse_vtt, data)
    _parse_or_input_error(parse_srt, data)
    _parse_or_input_error(parse_vtt, b"WEBVTT\n\n" + data)
