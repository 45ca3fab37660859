"""Scaling out beyond one machine: the Dask backend (``pip install qualcode[scale]``).

:mod:`qualcode.scale.dask` runs the same ingest and auto-coding as
:mod:`qualcode.ingest` and :mod:`qualcode.coding`, as Dask bags over files on
a ``dask.distributed`` cluster, with identical results; codings can be
written to Parquet and merged into a project. Importing this package does
not import Dask; the functions do, and say how to install it if it is
missing.
"""

from __future__ import annotations

__all__: list[str] = []
