"""The Starlette application of ``qualcode serve``: pages, JSON API, static files.

Pages are rendered on the server with Jinja2 (autoescaping on); the
transcript view adds a small vanilla-JS front end (``static/app.js``). All
assets come from the package: the app works offline and loads nothing from
a CDN. Each request opens the project file on its own SQLite connection
(5 s busy timeout); each write is one transaction (see
:mod:`qualcode.web.reviews`).

JSON API (every POST needs the ``X-Qualcode-Request: 1`` header, a JSON
object body of at most 64 KiB, and answers ``{"ok": true, "action": ...}``
or ``{"error": "..."}`` with a 4xx status):

=========================== ==================================================
``GET /api/doc/ID``         highlighted transcript HTML, codings with status
``POST /api/apply``         ``{document, code, start, end[, codebook, memo]}``
``POST /api/review``        ``{document, code, start, end, auto_coder,
                            decision: accept|reject|adjust[, new_start, new_end]}``
``POST /api/remove``        ``{coding_id}`` (one of the coder's own codings)
``POST /api/undo``          ``{}``: revert the coder's latest action
=========================== ==================================================
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ..errors import InputError, ProjectError
from ..store import Project
from . import reviews
from .analysis_views import agreement_view, matrix_view, network_page
from .security import TokenGuard
from .views import (
    KINDS,
    code_excerpts,
    code_index,
    coding_progress,
    document_payload,
    filter_codings,
    flat_codes,
)

__all__ = ["create_app"]

MAX_BODY = 64 * 1024
SHOW = ("human", "auto", "rejected")


def script_json(data: Any) -> Markup:
    """JSON safe inside ``<script type="application/json">``."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    for ch, esc in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                    ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(ch, esc)
    return Markup(text)


class BadRequest(InputError):
    """A malformed request (400 unless ``status`` says otherwise)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def _choice(request: Request, name: str, allowed: tuple[str, ...] | list[str],
            default: str) -> str:
    value = request.query_params.get(name, default) or default
    if value not in allowed:
        raise BadRequest(f"{name} must be one of {', '.join(allowed)}")
    return value


def _trim(text: str, start: object, end: object) -> tuple[object, object]:
    """Leave out white space at the edges of a selection (only for a valid span)."""
    if (isinstance(start, int) and isinstance(end, int) and not isinstance(start, bool)
            and not isinstance(end, bool) and 0 <= start < end <= len(text)):
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            raise BadRequest("the selection is only white space")
    return start, end


def _case_attributes(docs: list[Any]) -> list[str]:
    """Attributes worth a column: set on at least half the documents, short values."""
    keys = sorted({k for d in docs for k in d.attributes} - {"synthetic", "title"})
    return [k for k in keys
            if sum(k in d.attributes for d in docs) * 2 >= len(docs)
            and all(len(str(d.attributes[k])) <= 40 for d in docs if k in d.attributes)]


class ReviewApp:
    """Request handlers bound to one project file and one coder."""

    def __init__(self, path: Path, coder: str) -> None:
        self.path = path
        self.coder = coder
        env = Environment(loader=PackageLoader("qualcode.web", "templates"),
                          autoescape=select_autoescape(default=True, default_for_string=True))
        env.filters["pct"] = lambda v: f"{100 * float(v):.0f}%"
        self.templates = Jinja2Templates(env=env)

    @contextmanager
    def project(self) -> Iterator[Project]:
        with Project.open(self.path, create=False) as proj:
            yield proj

    def render(self, request: Request, template: str, status: int = 200,
               **context: Any) -> Response:
        context.update(coder=self.coder, project_name=self.path.name, kinds=KINDS)
        return self.templates.TemplateResponse(request, template, context, status_code=status)

    # -- pages ------------------------------------------------------------------------

    def documents(self, request: Request) -> Response:
        with self.project() as proj:
            docs = proj.documents
            codings = proj.codings()
            mine = reviews.review_status(proj, coder=self.coder)
        by_doc: dict[str, list[Any]] = {}
        for c in codings:
            by_doc.setdefault(c.document, []).append(c)
        keys = _case_attributes(docs)
        rows = []
        for d in docs:
            cs = by_doc.get(d.id, [])
            auto = [c for c in cs if c.is_auto]
            reviewed = sum(1 for c in auto if reviews.auto_key(c) in mine)
            rows.append({"doc": d, "progress": coding_progress(d, cs), "auto": len(auto),
                         "reviewed": reviewed,
                         "mine": sum(1 for c in cs if c.coder == self.coder)})
        return self.render(request, "documents.html", rows=rows, keys=keys)

    def document(self, request: Request) -> Response:
        doc_id = request.path_params["doc_id"]
        with self.project() as proj:
            try:
                doc = proj.document(doc_id)
            except ProjectError:
                return self.render(request, "error.html", 404,
                                   message=f"No document with id {doc_id!r}.")
            index = code_index(proj)
            payload = document_payload(proj, doc, coder=self.coder, codes=flat_codes(index))
        tree = {book: [info.to_dict() for info in infos] for book, infos in index.items()}
        data = {"document": doc.id, "coder": self.coder, "tree": tree, "show": list(SHOW),
                "codings": payload["codings"], "legend": payload["legend"]}
        return self.render(request, "document.html", doc=doc, transcript=Markup(payload["html"]),
                           data=script_json(data), progress=payload["progress"])

    def codes(self, request: Request) -> Response:
        with self.project() as proj:
            index = code_index(proj)
            codings = proj.codings()
            rejected = reviews.rejected_keys(proj)
        counts: dict[str, dict[str, int]] = {}
        for c in codings:
            entry = counts.setdefault(c.code, {"human": 0, "auto": 0, "rejected": 0})
            if not c.is_auto:
                entry["human"] += 1
            elif reviews.auto_key(c) in rejected:
                entry["rejected"] += 1
            else:
                entry["auto"] += 1
        return self.render(request, "codes.html", index=index, counts=counts)

    def code(self, request: Request) -> Response:
        name = request.path_params["name"]
        q = request.query_params
        kind = _choice(request, "kind", KINDS, "all")
        context = _choice(request, "context", ("0", "1", "2", "3"), "1")
        show_rejected = q.get("show_rejected") == "1"
        with self.project() as proj:
            info = flat_codes(code_index(proj)).get(name)
            coders = proj.coders
            coder = q.get("coder") or None
            if coder is not None and coder not in coders:
                raise BadRequest(f"no codings by {coder!r}")
            docs = proj.documents
            rejected = reviews.rejected_keys(proj)
            codings = filter_codings(proj.codings(code=name), kind, coder,
                                     rejected=None if show_rejected else rejected)
        attributes: dict[str, list[str]] = {}
        for d in docs:
            for k, v in d.attributes.items():
                if k not in ("synthetic", "title"):
                    values = attributes.setdefault(k, [])
                    if str(v) not in values:
                        values.append(str(v))
        where = {k[2:]: v for k, v in q.items() if k.startswith("a.") and v}
        unknown = sorted(set(where) - set(attributes))
        if unknown:
            raise BadRequest(f"unknown attribute {unknown[0]!r}")
        rows = code_excerpts(codings, docs, code=name, context=int(context), where=where,
                             rejected=rejected)
        return self.render(request, "code.html", name=name, info=info, rows=rows, kind=kind,
                           coder_filter=coder or "", coders=coders, attributes=attributes,
                           where=where, context=int(context), show_rejected=show_rejected)

    def network(self, request: Request) -> Response:
        from ..analysis import MEASURES, UNITS

        unit = _choice(request, "unit", [u for u in UNITS if u != "window"], "turn")
        measure = _choice(request, "measure", list(MEASURES), "association")
        kind = _choice(request, "kind", KINDS, "all")
        with self.project() as proj:
            coders = proj.coders
        coder = _choice(request, "coder", ["", *coders], "") or None
        options = {"unit": unit, "measure": measure, "kind": kind, "coder": coder or ""}
        if request.url.path.endswith("/frame"):
            with self.project() as proj:
                try:
                    page = network_page(proj, unit=unit, measure=measure, kind=kind,
                                        coder=coder)
                except InputError as e:
                    page = f"<!DOCTYPE html><p>{Markup.escape(str(e))}</p>"
            return HTMLResponse(page)
        from urllib.parse import urlencode

        return self.render(request, "network.html", options=options, units=UNITS,
                           measures=list(MEASURES), coders=coders,
                           frame=f"/network/frame?{urlencode(options)}")

    def matrix(self, request: Request) -> Response:
        from ..analysis.matrices import COUNTS

        with self.project() as proj:
            keys = sorted({k for d in proj.documents for k in d.attributes} - {"synthetic",
                                                                                 "title"})
            coders = proj.coders
            attributes = [*keys, *(k for k in ("language", "role", "speaker") if k not in keys)]
            options = {
                "attribute": _choice(request, "attribute", attributes,
                                     "site" if "site" in attributes else attributes[0]),
                "count": _choice(request, "count", list(COUNTS), "codings"),
                "normalize": _choice(request, "normalize", ["none", "row", "column", "all"],
                                     "none"),
                "kind": _choice(request, "kind", KINDS, "all"),
                "coder": _choice(request, "coder", ["", *coders], ""),
            }
            error = None
            try:
                result = matrix_view(
                    proj, attribute=options["attribute"], count=options["count"],
                    normalize=None if options["normalize"] == "none" else options["normalize"],
                    kind=options["kind"], coder=options["coder"] or None)
            except InputError as e:
                result, error = {"matrix": None, "cube": None}, str(e)
        return self.render(request, "matrix.html", options=options, attributes=attributes,
                           counts=COUNTS, coders=coders, error=error, **result)

    def agreement(self, request: Request) -> Response:
        unit = _choice(request, "unit", ["turn", "sentence", "character"], "turn")
        with self.project() as proj:
            coders = proj.coders
            chosen = [c for c in request.query_params.getlist("coder") if c]
            unknown = [c for c in chosen if c not in coders]
            if unknown:
                raise BadRequest(f"no codings by {unknown[0]!r}")
            result: dict[str, Any] | None = None
            error = None
            if len(chosen) >= 2:
                try:
                    result = agreement_view(proj, coders=chosen, unit=unit)
                except InputError as e:
                    error = str(e)
            elif chosen:
                error = "Choose at least two coders."
        return self.render(request, "agreement.html", coders=coders, chosen=chosen, unit=unit,
                           result=result, error=error)

    # -- JSON API -------------------------------------------------------------------------

    def doc_json(self, request: Request) -> Response:
        show = [s for s in request.query_params.get("show", ",".join(SHOW)).split(",") if s]
        if any(s not in SHOW for s in show):
            raise BadRequest(f"show takes {', '.join(SHOW)}")
        with self.project() as proj:
            try:
                doc = proj.document(request.path_params["doc_id"])
            except ProjectError as e:
                raise BadRequest("no such document", 404) from e
            payload = document_payload(proj, doc, coder=self.coder, show=show)
        return JSONResponse(payload)

    def apply(self, data: dict[str, Any]) -> reviews.Action:
        with self.project() as proj:
            start, end = data.get("start"), data.get("end")
            doc_id = data.get("document")
            if isinstance(doc_id, str):
                with suppress(ProjectError):  # apply_code reports an unknown document
                    start, end = _trim(proj.document(doc_id).text, start, end)
            return reviews.apply_code(proj, coder=self.coder, document=doc_id,
                                      code=data.get("code"), start=start, end=end,
                                      codebook=data.get("codebook"), memo=data.get("memo"))

    def review(self, data: dict[str, Any]) -> reviews.Action:
        with self.project() as proj:
            new_start, new_end = data.get("new_start"), data.get("new_end")
            doc_id = data.get("document")
            if data.get("decision") == "adjust" and isinstance(doc_id, str):
                with suppress(ProjectError):
                    new_start, new_end = _trim(proj.document(doc_id).text, new_start, new_end)
            return reviews.review_auto(
                proj, coder=self.coder, document=doc_id, code=data.get("code"),
                start=data.get("start"), end=data.get("end"), auto_coder=data.get("auto_coder"),
                decision=data.get("decision"), new_start=new_start, new_end=new_end)

    def remove(self, data: dict[str, Any]) -> reviews.Action:
        with self.project() as proj:
            return reviews.remove_coding(proj, coder=self.coder,
                                         coding_id=data.get("coding_id"))

    def undo(self, data: dict[str, Any]) -> reviews.Action | None:
        with self.project() as proj:
            return reviews.undo_last(proj, coder=self.coder)


async def _json_body(request: Request) -> dict[str, Any]:
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise BadRequest("send a JSON body (Content-Type: application/json)", 415)
    length = request.headers.get("content-length")
    if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
        raise BadRequest("request body too large", 413)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise BadRequest("request body too large", 413)
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise BadRequest(f"malformed JSON: {e}") from e
    if not isinstance(data, dict):
        raise BadRequest("the JSON body must be an object")
    return data


def _error_response(request: Request, status: int, message: str) -> Response:
    if request.url.path.startswith("/api/") or request.method != "GET":
        return JSONResponse({"error": message}, status_code=status)
    return HTMLResponse(f"<!DOCTYPE html><title>Error</title><p>{Markup.escape(message)}</p>"
                        '<p><a href="/">Documents</a></p>', status_code=status)


def _guard(handler: Callable[[Request], Awaitable[Response]]
           ) -> Callable[[Request], Awaitable[Response]]:
    """Map errors to 4xx/503 responses (JSON for the API, a short page otherwise)."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except reviews.ActionError as e:
            return _error_response(request, e.status, e.message)
        except BadRequest as e:
            return _error_response(request, e.status, e.message)
        except ProjectError as e:
            return _error_response(request, 503, e.message)
        except InputError as e:
            return _error_response(request, 400, e.message)
        except sqlite3.OperationalError as e:
            return _error_response(request, 503, f"the project is busy, try again ({e})")

    return wrapped


def _page(fn: Callable[[Request], Response]) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        return await run_in_threadpool(fn, request)

    return _guard(endpoint)


def _action(fn: Callable[[dict[str, Any]], reviews.Action | None]
            ) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        data = await _json_body(request)
        action = await run_in_threadpool(fn, data)
        return JSONResponse({"ok": True, "action": action.to_dict() if action else None})

    return _guard(endpoint)


def create_app(project_path: str | Path, *, coder: str, token: str) -> Starlette:
    """The review app for ``project_path`` as ``coder``, guarded by ``token``.

    The project must exist; the table of review actions is created in it
    if needed. Serve the app with any ASGI server bound to 127.0.0.1 (see
    :func:`qualcode.web.serve`).
    """
    path = Path(project_path)
    reviews.check_coder(coder)
    if not isinstance(token, str) or len(token) < 16:
        raise InputError("the access token must have at least 16 characters")
    with Project.open(path, create=False) as proj:
        reviews.ensure_schema(proj)
    h = ReviewApp(path, coder)
    routes = [
        Route("/", _page(h.documents)),
        Route("/doc/{doc_id}", _page(h.document)),
        Route("/codes", _page(h.codes)),
        Route("/code/{name:path}", _page(h.code)),
        Route("/network", _page(h.network)),
        Route("/network/frame", _page(h.network)),
        Route("/matrix", _page(h.matrix)),
        Route("/agreement", _page(h.agreement)),
        Route("/api/doc/{doc_id}", _page(h.doc_json)),
        Route("/favicon.ico", lambda request: Response(status_code=204)),
        Route("/api/apply", _action(h.apply), methods=["POST"]),
        Route("/api/review", _action(h.review), methods=["POST"]),
        Route("/api/remove", _action(h.remove), methods=["POST"]),
        Route("/api/undo", _action(h.undo), methods=["POST"]),
        Mount("/static", StaticFiles(packages=[("qualcode.web", "static")]), name="static"),
    ]
    return Starlette(routes=routes, middleware=[Middleware(TokenGuard, token=token)])
