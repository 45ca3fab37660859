"""The interactive HTML network opened in headless Chromium (Debian's ``chromium``).

Skips when Chromium is not installed. The screenshot is kept as a test
artifact in ``tests/artifacts/network.png``.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import qualcode as qc
from qualcode.analysis import cooccurrence_network, write_network

ARTIFACTS = Path(__file__).parent / "artifacts"
TIMEOUT = 60


def chromium() -> str:
    for candidate in ("/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    pytest.skip("chromium not installed (apt-get install chromium)")


def run_chromium(binary: str, profile: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", f"--user-data-dir={profile}", *args,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, int]:
    doc = qc.parse_transcript(
        b"R: No contract and low pay. We formed a group.\n"
        b"P2: No contract. The union helped us negotiate.\n"
        b"R: Low pay, so we negotiated with the middleman.\n"
        b"P2: Again no contract, again low wages.",
        name="fgd.txt")

    def c(code: str, text: str) -> qc.Coding:
        s = doc.text.index(text)
        return qc.Coding(doc.id, code, s, s + len(text))

    cs = [c("no_contract", "No contract and"), c("low_pay", "low pay"),
          c("form_group", "formed a group"), c("no_contract", "No contract."),
          c("union", "union helped"), c("negotiate", "negotiate"),
          c("low_pay", "Low pay, so"), c("negotiate", "negotiated with"),
          c("no_contract", "no contract,"), c("low_pay", "low wages")]
    g = cooccurrence_network(cs, documents=[doc], measure="count")
    path = tmp_path_factory.mktemp("html") / "network.html"
    write_network(g, path, title="Barriers and strategies",
                  excerpts={"low_pay": ["No contract and low pay."]})
    return path, g.number_of_nodes(), g.number_of_edges()


def test_renders_with_expected_node_count(page: tuple[Path, int, int], tmp_path: Path) -> None:
    binary = chromium()
    path, n_nodes, n_edges = page
    result = run_chromium(binary, tmp_path / "profile", "--dump-dom", path.as_uri())
    dom = result.stdout
    assert 'data-rendered="true"' in dom, result.stderr[-2000:]
    count = re.search(r'<span id="node-count">(\d+)</span>', dom)
    assert count is not None and int(count.group(1)) == n_nodes == 5
    edges = re.search(r'<span id="edge-count">(\d+)</span>', dom)
    assert edges is not None and int(edges.group(1)) == n_edges


def test_screenshot_artifact(page: tuple[Path, int, int], tmp_path: Path) -> None:
    binary = chromium()
    path, _, _ = page
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "network.png"
    shot.unlink(missing_ok=True)
    result = run_chromium(binary, tmp_path / "profile", f"--screenshot={shot}",
                          "--window-size=1200,900", "--hide-scrollbars", path.as_uri())
    assert shot.exists(), result.stderr[-2000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000  # a drawn network, not a blank page


def test_weight_filter_from_the_link(page: tuple[Path, int, int], tmp_path: Path) -> None:
    binary = chromium()
    path, _, _ = page
    result = run_chromium(binary, tmp_path / "profile", "--dump-dom", path.as_uri() + "#min=2")
    edges = re.search(r'<span id="edge-count">(\d+)</span>', result.stdout)
    assert 'data-rendered="true"' in result.stdout
    assert edges is not None and int(edges.group(1)) == 1  # only no_contract–low_pay has 2
