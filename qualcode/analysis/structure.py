"""Network structure: centrality, communities and the disparity-filter backbone."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["backbone", "centrality", "communities"]


def _positive(g: nx.Graph, weight: str) -> nx.Graph:
    """Copy of ``g`` keeping only edges with a positive ``weight``."""
    h = nx.Graph()
    h.add_nodes_from(g.nodes)
    h.add_edges_from((u, v, {weight: float(w)}) for u, v, w in g.edges(data=weight, default=1.0)
                     if w is not None and float(w) > 0)
    return h


def _eigenvector(h: nx.Graph, weight: str) -> dict[Any, float]:
    """Weighted eigenvector centrality, component by component.

    Each connected component's Perron vector is normalised to unit length
    and scaled by ``sqrt(size / n)`` (``n``: nodes with an edge), so the
    whole vector has unit length and a disconnected graph does not fail to
    converge. Isolated nodes get 0.
    """
    components = [c for c in nx.connected_components(h) if len(c) > 1]
    n = sum(len(c) for c in components)
    out: dict[Any, float] = dict.fromkeys(h.nodes, 0.0)
    for comp in components:
        nodes = list(comp)
        a = nx.to_numpy_array(h, nodelist=nodes, weight=weight)
        values, vectors = np.linalg.eigh(a)
        v = np.abs(vectors[:, int(np.argmax(values))])
        v = v / np.linalg.norm(v) * math.sqrt(len(nodes) / n)
        out.update(zip(nodes, v.tolist(), strict=True))
    return out


def centrality(g: nx.Graph, *, weight: str = "weight") -> pd.DataFrame:
    """Centrality of every node, sorted by weighted degree.

    Columns: ``degree`` (neighbours), ``weighted_degree`` (strength: the
    sum of edge weights), ``betweenness`` (normalised; shortest paths use
    ``1 / weight`` as the distance, so strong ties are short) and
    ``eigenvector`` (weighted; computed per connected component, see
    below). Edges whose weight is not positive (possible with PMI or a
    difference network) are ignored for betweenness and eigenvector.

    Eigenvector centrality is only defined per connected component; each
    component's vector is scaled by ``sqrt(component size / n)``, with ``n``
    the number of nodes that have edges, so scores are comparable across
    components and their squares sum to 1 (isolated nodes score 0).

    >>> G = nx.Graph([("a", "b", {"weight": 2.0}), ("b", "c", {"weight": 1.0})])
    >>> centrality(G)[["degree", "weighted_degree", "betweenness"]]
       degree  weighted_degree  betweenness
    b       2              3.0          1.0
    a       1              2.0          0.0
    c       1              1.0          0.0
    """
    nodes = list(g.nodes)
    if not nodes:
        return pd.DataFrame(columns=["degree", "weighted_degree", "betweenness", "eigenvector"])
    h = _positive(g, weight)
    for _, _, data in h.edges(data=True):
        data["distance"] = 1.0 / data[weight]
    betweenness = nx.betweenness_centrality(h, weight="distance", normalized=True)
    eigen = _eigenvector(h, weight)
    frame = pd.DataFrame(
        {
            "degree": [g.degree(n) for n in nodes],
            "weighted_degree": [float(g.degree(n, weight=weight)) for n in nodes],
            "betweenness": [betweenness[n] for n in nodes],
            "eigenvector": [eigen[n] for n in nodes],
        },
        index=pd.Index(nodes),
    )
    return frame.sort_values("weighted_degree", ascending=False, kind="stable")


def communities(
    g: nx.Graph, *, seed: int = 42, resolution: float = 1.0, weight: str = "weight"
) -> list[set[Any]]:
    """Louvain communities; sets node attribute ``community`` (0 = largest).

    Uses :func:`networkx.community.louvain_communities` on the edges with a
    positive weight; the fixed ``seed`` makes the result reproducible.
    Communities are ordered by size, then by their smallest node name.

    >>> G = nx.Graph([("a", "b"), ("b", "c"), ("a", "c"), ("x", "y")])
    >>> [sorted(c) for c in communities(G)]
    [['a', 'b', 'c'], ['x', 'y']]
    >>> G.nodes["x"]["community"]
    1
    """
    h = _positive(g, weight)
    found = nx.community.louvain_communities(h, weight=weight, resolution=resolution, seed=seed)
    ordered = sorted((set(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))
    for index, members in enumerate(ordered):
        for node in members:
            g.nodes[node]["community"] = index
    return ordered


def backbone(g: nx.Graph, *, alpha: float = 0.05, weight: str = "weight") -> nx.Graph:
    r"""Disparity-filter backbone (Serrano, Boguñá & Vespignani 2009).

    For a node ``i`` of degree ``k_i > 1`` and strength ``s_i``, an edge
    with weight ``w_ij`` takes the share ``p_ij = w_ij / s_i`` of the node's
    strength. Under the null hypothesis that the strength is split at
    random among the ``k_i`` edges, the probability of a share at least
    this large is

    .. math:: \alpha_{ij} = (1 - p_{ij})^{k_i - 1}

    An edge is kept when it is significant for at least one of its ends:
    ``min(alpha_ij, alpha_ji) < alpha``. From a node of degree 1 an edge is
    never significant (``alpha = 1``), so such an edge survives only if it
    matters to its other end. Nodes are all kept; the kept edges get
    attribute ``alpha`` (the smaller of the two). Weights must be positive
    (use ``weight="count"`` for PMI or difference networks).

    Reference: Serrano, M. Á., Boguñá, M. & Vespignani, A. (2009).
    Extracting the multiscale backbone of complex weighted networks.
    *PNAS*, 106(16), 6483–6488. https://doi.org/10.1073/pnas.0808904106

    A star with one strong edge: at the centre (k=3, s=10) the shares are
    0.8, 0.1, 0.1, so alpha = 0.2² = 0.04 for the strong edge and
    0.9² = 0.81 for the others:

    >>> G = nx.Graph([("c", "a", {"weight": 8}), ("c", "b", {"weight": 1}),
    ...               ("c", "d", {"weight": 1})])
    >>> B = backbone(G, alpha=0.05)
    >>> [(u, v, round(a, 6)) for u, v, a in B.edges(data="alpha")]
    [('c', 'a', 0.04)]
    """
    if not 0 < alpha <= 1:
        raise InputError(f"alpha must be in (0, 1], got {alpha!r}")
    for u, v, w in g.edges(data=weight):
        if w is None or not float(w) > 0:
            raise InputError(
                f"the disparity filter needs positive weights; edge {u!r}–{v!r} has "
                f"{weight}={w!r} (try weight='count')"
            )
    strength = dict(g.degree(weight=weight))
    degree = dict(g.degree())

    def significance(node: Any, w: float) -> float:
        k = degree[node]
        if k < 2:
            return 1.0
        return float((1.0 - w / strength[node]) ** (k - 1))

    out = nx.Graph()
    out.graph.update(g.graph)
    out.add_nodes_from(g.nodes(data=True))
    for u, v, data in g.edges(data=True):
        w = float(data[weight])
        a = min(significance(u, w), significance(v, w))
        if a < alpha:
            out.add_edge(u, v, **data, alpha=a)
    return out
