"""Checks at the request's edge, before any view, form or schema sees the input.

- `<int:…>` in every route (pages and API) matches only ids the database can hold: a larger one
  is 404, never an overflow in the query.
- Text with a NUL character or an unpaired surrogate is refused with 400 wherever it comes (path,
  query, form, JSON body): PostgreSQL cannot store NUL in text and no encoder takes a lone
  surrogate, so letting it through would be a server error deep in a write.
- A JSON body nested deeper than `MAX_JSON_DEPTH` or larger than `MAX_JSON_BYTES` is refused
  before anything parses it recursively (a `RecursionError` is a server error).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from flask import Flask, current_app, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException, RequestEntityTooLarge
from werkzeug.routing import IntegerConverter

from core.fields import INT_MAX

_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_JSON_BRACKET = re.compile(rb"[\[\]{}]")

BAD_TEXT = _l("Text must not contain NUL characters or unpaired surrogates.")


class BoundedIntConverter(IntegerConverter):
    """`<int:…>`: 0 to INT_MAX, so an id the database cannot hold is simply not found."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", INT_MAX)
        super().__init__(map, *args, **kwargs)


def bad_text(value: str) -> bool:
    """Whether a string holds NUL or a lone surrogate (paired ones are decoded already)."""
    if "\x00" in value:
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def json_too_deep(raw: bytes, limit: int) -> bool:
    """Whether arrays and objects nest deeper than `limit`, found without parsing.

    Strings are removed first (brackets inside them do not count); malformed bodies may be
    judged too deep, which is refused with the same 400 as any malformed body.
    """
    depth = 0
    for match in _JSON_BRACKET.finditer(_JSON_STRING.sub(b'""', raw)):
        if match.group() in (b"[", b"{"):
            depth += 1
            if depth > limit:
                return True
        else:
            depth -= 1
    return False


def _strings(value, name: str = "") -> Iterator[tuple[str, str]]:
    """(top-level field, string) for every key and string value in parsed JSON, iteratively."""
    stack = [(name, value)]
    while stack:
        field, item = stack.pop()
        if isinstance(item, str):
            yield field, item
        elif isinstance(item, dict):
            for key, child in item.items():
                yield (field or key), key
                stack.append((field or key, child))
        elif isinstance(item, list):
            stack.extend((field, child) for child in item)


def _refuse(location: str, field: str):
    exc = BadRequest(str(BAD_TEXT))
    exc.data = {
        "message": str(BAD_TEXT),
        "messages": {location: {field or "_schema": [str(BAD_TEXT)]}},
    }
    raise exc


def _json_limit() -> int:
    """MAX_JSON_BYTES, or the larger limit a view names by config key in `json_body_limit`
    (EPCIS capture takes documents of thousands of events; it answers its own 413)."""
    view = current_app.view_functions.get(request.endpoint or "")
    return current_app.config[getattr(view, "json_body_limit", None) or "MAX_JSON_BYTES"]


def _check_json_body() -> None:
    if "json" not in (request.mimetype or ""):
        return
    limit = _json_limit()
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()  # before reading
    if request.max_content_length is not None and limit > request.max_content_length:
        request.max_content_length = limit
    raw = request.get_data(cache=True)
    if not raw:
        return
    config = current_app.config
    if len(raw) > limit:
        raise RequestEntityTooLarge()
    if json_too_deep(raw, config["MAX_JSON_DEPTH"]):
        message = str(_l("The JSON body is nested too deeply."))
        exc = BadRequest(message)
        exc.data = {"message": message, "messages": {"json": {"_schema": [message]}}}
        raise exc
    try:
        body = json.loads(raw)
    except ValueError:
        return  # the schema's parser answers malformed JSON with its own 400
    for field, text in _strings(body):
        if bad_text(text):
            _refuse("json", field)


def check_request_text() -> None:
    """before_request: refuse NUL and lone surrogates anywhere, and unparseable JSON bodies."""
    try:
        if bad_text(request.path):
            _refuse("path", "")
        # A request without a body (the stamp page's GETs) has no form, files or JSON to parse.
        has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
        sources = (
            (("query", request.args), ("form", request.form))
            if has_body
            else (("query", request.args),)
        )
        for location, values in sources:
            for key, value in values.items(multi=True):
                if bad_text(key):
                    _refuse(location, "")
                if bad_text(value):
                    _refuse(location, key)
        if not has_body:
            return
        for key, upload in request.files.items(multi=True):
            if upload.filename and bad_text(upload.filename):
                _refuse("files", key)
        _check_json_body()
    except HTTPException:
        raise
    except ValueError:
        # A body werkzeug cannot decode as a form (e.g. a broken multipart boundary).
        raise BadRequest() from None


def init_app(app: Flask) -> None:
    app.before_request(check_request_text)
