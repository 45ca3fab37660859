"""Review actions stored in the project file (qualcode.web.reviews), without a server."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

import qualcode as qc
from qualcode.web import reviews

TEXT = b"I: Do you have a contract?\nR: No contract. We are afraid of losing orders.\n"


def make_project(path: Path) -> tuple[qc.Project, qc.Document]:
    proj = qc.Project.open(path)
    doc = proj.add_documents([qc.parse_transcript(TEXT, name="a.txt")]).added[0]
    proj.add_codebook(qc.Codebook("barriers", (qc.Code("no_contract"), qc.Code("fear"))))
    s = doc.text.index("No contract.")
    proj.add_codings([
        qc.Coding(doc.id, "no_contract", s, s + 12, coder="auto:barriers@1.0", rule="r1",
                  codebook="barriers"),
        qc.Coding(doc.id, "fear", s + 13, len(doc.text), coder="auto:barriers@1.0", rule="r2",
                  codebook="barriers"),
    ])
    reviews.ensure_schema(proj)
    return proj, doc


@pytest.fixture
def project(tmp_path: Path) -> tuple[qc.Project, qc.Document]:
    return make_project(tmp_path / "p.qualcode")


def test_apply_stores_a_human_coding_with_timestamp(project: tuple[qc.Project, qc.Document]
                                                    ) -> None:
    proj, doc = project
    action = reviews.apply_code(proj, coder="ana", document=doc.id, code="fear", start=3, end=9)
    assert action.action == "apply" and action.coder == "ana" and action.created
    [stored] = reviews.stored_codings(proj, document=doc.id)[2:]
    assert (stored.coding.code, stored.coding.coder, stored.coding.codebook) == \
        ("fear", "ana", "barriers")
    assert stored.id == action.coding_id and stored.created


def test_accept_reject_adjust_and_undo(project: tuple[qc.Project, qc.Document]) -> None:
    proj, doc = project
    auto = {c.code: c for c in proj.codings(coder="auto:barriers@1.0")}
    nc, fear = auto["no_contract"], auto["fear"]
    reviews.review_auto(proj, coder="ana", document=doc.id, code=nc.code, start=nc.start,
                        end=nc.end, auto_coder=nc.coder, decision="accept")
    [accepted] = proj.codings(coder="ana")
    assert (accepted.start, accepted.end) == (nc.start, nc.end)
    assert accepted.memo == "accepted auto:barriers@1.0 rule r1"
    reviews.review_auto(proj, coder="ana", document=doc.id, code="fear", start=fear.start,
                        end=fear.end, auto_coder=fear.coder, decision="reject")
    assert proj.codings(coder="ana") == [accepted]  # a rejection adds no coding
    assert reviews.rejected_keys(proj) == {reviews.auto_key(fear)}
    # the same coder cannot review the same auto coding twice; another coder can
    with pytest.raises(reviews.ActionError) as e:
        reviews.review_auto(proj, coder="ana", document=doc.id, code="fear", start=fear.start,
                            end=fear.end, auto_coder=fear.coder, decision="accept")
    assert e.value.status == 409
    reviews.review_auto(proj, coder="budi", document=doc.id, code="fear", start=fear.start,
                        end=fear.end, auto_coder=fear.coder, decision="adjust",
                        new_start=fear.start + 3, new_end=fear.end - 1)
    [adjusted] = proj.codings(coder="budi")
    assert (adjusted.start, adjusted.end) == (fear.start + 3, fear.end - 1)
    assert adjusted.memo is not None and adjusted.memo.startswith("adjusted auto:barriers@1.0")
    # undo goes back one action of that coder at a time
    assert reviews.undo_last(proj, coder="ana").action == "reject"  # type: ignore[union-attr]
    assert reviews.rejected_keys(proj) == set()
    assert reviews.undo_last(proj, coder="ana").action == "accept"  # type: ignore[union-attr]
    assert proj.codings(coder="ana") == []
    assert reviews.undo_last(proj, coder="ana") is None
    assert len(proj.codings(coder="budi")) == 1
    history = reviews.actions(proj, include_undone=True)
    assert [(a.coder, a.action, a.undone is not None) for a in history] == [
        ("ana", "accept", True), ("ana", "reject", True), ("budi", "adjust", False)]


def test_remove_and_undo_restores(project: tuple[qc.Project, qc.Document]) -> None:
    proj, doc = project
    a = reviews.apply_code(proj, coder="ana", document=doc.id, code="fear", start=3, end=9,
                           memo="my note")
    with pytest.raises(reviews.ActionError) as e:
        reviews.remove_coding(proj, coder="budi", coding_id=a.coding_id)
    assert e.value.status == 403
    reviews.remove_coding(proj, coder="ana", coding_id=a.coding_id)
    assert proj.codings(coder="ana") == []
    reviews.undo_last(proj, coder="ana")
    [back] = proj.codings(coder="ana")
    assert (back.code, back.start, back.end, back.memo) == ("fear", 3, 9, "my note")


@pytest.mark.parametrize(("changes", "status"), [
    ({"document": "nope"}, 404),
    ({"start": -1}, 400),
    ({"start": 5, "end": 5}, 400),
    ({"end": 10**6}, 400),
    ({"start": "3"}, 400),
    ({"start": True}, 400),
    ({"code": "unknown"}, 400),
    ({"code": None}, 400),
    ({"codebook": "other"}, 400),
    ({"memo": 5}, 400),
])
def test_invalid_input_is_refused(project: tuple[qc.Project, qc.Document],
                                  changes: dict[str, object], status: int) -> None:
    proj, doc = project
    args: dict[str, object] = {"document": doc.id, "code": "fear", "start": 3, "end": 9}
    args.update(changes)
    before = proj.codings()
    with pytest.raises(reviews.ActionError) as e:
        reviews.apply_code(proj, coder="ana", **args)  # type: ignore[arg-type]
    assert e.value.status == status
    assert proj.codings() == before


@pytest.mark.parametrize("coder", ["", "auto:me", "a\nb", "x" * 81])
def test_bad_coder_names(project: tuple[qc.Project, qc.Document], coder: str) -> None:
    proj, doc = project
    with pytest.raises(reviews.ActionError):
        reviews.apply_code(proj, coder=coder, document=doc.id, code="fear", start=3, end=9)


def test_reviews_survive_recoding(project: tuple[qc.Project, qc.Document]) -> None:
    """Auto codings are matched by value, so re-running the coder keeps the decision."""
    proj, doc = project
    fear = proj.codings(code="fear")[0]
    reviews.review_auto(proj, coder="ana", document=doc.id, code="fear", start=fear.start,
                        end=fear.end, auto_coder=fear.coder, decision="reject")
    proj.replace_auto_codings("auto:barriers@1.1", [
        qc.Coding(c.document, c.code, c.start, c.end, coder="auto:barriers@1.1", rule=c.rule)
        for c in proj.codings(coder="auto:barriers@1.0")])
    new = proj.codings(code="fear")[0]
    assert new.coder == "auto:barriers@1.1"
    assert reviews.auto_key(new) in reviews.rejected_keys(proj)


def test_no_table_means_no_actions(tmp_path: Path) -> None:
    with qc.Project.open(tmp_path / "fresh.qualcode") as proj:
        assert reviews.actions(proj) == [] and reviews.rejected_keys(proj) == set()
        assert reviews.undo_last(proj, coder="ana") is None
    conn = sqlite3.connect(tmp_path / "fresh.qualcode")
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'web_actions'"
                        ).fetchone()[0] == 0
    conn.close()


def test_render_transcript_segments_overlaps_and_escapes() -> None:
    from qualcode.web.views import Layer, render_transcript

    doc = qc.Document(name="x", text="a <b> & 😀 end")  # no turns: one block
    layers = [Layer(0, 0, 7, "#123456", "human", "c1 — ana"),
              Layer(1, 4, 13, "#654321", "auto", "c2 — auto:x@1 (rule r)")]
    page = render_transcript(doc, layers)
    assert "<b>" not in page and ">a &lt;b</span>" in page and ">&gt; &amp;</span>" in page
    starts = [int(s) for s in re.findall(r'data-s="(\d+)"', page)]
    assert starts == [0, 4, 7]  # cut where codings start and end, in code points
    assert 'data-l="0 1"' in page  # the overlap carries both layers
    assert "repeating-linear-gradient" in page and "c2 — auto:x@1 (rule r)" in page
