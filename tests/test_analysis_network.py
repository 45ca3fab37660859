"""Networks: attributes, bipartite, projections, centrality, communities, backbone."""

from __future__ import annotations

import math

import networkx as nx
import pytest

import qualcode as qc
from qualcode.analysis import (
    MEASURES,
    backbone,
    bipartite_network,
    centrality,
    communities,
    cooccurrence_network,
    difference_network,
    projections,
)

TEXT = (
    b"I: What are the problems?\n"
    b"R: No contract and low pay. We formed a group.\n"
    b"P2: No contract here too. The union helped us.\n"
    b"I: Anything else?\n"
    b"R: Low pay again, and we negotiated."
)

BARRIERS = qc.Codebook("barriers", codes=(
    qc.Code("economic"), qc.Code("no_contract", parent="economic", color="#aa0000"),
    qc.Code("low_pay", parent="economic"),
))
ADVOCACY = qc.Codebook("advocacy", codes=(
    qc.Code("organising"), qc.Code("form_group", parent="organising"),
    qc.Code("union", parent="organising"), qc.Code("negotiate"),
))


def _c(doc: qc.Document, code: str, text: str, nth: int = 0) -> qc.Coding:
    start = -1
    for _ in range(nth + 1):
        start = doc.text.index(text, start + 1)
    return qc.Coding(doc.id, code, start, start + len(text))


@pytest.fixture
def data() -> tuple[qc.Document, list[qc.Coding]]:
    doc = qc.parse_transcript(TEXT, name="fgd.txt")
    doc = qc.Document(name=doc.name, text=doc.text, turns=doc.turns,
                      attributes={"site": "Kediri", "group_type": "FGD"})
    cs = [
        _c(doc, "no_contract", "No contract", 0),  # R turn 1
        _c(doc, "low_pay", "low pay"),  # R turn 1
        _c(doc, "form_group", "formed a group"),  # R turn 1
        _c(doc, "no_contract", "No contract", 1),  # P2 turn 2
        _c(doc, "union", "union helped"),  # P2 turn 2
        _c(doc, "low_pay", "Low pay again"),  # R turn 4
        _c(doc, "negotiate", "negotiated"),  # R turn 4
    ]
    return doc, cs


def test_node_and_edge_attributes(data: tuple) -> None:
    doc, cs = data
    g = cooccurrence_network(cs, documents=[doc], codebooks=[BARRIERS, ADVOCACY],
                             measure="jaccard")
    assert set(g.nodes) == {"no_contract", "low_pay", "form_group", "union", "negotiate"}
    nc = g.nodes["no_contract"]
    assert nc["frequency"] == 2 and nc["units"] == 2 and nc["documents"] == 1
    assert nc["participants"] == 2  # R and P2
    assert g.nodes["low_pay"]["participants"] == 1
    assert nc["codebook"] == "barriers" and nc["group"] == "barriers"  # two codebooks
    assert nc["parent"] == "economic" and nc["color"] == "#aa0000"
    assert g.nodes["union"]["color"].startswith("#")
    assert g.nodes["form_group"]["label"] == "form group"
    e = g.edges["no_contract", "low_pay"]
    assert e["count"] == 1
    assert e["weight"] == pytest.approx(1 / (2 + 2 - 1))
    assert set(e) >= {"count", "weight", "p", "q", *MEASURES}
    assert g.graph["unit"] == "turn" and g.graph["measure"] == "jaccard" and g.graph["N"] == 5


def test_participants_counted_the_same_for_every_unit(data: tuple) -> None:
    doc, cs = data
    expected = {n: d["participants"] for n, d in
                cooccurrence_network(cs, documents=[doc], unit="participant").nodes(data=True)}
    for unit in ("turn", "sentence", "document"):
        g = cooccurrence_network(cs, documents=[doc], unit=unit)
        assert dict(g.nodes(data="participants")) == expected, unit


def test_group_by_top_level_code(data: tuple) -> None:
    doc, cs = data
    g = cooccurrence_network(cs, documents=[doc], codebooks=[ADVOCACY], codes=ADVOCACY)
    assert g.nodes["form_group"]["group"] == "organising"
    assert g.nodes["negotiate"]["group"] == "negotiate"
    assert g.nodes["form_group"]["color"] == g.nodes["union"]["color"]


def test_min_count_and_isolates(data: tuple) -> None:
    doc, cs = data
    g = cooccurrence_network(cs, documents=[doc], min_count=2)
    assert g.number_of_edges() == 0 and g.number_of_nodes() == 5
    g = cooccurrence_network(cs, documents=[doc], min_count=2, isolates=False)
    assert g.number_of_nodes() == 0


def test_network_without_documents_has_no_participants() -> None:
    cs = [qc.Coding("d1", "a", 0, 5), qc.Coding("d1", "b", 2, 8)]
    g = cooccurrence_network(cs, unit="overlap")
    assert "participants" not in g.nodes["a"] and g.edges["a", "b"]["count"] == 1


def test_bipartite_edges_only_cross_sides(data: tuple) -> None:
    doc, cs = data
    b = bipartite_network(cs, documents=[doc], left=BARRIERS, right=ADVOCACY)
    left = {n for n, s in b.nodes(data="bipartite") if s == 0}
    right = {n for n, s in b.nodes(data="bipartite") if s == 1}
    assert left == {"no_contract", "low_pay"}
    assert right == {"form_group", "union", "negotiate"}
    assert b.number_of_edges() > 0
    for u, v in b.edges:
        assert (u in left) != (v in left)
    assert not b.has_edge("no_contract", "low_pay")  # they co-occur, but on the same side
    assert b.edges["low_pay", "negotiate"]["count"] == 1
    assert b.nodes["union"]["group"] == "advocacy"
    assert nx.is_bipartite(b)


def test_bipartite_with_code_lists_and_overlap_error(data: tuple) -> None:
    doc, cs = data
    b = bipartite_network(cs, documents=[doc], left=["no_contract"], right=["union", "negotiate"])
    assert list(b.edges) == [("no_contract", "union")]
    with pytest.raises(qc.InputError, match="both sides"):
        bipartite_network(cs, documents=[doc], left=["union"], right=["union"])


def test_projections(data: tuple) -> None:
    doc, cs = data
    b = bipartite_network(cs, documents=[doc], left=BARRIERS, right=ADVOCACY)
    barriers, strategies = projections(b)
    assert set(barriers) == {"no_contract", "low_pay"}
    # both barriers co-occur with form_group -> one shared neighbour
    assert barriers.edges["no_contract", "low_pay"]["weight"] == 1
    assert set(strategies) == {"form_group", "union", "negotiate"}
    assert strategies.edges["form_group", "union"]["weight"] == 1  # via no_contract
    assert barriers.nodes["low_pay"]["frequency"] == 2


def test_centrality_columns_and_disconnected_graph() -> None:
    g = nx.Graph()
    g.add_edge("a", "b", weight=2.0)
    g.add_edge("b", "c", weight=1.0)
    g.add_edge("x", "y", weight=5.0)
    g.add_node("lonely")
    c = centrality(g)
    assert list(c.columns) == ["degree", "weighted_degree", "betweenness", "eigenvector"]
    assert c.loc["b", "degree"] == 2 and c.loc["b", "weighted_degree"] == 3.0
    assert c.loc["lonely", "eigenvector"] == 0.0
    assert math.isclose(float((c.eigenvector ** 2).sum()), 1.0)
    betweenness = c["betweenness"].to_dict()
    assert betweenness["b"] > 0 and betweenness["a"] == 0
    assert c.index[0] == "x" or c.loc["x", "weighted_degree"] == 5.0


def test_betweenness_uses_inverse_weight_as_distance() -> None:
    # a-b-c strong path vs a-c weak direct edge: shortest a->c goes through b
    g = nx.Graph([("a", "b", {"weight": 10.0}), ("b", "c", {"weight": 10.0}),
                  ("a", "c", {"weight": 1.0})])
    assert centrality(g).loc["b", "betweenness"] == 1.0


def test_communities_deterministic_with_seed() -> None:
    g = nx.planted_partition_graph(4, 8, 0.8, 0.05, seed=3)
    g = nx.relabel_nodes(g, {n: f"code{n}" for n in g})
    first = communities(g.copy(), seed=7)
    for _ in range(3):
        assert communities(g.copy(), seed=7) == first
    communities(g, seed=7)
    assert {g.nodes[n]["community"] for n in g} == set(range(len(first)))
    assert sorted(len(c) for c in first) == [8, 8, 8, 8]


def test_backbone_hand_computed() -> None:
    # edges a-b 7, a-d 2, a-c 1, b-c 1; alpha_ij = (1 - w_ij / s_i) ** (k_i - 1)
    # node a: k=3, s=10: shares .7 .2 .1 -> alpha .3**2=.09, .8**2=.64, .9**2=.81
    # node b: k=2, s=8 : a-b 7/8 -> 1/8 = .125; b-c 1/8 -> 7/8 = .875
    # node c: k=2, s=2 : a-c, b-c share .5 -> .5
    # node d: k=1      : never significant from d (alpha 1)
    # per edge (smaller end): a-b .09, a-c .5, a-d .64, b-c .5
    g = nx.Graph()
    g.add_edge("a", "b", weight=7)
    g.add_edge("a", "c", weight=1)
    g.add_edge("a", "d", weight=2)
    g.add_edge("b", "c", weight=1)

    def kept(alpha: float) -> set[frozenset[str]]:
        return set(map(frozenset, backbone(g, alpha=alpha).edges))

    assert kept(0.05) == set()
    assert kept(0.1) == {frozenset("ab")}
    assert kept(0.13) == {frozenset("ab")}
    assert kept(0.55) == {frozenset("ab"), frozenset("ac"), frozenset("bc")}
    assert kept(0.7) == {frozenset("ab"), frozenset("ac"), frozenset("bc"), frozenset("ad")}
    b = backbone(g, alpha=0.7)
    assert b.edges["a", "b"]["alpha"] == pytest.approx(0.09)
    assert b.edges["a", "d"]["alpha"] == pytest.approx(0.64)
    assert b.edges["a", "c"]["alpha"] == pytest.approx(0.5)
    assert b.edges["a", "b"]["weight"] == 7
    assert set(backbone(g, alpha=0.05).nodes) == set(g.nodes)


def test_backbone_rejects_non_positive_weights() -> None:
    g = nx.Graph([("a", "b", {"weight": -1.0})])
    with pytest.raises(qc.InputError, match="positive"):
        backbone(g)


def test_difference_network() -> None:
    a1 = qc.Document(name="a1", text="x" * 30, attributes={"group_type": "FGD"})
    a2 = qc.Document(name="a2", text="y" * 30, attributes={"group_type": "FGD"})
    b1 = qc.Document(name="b1", text="z" * 30, attributes={"group_type": "interview"})
    cs = [qc.Coding(a1.id, "p", 0, 5), qc.Coding(a1.id, "q", 6, 9),
          qc.Coding(a2.id, "p", 0, 5), qc.Coding(b1.id, "p", 0, 5),
          qc.Coding(b1.id, "r", 9, 12)]
    g = difference_network(cs, documents=[a1, a2, b1], unit="document", measure="jaccard",
                           where_a={"group_type": "FGD"}, where_b={"group_type": "interview"})
    pq, pr = g.edges["p", "q"], g.edges["p", "r"]
    assert pq["weight_a"] == pytest.approx(0.5) and pq["weight_b"] == 0.0
    assert pq["weight"] == pytest.approx(0.5) and pq["count_a"] == 1 and pq["count_b"] == 0
    assert pr["weight"] == pytest.approx(-1.0)
    assert g.nodes["p"]["frequency_a"] == 2 and g.nodes["p"]["frequency_b"] == 1
    assert g.graph["N_a"] == 2 and g.graph["N_b"] == 1
    with pytest.raises(qc.InputError, match="npmi"):
        difference_network(cs, documents=[a1, a2, b1], unit="document", measure="pmi",
                           where_a={"group_type": "FGD"}, where_b={"group_type": "interview"})
