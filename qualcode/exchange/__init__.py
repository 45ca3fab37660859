"""Moving projects, codebooks and codings between qualcode and other tools.

- :mod:`qualcode.exchange.tables`: codings as CSV/xlsx; Word comments as codings.
- :mod:`qualcode.exchange.refi`: REFI-QDA projects (.qdpx) and codebooks (.qdc).
"""
