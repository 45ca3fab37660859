"""The power-cube view: codings across the cube's cells, as tables and a heatmap.

Gaventa's power cube has three dimensions: *spaces* (closed, invited,
claimed), *levels* (local, national, global) and *forms* (visible, hidden,
invisible). For each unit (a turn by default) we look at which space,
level and form codes it carries and count it in every cell
space × level × form it covers; a dimension the unit says nothing about
counts as ``"(none)"``. Units with no cube code at all are not counted.

The dimensions are a parameter, so a renamed codebook, Rowlands' forms of
power (power over / to / with / within) or any other typology works too.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Codebook, Coding, Document
from .cooccurrence import cooccurrence_stats
from .selection import WhereArg

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["DEFAULT_DIMENSIONS", "NONE", "PowerCube", "heatmap_figure", "power_cube_table"]

#: Dimension -> its categories (code names), for the bundled power-cube codebook.
DEFAULT_DIMENSIONS: dict[str, tuple[str, ...]] = {
    "space": ("closed_space", "invited_space", "claimed_space"),
    "level": ("local_level", "national_level", "global_level"),
    "form": ("visible_power", "hidden_power", "invisible_power"),
}
#: Category of a dimension the unit carries no code for.
NONE = "(none)"


class PowerCube(NamedTuple):
    """``table``: long, one row per cell (dimension columns + ``count``).
    ``pivot``: first dimension × (last dimension, middle dimensions)."""

    table: pd.DataFrame
    pivot: pd.DataFrame


def _descendants(book: Codebook, name: str) -> list[str]:
    out, todo = [], [name]
    while todo:
        current = todo.pop()
        for child in book.children(current):
            if child.name not in out and child.name != name:
                out.append(child.name)
                todo.append(child.name)
    return out


def _categories(
    dimensions: Mapping[str, str | Sequence[str]], book: Codebook | None
) -> dict[str, list[str]]:
    cats: dict[str, list[str]] = {}
    for dim, value in dimensions.items():
        if isinstance(value, str):
            if book is None or value not in book:
                raise InputError(
                    f"dimension {dim!r} is given as parent code {value!r}, which needs a "
                    "codebook that contains it"
                )
            cats[dim] = [c.name for c in book.children(value)]
        else:
            cats[dim] = list(value)
        if not cats[dim]:
            raise InputError(f"power-cube dimension {dim!r} has no categories")
    return cats


def power_cube_table(
    codings: Iterable[Coding],
    codebook_or_codes: Codebook | Iterable[str] | None = None,
    *,
    documents: Iterable[Document] | None = None,
    unit: str = "turn",
    dimensions: Mapping[str, str | Sequence[str]] | None = None,
    where: WhereArg = None,
    coders: str | Iterable[str] | None = None,
    roles: str | Iterable[str] | None = None,
    window: int | None = None,
    include_none: bool = True,
) -> PowerCube:
    """Count units in the cells of the power cube.

    ``dimensions`` maps each dimension to its category codes (default
    :data:`DEFAULT_DIMENSIONS`) or to the name of a parent code whose
    children are the categories. With a codebook, codings of a category's
    descendants count for the category. With a list of code names, only
    those codes are considered. ``include_none=False`` drops the cells with
    ``"(none)"``.

    >>> import qualcode as qc
    >>> cs = [qc.Coding("d1", "invited_space", 0, 5), qc.Coding("d1", "local_level", 0, 5),
    ...       qc.Coding("d1", "hidden_power", 0, 5), qc.Coding("d2", "claimed_space", 0, 5)]
    >>> cube = power_cube_table(cs, unit="document")
    >>> t = cube.table
    >>> print(t[t["count"] > 0].to_string(index=False))
            space       level         form  count
    invited_space local_level hidden_power      1
    claimed_space      (none)       (none)      1
    >>> int(cube.pivot.loc["invited_space", ("hidden_power", "local_level")])
    1
    """
    book = codebook_or_codes if isinstance(codebook_or_codes, Codebook) else None
    allowed: set[str] | None = None
    if codebook_or_codes is not None and not isinstance(codebook_or_codes, Codebook):
        allowed = set(codebook_or_codes)
    cats = _categories(dimensions or DEFAULT_DIMENSIONS, book)
    dims = list(cats)
    code_map: dict[str, tuple[int, str]] = {}
    for d, dim in enumerate(dims):
        for cat in cats[dim]:
            for name in [cat, *(_descendants(book, cat) if book and cat in book else [])]:
                if allowed is None or name in allowed:
                    code_map.setdefault(name, (d, cat))
    stats = cooccurrence_stats(codings, documents=documents, unit=unit, codes=list(code_map),
                               where=where, coders=coders, roles=roles, window=window)
    x = stats.incidence.tocsr()
    col_map = [code_map[c] for c in stats.codes]
    cells: Counter[tuple[str, ...]] = Counter()
    for row in range(x.shape[0]):
        cols = x.indices[x.indptr[row]:x.indptr[row + 1]]
        if len(cols) == 0:
            continue
        sets: list[set[str]] = [set() for _ in dims]
        for c in cols.tolist():
            d, cat = col_map[c]
            sets[d].add(cat)
        cells.update(itertools.product(*[sorted(s) if s else [NONE] for s in sets]))
    levels = [cats[dim] + ([NONE] if include_none else []) for dim in dims]
    grid = list(itertools.product(*levels))
    table = pd.DataFrame(grid, columns=dims)
    table["count"] = np.asarray([cells.get(cell, 0) for cell in grid], dtype=np.int64)
    for dim, lv in zip(dims, levels, strict=True):
        table[dim] = pd.Categorical(table[dim], categories=lv, ordered=True)
    return PowerCube(table, _pivot(table, dims))


def _pivot(table: pd.DataFrame, dims: list[str]) -> pd.DataFrame:
    if len(dims) == 1:
        return table.set_index(dims[0])[["count"]]
    columns = [dims[-1], *dims[1:-1]]
    pivot = table.pivot_table(index=dims[0], columns=columns, values="count", aggfunc="sum",
                              observed=False, fill_value=0)
    return pivot.astype(np.int64)


def _label(value: Any) -> str:
    if isinstance(value, tuple):
        return " / ".join(str(v).replace("_", " ") for v in value)
    return str(value).replace("_", " ")


def heatmap_figure(
    df: pd.DataFrame,
    *,
    title: str | None = None,
    cmap: str = "Blues",
    annotate: bool = True,
    fmt: str | None = None,
) -> Figure:
    """A matplotlib heatmap of any numeric table (power-cube pivot, code × site, ...).

    Column labels of a MultiIndex are joined with " / ", and thin lines
    separate the outer column groups. Imports matplotlib only when called
    (``pip install matplotlib``); returns a :class:`matplotlib.figure.Figure`
    without touching pyplot's global state.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise InputError("heatmaps need matplotlib: pip install matplotlib") from e
    values = df.to_numpy(dtype=float)
    n_rows, n_cols = values.shape
    fig = Figure(figsize=(max(4.0, 0.9 * n_cols + 2.5), max(2.5, 0.5 * n_rows + 1.8)),
                 layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(values, cmap=cmap, aspect="auto")
    fig.colorbar(image, ax=ax, shrink=0.8)
    ax.set_xticks(range(n_cols), [_label(c) for c in df.columns], rotation=45, ha="right")
    ax.set_yticks(range(n_rows), [_label(r) for r in df.index])
    if isinstance(df.columns, pd.MultiIndex):
        outer = [c[0] for c in df.columns]
        for k in range(1, n_cols):
            if outer[k] != outer[k - 1]:
                ax.axvline(k - 0.5, color="white", linewidth=3)
    if annotate and values.size:
        is_int = np.all(np.isnan(values) | (values == np.round(values)))
        spec = fmt or ("{:.0f}" if is_int else "{:.1f}")
        top = np.nanmax(values) if np.isfinite(values).any() else 0.0
        for (r, c), v in np.ndenumerate(values):
            if np.isfinite(v):
                colour = "white" if top and v > 0.6 * top else "black"
                ax.text(c, r, spec.format(v), ha="center", va="center", fontsize=8, color=colour)
    if title:
        ax.set_title(title)
    return fig
