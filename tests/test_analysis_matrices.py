"""Code × attribute matrices, the power-cube table and heatmaps."""

from __future__ import annotations

import numpy as np
import pytest

import qualcode as qc
from qualcode.analysis import DEFAULT_DIMENSIONS, code_attribute_matrix, power_cube_table
from qualcode.analysis.powercube import heatmap_figure


def transcript(text: bytes, name: str, **attributes: object) -> qc.Document:
    d = qc.parse_transcript(text, name=name)
    return qc.Document(name=d.name, text=d.text, turns=d.turns, attributes=dict(attributes))


def code(doc: qc.Document, name: str, text: str) -> qc.Coding:
    s = doc.text.index(text)
    return qc.Coding(doc.id, name, s, s + len(text))


@pytest.fixture
def corpus() -> tuple[list[qc.Document], list[qc.Coding]]:
    k = transcript(b"I: Pay?\nR: Low pay, no contract.\nP2: Low pay for me too.", "k.txt",
                   site="Kediri", group_type="FGD")
    j = transcript(b"I: Contract?\nR: No contract. Pay is low.", "j.txt",
                   site="Jakarta", group_type="interview")
    cs = [code(k, "low_pay", "Low pay,"), code(k, "no_contract", "no contract"),
          code(k, "low_pay", "Low pay for"), code(k, "asked", "Pay?"),
          code(j, "no_contract", "No contract"), code(j, "low_pay", "Pay is low")]
    return [k, j], cs


def test_counts_by_site(corpus: tuple) -> None:
    docs, cs = corpus
    m = code_attribute_matrix(cs, docs, attribute="site", codes=["low_pay", "no_contract"])
    assert list(m.columns) == ["Jakarta", "Kediri"] and m.columns.name == "site"
    assert list(m.loc["low_pay"]) == [1, 2]
    assert list(m.loc["no_contract"]) == [1, 1]
    docs_m = code_attribute_matrix(cs, docs, attribute="site", count="documents")
    assert list(docs_m.loc["low_pay"]) == [1, 1]


def test_row_percentages_sum_to_100(corpus: tuple) -> None:
    docs, cs = corpus
    m = code_attribute_matrix(cs, docs, attribute="group_type", normalize="row")
    np.testing.assert_allclose(m.sum(axis=1), 100.0)
    assert m.loc["low_pay", "FGD"] == pytest.approx(200 / 3)
    c = code_attribute_matrix(cs, docs, attribute="group_type", normalize="column")
    np.testing.assert_allclose(c.sum(axis=0), 100.0)
    a = code_attribute_matrix(cs, docs, attribute="group_type", normalize="all")
    assert a.to_numpy().sum() == pytest.approx(100.0)


def test_by_role_and_speaker(corpus: tuple) -> None:
    docs, cs = corpus
    role = code_attribute_matrix(cs, docs, attribute="role")
    assert role.loc["asked", "interviewer"] == 1 and role.loc["asked", "participant"] == 0
    assert role.loc["low_pay", "participant"] == 3
    speakers = code_attribute_matrix(cs, docs, attribute="speaker", count="participants")
    assert speakers.loc["low_pay", "P2"] == 1 and speakers.loc["low_pay", "R"] == 2
    units = code_attribute_matrix(cs, docs, attribute="role", count="units", unit="document")
    assert units.loc["low_pay", "participant"] == 2


def test_participants_and_units_counts(corpus: tuple) -> None:
    docs, cs = corpus
    p = code_attribute_matrix(cs, docs, attribute="site", count="participants")
    assert p.loc["low_pay", "Kediri"] == 2  # R and P2
    u = code_attribute_matrix(cs, docs, attribute="site", count="units", unit="turn")
    assert u.loc["low_pay", "Kediri"] == 2


def test_missing_attribute_and_bad_options(corpus: tuple) -> None:
    docs, cs = corpus
    m = code_attribute_matrix(cs, docs, attribute="district")
    assert list(m.columns) == ["(missing)"]
    with pytest.raises(qc.InputError):
        code_attribute_matrix(cs, docs, count="words")
    with pytest.raises(qc.InputError):
        code_attribute_matrix(cs, docs, normalize="rows")


CUBE_TEXT = (
    b"R: We were invited to the district meeting but could not speak.\n"
    b"R: Later we organised our own forum in the village.\n"
    b"R: The national law ignores us."
)


def cube_corpus() -> tuple[qc.Document, list[qc.Coding]]:
    d = transcript(CUBE_TEXT, "cube.txt")
    t0, t1, t2 = d.turns
    cs = [
        qc.Coding(d.id, "invited_space", t0.start, t0.start + 10),
        qc.Coding(d.id, "local_level", t0.start + 20, t0.start + 30),
        qc.Coding(d.id, "hidden_power", t0.start + 40, t0.end),
        qc.Coding(d.id, "claimed_space", t1.start, t1.end),
        qc.Coding(d.id, "local_level", t1.start, t1.end),
        qc.Coding(d.id, "national_level", t2.start, t2.end),
        qc.Coding(d.id, "invisible_power", t2.start, t2.end),
    ]
    return d, cs


def test_power_cube_cells() -> None:
    d, cs = cube_corpus()
    cube = power_cube_table(cs, documents=[d])
    t = cube.table.set_index(["space", "level", "form"])["count"]
    assert t[("invited_space", "local_level", "hidden_power")] == 1
    assert t[("claimed_space", "local_level", "(none)")] == 1
    assert t[("(none)", "national_level", "invisible_power")] == 1
    assert int(cube.table["count"].sum()) == 3
    assert len(cube.table) == 4 * 4 * 4
    assert cube.pivot.loc["invited_space", ("hidden_power", "local_level")] == 1
    assert cube.pivot.to_numpy().sum() == 3
    no_none = power_cube_table(cs, documents=[d], include_none=False)
    assert len(no_none.table) == 27 and int(no_none.table["count"].sum()) == 1


def test_power_cube_renamed_codebook_and_rollup() -> None:
    d, cs = cube_corpus()
    rename = {"invited_space": "ruang_diundang", "claimed_space": "ruang_diklaim"}
    cs2 = [qc.Coding(c.document, rename.get(c.code, c.code), c.start, c.end) for c in cs]
    cs2.append(qc.Coding(d.id, "forum_desa", d.turns[1].start, d.turns[1].end))
    book = qc.Codebook("kubus", codes=(
        qc.Code("ruang"), qc.Code("ruang_diundang", parent="ruang"),
        qc.Code("ruang_diklaim", parent="ruang"),
        qc.Code("forum_desa", parent="ruang_diklaim"),
    ))
    dims = {"space": "ruang", "level": DEFAULT_DIMENSIONS["level"]}
    cube = power_cube_table(cs2, book, documents=[d], dimensions=dims)
    t = cube.table.set_index(["space", "level"])["count"]
    assert t[("ruang_diklaim", "local_level")] == 1  # forum_desa rolls up, counted once
    assert t[("ruang_diundang", "local_level")] == 1
    assert list(cube.pivot.index) == ["ruang_diundang", "ruang_diklaim", "(none)"]
    with pytest.raises(qc.InputError, match="parent code"):
        power_cube_table(cs2, documents=[d], dimensions={"space": "ruang"})


def test_heatmap_figure_draws() -> None:
    pytest.importorskip("matplotlib")
    d, cs = cube_corpus()
    fig = heatmap_figure(power_cube_table(cs, documents=[d]).pivot, title="Power cube")
    ax = fig.axes[0]
    assert ax.get_title() == "Power cube"
    assert len(ax.get_xticklabels()) == 16
