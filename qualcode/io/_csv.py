"""Reading the CSV tables users make in Excel or LibreOffice (cases, codings, codebooks).

One reader for all of them: UTF-8 with or without a byte-order mark, the
delimiter (comma, semicolon or tab) taken from the header line — cells may
hold any of them, the header rarely does — Excel's doubled quotes, and every
``csv.Error`` (a cell over the size limit, a stray carriage return) turned
into one error naming the file and line.
"""

from __future__ import annotations

import csv
import io

from ..errors import InputError

__all__ = ["read_csv"]


def read_csv(
    data: bytes, *, path: str, error: type[InputError] = InputError
) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """-> (header, [(line number, record), ...]); records that span lines count from their start.

    >>> read_csv(b'file;site\\r\\na.txt;"Kediri; East Java"\\r\\n', path="cases.csv")
    (['file', 'site'], [(2, ['a.txt', 'Kediri; East Java'])])
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise error(f"not UTF-8 text (byte {e.start}); save the table as UTF-8 CSV",
                    path=path) from e
    header_line = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header_line.count)  # ties (none present) give a comma
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    records: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, [])
        start = reader.line_num + 1
        for record in reader:
            records.append((start, record))
            start = reader.line_num + 1
    except csv.Error as e:  # e.g. a cell over csv.field_size_limit(), a stray CR
        raise error(f"not a valid CSV table: {e}", path=path, line=reader.line_num) from e
    return header, records
