"""Agreement from stored codings: per-code tables, confusion matrices, auto vs gold.

See :mod:`qualcode.agreement.units` for how codings become units (binary per
code; absent = not applied; documents every coder coded).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Literal

import numpy as np
import pandas as pd

from ..errors import InputError
from ..model import Coding, Document
from ._common import ALPHA_BANDS_SOURCE, KAPPA_BANDS_SOURCE, interpret_alpha, interpret_kappa
from .alpha import Coincidences, interval_from_boot
from .coefficients import cohen_kappa_table, fleiss_from_counts, pairwise_agreement
from .spans import UnitizedAlpha, prf, segment_agreement, unitized_alpha_details
from .units import AgreementUnits, Scope, Selection, Unit, build_units, select

__all__ = ["agreement_table", "confusion_matrix", "precision_recall", "span_agreement"]

ALL_CODES = "(all codes)"
NONE = "(none)"

TABLE_NOTES = (
    "Units: a code a coder did not apply in a unit counts as absent (binary per code); "
    "units nobody coded count as agreement on absence unless units='coded'.",
    "percent_agreement: mean share of agreeing coder pairs per unit (not chance-corrected).",
    "kappa: Cohen (1960) for two coders, Fleiss (1971) for three or more.",
    "alpha: Krippendorff's alpha, nominal, on the binary unit x coder data (Krippendorff 2011).",
    "alpha_low/alpha_high: percentile bootstrap over units (not Hayes & Krippendorff 2007); "
    "not computed for character units, whose characters are not independent.",
    "u_alpha: Krippendorff's (1995, 2004) unitized alpha on the coders' character spans over "
    "the full text of the documents analysed, whatever the unit.",
    "(all codes): every (unit, code) pair pooled as one binary decision; u_alpha pooled as "
    "1 - sum(D_o)/sum(D_e) (Krippendorff 2004).",
    "interpretation (alpha): " + ALPHA_BANDS_SOURCE,
    "kappa_band: " + KAPPA_BANDS_SOURCE,
)


def _u_alpha(sel: Selection, code: str) -> UnitizedAlpha:
    """Unitized alpha of one code, documents laid end to end (gaps cut at their edges)."""
    spans: list[list[tuple[int, int]]] = [[] for _ in sel.coders]
    offset = 0
    breaks = []
    for doc in sel.documents:
        for c, coder in enumerate(sel.coders):
            spans[c].extend((s + offset, e + offset) for s, e in sel.get(doc.id, coder, code))
        offset += len(doc.text)
        breaks.append(offset)
    return unitized_alpha_details(spans, offset, breaks=breaks)


def _measures(
    vals: np.ndarray, w: np.ndarray, *, n_boot: int, seed: int | None, ci: float, boot: bool
) -> dict[str, Any]:
    """Percent agreement, kappa, alpha (+ CI) for units x items x coders 0/1 data."""
    notes: list[str] = []
    n_coders = vals.shape[2]
    ones = vals.sum(axis=2)
    counts = np.stack([n_coders - ones, ones], axis=2)  # units x items x {absent, present}
    out: dict[str, Any] = {"percent_agreement": pairwise_agreement(counts, w)}
    try:
        if n_coders == 2:
            a, b = vals[:, :, 0].astype(bool), vals[:, :, 1].astype(bool)
            wi = w[:, None]
            table = [[(wi * (~a & ~b)).sum(), (wi * (~a & b)).sum()],
                     [(wi * (a & ~b)).sum(), (wi * (a & b)).sum()]]
            out["kappa"] = cohen_kappa_table(table)
            out["kappa_method"] = "Cohen"
        else:
            out["kappa"] = fleiss_from_counts(counts.reshape(-1, 2),
                                              np.repeat(w, counts.shape[1]))
            out["kappa_method"] = "Fleiss"
    except InputError:
        out["kappa"] = math.nan
        out["kappa_method"] = "Cohen" if n_coders == 2 else "Fleiss"
    co = Coincidences.from_counts(counts, level="nominal", weights=w)
    alpha = float(co.alpha())
    out["alpha"], out["alpha_low"], out["alpha_high"] = alpha, math.nan, math.nan
    if math.isnan(alpha):
        notes.append("kappa and alpha undefined: the code is present in every unit or in none "
                     "(no variation)")
    elif boot and n_boot > 0:
        try:
            iv = interval_from_boot(alpha, co.bootstrap(n_boot, seed), ci=ci, n_boot=n_boot,
                                    level="nominal")
            out["alpha_low"], out["alpha_high"] = iv.low, iv.high
            if iv.n_valid < n_boot:
                notes.append(f"CI from {iv.n_valid} of {n_boot} bootstrap samples "
                             "(alpha undefined in the others)")
        except InputError as e:
            notes.append(str(e))
    out["notes"] = notes
    return out


def agreement_table(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coders: Sequence[str],
    codes: Sequence[str] | None = None,
    unit: Unit = "turn",
    units: Scope = "all",
    require_coded: bool = True,
    n_boot: int = 1000,
    seed: int | None = 0,
    ci: float = 0.95,
    u_alpha: bool = True,
    progress: Callable[[int, int, str], None] | None = None,
) -> pd.DataFrame:
    """Per-code and overall agreement between two or more coders.

    One row per code plus ``"(all codes)"``; columns ``code``, ``n_units``
    (characters for ``unit="character"``), ``n_coded`` (units in which
    someone applied the code), ``percent_agreement``, ``kappa`` (Cohen for two
    coders, Fleiss for more: ``kappa_method``), ``kappa_band`` (Landis & Koch
    1977), ``alpha`` (Krippendorff, nominal), ``alpha_low``/``alpha_high``
    (bootstrap CI at level ``ci``, see :func:`krippendorff_alpha_ci`),
    ``u_alpha`` (unitized alpha on character spans), ``interpretation``
    (Krippendorff 2004: alpha >= .800 reliable, >= .667 tentative only, else
    unreliable) and ``note`` (why a value is undefined). ``df.attrs["notes"]``
    explains the choices with full references; ``df.attrs`` also records the
    unit, coders, documents and skipped documents.

    References: Cohen, J. (1960), *Educational and Psychological Measurement*
    20, 37-46; Fleiss, J. L. (1971), *Psychological Bulletin* 76, 378-382;
    Krippendorff, K. (2004), *Content Analysis* (2nd ed.), Sage; Landis, J. R.
    & Koch, G. G. (1977), *Biometrics* 33, 159-174.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada.\\nI: Upah?\\nR: Per kodi.",
    ...                           name="x.txt")
    >>> t = doc.turns
    >>> cs = [qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="Ana"),
    ...       qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="Budi"),
    ...       qc.Coding(doc.id, "no_contract", t[3].start, t[3].end, coder="Budi")]
    >>> df = agreement_table(cs, [doc], coders=["Ana", "Budi"], n_boot=100)

    By hand: Ana (0, 1, 0, 0), Budi (0, 1, 0, 1); p_o = .75, p_e = .5, kappa = .5;
    alpha: n_0 = 5, n_1 = 3, D_o = 2/8, D_e = 2*5*3/(8*7), alpha = 1 - .25*56/30 = .533.

    >>> print(df[["code", "n_units", "percent_agreement", "kappa", "alpha"]].round(3)
    ...       .to_string(index=False))
           code  n_units  percent_agreement  kappa  alpha
    no_contract        4               0.75    0.5  0.533
    (all codes)        4               0.75    0.5  0.533
    """
    if not 0.0 < ci < 1.0:
        raise InputError(f"ci must be between 0 and 1, got {ci}")
    sel = select(codings, documents, coders=coders, codes=codes, require_coded=require_coded)
    au = build_units(sel, unit, units)
    w = au.weights
    boot = unit != "character"
    rows: list[dict[str, Any]] = []
    parts: list[UnitizedAlpha] = []
    total = len(au.codes) + 1
    for k, code in enumerate(au.codes):
        if progress is not None:
            progress(k, total, code)
        vals = au.values[:, k : k + 1, :]
        row: dict[str, Any] = {"code": code, "n_units": int(w.sum()),
                               "n_coded": int(w[vals.any(axis=(1, 2))].sum())}
        row.update(_measures(vals, w, n_boot=n_boot, seed=seed, ci=ci, boot=boot))
        row["u_alpha"] = math.nan
        if u_alpha:
            try:
                ua = _u_alpha(sel, code)
                parts.append(ua)
                row["u_alpha"] = ua.alpha
            except InputError as e:
                row["notes"].append(str(e))
        rows.append(row)
    if progress is not None:
        progress(total - 1, total, ALL_CODES)
    overall: dict[str, Any] = {"code": ALL_CODES, "n_units": int(w.sum()),
                               "n_coded": int(w[au.values.any(axis=(1, 2))].sum())}
    overall.update(_measures(au.values, w, n_boot=n_boot, seed=seed, ci=ci, boot=boot))
    d_e = sum(p.expected for p in parts)
    overall["u_alpha"] = 1.0 - sum(p.observed for p in parts) / d_e if d_e > 0 else math.nan
    rows.append(overall)
    if progress is not None:
        progress(total, total, "")
    for r in rows:
        r["interpretation"] = interpret_alpha(r["alpha"])
        r["kappa_band"] = interpret_kappa(r["kappa"])
        r["note"] = "; ".join(r.pop("notes"))
    columns = ["code", "n_units", "n_coded", "percent_agreement", "kappa", "kappa_method",
               "kappa_band", "alpha", "alpha_low", "alpha_high", "u_alpha", "interpretation",
               "note"]
    df = pd.DataFrame(rows, columns=columns)
    _attrs(df, au, units)
    df.attrs.update({"n_boot": n_boot if boot else 0, "ci": ci, "notes": list(TABLE_NOTES)})
    return df


def _attrs(df: pd.DataFrame, au: AgreementUnits, units: str) -> None:
    df.attrs.update({
        "unit": au.unit, "units": units, "coders": list(au.coders), "codes": list(au.codes),
        "documents": list(au.documents), "skipped_documents": list(au.skipped_documents),
    })


def confusion_matrix(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coder_a: str,
    coder_b: str,
    codes: Sequence[str] | None = None,
    unit: Unit = "turn",
    units: Scope = "all",
    require_coded: bool = True,
) -> pd.DataFrame:
    """Codes x codes counts of coder A (rows) against coder B (columns), with ``(none)``.

    In each unit, a code both applied counts on the diagonal. The codes only A
    applied are paired with every code only B applied (each pair counts 1); if
    one side has nothing left over its codes pair with ``(none)``; a unit
    neither coded counts at ``(none)``/``(none)``. With one code per unit this
    is the usual confusion matrix. Character units count characters.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada.", name="x.txt")
    >>> t = doc.turns[1]
    >>> cs = [qc.Coding(doc.id, "no_contract", t.start, t.end, coder="Ana"),
    ...       qc.Coding(doc.id, "piece_rate", t.start, t.end, coder="Budi")]
    >>> confusion_matrix(cs, [doc], coder_a="Ana", coder_b="Budi").values.tolist()
    [[0, 1, 0], [0, 0, 0], [0, 0, 1]]
    """
    sel = select(codings, documents, coders=[coder_a, coder_b], codes=codes,
                 require_coded=require_coded)
    au = build_units(sel, unit, units)
    w = au.units["weight"].to_numpy(dtype=np.int64)
    a = au.values[:, :, 0].astype(bool)
    b = au.values[:, :, 1].astype(bool)
    k = len(au.codes)
    m = np.zeros((k + 1, k + 1), dtype=np.int64)
    m[np.arange(k), np.arange(k)] = (w[:, None] * (a & b)).sum(axis=0)
    only_a, only_b = a & ~b, b & ~a
    has_a, has_b = only_a.any(axis=1), only_b.any(axis=1)
    m[:k, :k] += (only_a * w[:, None]).T @ only_b.astype(np.int64)
    m[:k, k] = (w[:, None] * (only_a & ~has_b[:, None])).sum(axis=0)
    m[k, :k] = (w[:, None] * (only_b & ~has_a[:, None])).sum(axis=0)
    m[k, k] = w[~(a | b).any(axis=1)].sum()
    labels = [*au.codes, NONE]
    df = pd.DataFrame(m, index=pd.Index(labels, name=coder_a),
                      columns=pd.Index(labels, name=coder_b))
    _attrs(df, au, units)
    return df


def precision_recall(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    gold: str,
    predicted: str,
    unit: Unit = "turn",
    codes: Sequence[str] | None = None,
    units: Scope = "all",
    require_coded: bool = True,
    zero_division: float = 0.0,
) -> pd.DataFrame:
    """Precision, recall and F1 of ``predicted`` (e.g. an auto-coder) against ``gold``, per code.

    Units are as in :func:`agreement_units`; with ``require_coded`` only the
    documents the gold coder coded are used. Per code: ``tp`` units both
    applied it, ``fp`` only predicted, ``fn`` only gold; precision = tp/(tp+fp),
    recall = tp/(tp+fn), F1 = 2PR/(P+R) (0/0 gives ``zero_division``, as in
    scikit-learn). ``support`` = tp + fn. Two summary rows follow:
    ``(micro avg)`` pools tp/fp/fn over codes; ``(macro avg)`` is the
    unweighted mean of the per-code values. Character units count characters.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"I: Kontrak?\\nR: Tidak ada.\\nI: Upah?", name="x.txt")
    >>> t = doc.turns
    >>> cs = [qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="Ana"),
    ...       qc.Coding(doc.id, "no_contract", t[1].start, t[1].end, coder="auto:x@1"),
    ...       qc.Coding(doc.id, "no_contract", t[2].start, t[2].end, coder="auto:x@1")]
    >>> df = precision_recall(cs, [doc], gold="Ana", predicted="auto:x@1")
    >>> print(df[["code", "tp", "fp", "fn", "precision", "recall"]].to_string(index=False))
           code  tp  fp  fn  precision  recall
    no_contract   1   1   0        0.5     1.0
    (micro avg)   1   1   0        0.5     1.0
    (macro avg)   1   1   0        0.5     1.0
    """
    if gold == predicted:
        raise InputError("gold and predicted must be different coders")
    sel = select(codings, documents, coders=[gold, predicted], codes=codes,
                 require_coded=gold if require_coded else False)
    au = build_units(sel, unit, units)
    w = au.units["weight"].to_numpy(dtype=np.int64)
    g = au.values[:, :, 0].astype(bool)
    p = au.values[:, :, 1].astype(bool)
    tp = (w[:, None] * (g & p)).sum(axis=0)
    fp = (w[:, None] * (p & ~g)).sum(axis=0)
    fn = (w[:, None] * (g & ~p)).sum(axis=0)
    rows: list[dict[str, Any]] = []
    for i, code in enumerate(au.codes):
        pr, rc, f1 = prf(tp[i], tp[i] + fp[i], tp[i] + fn[i], zero_division)
        rows.append({"code": code, "support": int(tp[i] + fn[i]), "predicted": int(tp[i] + fp[i]),
                     "tp": int(tp[i]), "fp": int(fp[i]), "fn": int(fn[i]),
                     "precision": float(pr), "recall": float(rc), "f1": float(f1)})
    stp, sfp, sfn = int(tp.sum()), int(fp.sum()), int(fn.sum())
    pr, rc, f1 = prf(stp, stp + sfp, stp + sfn, zero_division)
    rows.append({"code": "(micro avg)", "support": stp + sfn, "predicted": stp + sfp,
                 "tp": stp, "fp": sfp, "fn": sfn, "precision": pr, "recall": rc, "f1": f1})
    per = pd.DataFrame(rows[:-1])
    rows.append({"code": "(macro avg)", "support": stp + sfn, "predicted": stp + sfp,
                 "tp": stp, "fp": sfp, "fn": sfn,
                 "precision": float(per["precision"].mean()),
                 "recall": float(per["recall"].mean()), "f1": float(per["f1"].mean())})
    df = pd.DataFrame(rows)
    _attrs(df, au, units)
    df.attrs.update({"gold": gold, "predicted": predicted})
    return df


def span_agreement(
    codings: Iterable[Coding],
    documents: Iterable[Document],
    *,
    coder_a: str,
    coder_b: str,
    codes: Sequence[str] | None = None,
    threshold: float = 0.5,
    measure: Literal["union", "shorter"] = "union",
    require_coded: bool = True,
    zero_division: float = 0.0,
) -> pd.DataFrame:
    """Overlap-matched segments of coder B against coder A, per code and pooled.

    Within each document and code, segments are matched one to one by
    :func:`segment_agreement` (overlap/union or overlap/shorter >=
    ``threshold``). Columns: ``code``, ``n_a``, ``n_b``, ``matched``,
    ``precision`` (matched/n_b), ``recall`` (matched/n_a), ``f1``; the last row,
    ``(all codes)``, pools the counts.

    >>> import qualcode as qc
    >>> doc = qc.parse_transcript(b"R: Tidak ada kontrak, Bu. Per kodi.", name="x.txt")
    >>> cs = [qc.Coding(doc.id, "no_contract", 3, 25, coder="Ana"),  # overlap/union 17/22
    ...       qc.Coding(doc.id, "no_contract", 3, 20, coder="Budi"),
    ...       qc.Coding(doc.id, "piece_rate", 26, 35, coder="Budi")]
    >>> df = span_agreement(cs, [doc], coder_a="Ana", coder_b="Budi")
    >>> print(df[["code", "n_a", "n_b", "matched", "precision", "recall"]].to_string(index=False))
           code  n_a  n_b  matched  precision  recall
    no_contract    1    1        1        1.0     1.0
     piece_rate    0    1        0        0.0     0.0
    (all codes)    1    2        1        0.5     1.0
    """
    sel = select(codings, documents, coders=[coder_a, coder_b], codes=codes,
                 require_coded=require_coded)
    rows: list[dict[str, Any]] = []
    sums = np.zeros(3, dtype=np.int64)
    for code in sel.codes:
        counts = np.zeros(3, dtype=np.int64)
        for doc in sel.documents:
            r = segment_agreement(sel.get(doc.id, coder_a, code), sel.get(doc.id, coder_b, code),
                                  threshold=threshold, measure=measure)
            counts += (r.n_a, r.n_b, r.tp)
        sums += counts
        rows.append(_span_row(code, counts, zero_division))
    rows.append(_span_row(ALL_CODES, sums, zero_division))
    df = pd.DataFrame(rows)
    df.attrs.update({"coders": [coder_a, coder_b], "threshold": threshold, "measure": measure,
                     "documents": [d.id for d in sel.documents],
                     "skipped_documents": list(sel.skipped)})
    return df


def _span_row(code: str, counts: np.ndarray, zero_division: float) -> dict[str, Any]:
    n_a, n_b, tp = (int(x) for x in counts)
    pr, rc, f1 = prf(tp, n_b, n_a, zero_division)
    return {"code": code, "n_a": n_a, "n_b": n_b, "matched": tp, "precision": pr, "recall": rc,
            "f1": f1}
