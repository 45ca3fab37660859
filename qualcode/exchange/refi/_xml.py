"""Shared machinery: safe loading of .qdpx/.qde/.qdc, namespaces, GUIDs, warnings.

Nothing from a file is trusted. Archives are read member by member (never
extracted); only the project XML and the text sources we need are read, each
under the size and compression-ratio limits of :mod:`qualcode.io._zipxml`,
so a project that embeds gigabytes of video is fine but a zip bomb is not.
Member names and ``internal://`` paths that try to leave the archive are
refused. XML is parsed by :func:`qualcode.io._zipxml.safe_xml`: no DTD, no
entity expansion, no network, no DOCTYPE, lxml's depth and text-size limits.
"""

from __future__ import annotations

import copy
import functools
import re
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from ...errors import CorruptFileError, ExchangeError
from ...io import _zipxml

__all__ = [
    "NS_CODEBOOK",
    "NS_PROJECT",
    "Container",
    "RefiWarning",
    "Warnings",
    "describe",
    "guid_key",
    "is_guid",
    "load_container",
    "local_tree",
    "make_guid",
    "normalise_color",
    "schema_problems",
    "xml_safe",
]

NS_PROJECT = "urn:QDA-XML:project:1.0"
NS_CODEBOOK = "urn:QDA-XML:codebook:1.0"
#: The family of namespaces producers write (1.0, 1:0, 0:4, ...).
_KNOWN_NS = re.compile(r"urn:QDA-XML:(project|codebook):\d+[.:]\d+\Z")
_GUID = re.compile(
    r"\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?\Z")
_HEX_COLOR = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})\Z")
# XML 1.0 forbids these characters (lxml refuses to write them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: Most elements a project file may have (a guard against huge trees).
MAX_ELEMENTS = 2_000_000
#: Most warnings of one kind kept (the rest are counted in one summary line).
MAX_SIMILAR_WARNINGS = 20
#: Namespace for the deterministic GUIDs qualcode writes.
GUID_NAMESPACE = uuid.UUID("5b0f6e2a-8d1c-4f53-9a57-2f3c6c1d7e10")


@dataclass(frozen=True)
class RefiWarning:
    """Something in a REFI-QDA file that was off but could be read around."""

    element: str
    message: str

    def __str__(self) -> str:
        return f"{self.element}: {self.message}"


class Warnings:
    """Collects :class:`RefiWarning` s, capping repeats of the same kind."""

    def __init__(self) -> None:
        self.items: list[RefiWarning] = []
        self._counts: dict[str, int] = {}

    def add(self, element: str, message: str, *, kind: str | None = None) -> None:
        """Record a warning; beyond a cap, warnings of the same ``kind`` are only counted."""
        key = kind or message
        count = self._counts[key] = self._counts.get(key, 0) + 1
        if count <= MAX_SIMILAR_WARNINGS:
            self.items.append(RefiWarning(element, message))

    def finish(self) -> list[RefiWarning]:
        """The warnings, with one line per kind whose repeats were left out."""
        out = list(self.items)
        for key, count in self._counts.items():
            if count > MAX_SIMILAR_WARNINGS:
                out.append(RefiWarning("(several elements)", f"{count - MAX_SIMILAR_WARNINGS} "
                                       f"more warning(s) like: {key}"))
        return out


def describe(el: Any) -> str:
    """``TextSource 'name' {guid} (line 12)``: an element as warnings name it."""
    parts = [str(el.tag)]
    name = el.get("name")
    if name:
        parts.append(repr(name[:60]))
    guid = el.get("guid")
    if guid:
        parts.append(guid)
    if el.sourceline:
        parts.append(f"(line {el.sourceline})")
    return " ".join(parts)


def guid_key(value: str | None) -> str:
    """A GUID as compared: no braces or spaces, lower case."""
    return (value or "").strip().strip("{}").strip().lower()


def is_guid(value: str | None) -> bool:
    """Whether ``value`` matches the schema's GUID pattern."""
    return bool(value and _GUID.match(value.strip()))


def make_guid(*parts: str) -> str:
    """A deterministic GUID for ``parts`` (the same export gives the same file)."""
    return str(uuid.uuid5(GUID_NAMESPACE, "\x1f".join(parts)))


def xml_safe(value: str) -> str:
    """``value`` with characters XML 1.0 cannot hold replaced by U+FFFD."""
    return _NOT_XML.sub("\ufffd", value)


_CSS_WORDS = """
aliceblue f0f8ff antiquewhite faebd7 aqua 00ffff aquamarine 7fffd4 azure f0ffff beige f5f5dc
bisque ffe4c4 black 000000 blanchedalmond ffebcd blue 0000ff blueviolet 8a2be2 brown a52a2a
burlywood deb887 cadetblue 5f9ea0 chartreuse 7fff00 chocolate d2691e coral ff7f50
cornflowerblue 6495ed cornsilk fff8dc crimson dc143c cyan 00ffff darkblue 00008b darkcyan
008b8b darkgoldenrod b8860b darkgray a9a9a9 darkgreen 006400 darkgrey a9a9a9 darkkhaki
bdb76b darkmagenta 8b008b darkolivegreen 556b2f darkorange ff8c00 darkorchid 9932cc darkred
8b0000 darksalmon e9967a darkseagreen 8fbc8f darkslateblue 483d8b darkslategray 2f4f4f
darkslategrey 2f4f4f darkturquoise 00ced1 darkviolet 9400d3 deeppink ff1493 deepskyblue
00bfff dimgray 696969 dimgrey 696969 dodgerblue 1e90ff firebrick b22222 floralwhite fffaf0
forestgreen 228b22 fuchsia ff00ff gainsboro dcdcdc ghostwhite f8f8ff gold ffd700 goldenrod
daa520 gray 808080 green 008000 greenyellow adff2f grey 808080 honeydew f0fff0 hotpink
ff69b4 indianred cd5c5c indigo 4b0082 ivory fffff0 khaki f0e68c lavender e6e6fa
lavenderblush fff0f5 lawngreen 7cfc00 lemonchiffon fffacd lightblue add8e6 lightcoral f08080
lightcyan e0ffff lightgoldenrodyellow fafad2 lightgray d3d3d3 lightgreen 90ee90 lightgrey
d3d3d3 lightpink ffb6c1 lightsalmon ffa07a lightseagreen 20b2aa lightskyblue 87cefa
lightslategray 778899 lightslategrey 778899 lightsteelblue b0c4de lightyellow ffffe0 lime
00ff00 limegreen 32cd32 linen faf0e6 magenta ff00ff maroon 800000 mediumaquamarine 66cdaa
mediumblue 0000cd mediumorchid ba55d3 mediumpurple 9370db mediumseagreen 3cb371
mediumslateblue 7b68ee mediumspringgreen 00fa9a mediumturquoise 48d1cc mediumvioletred
c71585 midnightblue 191970 mintcream f5fffa mistyrose ffe4e1 moccasin ffe4b5 navajowhite
ffdead navy 000080 oldlace fdf5e6 olive 808000 olivedrab 6b8e23 orange ffa500 orangered
ff4500 orchid da70d6 palegoldenrod eee8aa palegreen 98fb98 paleturquoise afeeee
palevioletred db7093 papayawhip ffefd5 peachpuff ffdab9 peru cd853f pink ffc0cb plum dda0dd
powderblue b0e0e6 purple 800080 rebeccapurple 663399 red ff0000 rosybrown bc8f8f royalblue
4169e1 saddlebrown 8b4513 salmon fa8072 sandybrown f4a460 seagreen 2e8b57 seashell fff5ee
sienna a0522d silver c0c0c0 skyblue 87ceeb slateblue 6a5acd slategray 708090 slategrey
708090 snow fffafa springgreen 00ff7f steelblue 4682b4 tan d2b48c teal 008080 thistle d8bfd8
tomato ff6347 turquoise 40e0d0 violet ee82ee wheat f5deb3 white ffffff whitesmoke f5f5f5
yellow ffff00 yellowgreen 9acd32""".split()
_CSS = dict(zip(_CSS_WORDS[::2], _CSS_WORDS[1::2], strict=True))


def normalise_color(value: str | None) -> str | None:
    """A colour the schema accepts (``#RRGGBB``/``#RGB``), from hex or a CSS name.

    Hex colours are kept as spelled (so they round-trip); CSS names become
    ``#rrggbb``; anything else gives ``None``.

    >>> normalise_color("#36c"), normalise_color("Teal"), normalise_color("red-ish")
    ('#36c', '#008080', None)
    """
    if value is None:
        return None
    value = value.strip()
    if _HEX_COLOR.match(value):
        return value
    hex_value = _CSS.get(value.lower())
    return f"#{hex_value}" if hex_value else None


# -- reading containers ---------------------------------------------------------------


def _error(path: str, message: str) -> ExchangeError:
    return ExchangeError(message, path=path)


def _safe_member_name(name: str) -> bool:
    p = PurePosixPath(name.replace("\\", "/"))
    return not (p.is_absolute() or ".." in p.parts or re.match(r"[A-Za-z]:", name))


class Container:
    """A .qdpx archive (or a bare .qde/.qdc file) opened for reading."""

    def __init__(self, path: str, zf: zipfile.ZipFile | None, xml_member: str) -> None:
        self.path = path
        self.zf = zf
        self.xml_member = xml_member
        self._read_total = 0
        self._names: dict[str, str] = {}
        if zf is not None:
            for info in zf.infolist():
                if not info.is_dir():
                    self._names.setdefault(info.filename.lower(), info.filename)

    def close(self) -> None:
        """Close the archive."""
        if self.zf is not None:
            self.zf.close()

    def read(self, member: str) -> bytes:
        """Read one member within the size, ratio and total limits."""
        assert self.zf is not None
        info = self.zf.getinfo(member)
        size = info.file_size
        if size > _zipxml.MAX_MEMBER_BYTES or (
                size > 1024 * 1024 and size > _zipxml.MAX_RATIO * max(info.compress_size, 1)):
            raise _error(self.path, f"archive member {member!r} would expand to {size} bytes "
                         f"from {info.compress_size}; refusing a possible zip bomb")
        self._read_total += size
        if self._read_total > _zipxml.MAX_TOTAL_BYTES:
            raise _error(self.path, "the text sources would expand past "
                         f"{_zipxml.MAX_TOTAL_BYTES // 2**20} MB; refusing a possible zip bomb")
        try:
            data = _zipxml.read_member(self.zf, member, self.path)
        except CorruptFileError as e:
            raise _error(self.path, e.message) from e
        assert data is not None
        return data

    def resolve(self, reference: str, where: str = "") -> tuple[str | None, str | None]:
        """The archive member an ``internal://`` path names: ``(member, quirk)``.

        ``member`` is ``None`` if it is not in the archive. ``quirk`` says
        how it was found if not exactly as written (different case, folder).
        Raises :class:`ExchangeError` for a path that leaves the archive.
        """
        rel = reference.split("://", 1)[1] if "://" in reference else reference
        rel = rel.replace("\\", "/").lstrip("/")
        if not rel or not _safe_member_name(rel):
            raise _error(self.path, f"{where + ': ' if where else ''}path {reference!r} "
                         "escapes the archive; refusing the file")
        if self.zf is None:
            return None, None
        wanted = f"sources/{rel}"
        for candidate in (wanted, rel):
            if candidate in self._names.values():
                return candidate, None
        for candidate in (wanted, rel):
            found = self._names.get(candidate.lower())
            if found:
                return found, f"found as {found!r} (the letter case differs)"
        tail = "/" + rel.lower().rsplit("/", 1)[-1]
        hits = [n for k, n in self._names.items() if k.endswith(tail) or k == tail[1:]]
        if len(hits) == 1:
            return hits[0], f"found as {hits[0]!r} (in another folder)"
        return None, None


def _find_xml_member(zf: zipfile.ZipFile, path: str, ext: str) -> str:
    infos = zf.infolist()
    if any(not i.filename for i in infos):  # zipfile's own is_dir() fails on these
        raise _error(path, "an archive member has an empty name; refusing the file")
    files = [i.filename for i in infos if not i.is_dir()]
    for name in files:
        if not _safe_member_name(name):
            raise _error(path, f"archive member {name!r} escapes the archive "
                         "(path traversal); refusing the file")
    exact = [n for n in files if n.lower() == f"project{ext}"]
    if exact:
        return exact[0]
    top = [n for n in files if n.lower().endswith(ext) and "/" not in n]
    if len(top) == 1:
        return top[0]
    anywhere = [n for n in files if n.lower().endswith(ext)]
    if len(anywhere) == 1:
        return anywhere[0]
    raise _error(path, f"no project{ext} in the archive (found {len(files)} member(s)"
                 f"{': ' + ', '.join(sorted(files)[:5]) if files else ''})")


def load_container(path: str | Path, *, ext: str = ".qde") -> tuple[Container, Any]:
    """Open a .qdpx archive or a bare XML file; the container and the parsed root.

    ``ext`` is the XML member's extension to look for in an archive. Raises
    :class:`ExchangeError` naming the file for anything unreadable or hostile.
    """
    p = Path(path)
    name = str(p)
    if not p.is_file():
        raise ExchangeError("no such file", path=name)
    with p.open("rb") as f:
        head = f.read(4)
    zf: zipfile.ZipFile | None = None
    if p.suffix.lower() == ".qdpx" and not head.startswith(b"PK"):
        with p.open("rb") as f:
            reason = _zipxml._why_not_zip(f.read(4096))
        raise _error(name, f"not a valid .qdpx ({reason})")
    if head.startswith(b"PK"):
        try:
            zf = zipfile.ZipFile(p)
        except NotImplementedError as e:  # e.g. "zip file version 6.4"
            raise _error(name, f"not a valid .qdpx (the zip archive uses a feature Python "
                         f"cannot read: {e})") from e
        except Exception as e:  # BadZipFile, struct.error, OSError, ...
            raise _error(name, "not a valid .qdpx (the zip archive is truncated or damaged)"
                         ) from e
        try:
            if len(zf.infolist()) > _zipxml.MAX_MEMBERS:
                raise _error(name, f"the archive has more than {_zipxml.MAX_MEMBERS} members")
            member = _find_xml_member(zf, name, ext)
            container = Container(name, zf, member)
            data = container.read(member)
        except BaseException:
            zf.close()
            raise
    else:
        size = p.stat().st_size
        if size > _zipxml.MAX_MEMBER_BYTES:
            raise _error(name, f"the file is {size // 2**20} MB; refusing more than "
                         f"{_zipxml.MAX_MEMBER_BYTES // 2**20} MB of XML")
        container = Container(name, None, p.name)
        data = p.read_bytes()
    if data.count(b"<") > 2 * MAX_ELEMENTS:  # refuse before lxml builds a huge tree
        container.close()
        raise _error(name, f"{container.xml_member} has more than {MAX_ELEMENTS} XML "
                     "elements; refusing it")
    try:
        root = _zipxml.safe_xml(data, name, container.xml_member)
    except CorruptFileError as e:
        container.close()
        raise _error(name, e.message) from e
    count = sum(1 for _ in root.iter())
    if count > MAX_ELEMENTS:
        container.close()
        raise _error(name, f"{container.xml_member} has {count} XML nodes; refusing more "
                     f"than {MAX_ELEMENTS}")
    return container, root


def local_tree(root: Any, expected: str, path: str, warnings: Warnings) -> str:
    """Strip namespaces from ``root``'s tree in place; the root's namespace.

    Elements are matched by local name from here on, so that every producer's
    namespace variant reads the same. Unknown namespaces are warned about.
    """
    qname = etree.QName(root)
    ns = qname.namespace or ""
    if qname.localname != expected:
        raise _error(path, f"the root element is <{qname.localname}>, not <{expected}>; "
                     "this is not a REFI-QDA file")
    if not ns:
        warnings.add(expected, "no namespace declared; reading it as REFI-QDA 1.0")
    elif not _KNOWN_NS.match(ns):
        warnings.add(expected, f"unexpected namespace {ns!r}; reading elements by name")
    elif ns not in (NS_PROJECT, NS_CODEBOOK):
        warnings.add(expected, f"namespace {ns!r} is a variant of the standard's "
                     f"{NS_PROJECT if expected == 'Project' else NS_CODEBOOK!r}")
    for el in list(root.iter()):
        if isinstance(el.tag, str):
            el.tag = etree.QName(el).localname
            continue
        parent = el.getparent()  # a comment: drop it, keep the text after it
        if parent is None:
            continue
        if el.tail:
            previous = el.getprevious()
            if previous is not None:
                previous.tail = (previous.tail or "") + el.tail
            else:
                parent.text = (parent.text or "") + el.tail
        parent.remove(el)
    return ns


@functools.lru_cache(maxsize=2)
def _schema(kind: str) -> Any:
    xsd = Path(__file__).with_name(f"{kind}-mrt2019.xsd")
    if not xsd.is_file():  # pragma: no cover - only if the package data is missing
        return None
    return etree.XMLSchema(etree.parse(str(xsd)))


def schema_problems(root: Any, kind: str) -> list[tuple[int, str]] | None:
    """Schema violations of a namespace-stripped tree as ``(line, message)``.

    ``kind`` is ``"Project"`` or ``"Codebook"``. ``None`` if the XSD is not
    available. The tree is checked as if written in the standard namespace.
    """
    schema = _schema(kind)
    if schema is None:  # pragma: no cover
        return None
    ns = NS_PROJECT if kind == "Project" else NS_CODEBOOK
    doc = copy.deepcopy(root)
    for el in doc.iter():
        if isinstance(el.tag, str):
            el.tag = f"{{{ns}}}{el.tag}"
    if schema.validate(doc):
        return []
    return [(e.line, re.sub(r"\{(?:urn|https?):[^}]*\}", "", e.message))
            for e in schema.error_log]
