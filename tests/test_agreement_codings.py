"""Agreement from stored codings: units, tables, confusion, disagreements, auto vs gold."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest

import qualcode as qc
from qualcode import agreement as ag

TEXT = (
    "Pewawancara: Ada kontrak tertulis?\n"
    "Bu Sumi: Tidak ada, Bu. Tidak ada kontrak.\n"
    "Pewawancara: Upahnya?\n"
    "Bu Sumi: Upah ditentukan pengepul. Per kodi!\n"
    "Pewawancara: =SUM(A1) <b>&</b> oke."
)


@pytest.fixture()
def doc() -> qc.Document:
    return qc.parse_transcript(TEXT.encode(), name="sumi.txt")


@pytest.fixture()
def other() -> qc.Document:
    return qc.parse_transcript(b"I: Lagi?\nR: Tidak.", name="other.txt")


def num(value: Any) -> float:
    """A table cell as a float (pandas-stubs types cells loosely)."""
    return float(value)


def cells(df: pd.DataFrame, row: str, columns: list[str]) -> list[object]:
    return [df.at[row, c] for c in columns]


def span(doc: qc.Document, phrase: str) -> tuple[int, int]:
    start = doc.text.index(phrase)
    return start, start + len(phrase)


def coding(doc: qc.Document, code: str, phrase: str, coder: str) -> qc.Coding:
    return qc.Coding(doc.id, code, *span(doc, phrase), coder=coder)


@pytest.fixture()
def codings(doc: qc.Document, other: qc.Document) -> list[qc.Coding]:
    return [
        coding(doc, "no_contract", "Tidak ada, Bu. Tidak ada kontrak.", "Ana"),
        coding(doc, "no_contract", "Tidak ada kontrak.", "Budi"),
        coding(doc, "piece_rate", "Per kodi!", "Ana"),
        coding(doc, "piece_rate", "Upah ditentukan pengepul. Per kodi!", "Budi"),
        coding(doc, "wages", "Upahnya?", "Budi"),
        coding(other, "no_contract", "Tidak.", "Ana"),  # only Ana coded `other`
    ]


# --- units ------------------------------------------------------------------------------

def test_turn_units_binary_per_code(doc: qc.Document, other: qc.Document,
                                    codings: list[qc.Coding]) -> None:
    au = ag.agreement_units(codings, [doc, other], coders=["Ana", "Budi"])
    assert au.unit == "turn" and au.codes == ("no_contract", "piece_rate", "wages")
    assert au.skipped_documents == (other.id,)  # Budi never coded it
    assert au.units["speaker"].tolist() == ["Pewawancara", "Bu Sumi"] * 2 + ["Pewawancara"]
    assert au.matrix("no_contract").to_numpy().tolist() == [[0, 0], [1, 1], [0, 0], [0, 0],
                                                            [0, 0]]
    assert au.matrix("wages").to_numpy().tolist() == [[0, 0], [0, 0], [0, 1], [0, 0], [0, 0]]
    assert au.data("piece_rate").tolist() == [[0, 0, 0, 1, 0], [0, 0, 0, 1, 0]]
    assert set(au.matrices) == set(au.codes)
    coded = ag.agreement_units(codings, [doc, other], coders=["Ana", "Budi"], units="coded")
    assert len(coded.units) == 3  # the three turns someone coded
    everything = ag.agreement_units(codings, [doc, other], coders=["Ana", "Budi"],
                                    require_coded=False)
    assert len(everything.units) == 7 and everything.skipped_documents == ()


def test_codings_across_turns_points_and_labels(doc: qc.Document) -> None:
    t = doc.turns
    cs = [
        qc.Coding(doc.id, "x", t[0].start + 5, t[1].start + 3, coder="A"),  # two turns
        qc.Coding(doc.id, "x", t[2].start + 2, t[2].start + 2, coder="B"),  # a point
        qc.Coding(doc.id, "y", 0, 5, coder="B"),  # on a speaker label: no turn
        qc.Coding("not-loaded", "x", 0, 5, coder="A"),  # unknown document: ignored
    ]
    au = ag.agreement_units(cs, [doc], coders=["A", "B"])
    assert au.matrix("x").to_numpy().tolist() == [[1, 0], [1, 0], [0, 1], [0, 0], [0, 0]]
    assert au.matrix("y").to_numpy().sum() == 0


def test_sentence_units(doc: qc.Document, codings: list[qc.Coding]) -> None:
    au = ag.agreement_units(codings, [doc], coders=["Ana", "Budi"], unit="sentence")
    texts = [doc.text[s:e] for s, e in zip(au.units["start"], au.units["end"], strict=True)]
    assert texts == ["Ada kontrak tertulis?", "Tidak ada, Bu.", "Tidak ada kontrak.", "Upahnya?",
                     "Upah ditentukan pengepul.", "Per kodi!", "=SUM(A1) <b>&</b> oke."]
    assert au.matrix("no_contract").to_numpy().tolist() == [
        [0, 0], [1, 0], [1, 1], [0, 0], [0, 0], [0, 0], [0, 0]]
    assert au.matrix("piece_rate").to_numpy()[:, 1].tolist() == [0, 0, 0, 0, 1, 1, 0]


def test_split_sentences() -> None:
    text = "  Satu. Dua?! \"Tiga.\" Empat…\nLima\n\nenam 3.5 tujuh"
    got = [text[s:e] for s, e in ag.split_sentences(text)]
    assert got == ["Satu.", "Dua?!", "\"Tiga.\"", "Empat…", "Lima", "enam 3.5 tujuh"]
    assert ag.split_sentences("ab. cd", offset=10) == [(10, 13), (14, 16)]
    assert ag.split_sentences("   ") == []


def test_character_units_equal_per_character_expansion(doc: qc.Document,
                                                       codings: list[qc.Coding]) -> None:
    au = ag.agreement_units(codings, [doc], coders=["Ana", "Budi"], unit="character")
    assert au.units["weight"].sum() == len(doc.text)
    assert len(au.units) < len(doc.text) / 4  # runs, not characters
    table = ag.agreement_table(codings, [doc], coders=["Ana", "Budi"], unit="character")
    for code in au.codes:
        per_char = np.zeros((2, len(doc.text)), dtype=int)
        for c in codings:
            if c.document == doc.id and c.code == code:
                per_char[["Ana", "Budi"].index(c.coder), c.start : c.end] = 1
        row = table.set_index("code").loc[code]
        assert row["n_units"] == len(doc.text)
        assert row["alpha"] == pytest.approx(ag.krippendorff_alpha(per_char.tolist()))
        assert row["kappa"] == pytest.approx(ag.cohen_kappa(per_char[0], per_char[1]))
        assert row["percent_agreement"] == pytest.approx(ag.percent_agreement(per_char))
        assert math.isnan(num(row["alpha_low"]))  # no CI for characters


# --- the agreement table ----------------------------------------------------------------

def test_agreement_table_two_coders(doc: qc.Document, other: qc.Document,
                                    codings: list[qc.Coding]) -> None:
    df = ag.agreement_table(codings, [doc, other], coders=["Ana", "Budi"], unit="sentence",
                            n_boot=300)
    assert df["code"].tolist() == ["no_contract", "piece_rate", "wages", "(all codes)"]
    au = ag.agreement_units(codings, [doc, other], coders=["Ana", "Budi"], unit="sentence")
    rows = df.set_index("code")
    for code in au.codes:
        data = au.data(code)
        r = rows.loc[code]
        assert r["n_units"] == 7
        assert r["n_coded"] == int(data.any(axis=0).sum())
        assert r["kappa_method"] == "Cohen"
        assert r["kappa"] == pytest.approx(ag.cohen_kappa(data[0], data[1]))
        assert r["alpha"] == pytest.approx(ag.krippendorff_alpha(data))
        assert r["percent_agreement"] == pytest.approx(ag.percent_agreement(data))
        ci = ag.krippendorff_alpha_ci(data, n_boot=300)
        assert (r["alpha_low"], r["alpha_high"]) == pytest.approx((ci.low, ci.high))
        spans = [[span_ for c in codings if c.code == code and c.coder == coder
                  and c.document == doc.id for span_ in [(c.start, c.end)]]
                 for coder in ("Ana", "Budi")]
        assert r["u_alpha"] == pytest.approx(ag.unitized_alpha(spans, len(doc.text)))
        assert r["interpretation"] == ag.interpret_alpha(num(r["alpha"]))
        assert r["kappa_band"] == ag.interpret_kappa(num(r["kappa"]))
    pooled = np.concatenate([au.data(c) for c in au.codes], axis=1)
    overall = rows.loc["(all codes)"]
    assert overall["alpha"] == pytest.approx(ag.krippendorff_alpha(pooled))
    assert overall["kappa"] == pytest.approx(ag.cohen_kappa(pooled[0], pooled[1]))
    assert df.attrs["skipped_documents"] == [other.id]
    assert any("Krippendorff" in n and "p. 241" in n for n in df.attrs["notes"])
    assert any("Landis" in n for n in df.attrs["notes"])


def test_agreement_table_three_coders_uses_fleiss(doc: qc.Document,
                                                  codings: list[qc.Coding]) -> None:
    more = [*codings, coding(doc, "no_contract", "Tidak ada kontrak.", "Cici"),
            coding(doc, "wages", "Upah ditentukan", "Cici")]
    df = ag.agreement_table(more, [doc], coders=["Ana", "Budi", "Cici"], n_boot=100)
    au = ag.agreement_units(more, [doc], coders=["Ana", "Budi", "Cici"])
    r = df.set_index("code").loc["no_contract"]
    assert r["kappa_method"] == "Fleiss"
    expected = ag.fleiss_kappa(ag.category_counts(au.data("no_contract"), categories=[0, 1]))
    assert r["kappa"] == pytest.approx(expected)
    assert r["alpha"] == pytest.approx(ag.krippendorff_alpha(au.data("no_contract")))


def test_agreement_table_undefined_values_are_explained(doc: qc.Document,
                                                        codings: list[qc.Coding]) -> None:
    df = ag.agreement_table(codings, [doc], coders=["Ana", "Budi"],
                            codes=["no_contract", "never_used"], n_boot=50)
    r = df.set_index("code").loc["never_used"]
    assert all(math.isnan(num(r[c])) for c in ("alpha", "kappa", "u_alpha"))
    assert r["interpretation"] == "undefined"
    assert "no variation" in r["note"] and "no coder marked any segment" in r["note"]


def test_agreement_table_progress_and_character_attrs(doc: qc.Document,
                                                      codings: list[qc.Coding]) -> None:
    calls: list[tuple[int, int, str]] = []
    df = ag.agreement_table(codings, [doc], coders=["Ana", "Budi"], unit="character",
                            progress=lambda d, t, item: calls.append((d, t, item)))
    assert calls[0] == (0, 4, "no_contract") and calls[-1] == (4, 4, "")
    assert df.attrs["unit"] == "character" and df.attrs["n_boot"] == 0


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"coders": ["Ana"]}, "at least 2 coders"),
    ({"coders": ["Ana", "Ana"]}, "listed twice"),
    ({"coders": ["Ana", "Zed"]}, r"no codings by Zed .*coders found: Ana, Budi"),
    ({"coders": ["Ana", "Budi"], "unit": "paragraph"}, "unknown unit"),
    ({"coders": ["Ana", "Budi"], "units": "some"}, "unknown units"),
    ({"coders": ["Ana", "Budi"], "codes": []}, "codes= is empty"),
])
def test_agreement_input_errors(doc: qc.Document, codings: list[qc.Coding], kwargs: dict,
                                message: str) -> None:
    with pytest.raises(qc.InputError, match=message):
        ag.agreement_table(codings, [doc], **kwargs)


def test_no_shared_document_and_coding_past_end(doc: qc.Document, other: qc.Document) -> None:
    cs = [qc.Coding(doc.id, "x", 0, 3, coder="A"), qc.Coding(other.id, "x", 0, 3, coder="B")]
    with pytest.raises(qc.InputError, match="no document was coded by all of A, B"):
        ag.agreement_units(cs, [doc, other], coders=["A", "B"])
    bad = [qc.Coding(other.id, "x", 0, 999, coder="A")]
    with pytest.raises(qc.InputError, match="past the end of the text"):
        ag.agreement_units(bad, [other], coders=["A", "B"])


# --- confusion matrix -------------------------------------------------------------------

def test_confusion_matrix_multi_label(doc: qc.Document) -> None:
    t = doc.turns
    cs = [  # turn 1: A {x, y}, B {x, z}; turn 2: A {y}, B {}; turn 3: A {}, B {z}
        qc.Coding(doc.id, "x", t[1].start, t[1].end, coder="A"),
        qc.Coding(doc.id, "y", t[1].start, t[1].end, coder="A"),
        qc.Coding(doc.id, "x", t[1].start, t[1].end, coder="B"),
        qc.Coding(doc.id, "z", t[1].start, t[1].end, coder="B"),
        qc.Coding(doc.id, "y", t[2].start, t[2].end, coder="A"),
        qc.Coding(doc.id, "z", t[3].start, t[3].end, coder="B"),
    ]
    m = ag.confusion_matrix(cs, [doc], coder_a="A", coder_b="B")
    assert m.index.name == "A" and m.columns.name == "B"
    assert list(m.index) == ["x", "y", "z", "(none)"]
    assert m.to_numpy().tolist() == [
        [1, 0, 0, 0],
        [0, 0, 1, 1],
        [0, 0, 0, 0],
        [0, 0, 1, 2],  # turn 3 -> ((none), z); turns 0 and 4 -> ((none), (none))
    ]


# --- disagreements and their report -----------------------------------------------------

def test_disagreements_rows(doc: qc.Document, codings: list[qc.Coding]) -> None:
    df = ag.disagreements(codings, [doc], coders=["Ana", "Budi"], unit="sentence")
    assert df[["unit", "speaker", "text", "Ana", "Budi", "differs_on"]].values.tolist() == [
        [2, "Bu Sumi", "Tidak ada, Bu.", "no_contract", "", "no_contract"],
        [4, "Pewawancara", "Upahnya?", "", "wages", "wages"],
        [5, "Bu Sumi", "Upah ditentukan pengepul.", "", "piece_rate", "piece_rate"],
    ]
    assert (df["document"] == "sumi.txt").all()
    assert doc.text[int(num(df.at[0, "start"])) : int(num(df.at[0, "end"]))] == "Tidak ada, Bu."
    assert df.attrs["n_units"] == 7


def test_disagreements_coder_named_like_a_column(doc: qc.Document) -> None:
    cs = [coding(doc, "x", "Upahnya?", "text"), coding(doc, "y", "Upahnya?", "Budi")]
    df = ag.disagreements(cs, [doc], coders=["text", "Budi"])
    assert list(df.columns)[-3:] == ["text (coder)", "Budi", "differs_on"]
    assert df.loc[0, "text"] == "Upahnya?" and df.loc[0, "text (coder)"] == "x"


@pytest.fixture()
def report(doc: qc.Document) -> pd.DataFrame:
    cs = [coding(doc, "x", "=SUM(A1) <b>&</b> oke.", "Ana <i>"),
          coding(doc, "y", "Upahnya?", "Budi")]
    df = ag.disagreements(cs, [doc], coders=["Ana <i>", "Budi"])
    df.loc[len(df)] = {**df.iloc[0].to_dict(), "text": "bell\x07 é"}  # a control character
    return df


def test_write_csv(tmp_path: Path, report: pd.DataFrame) -> None:
    p = ag.write_disagreements(report, tmp_path / "d.csv")
    assert p.read_bytes().startswith(b"\xef\xbb\xbf")
    back = pd.read_csv(p, encoding="utf-8-sig", keep_default_na=False)
    assert back["text"].tolist() == report["text"].tolist()
    assert sorted(os.listdir(tmp_path)) == ["d.csv"]


def test_write_xlsx_keeps_text_as_text(tmp_path: Path, report: pd.DataFrame) -> None:
    p = ag.write_disagreements(report, tmp_path / "d.xlsx")
    ws = openpyxl.load_workbook(p).active
    assert ws is not None
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    text = [r[header.index("text")] for r in rows[1:]]
    assert "=SUM(A1) <b>&</b> oke." in text  # not turned into a formula
    assert "bell é" in text  # illegal control character dropped
    assert ws.cell(row=2 + text.index("=SUM(A1) <b>&</b> oke."),
                   column=header.index("text") + 1).data_type == "s"


def test_write_html_is_escaped_and_explained(tmp_path: Path, report: pd.DataFrame) -> None:
    p = ag.write_disagreements(report, tmp_path / "d.html")
    page = p.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "&lt;b&gt;&amp;&lt;/b&gt;" in page and "<b>&</b>" not in page
    assert "Ana &lt;i&gt; and Budi did not apply the same codes" in page
    assert "<i>" not in page
    assert "differ." in page


def test_write_rejects_unknown_format_and_never_leaves_partial_files(
    tmp_path: Path, report: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(qc.UnsupportedFormatError):
        ag.write_disagreements(report, tmp_path / "d.pdf")
    target = tmp_path / "d.csv"
    target.write_text("old", encoding="utf-8")

    def broken(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError, match="disk full"):
        ag.write_disagreements(report, target)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(os.listdir(tmp_path)) == ["d.csv"]


# --- auto-coder vs gold -----------------------------------------------------------------

def test_precision_recall(doc: qc.Document, other: qc.Document) -> None:
    auto = "auto:barriers@1"
    cs = [
        coding(doc, "no_contract", "Tidak ada kontrak.", "Ana"),
        coding(doc, "piece_rate", "Per kodi!", "Ana"),
        coding(doc, "no_contract", "Tidak ada, Bu.", auto),  # same turn: tp
        coding(doc, "no_contract", "Ada kontrak", auto),  # fp
        coding(doc, "wages", "Upahnya?", auto),  # fp
        coding(other, "wages", "Tidak.", auto),  # gold never coded `other`: ignored
    ]
    df = ag.precision_recall(cs, [doc, other], gold="Ana", predicted=auto).set_index("code")
    assert cells(df, "no_contract", ["tp", "fp", "fn"]) == [1, 1, 0]
    assert df.loc["no_contract", "precision"] == 0.5 and df.loc["no_contract", "recall"] == 1
    assert cells(df, "piece_rate", ["tp", "fp", "fn", "recall", "f1"]) == [0, 0, 1, 0, 0]
    assert cells(df, "wages", ["support", "precision"]) == [0, 0.0]
    micro = df.loc["(micro avg)"]
    assert [micro["tp"], micro["fp"], micro["fn"]] == [1, 2, 1]
    assert micro["precision"] == pytest.approx(1 / 3) and micro["recall"] == pytest.approx(0.5)
    macro = df.loc["(macro avg)"]
    assert macro["precision"] == pytest.approx((0.5 + 0 + 0) / 3)
    assert macro["recall"] == pytest.approx((1 + 0 + 0) / 3)
    chars = ag.precision_recall(cs, [doc], gold="Ana", predicted=auto, unit="character")
    row = chars.set_index("code").loc["no_contract"]
    assert row["tp"] == 0 and row["fn"] == len("Tidak ada kontrak.")
    with pytest.raises(qc.InputError, match="different coders"):
        ag.precision_recall(cs, [doc], gold="Ana", predicted="Ana")


def test_span_agreement(doc: qc.Document, codings: list[qc.Coding]) -> None:
    df = ag.span_agreement(codings, [doc], coder_a="Ana", coder_b="Budi").set_index("code")
    # no_contract: IoU 18/33 >= .5 -> match; piece_rate: 9/35 -> none; wages only Budi
    assert cells(df, "no_contract", ["n_a", "n_b", "matched"]) == [1, 1, 1]
    assert df.loc["piece_rate", "matched"] == 0
    assert cells(df, "(all codes)", ["n_a", "n_b", "matched"]) == [2, 3, 1]
    assert df.loc["(all codes)", "precision"] == pytest.approx(1 / 3)
    shorter = ag.span_agreement(codings, [doc], coder_a="Ana", coder_b="Budi",
                                measure="shorter").set_index("code")
    assert shorter.loc["piece_rate", "matched"] == 1
