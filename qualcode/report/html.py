"""Write a :class:`~qualcode.report.content.ReportData` as one standalone HTML file.

Everything is inline (CSS, the network figure as a ``data:`` PNG), so the
file can be mailed or opened offline; every piece of text is escaped.
"""

from __future__ import annotations

import base64
import html
import re
from pathlib import Path

import pandas as pd

from .content import CodeSection, ReportData

__all__ = ["render_html", "write_html"]

CSS = """
body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2330;
max-width:60rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem}h2{font-size:1.3rem;margin-top:2rem;border-bottom:1px solid #d9dee7}
h3{font-size:1.1rem;margin-top:1.6rem}h4{font-size:1rem}
table{border-collapse:collapse;margin:.5rem 0 1rem;font-size:.9rem}
th,td{border:1px solid #d9dee7;padding:.25rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef1f5}td.n{text-align:right;font-variant-numeric:tabular-nums}
blockquote{margin:.2rem 0 .8rem;padding-left:.8rem;border-left:3px solid #1f5fa8;
white-space:pre-wrap}
.meta{font-size:.85rem;color:#667085}.def b{color:#1d2330}figure{margin:1rem 0}
figure img{max-width:100%;height:auto}figcaption{font-size:.85rem;color:#667085}
nav ul{columns:2;font-size:.9rem}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _slug(text: str) -> str:
    return "code-" + re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-")


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "<td></td>"
    if isinstance(value, float):
        return f'<td class="n">{value:,.1f}</td>'
    if isinstance(value, int):
        return f'<td class="n">{value:,}</td>'
    return f"<td>{_e(value)}</td>"


def table(frame: pd.DataFrame, *, index: bool = True, index_label: str = "") -> str:
    """``frame`` as an escaped HTML table."""
    head = ([f"<th>{_e(index_label or frame.index.name or '')}</th>"] if index else [])
    head += [f"<th>{_e(c)}</th>" for c in frame.columns]
    rows = []
    for label, row in zip(frame.index, frame.itertuples(index=False), strict=True):
        cells = ([f"<th>{_e(label)}</th>"] if index else []) + [_cell(v) for v in row]
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table><thead><tr>{''.join(head)}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _section(s: CodeSection) -> str:
    heading = s.label if s.label == s.name else f"{s.label} ({s.name})"
    parts = [f'<h3 id="{_e(_slug(s.name))}">{_e(heading)}</h3>']
    for label, text in (("Definition", s.description), ("Include", s.inclusion),
                        ("Exclude", s.exclusion)):
        if text:
            parts.append(f'<p class="def"><b>{label}:</b> {_e(" ".join(text.split()))}</p>')
    shown = len(s.excerpts)
    parts.append(f"<p>{s.total} coded passage{'s' if s.total != 1 else ''}"
                 + (f"; the first {shown} are shown." if shown < s.total else ".") + "</p>")
    for e in s.excerpts:
        attrs = ", ".join(f"{k}: {v}" for k, v in e.attributes.items())
        role = f" ({e.role})" if e.role else ""
        parts.append(f'<div class="meta"><b>{_e(e.document)}</b> · {_e(e.speaker or "—")}'
                     f"{_e(role)} · {_e(attrs)} · coded by {_e(', '.join(e.coders))}</div>"
                     f"<blockquote>{_e(e.text)}</blockquote>")
    return "\n".join(parts)


def render_html(data: ReportData) -> str:
    """The report as one HTML page."""
    out = ['<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
           '<meta name="viewport" content="width=device-width, initial-scale=1">',
           f"<title>{_e(data.title)}</title><style>{CSS}</style></head><body>",
           f"<h1>{_e(data.title)}</h1><p class=\"meta\">Generated {_e(data.generated)} "
           "by qualcode.</p>", "<h2>Summary</h2>",
           table(pd.DataFrame({"value": [v for _, v in data.summary]},
                              index=[k for k, _ in data.summary]))]
    if data.notes:
        out.append("<ul>" + "".join(f"<li>{_e(n)}</li>" for n in data.notes) + "</ul>")
    if not data.frequencies.empty:
        out += ["<h3>Code frequencies</h3>", table(data.frequencies, index=False)]
    out.append("<h2>Codes and coded excerpts</h2><nav><ul>" + "".join(
        f'<li><a href="#{_e(_slug(s.name))}">{_e(s.label)}</a> ({s.total})</li>'
        for s in data.sections) + "</ul></nav>")
    book = None
    for s in data.sections:
        if s.codebook != book:
            book = s.codebook
            out.append(f"<h2>{_e(f'Codebook: {book}' if book else 'Other codes')}</h2>")
        out.append(_section(s))
    if data.by_attribute:
        out.append("<h2>Frequencies by attribute</h2>")
        for attr, frame in data.by_attribute:
            out += [f"<h3>Codings by {_e(attr)}</h3>", table(frame, index_label="code")]
    out.append("<h2>Co-occurrence network</h2>")
    if data.figure_png is not None:
        b64 = base64.b64encode(data.figure_png).decode("ascii")
        out.append(f'<figure><img id="network-figure" alt="{_e(data.figure_title)}" '
                   f'src="data:image/png;base64,{b64}"><figcaption>{_e(data.figure_title)}'
                   "</figcaption></figure>")
    else:
        out.append(f"<p>{_e(data.figure_title)}</p>")
    if data.cube is not None:
        out += ["<h2>Power cube</h2><p>Units (turns) in each cell of the power cube that has "
                "any; a dimension the turn says nothing about is (none).</p>",
                table(data.cube, index=False)]
    out.append("</body></html>\n")
    return "\n".join(out)


def write_html(data: ReportData, path: Path) -> None:
    """Write the report to ``path`` (the caller makes the write atomic)."""
    path.write_text(render_html(data), encoding="utf-8")
