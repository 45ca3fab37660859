"""A standalone, offline, interactive HTML view of a network.

One file, no CDN: the layout is computed in Python (spring layout with a
fixed seed) and a small inlined script draws it on a ``<canvas>``. Drag the
background to pan, the wheel to zoom, a node to move it; hover a node or an
edge for its numbers; click a node for details and example excerpts; the
slider hides edges below a minimum weight and the search box highlights
codes; a link can preset both (``page.html#min=2&q=pay``). For scripted
checks the page exposes ``window.qualcodeGraph`` (with
``nodes``, ``edges`` and ``visibleEdges()``), writes the node count into
``<span id="node-count">`` and sets ``document.body.dataset.rendered`` to
``"true"`` once drawn.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from .export import atomic_path, portable
from .figure import layout, node_colors

__all__ = ["network_html", "write_html"]

_EDGE_KEYS = ("count", "weight", "p", "q")
MAX_EXCERPTS = 3


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u003c`` etc. (valid JSON
    escapes), so no ``</script>`` or ``<!--`` can end the element early.

    >>> script_json({"t": "</script><!--"})
    '{"t": "\\\\u003c/script\\\\u003e\\\\u003c!--"}'
    """
    text = json.dumps(data, ensure_ascii=True, allow_nan=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def graph_payload(
    g: nx.Graph,
    *,
    excerpts: Mapping[str, list[str]] | None = None,
    seed: int = 42,
    weight: str = "weight",
) -> dict[str, Any]:
    """The data the page draws: nodes with positions, edges by node index."""
    h = portable(g)
    pos = layout(h, seed=seed, weight=weight)
    colors = node_colors(h)
    index = {n: i for i, n in enumerate(h.nodes)}
    nodes = []
    for n, d in h.nodes(data=True):
        attrs = {k: _finite(v) for k, v in d.items() if k != "color"}
        nodes.append({
            "id": n,
            "label": str(d.get("label", n)),
            "x": pos[n][0],
            "y": pos[n][1],
            "color": colors[n],
            "group": str(d.get("group", "")),
            "size": float(d.get("frequency", 1) or 0),
            "attrs": attrs,
            "excerpts": [str(x) for x in (excerpts or {}).get(str(n), [])][:MAX_EXCERPTS],
        })
    edges = []
    for u, v, d in h.edges(data=True):
        w = d.get(weight, 1.0)
        edge = {"s": index[u], "t": index[v],
                "weight": _finite(float(w)) if isinstance(w, (int, float)) else 1.0}
        for key in _EDGE_KEYS:
            if key in d and key != "weight":
                edge[key] = _finite(d[key])
        edges.append(edge)
    return {"nodes": nodes, "edges": edges,
            "graph": {k: _finite(v) for k, v in h.graph.items()}}


_CSS = """
*{box-sizing:border-box}html,body{margin:0;height:100%;font:14px system-ui,sans-serif;
color:#222}body{display:flex}#side{width:300px;padding:12px;border-right:1px solid #ddd;
overflow:auto;background:#fafafa}#side h1{font-size:17px;margin:0 0 6px}#stage{flex:1;
position:relative}canvas{display:block;width:100%;height:100%;cursor:grab}
label{display:block;margin:10px 0 3px;font-weight:600}input{width:100%}
#tip{position:absolute;pointer-events:none;background:rgba(255,255,255,.95);
border:1px solid #999;border-radius:4px;padding:4px 7px;font-size:12px;display:none;
white-space:nowrap}#info blockquote{margin:6px 0;padding:4px 8px;border-left:3px solid #bbb;
background:#fff;font-size:13px}.muted{color:#666;font-size:12px}#legend div{margin:2px 0}
#legend span{display:inline-block;width:11px;height:11px;border-radius:50%;margin-right:6px;
vertical-align:middle}table{border-collapse:collapse;font-size:12px}td{padding:1px 6px 1px 0}
"""

_JS = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("graph-data").textContent);
  var N = data.nodes, E = data.edges;
  var canvas = document.getElementById("net"), ctx = canvas.getContext("2d");
  var tip = document.getElementById("tip"), info = document.getElementById("info");
  var slider = document.getElementById("minw"), search = document.getElementById("search");
  var view = {scale: 1, tx: 0, ty: 0}, minWeight = -Infinity, hits = null, selected = null;
  var maxSize = Math.max.apply(null, N.map(function (n) { return n.size; }).concat([1]));
  var maxW = Math.max.apply(null,
    E.map(function (e) { return Math.abs(e.weight); }).concat([1e-9]));
  N.forEach(function (n) { n.r = 5 + 17 * Math.sqrt(Math.max(n.size, 0) / maxSize); });

  function el(tag, text) {
    var x = document.createElement(tag);
    if (text !== undefined) x.textContent = text;
    return x;
  }
  function fmt(v) {
    if (typeof v !== "number" || Number.isInteger(v)) return String(v);
    return Math.abs(v) < 0.001 && v !== 0 ? v.toExponential(2) : v.toFixed(3);
  }
  function visibleEdges() { return E.filter(function (e) { return e.weight >= minWeight; }); }
  function size() { return {w: canvas.clientWidth, h: canvas.clientHeight}; }
  function R() { var s = size(); return 0.42 * Math.min(s.w, s.h); }
  function sx(n) { return size().w / 2 + n.x * R() * view.scale + view.tx; }
  function sy(n) { return size().h / 2 - n.y * R() * view.scale + view.ty; }

  function draw() {
    var dpr = window.devicePixelRatio || 1, s = size();
    if (canvas.width !== Math.round(s.w * dpr) || canvas.height !== Math.round(s.h * dpr)) {
      canvas.width = Math.round(s.w * dpr); canvas.height = Math.round(s.h * dpr);
    }
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, s.w, s.h);
    var vis = visibleEdges();
    vis.forEach(function (e) {
      var a = N[e.s], b = N[e.t];
      ctx.strokeStyle = e.weight < 0 ? "rgba(192,57,43,0.5)" : "rgba(80,80,80,0.4)";
      ctx.lineWidth = 0.5 + 6 * Math.abs(e.weight) / maxW;
      ctx.beginPath(); ctx.moveTo(sx(a), sy(a)); ctx.lineTo(sx(b), sy(b)); ctx.stroke();
    });
    N.forEach(function (n) {
      var dim = hits && hits.indexOf(n) < 0;
      ctx.globalAlpha = dim ? 0.25 : 1;
      ctx.fillStyle = n.color; ctx.beginPath();
      ctx.arc(sx(n), sy(n), n.r, 0, 2 * Math.PI); ctx.fill();
      ctx.lineWidth = (n === selected || (hits && !dim)) ? 3 : 1.2;
      ctx.strokeStyle = (n === selected || (hits && !dim)) ? "#000" : "#fff"; ctx.stroke();
    });
    ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.lineJoin = "round";
    N.forEach(function (n) {
      ctx.globalAlpha = hits && hits.indexOf(n) < 0 ? 0.25 : 1;
      ctx.lineWidth = 3; ctx.strokeStyle = "#fff"; ctx.strokeText(n.label, sx(n), sy(n) - n.r - 8);
      ctx.fillStyle = "#111"; ctx.fillText(n.label, sx(n), sy(n) - n.r - 8);
    });
    ctx.globalAlpha = 1;
    document.getElementById("edge-count").textContent = String(vis.length);
  }

  function nodeAt(x, y) {
    for (var i = N.length - 1; i >= 0; i--) {
      var n = N[i], dx = sx(n) - x, dy = sy(n) - y;
      if (dx * dx + dy * dy <= (n.r + 2) * (n.r + 2)) return n;
    }
    return null;
  }
  function edgeAt(x, y) {
    var best = null, bestD = 5;
    visibleEdges().forEach(function (e) {
      var ax = sx(N[e.s]), ay = sy(N[e.s]), bx = sx(N[e.t]), by = sy(N[e.t]);
      var dx = bx - ax, dy = by - ay, L = dx * dx + dy * dy || 1;
      var t = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / L));
      var d = Math.hypot(ax + t * dx - x, ay + t * dy - y);
      if (d < bestD) { bestD = d; best = e; }
    });
    return best;
  }
  function showTip(x, y, lines) {
    tip.textContent = ""; lines.forEach(function (l) { tip.appendChild(el("div", l)); });
    tip.style.left = (x + 14) + "px"; tip.style.top = (y + 14) + "px"; tip.style.display = "block";
  }
  function showInfo(n) {
    info.textContent = "";
    info.appendChild(el("h2", n.label));
    var table = el("table");
    Object.keys(n.attrs).forEach(function (k) {
      if (k === "label" || n.attrs[k] === "" || n.attrs[k] === null) return;
      var tr = el("tr"); tr.appendChild(el("td", k)); tr.appendChild(el("td", fmt(n.attrs[k])));
      table.appendChild(tr);
    });
    info.appendChild(table);
    if (n.excerpts.length) {
      info.appendChild(el("h3", "Examples"));
      n.excerpts.forEach(function (x) { info.appendChild(el("blockquote", x)); });
    }
  }

  var drag = null;
  function pos(ev) {
    var r = canvas.getBoundingClientRect();
    return {x: ev.clientX - r.left, y: ev.clientY - r.top};
  }
  canvas.addEventListener("mousedown", function (ev) {
    var p = pos(ev), n = nodeAt(p.x, p.y);
    drag = {node: n, x: p.x, y: p.y, moved: false}; canvas.style.cursor = "grabbing";
  });
  window.addEventListener("mouseup", function (ev) {
    if (drag && !drag.moved) {
      var p = pos(ev), n = nodeAt(p.x, p.y);
      if (n) { selected = n; showInfo(n); draw(); }
    }
    drag = null; canvas.style.cursor = "grab";
  });
  canvas.addEventListener("mousemove", function (ev) {
    var p = pos(ev);
    if (drag) {
      var dx = p.x - drag.x, dy = p.y - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
      if (drag.node) {
        drag.node.x += dx / (R() * view.scale); drag.node.y -= dy / (R() * view.scale);
      }
      else { view.tx += dx; view.ty += dy; }
      drag.x = p.x; drag.y = p.y; tip.style.display = "none"; draw(); return;
    }
    var n = nodeAt(p.x, p.y);
    if (n) {
      var freq = n.attrs.frequency === undefined ? n.size : n.attrs.frequency;
      var lines = [n.label, "frequency: " + fmt(freq)];
      if (n.attrs.documents !== undefined) lines.push("documents: " + fmt(n.attrs.documents));
      if (n.attrs.participants !== undefined) {
        lines.push("participants: " + fmt(n.attrs.participants));
      }
      showTip(p.x, p.y, lines); return;
    }
    var e = edgeAt(p.x, p.y);
    if (e) {
      var l = [N[e.s].label + " \u2013 " + N[e.t].label];
      ["count", "weight", "p", "q"].forEach(function (k) {
        if (e[k] !== undefined && e[k] !== null) l.push(k + ": " + fmt(e[k]));
      });
      showTip(p.x, p.y, l); return;
    }
    tip.style.display = "none";
  });
  canvas.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  canvas.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var p = pos(ev), s = size(), f = Math.exp(-ev.deltaY * 0.0015);
    var cx = p.x - s.w / 2 - view.tx, cy = p.y - s.h / 2 - view.ty;
    view.scale *= f; view.tx -= cx * (f - 1); view.ty -= cy * (f - 1); draw();
  }, {passive: false});
  slider.addEventListener("input", function () {
    minWeight = parseFloat(slider.value);
    document.getElementById("minw-value").textContent = fmt(minWeight); draw();
  });
  search.addEventListener("input", function () {
    var q = search.value.trim().toLowerCase();
    hits = q ? N.filter(function (n) {
      return n.label.toLowerCase().indexOf(q) >= 0 || String(n.id).toLowerCase().indexOf(q) >= 0;
    }) : null;
    if (hits && hits.length === 1) { selected = hits[0]; showInfo(hits[0]); }
    draw();
  });
  window.addEventListener("resize", draw);

  if (E.length) {
    var ws = E.map(function (e) { return e.weight; });
    var lo = Math.min.apply(null, ws), hi = Math.max.apply(null, ws);
    slider.min = String(lo); slider.max = String(hi); slider.step = String((hi - lo) / 200 || 1);
    slider.value = String(lo); minWeight = lo;
    document.getElementById("minw-value").textContent = fmt(lo);
  } else { slider.disabled = true; }
  var legend = document.getElementById("legend"), seen = {};
  var groups = N.map(function (n) { return n.group; }).filter(function (g, i, all) {
    return all.indexOf(g) === i;
  });
  if (groups.length < 2 && (groups[0] || "(none)") === "(none)") {
    document.getElementById("legend-label").style.display = "none";
    seen = null;
  }
  N.forEach(function (n) {
    if (seen === null) return;
    if (seen[n.group]) return; seen[n.group] = true;
    var row = el("div"), dot = el("span"); dot.style.background = n.color;
    row.appendChild(dot); row.appendChild(document.createTextNode(n.group || "(none)"));
    legend.appendChild(row);
  });
  // a link can preset the filter and the search: page.html#min=2&q=pay
  location.hash.replace(/^#/, "").split("&").forEach(function (kv) {
    var p = kv.split("="), v = decodeURIComponent(p[1] || "");
    if (p[0] === "min" && v !== "" && !isNaN(parseFloat(v))) {
      slider.value = v; minWeight = parseFloat(v);
      document.getElementById("minw-value").textContent = fmt(minWeight);
    }
    if (p[0] === "q") { search.value = v; search.dispatchEvent(new Event("input")); }
  });
  document.getElementById("node-count").textContent = String(N.length);
  window.qualcodeGraph = {nodes: N, edges: E, nodeCount: N.length, edgeCount: E.length,
                          visibleEdges: visibleEdges};
  draw();
  document.body.dataset.rendered = "true";
})();
"""


def network_html(
    g: nx.Graph,
    *,
    title: str | None = None,
    excerpts: Mapping[str, list[str]] | None = None,
    seed: int = 42,
    weight: str = "weight",
) -> str:
    """The interactive page as a string (see the module docstring).

    ``excerpts`` maps a node (code) to example passages; up to three are
    shown when the node is clicked.

    >>> page = network_html(nx.Graph([("a", "b")]), title="A <b> test")
    >>> "A &lt;b&gt; test" in page and "http" not in page.split("<script")[1][:30]
    True
    """
    payload = graph_payload(g, excerpts=excerpts, seed=seed, weight=weight)
    if title is None:
        unit, measure = g.graph.get("unit"), g.graph.get("measure")
        title = "Code co-occurrence network"
        if unit or measure:
            title += f" ({', '.join(str(x) for x in (unit, measure) if x)})"
    t = html.escape(title)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{t}</title><style>{_CSS}</style></head>
<body><div id="side"><h1>{t}</h1>
<div class="muted"><span id="node-count">0</span> codes,
<span id="edge-count">0</span> links shown. Drag to pan, wheel to zoom,
click a code for details.</div>
<label for="search">Find a code</label><input id="search" type="search" placeholder="code name">
<label for="minw">Minimum weight: <span id="minw-value"></span></label>
<input id="minw" type="range">
<label id="legend-label">Groups</label><div id="legend"></div><div id="info"></div></div>
<div id="stage"><canvas id="net"></canvas><div id="tip"></div></div>
<script type="application/json" id="graph-data">{script_json(payload)}</script>
<script>{_JS}</script>
</body></html>
"""


def write_html(
    g: nx.Graph,
    path: str | Path,
    *,
    title: str | None = None,
    excerpts: Mapping[str, list[str]] | None = None,
    seed: int = 42,
) -> Path:
    """Write :func:`network_html` to ``path`` atomically; returns the path."""
    target = Path(path)
    text = network_html(g, title=title, excerpts=excerpts, seed=seed)
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return target
