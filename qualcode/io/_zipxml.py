"""Safe reading of zip containers and the XML inside them.

Office files (.docx, .odt) and REFI-QDA projects (.qdpx) are zip archives
of XML parts. They come from users and other tools, so nothing in them is
trusted:

* the archive is opened from memory and members are only read by name,
  never extracted to disk (no path traversal);
* zip bombs are refused before anything is decompressed: a member that
  would expand past :data:`MAX_MEMBER_BYTES`, an archive that would expand
  past :data:`MAX_TOTAL_BYTES`, or a large member compressed more than
  :data:`MAX_RATIO` times; reads are also capped, whatever the headers say;
* XML is parsed without DTDs, external entities or network access, and a
  part that declares a DOCTYPE is refused (office formats never need one).

Every problem is a :class:`~qualcode.errors.CorruptFileError` whose message
starts ``not a valid .docx (...)`` (with the file's own extension) and
names the file.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

from ..errors import CorruptFileError, InputError, MissingFileError

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "MAX_XLSX_BYTES",
    "read_member",
    "read_xlsx_rows",
    "safe_open_zip",
    "safe_xml",
]

#: Largest uncompressed size of a single member.
MAX_MEMBER_BYTES = 100 * 1024 * 1024
#: Largest uncompressed size of all members together.
MAX_TOTAL_BYTES = 300 * 1024 * 1024
#: Largest compression ratio of a member (checked for members over 1 MiB,
#: where a bomb could do harm; tiny parts compress well legitimately).
MAX_RATIO = 200
_RATIO_FLOOR = 1024 * 1024
#: Most members an archive may have.
MAX_MEMBERS = 20_000

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ROOT_START = re.compile(rb"<[A-Za-z_:]")


def _kind(name: str) -> str:
    return Path(name).suffix.lower() or ".zip"


def _not_valid(name: str, reason: str) -> CorruptFileError:
    return CorruptFileError(f"not a valid {_kind(name)} ({reason})", path=name)


def _why_not_zip(data: bytes) -> str:
    if data.startswith(_OLE_MAGIC):
        return ("it is an OLE2 compound file: a password-protected document or an old "
                "binary .doc renamed; save it again without a password in the right format")
    if data.startswith(b"PK"):
        return "the zip archive is truncated or damaged"
    head = data[:4096]
    try:
        head.decode("utf-8")
        looks_text = b"\x00" not in head
    except UnicodeDecodeError as e:  # a multi-byte character cut at 4096 is still text
        looks_text = e.start > len(head) - 4 and b"\x00" not in head
    if looks_text:
        return "it is plain text, not a zip archive; rename it to .txt if it is a transcript"
    return "not a zip archive"


def safe_open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    """Open ``data`` as a zip archive after checking it is not a zip bomb.

    ``name`` is only used in error messages (its extension says what the
    file claims to be). Raises :class:`CorruptFileError`.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as e:  # BadZipFile, but also NotImplementedError, struct.error, ...
        raise _not_valid(name, _why_not_zip(data)) from e
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise _not_valid(name, f"{len(infos)} members; refusing more than {MAX_MEMBERS}")
    total = 0
    for info in infos:
        size = info.file_size
        if size > MAX_MEMBER_BYTES:
            raise _not_valid(
                name,
                f"member {info.filename!r} would expand to {size / 2**20:.0f} MB; "
                "refusing a possible zip bomb",
            )
        if size > _RATIO_FLOOR and size > MAX_RATIO * max(info.compress_size, 1):
            raise _not_valid(
                name,
                f"member {info.filename!r} is compressed "
                f"{size / max(info.compress_size, 1):.0f} times; refusing a possible zip bomb",
            )
        total += size
    if total > MAX_TOTAL_BYTES:
        raise _not_valid(
            name,
            f"the archive would expand to {total / 2**20:.0f} MB; refusing a possible zip bomb",
        )
    return zf


def read_member(zf: zipfile.ZipFile, member: str, name: str) -> bytes | None:
    """The bytes of ``member``, or ``None`` if the archive has no such member.

    Reads at most the size the archive declares (checked against the limits
    by :func:`safe_open_zip`), so a lying header cannot make it read more.
    """
    try:
        info = zf.getinfo(member)
    except KeyError:
        return None
    if info.flag_bits & 0x1:
        raise _not_valid(name, f"{member} is encrypted")
    try:
        with zf.open(info) as f:
            data = f.read(min(info.file_size, MAX_MEMBER_BYTES) + 1)
    except Exception as e:  # BadZipFile, zlib.error, struct.error, NotImplementedError, ...
        raise _not_valid(name, f"cannot read {member}: {e}") from e
    if len(data) > info.file_size:
        raise _not_valid(name, f"{member} is longer than its header says")
    return data


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        dtd_validation=False,
        remove_pis=True,
        collect_ids=False,
    )


def safe_xml(data: bytes, name: str, member: str) -> etree._Element:
    """Parse the XML part ``member`` of the file ``name`` safely; its root element.

    Refuses a DOCTYPE (the usual vehicle of entity-expansion and external
    entity attacks); entities are never resolved and nothing is fetched.
    """
    m = _ROOT_START.search(data)
    prolog = data[: m.start()] if m else data
    if b"<!doctype" in prolog.lower():
        raise _not_valid(name, f"{member} declares a DOCTYPE, which is not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as e:
        raise _not_valid(name, f"{member} is not well-formed XML: {e.msg}") from e
    except ValueError as e:  # e.g. an encoding declaration lxml rejects
        raise _not_valid(name, f"{member} cannot be parsed: {e}") from e
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise _not_valid(name, f"{member} declares a DOCTYPE, which is not allowed")
    return root


#: Largest .xlsx table (case table, codings table) read.
MAX_XLSX_BYTES = 200 * 1024 * 1024


def read_xlsx_rows(path: str | Path, *, error: type[InputError] = CorruptFileError
                   ) -> list[list[Any]]:
    """The rows of the first worksheet of the ``.xlsx`` file at ``path``, as lists.

    The archive passes :func:`safe_open_zip`'s zip-bomb checks before
    openpyxl sees it (a 400 kB sheet of a million identical rows would
    otherwise take minutes and gigabytes), and every failure of openpyxl
    (which parses worksheets lazily, with defusedxml when installed) is
    raised as ``error`` with a one-line message naming the file.
    """
    import openpyxl

    p = Path(path)
    try:
        size = p.stat().st_size
        if size > MAX_XLSX_BYTES:
            raise error(f"spreadsheet is {size / 2**20:.0f} MB; refusing more than "
                        f"{MAX_XLSX_BYTES // 2**20} MB", path=p)
        data = p.read_bytes()
    except OSError as e:
        raise MissingFileError(f"cannot read spreadsheet: {e.strerror or e}", path=p) from e
    try:
        safe_open_zip(data, str(p)).close()
    except CorruptFileError as e:
        raise error(f"cannot read spreadsheet: {e.message}", path=p) from e
    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            if not wb.worksheets:
                return []
            return [list(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
        finally:
            wb.close()
    except Exception as e:  # openpyxl, zipfile, expat and defusedxml raise many types
        root: BaseException = e  # openpyxl wraps the XML error in a vague ValueError
        while root.__cause__ is not None or root.__context__ is not None:
            root = root.__cause__ or root.__context__  # type: ignore[assignment]
        if type(root).__name__ in ("EntitiesForbidden", "DTDForbidden",
                                   "ExternalReferenceForbidden"):
            detail = "a part declares XML entities or a DTD, which is not allowed"
        else:
            detail = " ".join(str(root).split("\n", 1)[0].split()) or type(root).__name__
        raise error(f"cannot read spreadsheet: {detail}", path=p) from e
