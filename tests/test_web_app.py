"""The review app over HTTP: token, CSRF, validation, concurrency, pages.

The app runs with uvicorn in a background thread on a free port of
127.0.0.1, on a project built from two bundled transcripts auto-coded with
the bundled barriers codebook.
"""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install starlette)")
pytest.importorskip("uvicorn", reason="the web extra is not installed (pip install uvicorn)")
httpx = pytest.importorskip("httpx", reason="httpx is needed to call the app")

import qualcode as qc  # noqa: E402
from qualcode.codebook import dump_codebook, load_codebook  # noqa: E402
from qualcode.coding import autocode  # noqa: E402
from qualcode.ingest import ingest  # noqa: E402
from qualcode.resources import bundled_dir  # noqa: E402
from qualcode.web import reviews, start  # noqa: E402
from qualcode.web.server import WebServer  # noqa: E402

TRANSCRIPTS = ("smg_interview_packaging_worker_en.txt", "kdr_interview_disnaker_en.txt")
CSRF = {"X-Qualcode-Request": "1"}


def build_project(path: Path) -> Path:
    """Two bundled transcripts, auto-coded with the bundled barriers codebook."""
    source = bundled_dir("transcripts")
    cb = load_codebook("barriers")
    with qc.Project.open(path) as proj:
        ingest(proj, [source / name for name in TRANSCRIPTS])
        codings = autocode(proj.documents, cb)
        proj.add_codebook(cb, yaml_text=dump_codebook(cb))
        proj.replace_auto_codings(cb.coder, codings)
    return path


@pytest.fixture(scope="module")
def base_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_project(tmp_path_factory.mktemp("web") / "base.qualcode")


@pytest.fixture
def served(base_project: Path, tmp_path: Path) -> Iterator[tuple[WebServer, Path]]:
    path = tmp_path / "p.qualcode"
    shutil.copy(base_project, path)
    server = start(path, coder="ana")
    try:
        yield server, path
    finally:
        server.stop()


@pytest.fixture
def client(served: tuple[WebServer, Path]) -> Iterator[httpx.Client]:
    server, _ = served
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        r = c.get(f"/?token={server.token}")
        assert r.status_code == 303 and r.headers["location"] == "/"
        cookie = r.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        yield c


def first_doc(path: Path) -> qc.Document:
    with qc.Project.open(path) as proj:
        return sorted(proj.documents, key=lambda d: d.name)[0]


def integrity_ok(path: Path) -> bool:
    conn = sqlite3.connect(path)
    try:
        return bool(conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                    and not conn.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        conn.close()


def test_requests_without_the_token_are_refused(served: tuple[WebServer, Path]) -> None:
    server, path = served
    doc = first_doc(path)
    with httpx.Client(base_url=server.base_url, timeout=30) as c:
        for url in ("/", f"/doc/{doc.id}", f"/api/doc/{doc.id}", "/static/app.js", "/codes"):
            assert c.get(url).status_code == 403, url
        assert c.get("/?token=wrong").status_code == 403
        assert c.get("/", headers={"Cookie": "qualcode_x=" + server.token}).status_code == 403
        r = c.post("/api/apply", headers=CSRF, json={"document": doc.id, "code": "no_osh",
                                                     "start": 0, "end": 5})
        assert r.status_code == 403
        # scripts may send the token as a bearer token instead of the cookie
        auth = {"Authorization": f"Bearer {server.token}"}
        assert c.get("/codes", headers=auth).status_code == 200
        # another Host (DNS rebinding) is refused even with the token
        assert c.get("/codes", headers={**auth, "Host": "evil.example"}).status_code == 403
    assert server.url.startswith("http://127.0.0.1:")


def test_pages_render(client: httpx.Client, served: tuple[WebServer, Path]) -> None:
    _, path = served
    doc = first_doc(path)
    for url, needle in (("/", doc.name), (f"/doc/{doc.id}", "code-tree"),
                        ("/codes", "no_written_agreement"), ("/code/no_osh", "excerpts"),
                        ("/matrix?attribute=site", "matrix"), ("/network", "network-frame"),
                        ("/network/frame?measure=count", "graph-data"),
                        ("/agreement", "Coders"), ("/static/app.js", "selection")):
        r = client.get(url)
        assert r.status_code == 200, (url, r.text[:500])
        assert needle in r.text, url
    r = client.get(f"/doc/{doc.id}")
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "http" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "https://" not in r.text and "http://" not in r.text  # no CDN
    assert client.get("/doc/nope").status_code == 404
    assert client.get("/matrix?count=bogus").status_code == 400
    assert client.get("/code/no_osh?kind=bogus").status_code == 400


def test_malformed_requests_are_4xx_and_change_nothing(
        client: httpx.Client, served: tuple[WebServer, Path]) -> None:
    _, path = served
    doc = first_doc(path)
    with qc.Project.open(path) as proj:
        before = proj.codings()
    n = len(doc.text)
    json_headers = {**CSRF, "Content-Type": "application/json"}
    bad = [
        ("/api/apply", b"{not json", json_headers, 400),
        ("/api/apply", b"[1, 2]", json_headers, 400),
        ("/api/apply", b"\xff\xfe", json_headers, 400),
        ("/api/apply", b'{"document": "x"}', {**CSRF, "Content-Type": "text/plain"}, 415),
        ("/api/apply", b"{}", {"Content-Type": "application/json"}, 403),  # no CSRF header
        ("/api/apply", b" " * 70_000, json_headers, 413),
    ]
    for url, body, headers, status in bad:
        r = client.post(url, content=body, headers=headers)
        assert r.status_code == status, (body[:20], r.text)
    cross = client.post("/api/undo", json={}, headers={**CSRF, "Origin": "http://evil.example"})
    assert cross.status_code == 403
    invalid = [
        {"document": doc.id, "code": "no_osh", "start": 0, "end": n + 1},
        {"document": doc.id, "code": "no_osh", "start": -5, "end": 10},
        {"document": doc.id, "code": "no_osh", "start": 10, "end": 10},
        {"document": doc.id, "code": "no_osh", "start": "0", "end": 10},
        {"document": doc.id, "code": "no_osh", "start": 0.5, "end": 10},
        {"document": doc.id, "code": "not_a_code", "start": 0, "end": 10},
        {"document": doc.id, "code": ["no_osh"], "start": 0, "end": 10},
        {"document": "missing", "code": "no_osh", "start": 0, "end": 10},
        {"document": doc.id, "code": "no_osh"},
    ]
    for body in invalid:
        r = client.post("/api/apply", json=body, headers=CSRF)
        assert 400 <= r.status_code < 500 and "error" in r.json(), body
    r = client.post("/api/review", json={"document": doc.id, "code": "no_osh", "start": 0,
                                         "end": 10, "auto_coder": "auto:barriers@1.0",
                                         "decision": "maybe"}, headers=CSRF)
    assert r.status_code == 400
    r = client.post("/api/review", json={"document": doc.id, "code": "no_osh", "start": 0,
                                         "end": 10, "auto_coder": "auto:barriers@1.0",
                                         "decision": "reject"}, headers=CSRF)
    assert r.status_code == 404  # no such auto coding
    assert client.post("/api/remove", json={"coding_id": "1"}, headers=CSRF).status_code == 400
    assert client.post("/api/remove", json={"coding_id": 1}, headers=CSRF).status_code == 403
    with qc.Project.open(path) as proj:
        assert proj.codings() == before
        assert reviews.actions(proj, include_undone=True) == []
    assert integrity_ok(path)


def test_concurrent_writes_stay_consistent(client: httpx.Client,
                                           served: tuple[WebServer, Path]) -> None:
    _, path = served
    doc = first_doc(path)
    turns = [t for t in doc.turns if t.end - t.start > 20][:12]
    same = {"document": doc.id, "code": "no_osh", "start": turns[0].start, "end": turns[0].end}
    distinct = [{"document": doc.id, "code": "long_hours", "start": t.start, "end": t.end}
                for t in turns]
    cookies = dict(client.cookies)

    def post(body: dict[str, object]) -> int:
        with httpx.Client(base_url=str(client.base_url), cookies=cookies, timeout=30) as c:
            return c.post("/api/apply", json=body, headers=CSRF).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        same_codes = list(pool.map(post, [same] * 12))
        distinct_codes = list(pool.map(post, distinct))
        undo_codes = list(pool.map(lambda _: client.post("/api/undo", json={},
                                                         headers=CSRF).status_code, range(4)))
    assert sorted(same_codes) == [200] + [409] * 11  # exactly one stored
    assert distinct_codes == [200] * len(distinct)
    assert undo_codes == [200] * 4
    assert integrity_ok(path)
    with qc.Project.open(path) as proj:
        mine = proj.codings(coder="ana")
        active = reviews.actions(proj, coder="ana")
        history = reviews.actions(proj, coder="ana", include_undone=True)
    assert len(history) == 1 + len(distinct) and len(active) == len(history) - 4
    # every active action has its coding, every undone one has none
    assert sorted((c.code, c.start, c.end) for c in mine) == sorted(
        (a.code, a.start, a.end) for a in active)
    assert len({(c.code, c.start, c.end) for c in mine}) == len(mine)


def test_apply_trims_white_space_and_json_view(client: httpx.Client,
                                               served: tuple[WebServer, Path]) -> None:
    _, path = served
    doc = first_doc(path)
    turn = doc.turns[1]
    r = client.post("/api/apply", headers=CSRF, json={
        "document": doc.id, "code": "no_osh", "start": turn.start - 1, "end": turn.end + 1})
    assert r.status_code == 200, r.text
    action = r.json()["action"]
    assert doc.text[action["start"]:action["end"]] == doc.text[turn.start - 1:turn.end + 1].strip()
    view = client.get(f"/api/doc/{doc.id}?show=human").json()
    [human] = [c for c in view["codings"] if not c["auto"]]
    assert human["coder"] == "ana" and human["mine"] and human["status"] == "human"
    assert 'data-s="' in view["html"]
    assert client.get(f"/api/doc/{doc.id}?show=bogus").status_code == 400


def test_create_app_refuses_bad_input(tmp_path: Path, base_project: Path) -> None:
    from qualcode.web import create_app

    with pytest.raises(qc.ProjectError):
        create_app(tmp_path / "missing.qualcode", coder="ana", token="x" * 32)
    with pytest.raises(reviews.ActionError):
        create_app(base_project, coder="auto:me", token="x" * 32)
    with pytest.raises(ValueError):
        create_app(base_project, coder="ana", token="short")
    with pytest.raises(qc.InputError):
        start(base_project, coder="ana", host="0.0.0.0")


def test_two_coders_one_after_another(served: tuple[WebServer, Path],
                                      client: httpx.Client) -> None:
    server, path = served
    doc = first_doc(path)
    with qc.Project.open(path) as proj:
        auto = proj.codings(document=doc.id, coder="auto:barriers@1.0")[0]
    turn = doc.turns[1]
    assert client.post("/api/apply", headers=CSRF, json={
        "document": doc.id, "code": "no_osh", "start": turn.start, "end": turn.end}
    ).status_code == 200
    assert client.post("/api/review", headers=CSRF, json={
        "document": doc.id, "code": auto.code, "start": auto.start, "end": auto.end,
        "auto_coder": auto.coder, "decision": "reject"}).status_code == 200
    server.stop()
    second = start(path, coder="budi")
    try:
        with httpx.Client(base_url=second.base_url, timeout=30,
                          headers={"Authorization": f"Bearer {second.token}"}) as c:
            view = c.get(f"/api/doc/{doc.id}").json()
            [human] = [x for x in view["codings"] if not x["auto"]]
            assert human["coder"] == "ana" and not human["mine"]
            [reviewed] = [x for x in view["codings"] if x["auto"] and x["code"] == auto.code
                          and x["start"] == auto.start and x["end"] == auto.end]
            assert reviewed["status"] == "pending" and reviewed["notes"] == ["rejected by ana"]
            assert c.post("/api/undo", json={}, headers=CSRF).json() == {"ok": True,
                                                                         "action": None}
            assert c.post("/api/review", headers=CSRF, json={
                "document": doc.id, "code": auto.code, "start": auto.start, "end": auto.end,
                "auto_coder": auto.coder, "decision": "accept"}).status_code == 200
    finally:
        second.stop()
    with qc.Project.open(path) as proj:
        assert [c.code for c in proj.codings(coder="ana")] == ["no_osh"]
        [accepted] = proj.codings(coder="budi")
        assert accepted.memo is not None and accepted.memo.startswith("accepted auto:barriers")
        assert reviews.auto_key(auto) in reviews.rejected_keys(proj, coders=["ana"])
        assert reviews.auto_key(auto) not in reviews.rejected_keys(proj, coders=["budi"])
