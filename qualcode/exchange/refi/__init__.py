"""REFI-QDA exchange: projects (.qdpx) and codebooks (.qdc).

NVivo, ATLAS.ti, MAXQDA, QualCoder and Taguette exchange projects in the
REFI-QDA standard (QDA-XML 1.0). This module reads what they write and
writes what they read::

    from qualcode.exchange import refi
    p = refi.read_qdpx("from_nvivo.qdpx")          # a new in-memory Project
    report = refi.import_qdpx(project, "x.qdpx")    # merge, all or nothing
    refi.write_qdpx(p, "out.qdpx")
    cb = refi.read_qdc("codebook.qdc"); refi.write_qdc(cb, "out.qdc")

Reading is forgiving about what producers really do and says what was off
(:class:`RefiWarning`): positions counted in UTF-16 units or with CR LF as
one (detected per source, checked against the text the file records and
against word boundaries), a BOM, archive names in another letter case,
GUIDs in any case with or without braces, namespace variants, schema
problems. It is strict about what is unsafe (:class:`~qualcode.errors.ExchangeError`):
path traversal, zip bombs, DOCTYPEs and entities, huge trees.

What is imported: text sources (and PDFs with a text representation) with
their codings, coders (``creatingUser`` -> user name), memos (a selection's
description and the notes it references), comments (selections with a
description but no code), the code hierarchy with descriptions and colours
(clashing names become ``Parent/Child``), cases and variables (as document
attributes). Listed in the report but not imported: pictures, audio, video,
PDFs without text and missing files (each with the number of codings left
behind), notes not attached to a coding, sets (also kept in the codebook
meta and written back on export), links and graphs.

What qualcode writes is described in :mod:`.writer`: UTF-8 LF text files
without BOM, code-point positions, one set per codebook, one case per
document, valid against the official XSDs (bundled here, MIT licence).
Export then import gives back the same documents (name, text, attributes,
language via the ``language`` variable, comments; turns are found again in
the text, so a speaker's role given in front matter and subtitle end times
and fractions of seconds are not kept), codebooks (name, version,
description; codes with parent, description, colour; not auto-coding rules,
examples, inclusion/exclusion) and codings (document, code, span, coder,
memo; not the auto-coding rule; the codebook is that of the code).
"""

from __future__ import annotations

from ._model import ImportReport, OpaqueSource, RefiContent, RefiNote, SourceConvention
from ._xml import RefiWarning
from .offsets import Convention
from .project import import_content, import_qdpx, read_qdpx
from .qdc import read_qdc
from .reader import load_qdpx
from .writer import build_qdpx, write_qdc, write_qdpx

__all__ = [
    "Convention",
    "ImportReport",
    "OpaqueSource",
    "RefiContent",
    "RefiNote",
    "RefiWarning",
    "SourceConvention",
    "build_qdpx",
    "import_content",
    "import_qdpx",
    "load_qdpx",
    "read_qdc",
    "read_qdpx",
    "write_qdc",
    "write_qdpx",
]
