"""Writing and reading networks: GEXF, GraphML, JSON, CSV, PNG, SVG, HTML.

Every writer writes to a temporary file beside the target and renames it
into place, so an interrupted export never leaves a half-written file.
Attributes are made portable first: numpy numbers become Python numbers,
``None`` becomes ``""``, lists and dicts become JSON text, and an attribute
that is an integer on some nodes and a float on others becomes a float, so
that GEXF and GraphML declare one type per attribute (Gephi and Cytoscape
read them typed).
"""

from __future__ import annotations

import json
import math
import os
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd

from ..errors import InputError, UnsupportedFormatError

__all__ = ["NETWORK_FORMATS", "portable", "read_network", "write_network"]

NETWORK_FORMATS = (".gexf", ".graphml", ".json", ".csv", ".png", ".svg", ".html")
_READABLE = (".gexf", ".graphml", ".json", ".csv")


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it over ``path`` on success."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _scalar(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=str)
    return json.dumps(value, default=str, sort_keys=True)


def _unify(records: list[dict[str, Any]]) -> None:
    """One type per attribute key: int+float -> float, anything+str -> str."""
    kinds: dict[str, set[type]] = {}
    for rec in records:
        for key, value in rec.items():
            kinds.setdefault(key, set()).add(type(value))
    for key, types in kinds.items():
        if len(types) < 2:
            continue
        if types <= {int, float}:
            cast: Any = float
        elif types <= {int, bool}:
            cast = int
        else:
            cast = str
        for rec in records:
            if key in rec:
                rec[key] = cast(rec[key])


def portable(g: nx.Graph) -> nx.Graph:
    """A copy of ``g`` whose attributes every format can store (see module doc)."""
    h = nx.Graph()
    h.graph.update({k: _scalar(v) for k, v in g.graph.items()})
    nodes = [(n, {k: _scalar(v) for k, v in d.items()}) for n, d in g.nodes(data=True)]
    edges = [(u, v, {k: _scalar(x) for k, x in d.items()}) for u, v, d in g.edges(data=True)]
    _unify([d for _, d in nodes])
    _unify([d for _, _, d in edges])
    h.add_nodes_from((str(n), d) for n, d in nodes)
    h.add_edges_from((str(u), str(v), d) for u, v, d in edges)
    return h


def _hex_rgb(color: str) -> dict[str, int] | None:
    c = color.lstrip("#")
    if len(c) != 6:
        return None
    try:
        return {"r": int(c[0:2], 16), "g": int(c[2:4], 16), "b": int(c[4:6], 16)}
    except ValueError:
        return None


def _json_safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    return value


def _frames(h: nx.Graph) -> tuple[pd.DataFrame, pd.DataFrame]:
    nodes = pd.DataFrame([{"id": n, **d} for n, d in h.nodes(data=True)])
    if nodes.empty:
        nodes = pd.DataFrame(columns=["id"])
    edges = pd.DataFrame([{"source": u, "target": v, **d} for u, v, d in h.edges(data=True)])
    if edges.empty:
        edges = pd.DataFrame(columns=["source", "target"])
    return nodes, edges


def write_network(
    g: nx.Graph,
    path: str | Path,
    *,
    title: str | None = None,
    excerpts: Mapping[str, list[str]] | None = None,
    seed: int = 42,
) -> list[Path]:
    """Write a network; the format follows the extension. Returns the files written.

    - ``.gexf`` (Gephi; adds ``viz`` colour and size), ``.graphml``
      (Cytoscape, yEd), ``.json`` (node-link, ``"edges"`` key; NaN as null);
    - ``.csv``: ``<stem>_nodes.csv`` (``id`` + attributes) and
      ``<stem>_edges.csv`` (``source``, ``target`` + attributes);
    - ``.png``/``.svg``: a labelled figure
      (:func:`~qualcode.analysis.figure.network_figure`);
    - ``.html``: a standalone interactive page
      (:func:`~qualcode.analysis.html.network_html`; ``excerpts`` maps a
      code to example passages shown on click).

    ``title`` is used by the figure and HTML; ``seed`` fixes their layout.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in NETWORK_FORMATS:
        raise UnsupportedFormatError(
            f"cannot write a network as {ext or '(no extension)'!r}; "
            f"use one of {', '.join(NETWORK_FORMATS)}", path=path)
    h = portable(g)
    if ext == ".gexf":
        for _, d in h.nodes(data=True):
            rgb = _hex_rgb(str(d.get("color", "")))
            viz: dict[str, Any] = {"size": float(d.get("frequency", 1) or 1)}
            if rgb:
                viz["color"] = {**rgb, "a": 1.0}
            d["viz"] = viz
        with atomic_path(path) as tmp:
            nx.write_gexf(h, tmp)
    elif ext == ".graphml":
        with atomic_path(path) as tmp:
            nx.write_graphml(h, tmp)
    elif ext == ".json":
        data = _json_safe(nx.node_link_data(h, edges="edges"))
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, allow_nan=False),
                           encoding="utf-8")
    elif ext == ".csv":
        nodes, edges = _frames(h)
        out = [path.with_name(f"{path.stem}_nodes.csv"), path.with_name(f"{path.stem}_edges.csv")]
        for frame, target in zip((nodes, edges), out, strict=True):
            with atomic_path(target) as tmp:
                frame.to_csv(tmp, index=False)
        return out
    elif ext in (".png", ".svg"):
        from .figure import network_figure

        fig = network_figure(g, title=title, seed=seed)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format=ext[1:], dpi=150)
    else:
        from .html import network_html

        text = network_html(g, title=title, excerpts=excerpts, seed=seed)
        with atomic_path(path) as tmp:
            tmp.write_text(text, encoding="utf-8")
    return [path]


def _clean(g: nx.Graph) -> nx.Graph:
    for key in ("node_default", "edge_default", "mode"):
        g.graph.pop(key, None)
    for _, d in g.nodes(data=True):
        d.pop("viz", None)
    for _, _, d in g.edges(data=True):
        d.pop("id", None)
    return g


def _from_csv(path: Path) -> nx.Graph:
    stem = path.stem.removesuffix("_nodes").removesuffix("_edges")
    nodes_path = path.with_name(f"{stem}_nodes.csv")
    edges_path = path.with_name(f"{stem}_edges.csv")
    nodes = pd.read_csv(nodes_path, dtype={"id": str}, keep_default_na=False)
    edges = pd.read_csv(edges_path, dtype={"source": str, "target": str}, keep_default_na=False)
    g = nx.Graph()
    for rec in nodes.to_dict("records"):
        attrs = {str(k): v for k, v in rec.items()}
        g.add_node(str(attrs.pop("id")), **attrs)
    for rec in edges.to_dict("records"):
        attrs = {str(k): v for k, v in rec.items()}
        g.add_edge(str(attrs.pop("source")), str(attrs.pop("target")), **attrs)
    return g


def read_network(path: str | Path) -> nx.Graph:
    """Read a network written by :func:`write_network` (GEXF, GraphML, JSON or CSV).

    For CSV give ``<stem>.csv`` or either of the two files. GEXF keeps no
    graph attributes; the ``viz`` data written for Gephi is dropped.
    """
    path = Path(path)
    ext = path.suffix.lower()
    if ext not in _READABLE:
        raise UnsupportedFormatError(
            f"cannot read a network from {ext or '(no extension)'!r}; "
            f"use one of {', '.join(_READABLE)}", path=path)
    try:
        if ext == ".gexf":
            g = nx.read_gexf(path)
        elif ext == ".graphml":
            g = nx.read_graphml(path)
        elif ext == ".json":
            g = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
        else:
            g = _from_csv(path)
    except FileNotFoundError as e:
        from ..errors import MissingFileError

        raise MissingFileError(f"no such file: {e.filename or path}", path=path) from e
    except (ValueError, KeyError, SyntaxError) as e:
        raise InputError(f"not a readable network: {e}", path=path) from e
    return _clean(nx.Graph(g))
