"""End to end in headless Chromium (Playwright driving Debian's ``chromium``).

Opens a bundled transcript in the review app, applies a code to a text
selection, rejects an auto coding with the keyboard, reloads, and finds both
changes on the page and in the project file. Screenshots are kept in
``tests/artifacts/web_*.png``. Skips when Playwright or Chromium is missing
(``pip install playwright``; ``apt-get install chromium``; no ``playwright
install`` needed).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="the web extra is not installed (pip install starlette)")
pytest.importorskip("uvicorn", reason="the web extra is not installed (pip install uvicorn)")
sync_api = pytest.importorskip("playwright.sync_api",
                               reason="playwright is not installed (pip install playwright)")

import qualcode as qc  # noqa: E402
from qualcode.codebook import dump_codebook, load_codebook  # noqa: E402
from qualcode.coding import autocode  # noqa: E402
from qualcode.ingest import ingest  # noqa: E402
from qualcode.resources import bundled_dir  # noqa: E402
from qualcode.web import reviews, start  # noqa: E402
from qualcode.web.server import WebServer  # noqa: E402

ARTIFACTS = Path(__file__).parent / "artifacts"
TRANSCRIPTS = ("smg_interview_packaging_worker_en.txt", "kdr_interview_disnaker_en.txt")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

# Select document offsets [start, end) (code points) in the transcript, as a user would.
SELECT_JS = """([start, end]) => {
  const cp = (s) => Array.from(s).length;
  const toPoint = (offset, isEnd) => {
    for (const seg of document.querySelectorAll('#transcript .seg')) {
      const s = Number(seg.dataset.s), text = seg.firstChild;
      const n = cp(text.data);
      if (offset > s + n || offset < s || (!isEnd && offset === s + n)) continue;
      const units = Array.from(text.data).slice(0, offset - s).join('').length;
      return [text, units];
    }
    throw new Error('offset not in the transcript: ' + offset);
  };
  const range = document.createRange();
  range.setStart(...toPoint(start, false));
  range.setEnd(...toPoint(end, true));
  const sel = window.getSelection();
  sel.removeAllRanges();
  sel.addRange(range);
  document.getElementById('transcript').dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return range.toString();
}"""


def chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("chromium not installed (apt-get install chromium)")


def build_project(path: Path) -> Path:
    source = bundled_dir("transcripts")
    cb = load_codebook("barriers")
    with qc.Project.open(path) as proj:
        ingest(proj, [source / name for name in TRANSCRIPTS])
        proj.add_codebook(cb, yaml_text=dump_codebook(cb))
        proj.replace_auto_codings(cb.coder, autocode(proj.documents, cb))
    return path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebServer, Path]]:
    path = build_project(tmp_path_factory.mktemp("browser") / "review.qualcode")
    server = start(path, coder="ana")
    try:
        yield server, path
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    binary = chromium()
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=binary, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    p = context.new_page()
    p.set_default_timeout(15_000)
    errors: list[str] = []
    p.on("pageerror", lambda e: errors.append(str(e)))
    p.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    yield p
    context.close()
    assert errors == []


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"web_{name}.png"), full_page=False)


def test_apply_reject_reload(served: tuple[WebServer, Path], page: Any) -> None:
    server, path = served
    with qc.Project.open(path) as proj:
        doc = proj.document("smg_interview_packaging_worker_en.txt")
    turn = next(t for t in doc.turns[2:] if len(t.text) > 60)
    start_at = turn.start + turn.text.index(" ") + 1  # from the second word ...
    end_at = start_at + 40
    while doc.text[end_at - 1].isspace():
        end_at -= 1

    page.goto(server.url)  # ?token=... sets the cookie and redirects to /
    assert "token" not in page.url
    page.wait_for_selector("#documents")
    shot(page, "documents")
    page.click(f"a.doc-link[href='/doc/{doc.id}']")
    page.wait_for_selector("body[data-ready=true]")

    # 1. select text and apply a code found by searching the codebook tree
    selected = page.evaluate(SELECT_JS, [start_at, end_at])
    assert selected == doc.text[start_at:end_at]
    assert "Selected" in page.inner_text("#selection-info")
    page.fill("#code-search", "no_osh")
    assert page.locator("#code-tree li.code-item:visible").count() >= 1
    page.press("#code-search", "Enter")
    page.wait_for_selector("#human-list li.mine")
    assert "no_osh" in page.inner_text("#human-list") or "safety" in page.inner_text(
        "#human-list").lower()
    assert page.locator("#transcript .seg.hl[title*='ana']").count() >= 1

    # 2. reject the first auto coding with the keyboard (j, then r)
    page.click("h1")  # focus the page, not the search box
    page.keyboard.press("j")
    focus = page.locator("#auto-list li.focus")
    key = focus.get_attribute("data-key")
    assert key
    page.keyboard.press("r")
    page.wait_for_selector(f"#auto-list li.status-reject[data-key='{key}']")
    shot(page, "transcript")

    # 3. reload: both changes are still there
    page.reload()
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator(f"#auto-list li.status-reject[data-key='{key}']").count() == 1
    assert page.locator("#human-list li.mine").count() == 1
    assert page.locator("#transcript .seg.hl[title*='rejected by you']").count() >= 1
    shot(page, "after_reload")

    # 4. ... and in the project file
    code, a_start, a_end, auto_coder = key.split("|")
    with qc.Project.open(path) as proj:
        mine = proj.codings(coder="ana")
        rejected = reviews.rejected_keys(proj, coders=["ana"])
    assert [(c.code, c.start, c.end, c.document) for c in mine] == [
        ("no_osh", start_at, end_at, doc.id)]
    assert (doc.id, code, int(a_start), int(a_end), reviews.auto_family(auto_coder)) in rejected

    # 5. accept the next pending auto coding with "a", then undo it with "u"
    page.click("h1")
    page.keyboard.press("n")
    page.keyboard.press("a")
    mine = page.locator("#human-list li.mine")
    sync_api.expect(mine).to_have_count(2)
    page.keyboard.press("u")
    sync_api.expect(mine).to_have_count(1)
    with qc.Project.open(path) as proj:
        assert len(proj.codings(coder="ana")) == 1

    # 6. adjust the span of the next pending auto coding to a selection ("s")
    page.keyboard.press("n")
    key = page.locator("#auto-list li.focus").get_attribute("data-key")
    code, a_start, a_end, _ = key.split("|")
    new_start = int(a_start) + 1
    while doc.text[new_start].isspace():  # the app trims white space at the edges
        new_start += 1
    page.evaluate(SELECT_JS, [new_start, int(a_end)])
    page.keyboard.press("s")
    sync_api.expect(page.locator("#auto-list li.status-adjust")).to_have_count(1)
    with qc.Project.open(path) as proj:
        adjusted = [c for c in proj.codings(coder="ana") if c.code == code]
    assert [(c.start, c.memo is not None and c.memo.startswith("adjusted auto:"))
            for c in adjusted] == [(new_start, True)]


def test_code_network_and_matrix_views(served: tuple[WebServer, Path], page: Any) -> None:
    server, _ = served
    page.goto(server.url)
    page.goto(server.base_url + "/code/low_piece_wage?kind=auto&context=1")
    count = int(page.inner_text("#excerpt-count"))
    assert count > 0 and page.locator("li.excerpt").count() == count
    shot(page, "code")
    page.goto(server.base_url + "/network?measure=count")
    frame = page.frame_locator("#network-frame")
    frame.locator("body[data-rendered=true]").wait_for()
    assert int(frame.locator("#node-count").inner_text()) > 1
    shot(page, "network")
    page.goto(server.base_url + "/matrix?attribute=site&count=documents")
    assert page.locator("#matrix tbody tr").count() > 1
    shot(page, "matrix")
