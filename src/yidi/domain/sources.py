"""Where a policy-pack parameter comes from: the documents a pack cites and a source (document, article)."""

from __future__ import annotations

import datetime as dt

from yidi.domain.validation import Strict


class Source(Strict):
    """Where a parameter comes from: a document id of the pack's `documents` and the article."""

    doc: str
    article: str = ""


class Document(Strict):
    """A policy document a pack cites (number, issuer, date)."""

    title: str
    number: str = ""
    issuer: str = ""
    date: dt.date | None = None
    url: str = ""
    note: str = ""
