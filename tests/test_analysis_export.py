"""Network exports are read back and compared; figures and HTML are valid."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest

import qualcode as qc
from qualcode.analysis import (
    cooccurrence_network,
    network_html,
    read_network,
    write_html,
    write_network,
)
from qualcode.analysis.export import portable

BOOK = qc.Codebook("barriers", codes=(
    qc.Code("economic", color="#336699"), qc.Code("no_contract", parent="economic"),
    qc.Code("low_pay", parent="economic"), qc.Code("fear"), qc.Code("group"),
))


def network() -> nx.Graph:
    d = qc.parse_transcript(
        b"R: No contract and low pay, we are afraid </script>.\n"
        b"P: Low pay. The group & the union.\nR: No contract, the group.",
        name="x.txt")
    def c(name: str, text: str, nth: int = 0) -> qc.Coding:
        s = -1
        for _ in range(nth + 1):
            s = d.text.index(text, s + 1)
        return qc.Coding(d.id, name, s, s + len(text))
    cs = [c("no_contract", "No contract"), c("low_pay", "low pay"), c("fear", "afraid"),
          c("low_pay", "Low pay"), c("group", "group &"), c("no_contract", "No contract", 1),
          c("group", "group.")]
    return cooccurrence_network(cs, documents=[d], codebooks=BOOK, measure="association")


@pytest.fixture(scope="module")
def graph() -> nx.Graph:
    return network()


def same_graph(a: nx.Graph, b: nx.Graph, *, approx: bool = False) -> None:
    assert set(map(str, a.nodes)) == set(b.nodes)
    assert {frozenset(map(str, e)) for e in a.edges} == {frozenset(e) for e in b.edges}
    pa = portable(a)
    for n, data in pa.nodes(data=True):
        for key, value in data.items():
            got = b.nodes[n][key]
            if isinstance(value, float):
                assert math.isclose(float(got), value, rel_tol=1e-9), (n, key)
            else:
                assert got == value, (n, key, got, value)
            if not approx:
                assert type(got) is type(value), (n, key, type(got), type(value))
    for u, v, data in pa.edges(data=True):
        for key, value in data.items():
            got = b.edges[u, v][key]
            if isinstance(value, float):
                assert math.isclose(float(got), value, rel_tol=1e-9), (u, v, key)
            else:
                assert got == value, (u, v, key)


def test_graph_fixture(graph: nx.Graph) -> None:
    assert graph.number_of_nodes() == 4 and graph.number_of_edges() >= 3


@pytest.mark.parametrize("ext", [".gexf", ".graphml", ".json"])
def test_round_trip_with_networkx(graph: nx.Graph, tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"net{ext}"
    assert write_network(graph, path) == [path]
    if ext == ".gexf":
        raw = nx.read_gexf(path)
    elif ext == ".graphml":
        raw = nx.read_graphml(path)
    else:
        raw = nx.node_link_graph(json.loads(path.read_text()), edges="edges")
    for g in (raw, read_network(path)):
        same_graph(graph, g)
    back = read_network(path)
    assert "viz" not in back.nodes["fear"] and "id" not in next(iter(back.edges(data=True)))[2]
    if ext != ".gexf":  # GEXF has no graph attributes
        assert back.graph["unit"] == "turn" and back.graph["N"] == graph.graph["N"]


def test_gexf_has_typed_attributes_and_viz(graph: nx.Graph, tmp_path: Path) -> None:
    path = write_network(graph, tmp_path / "net.gexf")[0]
    text = path.read_text()
    assert re.search(r'title="frequency" type="(long|integer)"', text)
    assert 'title="p" type="double"' in text
    assert "<viz:color" in text or "viz:color" in text


def test_csv_nodes_and_edges(graph: nx.Graph, tmp_path: Path) -> None:
    paths = write_network(graph, tmp_path / "net.csv")
    assert [p.name for p in paths] == ["net_nodes.csv", "net_edges.csv"]
    nodes = pd.read_csv(paths[0])
    edges = pd.read_csv(paths[1])
    assert set(nodes["id"]) == set(graph.nodes)
    assert len(edges) == graph.number_of_edges()
    for row in edges.itertuples():
        assert row.weight == pytest.approx(graph.edges[row.source, row.target]["weight"])
        assert row.count == graph.edges[row.source, row.target]["count"]
    for row in nodes.itertuples():
        assert row.frequency == graph.nodes[row.id]["frequency"]
    same_graph(graph, read_network(tmp_path / "net.csv"), approx=True)


def test_png_and_svg(graph: nx.Graph, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    from lxml import etree

    png = write_network(graph, tmp_path / "net.png", title="Barriers")[0]
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 10_000
    svg = write_network(graph, tmp_path / "net.svg")[0]
    root = etree.parse(str(svg)).getroot()
    assert root.tag.endswith("svg")
    assert len(svg.read_bytes()) > 5_000


def test_html_is_self_contained_and_escaped(graph: nx.Graph, tmp_path: Path) -> None:
    excerpts = {"fear": ["we are afraid </script><script>alert(1)</script>"]}
    path = write_network(graph, tmp_path / "net.html", excerpts=excerpts)[0]
    page = path.read_text()
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)\s*=", page, re.I)
    assert "http://" not in page and "https://" not in page
    assert page.count("</script>") == 2  # the data block and the code, nothing injected
    assert "alert(1)" in page  # escaped inside the JSON, not executable
    assert 'id="node-count"' in page and "qualcodeGraph" in page
    data = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', page,
                     re.S)
    assert data is not None
    payload = json.loads(data.group(1))
    assert len(payload["nodes"]) == graph.number_of_nodes()
    assert len(payload["edges"]) == graph.number_of_edges()
    fear = next(n for n in payload["nodes"] if n["id"] == "fear")
    assert fear["excerpts"] == excerpts["fear"]
    assert write_html(graph, tmp_path / "again.html").read_text() == network_html(graph)


def test_html_layout_is_deterministic(graph: nx.Graph) -> None:
    assert network_html(graph, seed=1) == network_html(graph, seed=1)


def test_atomic_write_leaves_no_partial_file(graph: nx.Graph, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "net.graphml"
    target.write_text("old")

    def boom(*args: object, **kwargs: object) -> None:
        Path(str(args[1])).write_text("half")
        raise OSError("disk full")

    monkeypatch.setattr(nx, "write_graphml", boom)
    with pytest.raises(OSError, match="disk full"):
        write_network(graph, target)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["net.graphml"]


def test_unsupported_extension_and_missing_file(graph: nx.Graph, tmp_path: Path) -> None:
    with pytest.raises(qc.UnsupportedFormatError):
        write_network(graph, tmp_path / "net.xlsx")
    with pytest.raises(qc.UnsupportedFormatError):
        read_network(tmp_path / "net.png")
    with pytest.raises(qc.MissingFileError):
        read_network(tmp_path / "nope.gexf")


def test_portable_converts_numpy_none_and_mixed_types() -> None:
    g = nx.Graph()
    g.add_node("a", x=np.int64(3), y=None, z=[1, 2], w=1)
    g.add_node("b", x=2, w=2.5)
    g.add_edge("a", "b", weight=np.float32(0.5))
    h = portable(g)
    assert h.nodes["a"] == {"x": 3, "y": "", "z": "[1, 2]", "w": 1.0}
    assert type(h.nodes["a"]["x"]) is int and type(h.nodes["b"]["w"]) is float
    assert type(h.edges["a", "b"]["weight"]) is float
