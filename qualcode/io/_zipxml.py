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
import zlib
from pathlib import Path

from lxml import etree

from ..errors import CorruptFileError

__all__ = [
    "MAX_MEMBERS",
    "MAX_MEMBER_BYTES",
    "MAX_RATIO",
    "MAX_TOTAL_BYTES",
    "read_member",
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
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
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
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError) as e:
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
