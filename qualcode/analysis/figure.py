"""Static network figures with matplotlib (imported only when drawing)."""

from __future__ import annotations

import math
import textwrap
from typing import TYPE_CHECKING, Any

import networkx as nx

from ..errors import InputError
from .network import PALETTE

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["layout", "network_figure", "node_colors"]


def layout(
    g: nx.Graph, *, seed: int = 42, weight: str = "weight"
) -> dict[Any, tuple[float, float]]:
    """Deterministic layout in [-1, 1]²: spring layout per connected component.

    Each component with edges gets its own spring layout (fixed ``seed``),
    scaled by the square root of its size, and the components are packed
    in rows, largest first; isolated nodes are set out in a grid beneath,
    so they neither crowd the picture nor push the network into a corner.
    Edge weights pull nodes together when they are all positive; otherwise
    (PMI, difference networks) the layout ignores them.
    """
    if g.number_of_nodes() == 0:
        return {}
    weights = [w for _, _, w in g.edges(data=weight)]
    use = weight if weights and all(isinstance(w, (int, float)) and w > 0 for w in weights) \
        else None
    components = sorted((sorted(c, key=str) for c in nx.connected_components(g)),
                        key=lambda c: (-len(c), str(c[0])))
    linked = [c for c in components if len(c) > 1]
    alone = [c[0] for c in components if len(c) == 1]
    boxes: list[tuple[list[Any], dict[Any, tuple[float, float]], float]] = []
    for comp in linked:
        sub = g.subgraph(comp)
        raw = nx.spring_layout(sub, seed=seed, weight=use, k=2.0 / math.sqrt(len(comp)),
                               iterations=200)
        xs = [float(p[0]) for p in raw.values()]
        ys = [float(p[1]) for p in raw.values()]
        cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
        # fill the box, stretching a long thin component at most threefold
        half_x = max(max(xs) - min(xs), 1e-9) / 2
        half_y = max(max(ys) - min(ys), 1e-9) / 2
        half_x, half_y = max(half_x, half_y / 3), max(half_y, half_x / 3)
        size = math.sqrt(len(comp))
        boxes.append((comp, {n: ((float(p[0]) - cx) / half_x * size / 2,
                                 (float(p[1]) - cy) / half_y * size / 2)
                             for n, p in raw.items()}, size))
    pos: dict[Any, tuple[float, float]] = {}
    row_width = max([boxes[0][2] * 1.2] if boxes else [0.0]) + \
        math.sqrt(sum(b[2] ** 2 for b in boxes[1:]))
    x = y = row_height = 0.0
    for comp, local, size in boxes:
        if x > 0 and x + size > row_width:
            x, y, row_height = 0.0, y - row_height - 0.4, 0.0
        for n in comp:
            pos[n] = (x + size / 2 + local[n][0], y - size / 2 + local[n][1])
        x += size + 0.4
        row_height = max(row_height, size)
    if alone:
        width = max(row_width, 1.0)
        per_row = max(1, int(width / 1.2) + 1)
        top = y - row_height - (0.8 if boxes else 0.0)
        for i, n in enumerate(alone):
            pos[n] = ((i % per_row) * 1.2, top - (i // per_row) * 0.8)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    half = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9) / 2
    return {n: ((px - cx) / half, (py - cy) / half) for n, (px, py) in pos.items()}


def node_colors(g: nx.Graph, *, by: str = "auto") -> dict[Any, str]:
    """The colour to draw each node in.

    ``by="color"``: the node's ``color`` attribute (from the codebook), else a
    palette colour by ``group``; ``by="group"``: one palette colour per
    group; ``by="auto"`` (default): node colours when every group is one
    colour (so a legend by group is truthful), otherwise group colours.
    """
    if by not in ("auto", "color", "group"):
        raise InputError(f"unknown colour scheme {by!r}; expected auto, color or group")
    groups = list(dict.fromkeys(str(g.nodes[n].get("group", "")) for n in g.nodes))
    by_group = {grp: PALETTE[i % len(PALETTE)] for i, grp in enumerate(groups)}
    own = {n: str(d.get("color") or by_group[str(d.get("group", ""))])
           for n, d in g.nodes(data=True)}
    if by == "auto":
        shades: dict[str, set[str]] = {}
        for n, d in g.nodes(data=True):
            shades.setdefault(str(d.get("group", "")), set()).add(own[n])
        by = "color" if all(len(v) == 1 for v in shades.values()) else "group"
    if by == "color":
        return own
    return {n: by_group[str(d.get("group", ""))] for n, d in g.nodes(data=True)}


def wrap_label(text: str, width: int = 18) -> str:
    """Break a long label into lines of about ``width`` characters.

    >>> wrap_label("Negotiation with employers and intermediaries")
    'Negotiation with\\nemployers and\\nintermediaries'
    """
    return "\n".join(textwrap.wrap(text, width=width, break_long_words=False)) or text


def network_figure(
    g: nx.Graph,
    *,
    title: str | None = None,
    seed: int = 42,
    weight: str = "weight",
    size_by: str = "frequency",
    color_by: str = "auto",
    figsize: tuple[float, float] = (11.0, 8.5),
    positions: dict[Any, tuple[float, float]] | None = None,
) -> Figure:
    """Draw a network: node size by ``size_by``, colour by colour/group
    (``color_by``, see :func:`node_colors`),
    edge width by ``|weight|`` (red for negative weights), labels with a
    white halo, a legend by group and a title.

    Returns a :class:`matplotlib.figure.Figure` built without pyplot, so
    nothing global changes; save it with ``fig.savefig(path)``.
    """
    try:
        from matplotlib import patheffects
        from matplotlib.collections import LineCollection
        from matplotlib.figure import Figure
        from matplotlib.lines import Line2D
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise InputError("figures need matplotlib: pip install matplotlib") from e

    pos = positions if positions is not None else layout(g, seed=seed, weight=weight)
    fig = Figure(figsize=figsize, layout="constrained")
    ax = fig.add_subplot()
    ax.set_axis_off()
    nodes = list(g.nodes)
    colors = node_colors(g, by=color_by)
    if title is None:
        unit, measure = g.graph.get("unit"), g.graph.get("measure")
        title = "Code co-occurrence network"
        if unit or measure:
            title += f" ({', '.join(str(x) for x in (unit, measure) if x)})"
    ax.set_title(title, fontsize=14)
    if not nodes:
        return fig

    edges = list(g.edges(data=weight, default=1.0))
    if edges:
        magnitude = [abs(float(w or 0.0)) for _, _, w in edges]
        top = max(magnitude) or 1.0
        segments = [(pos[u], pos[v]) for u, v, _ in edges]
        widths = [0.4 + 5.6 * m / top for m in magnitude]
        edge_colors = ["#c0392b" if float(w or 0.0) < 0 else "#555555" for _, _, w in edges]
        ax.add_collection(LineCollection(segments, linewidths=widths, colors=edge_colors,
                                         alpha=0.45, zorder=1))

    sizes_raw = [float(g.nodes[n].get(size_by, 1) or 0) for n in nodes]
    biggest = max(sizes_raw) or 1.0
    sizes = [60 + 900 * math.sqrt(s / biggest) for s in sizes_raw]
    xs = [pos[n][0] for n in nodes]
    ys = [pos[n][1] for n in nodes]
    ax.scatter(xs, ys, s=sizes, c=[colors[n] for n in nodes], edgecolors="white",
               linewidths=1.2, zorder=2)
    halo = [patheffects.withStroke(linewidth=3, foreground="white")]
    fontsize = 10 if len(nodes) <= 40 else 8 if len(nodes) <= 120 else 6
    for n, x, y, size in zip(nodes, xs, ys, sizes, strict=True):
        # below the node, so that small nodes stay visible
        ax.annotate(wrap_label(str(g.nodes[n].get("label", n))), (x, y),
                    xytext=(0, -(math.sqrt(size) / 2 + 1.5)), textcoords="offset points",
                    fontsize=fontsize, ha="center", va="top", linespacing=0.95, zorder=3,
                    path_effects=halo)
    pad = 0.18
    ax.set_xlim(min(xs) - pad, max(xs) + pad)
    ax.set_ylim(min(ys) - pad, max(ys) + pad)

    groups: dict[str, str] = {}
    for n in nodes:
        groups.setdefault(str(g.nodes[n].get("group", "")), colors[n])
    if len(groups) > 1 or not set(groups) <= {"", "(none)"}:
        handles = [Line2D([], [], marker="o", linestyle="", markersize=10, color=c,
                          label=grp.replace("_", " ") or "(none)")
                   for grp, c in groups.items()]
        ax.legend(handles=handles, title="group", loc="upper left", bbox_to_anchor=(1.0, 1.0),
                  frameon=False)
    return fig
