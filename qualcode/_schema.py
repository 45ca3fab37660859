"""The project database's SQL schema, by version (see :data:`qualcode.store.MIGRATIONS`).

Kept apart from :mod:`qualcode.store` so that the store module stays readable.
A schema version is never edited once released: a change is a new script,
appended to ``MIGRATIONS`` in the store.
"""

from __future__ import annotations

__all__ = ["SCHEMA_1"]

#: Version 1: documents (with turns, attributes, comments), codebooks, codes, codings.
SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE documents (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, text TEXT NOT NULL, language TEXT,
    format TEXT NOT NULL, source TEXT, sha256 TEXT NOT NULL UNIQUE,
    version INTEGER NOT NULL, chars INTEGER NOT NULL, words INTEGER NOT NULL,
    created TEXT NOT NULL, UNIQUE (name, version));
CREATE TABLE turns (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, speaker TEXT, role TEXT NOT NULL, start INTEGER NOT NULL,
    "end" INTEGER NOT NULL, timestamp REAL, end_time REAL);
CREATE UNIQUE INDEX turns_document ON turns(document_id, idx);
CREATE TABLE attributes (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    key TEXT NOT NULL, value TEXT NOT NULL);
CREATE UNIQUE INDEX attributes_document ON attributes(document_id, key);
CREATE TABLE comments (
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    text TEXT NOT NULL, author TEXT, date TEXT);
CREATE UNIQUE INDEX comments_document ON comments(document_id, idx);
CREATE TABLE codebooks (
    name TEXT PRIMARY KEY, version TEXT NOT NULL, description TEXT NOT NULL,
    source TEXT, meta TEXT NOT NULL, yaml TEXT);
CREATE TABLE codes (
    codebook TEXT NOT NULL REFERENCES codebooks(name) ON DELETE CASCADE,
    name TEXT NOT NULL, parent TEXT, description TEXT NOT NULL, color TEXT,
    inclusion TEXT NOT NULL, exclusion TEXT NOT NULL, examples TEXT NOT NULL,
    rules TEXT NOT NULL, position INTEGER NOT NULL, PRIMARY KEY (codebook, name));
CREATE TABLE codings (
    id INTEGER PRIMARY KEY,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    code TEXT NOT NULL, codebook TEXT, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    coder TEXT NOT NULL, rule TEXT, memo TEXT, created TEXT NOT NULL);
CREATE INDEX codings_document ON codings(document_id);
CREATE INDEX codings_code ON codings(code);
CREATE INDEX codings_coder ON codings(coder);
"""
