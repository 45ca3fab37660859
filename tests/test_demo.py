"""`qualcode demo` end to end on the bundled synthetic transcripts and codebooks."""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from qualcode.demo import run_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    run_demo(out)
    return out


def test_documents_and_codings(demo: Path) -> None:
    docs = pd.read_csv(demo / "tables" / "documents.csv")
    assert len(docs) == 13
    assert set(docs["site"]) == {"North Jakarta", "Kediri", "Semarang"}
    assert (docs["words"] >= 1500).all()
    freq = pd.read_csv(demo / "tables" / "code_frequencies.csv")
    assert set(freq["codebook"]) == {"barriers", "advocacy", "power_cube", "empowerment"}
    # every bundled code fires somewhere in the bundled corpus
    assert len(freq) == 47
    by_role = pd.read_csv(demo / "tables" / "code_frequencies_by_role.csv")
    assert set(by_role["role"]) == {"participant"}  # questions are not evidence


def test_barrier_strategy_network(demo: Path) -> None:
    g = nx.read_gexf(demo / "networks" / "barriers_strategies.gexf")
    sides = nx.get_node_attributes(g, "bipartite")
    assert set(sides.values()) == {0, 1}
    assert all(sides[a] != sides[b] for a, b in g.edges())
    links = pd.read_csv(demo / "tables" / "barrier_strategy_links.csv")
    pairs = {frozenset(p) for p in links.head(12)[["code_a", "code_b"]].itertuples(index=False)}
    # the strategy answering each barrier is among the strongest links
    assert frozenset({"no_social_protection", "social_security_access"}) in pairs
    assert frozenset({"data_invisibility", "data_mapping"}) in pairs
    assert (links["q"] <= 1).all() and (links["count"] >= 2).all()
    for ext in ("graphml", "json", "png", "svg", "html"):
        assert (demo / "networks" / f"barriers_strategies.{ext}").stat().st_size > 1000


def test_power_cube_and_index(demo: Path) -> None:
    cells = pd.read_csv(demo / "tables" / "power_cube_cells.csv")
    assert cells["count"].sum() > 100
    assert (demo / "figures" / "power_cube_heatmap.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    index = (demo / "index.html").read_text(encoding="utf-8")
    assert "synthetic" in index
    links = re.findall(r'href="([^"]+)"', index)
    folders = ("tables", "networks", "figures", "reports")
    produced = {p.relative_to(demo).as_posix() for sub in folders
                for p in (demo / sub).iterdir()}
    assert set(links) == produced  # every output is linked, every link exists
