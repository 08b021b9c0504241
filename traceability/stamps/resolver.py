"""The GS1 Digital Link resolver, which is also the consumer's page.

`/01/{gtin}[/22/{cpv}][/10/{lot}][/21/{serial}]` behaves as a GS1-Conformant Resolver (GS1
Resolver standard 1.x, checks in shared/conformance/resolver/):

- a browser (Accept names text/html) gets the consumer page at once, with the verdict; this saves
  a redirect on a slow phone connection;
- `Accept: application/linkset+json` (or application/json), `?linkType=linkset` or the
  deprecated `?linkType=all` get the RFC 9264 linkset of every level up to the GTIN;
- `?linkType=gs1:…` redirects (307) to that link, 404 when there is none, 300 when several
  equally good links remain after Accept-Language;
- anything else (a client with `Accept: */*`) is redirected to the default link, the same
  consumer page under `/v/…`, with the query string passed on;
- a malformed URI answers 400 with what is wrong; an unknown lot or serial walks up to the
  product (never 404) and the page says plainly that the code was not issued;
- every answer carries CORS headers and a `Link: …; rel="linkset"` header; OPTIONS and HEAD work.

Only page views count as scans: HEAD, linksets, redirects and link-preview bots do not. The
pages around the consumer page (reports, typed serials, the shared place) are routes of this
blueprint in `consumer_views.py`.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from flask import (
    Blueprint,
    Flask,
    Response,
    before_render_template,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    template_rendered,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header
from werkzeug.routing import PathConverter

from core.extensions import limiter
from core.ratelimit import HotPathLimit, skip_limiter_hook
from core.web import has_login_cookie, request_gettext
from traceability.events import journey
from traceability.gs1.digital_link import DigitalLinkError, parse_digital_link_path
from traceability.stamps import cards, scans, verdicts
from traceability.stamps.models import Verdict
from traceability.stamps.serials import stamp_path
from traceability.stamps.verdicts import Resolution

bp = Blueprint("resolver", __name__)

VOC = "https://gs1.org/voc/"
LINKSET_TYPE = "application/linkset+json"
JSONLD_CONTEXT_REL = "http://www.w3.org/ns/json-ld#context"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
    "Access-Control-Expose-Headers": "Link, Location, Content-Type",
    "Access-Control-Max-Age": "86400",
}
# Query parameters the resolver itself reads; every other one is passed on when redirecting.
OWN_PARAMS = ("linkType", "linktype", "lang")
PAGE_PREFIX = "/v"


def resolver_limit() -> str:
    """The rate limit of the resolver and every public page around it."""
    return current_app.config["RATELIMIT_RESOLVER"]


# The Digital Link URI and its page under /v/ share one limit per client, counted in each worker
# and sent to the shared storage in batches (core.ratelimit: no round trip for a consumer);
# Flask-Limiter (two round trips and X-RateLimit headers) keeps the pages around it.
resolver_gate = HotPathLimit("RATELIMIT_RESOLVER", "resolver")


# --- parsing -------------------------------------------------------------------------------


@dataclass
class Request:
    """The Digital Link of a request: what it names, and what the client asked for."""

    gtin: str
    lot: str | None
    serial: str | None
    link_type: str | None
    passed_on: list[tuple[str, str]]


def _raw_path(prefix: str) -> tuple[str, str]:
    """The still percent-encoded path and query string (Werkzeug decodes %2F in request.path)."""
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI")
    if raw:
        path, _, query = raw.partition("?")
        if "://" in path:  # an absolute-form request target
            path = "/" + path.split("://", 1)[1].partition("/")[2]
    else:
        path = quote(request.path, safe="/:@!$&'()*+,;=-._~")
        query = request.query_string.decode("latin-1")
    path = path.removeprefix(request.script_root).removeprefix(prefix)
    # A trailing slash is tolerated (GS1 Resolver standard, "trailing slashes").
    if path.endswith("/") and len(path) > 1:
        path = path[:-1]
    return path, query


def parse_request(prefix: str = "") -> Request:
    """The Digital Link this request names after `prefix`; raises `DigitalLinkError`."""
    path, query = _raw_path(prefix)
    link = parse_digital_link_path(path, query)
    values = dict(link.ais)
    if link.primary_key[0] != "01":
        raise DigitalLinkError("not_gtin", "this resolver answers for GTINs (01) only")
    link_type = None
    passed_on = []
    for key, value in link.other_query:
        if key in ("linkType", "linktype"):
            link_type = value
        elif key != "lang":
            passed_on.append((key, value))
    return Request(values["01"], values.get("10"), values.get("21"), link_type, passed_on)


# --- links ---------------------------------------------------------------------------------


def _page_url(gtin: str, lot: str | None, serial: str | None, lang: str | None = None) -> str:
    url = current_app.config["BASE_URL"] + PAGE_PREFIX + stamp_path(gtin, lot, serial)
    return f"{url}?lang={lang}" if lang else url


def _links(req: Request, found: Resolution) -> dict[str, list[dict]]:
    """Links of every level up to the GTIN, keyed by the link type's URI.

    The default link is the page for the request URI itself (also for an unissued serial, so the
    page can say so), and is described again by a descriptive type, as the standard asks.
    """
    links: dict[str, list[dict]] = {}

    def add(link_type: str, href: str, title: str, lang: str | None = None) -> None:
        entry = {"href": href, "title": title, "type": "text/html"}
        if lang:
            entry["hreflang"] = [lang]
        links.setdefault(VOC + link_type, []).append(entry)

    product = found.product
    request_page = _page_url(req.gtin, req.lot, req.serial)
    links[VOC + "defaultLink"] = [{"href": request_page, "title": str(_l("Product and stamp"))}]
    if req.serial is not None:
        for lang, title in (("vi", "Xác thực tem"), ("en", "Verify this stamp")):
            add("verificationService", _page_url(req.gtin, req.lot, req.serial, lang), title, lang)
    if found.batch is not None:
        lot = found.batch.lot_code
        for lang, title in (("vi", "Truy xuất lô hàng"), ("en", "Batch traceability")):
            add("traceability", _page_url(req.gtin, lot, None, lang), title, lang)
    for lang, title in (("vi", "Thông tin sản phẩm"), ("en", "Product information")):
        add("pip", _page_url(req.gtin, None, None, lang), f"{product.name} — {title}", lang)
    if req.serial is None and req.lot is not None and found.batch is None:
        # An unknown lot: its page explains that; describe the default link as well.
        add("pip", request_page, product.name)
    website = product.producer.website
    if website.startswith(("https://", "http://")):
        add("homepage", website, product.producer.legal_name)
    return links


def _linkset(req: Request, found: Resolution, links: dict) -> dict:
    anchor = current_app.config["BASE_URL"] + stamp_path(req.gtin, req.lot, req.serial)
    return {"linkset": [{"anchor": anchor, "itemDescription": found.product.name, **links}]}


def _canonical_type(link_type: str) -> str:
    if link_type.startswith(("http://", "https://")):
        return VOC + link_type.rsplit("/", 1)[-1]
    return VOC + link_type.removeprefix("gs1:")


def _choose(candidates: list[dict]) -> list[dict]:
    """Narrow links of one type by the client's Accept-Language."""
    if len(candidates) < 2:
        return candidates
    languages = [lang for entry in candidates for lang in entry.get("hreflang", [])]
    best = request.accept_languages.best_match(languages) if request.accept_languages else None
    if best is None:
        best = "vi" if "vi" in languages else None
    chosen = [entry for entry in candidates if best in entry.get("hreflang", [])]
    return chosen or candidates


def _with_query(href: str, passed_on: list[tuple[str, str]]) -> str:
    if not passed_on:
        return href
    return href + ("&" if "?" in href else "?") + urlencode(passed_on)


def _linkset_url(req: Request) -> str:
    path = stamp_path(req.gtin, req.lot, req.serial)
    return current_app.config["BASE_URL"] + path + "?linkType=linkset"


def _headers(response: Response, req: Request | None) -> Response:
    response.headers.update(CORS_HEADERS)
    if req is not None:
        response.headers.add("Link", f'<{_linkset_url(req)}>; rel="linkset"; type="{LINKSET_TYPE}"')
    response.vary.update(("Accept", "Accept-Language"))
    return response


# --- content negotiation -------------------------------------------------------------------


def _quality(*types: str) -> float:
    """The client's quality for any of these exact media types (wildcards don't count)."""
    return _header_quality(request.headers.get("Accept", ""), types)


@functools.lru_cache(maxsize=512)
def _header_quality(header: str, types: tuple[str, ...]) -> float:
    # Browsers send a handful of distinct Accept headers: each is parsed once per process.
    accepted = parse_accept_header(header, MIMEAccept)
    return max((q for value, q in accepted if value in types), default=0)


def _wants_linkset(req: Request) -> bool:
    if req.link_type in ("linkset", "all"):
        return True
    asked = _quality(LINKSET_TYPE, "application/json")
    return asked > 0 and asked >= _quality("text/html", "application/xhtml+xml")


def _wants_page() -> bool:
    return _quality("text/html", "application/xhtml+xml") > 0


# --- the resolver --------------------------------------------------------------------------


def _options() -> Response:
    return _headers(Response(status=204), None)


# What is wrong with a malformed code, for a consumer: the parser's English message follows
# for experts. Codes are DigitalLinkError.code (and AIValueError's, which it passes on).
_MALFORMED_PARTS = {
    "01": _l("The product code (GTIN)"),
    "10": _l("The batch number"),
    "21": _l("The stamp serial"),
}
_MALFORMED_KINDS = {
    "incomplete": ("empty_value", "trailing_slash", "no_path", "no_primary_key"),
    "length": ("too_short", "too_long"),
    "characters": ("bad_character", "illegal_character", "null_character", "bad_value"),
    "check_digit": ("bad_check_digit", "bad_check_pair"),
    "structure": (
        "duplicate_ai",
        "qualifier_order",
        "mixed_qualifiers",
        "not_a_qualifier",
        "qualifier_in_query",
        "qualifier_conflict",
        "not_dl_attribute",
        "unknown_ai",
        "invalid_pair",
        "missing_required",
        "bad_syntax",
        "not_primary_key",
    ),
    "not_gtin": ("not_gtin",),
}
_MALFORMED_KIND_OF = {code: kind for kind, codes in _MALFORMED_KINDS.items() for code in codes}


def malformed_explanation(exc: DigitalLinkError) -> str:
    """One sentence in the request's language on what is wrong with a malformed code."""
    part = _MALFORMED_PARTS.get(exc.ai or "", _l("A part of the code"))
    kind = _MALFORMED_KIND_OF.get(exc.code)
    if kind == "incomplete":
        return _("The link is incomplete: a part of it is missing or empty.")
    if kind == "length":
        return _("%(part)s has the wrong number of characters.", part=part)
    if kind == "characters":
        return _("%(part)s contains characters that are not allowed.", part=part)
    if kind == "check_digit":
        return _(
            "%(part)s ends with a check digit that does not match the other digits: "
            "the code was damaged, mistyped or made up.",
            part=part,
        )
    if kind == "structure":
        return _("The parts of the link are in the wrong order, repeated, or not allowed together.")
    if kind == "not_gtin":
        return _("The code does not name a product: our stamps have a product code after /01/.")
    return _("The link is not written the way our stamps write it.")


def lang_switch() -> dict[str, str]:
    """The other language, and a link to this page in it that keeps the rest of the query."""
    other = "en" if str(get_locale()) == "vi" else "vi"
    query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return {"other_lang": other, "switch_href": "?" + urlencode([*query, ("lang", other)])}


def scanned_code() -> str:
    """The Digital Link path and query of this request, as scanned (without /v or /report)."""
    path, query = _raw_path("")
    for prefix in (PAGE_PREFIX, "/report"):
        if path.startswith(prefix + "/01/"):
            path = path.removeprefix(prefix)
    return path + ("?" + query if query else "")


def keep_lang(url: str) -> str:
    """``url`` with the language the consumer chose on this page, if they chose one."""
    lang = request.args.get("lang")
    return f"{url}?lang={lang}" if lang in current_app.config["LANGUAGES"] else url


def _malformed(exc: DigitalLinkError) -> Response:
    if _wants_page():
        body = render_template(
            "consumer/malformed.html",
            detail=str(exc),
            explanation=malformed_explanation(exc),
            report_url="/report" + scanned_code(),
            **lang_switch(),
        )
        response = Response(body, status=400, mimetype="text/html")
    else:
        response = jsonify(
            {
                "code": 400,
                "status": "Bad Request",
                "message": f"Not a valid GS1 Digital Link URI: {exc}",
                "errors": {"uri": [exc.code]},
            }
        )
        response.status_code = 400
    return _headers(response, None)


def _json_error(status: int, message: str, req: Request | None) -> Response:
    response = jsonify({"code": status, "status": "Not Found", "message": message, "errors": {}})
    response.status_code = status
    return _headers(response, req)


def resolve_request(prefix: str = "") -> Response:
    if request.method == "OPTIONS":
        return _options()
    try:
        req = parse_request(prefix)
    except DigitalLinkError as exc:
        return _malformed(exc)
    # The page under /v/ is the target of the links: always HTML. At the URI itself, a browser
    # that did not ask for a link type or the linkset gets the page too.
    if prefix or (req.link_type is None and not _wants_linkset(req) and _wants_page()):
        return _page(req)
    found = scans.resolve(req.gtin, req.lot, req.serial)
    if found.product is None:
        return _json_error(
            404,
            f"GTIN {req.gtin} is not registered with this resolver; if the item is real, "
            "its brand owner's resolver may know it.",
            None,
        )
    links = _links(req, found)
    if req.link_type is not None and req.link_type not in ("linkset", "all"):
        return _redirect_to_type(req, links)
    if _wants_linkset(req):
        response = jsonify(_linkset(req, found, links))
        response.mimetype = LINKSET_TYPE
        response.headers.add(
            "Link",
            f"<{current_app.config['BASE_URL']}/linkset-context.jsonld>; "
            f'rel="{JSONLD_CONTEXT_REL}"; type="application/ld+json"',
        )
        return _headers(response, req)
    target = links[VOC + "defaultLink"][0]["href"]
    return _headers(redirect(_with_query(target, req.passed_on), 307), req)


def _redirect_to_type(req: Request, links: dict) -> Response:
    candidates = links.get(_canonical_type(req.link_type), [])
    if not candidates:
        return _json_error(
            404,
            f"No link of type {req.link_type} for this item. Ask for ?linkType=linkset to see "
            "the links there are.",
            req,
        )
    chosen = _choose(candidates)
    if len(chosen) > 1:
        response = jsonify({"linkset": chosen})
        response.status_code = 300
        return _headers(response, req)
    return _headers(redirect(_with_query(chosen[0]["href"], req.passed_on), 307), req)


# --- the consumer page ---------------------------------------------------------------------


def _counts_as_scan() -> bool:
    """Consumers' page views count; HEAD, link-preview bots and signed-in staff or producers
    (checking a stamp from their own pages) do not."""
    if request.method != "GET" or (has_login_cookie() and current_user.is_authenticated):
        return False
    return scans.client_family(request.user_agent.string) != "bot"


def _page(req: Request) -> Response:
    """The consumer's page; a consumer's view of it is a scan, counted in this request."""
    ip = request.remote_addr
    user_agent = request.user_agent.string
    if _counts_as_scan():
        # A consumer's GET records the scan by design, on the hot path: one commit, no flash.
        with scans.scan_transaction():
            found = scans.scan_page(req.gtin, req.lot, req.serial, ip=ip, user_agent=user_agent)
    else:
        found = verdicts.preview_verdict(scans.resolve(req.gtin, req.lot, req.serial))
    probing = False
    if found.verdict is Verdict.NOT_ISSUED and found.serial is not None:
        probing = scans.probing(scans.client_hash(ip, user_agent), current_app.config)
    signed_in = has_login_cookie() and current_user.is_authenticated
    lang = str(get_locale())
    body = _render_page(
        "consumer/page.html",
        req=req,
        found=found,
        probing=probing,
        signed_in=signed_in,
        internal_notes=_sees_internal_notes(found, signed_in),
        scan_token=scans.scan_token(found.scan_id) if found.scan_id else None,
        report_url="/report" + stamp_path(req.gtin, req.lot, req.serial),
        lang=lang,
        other_lang="en" if lang == "vi" else "vi",
        section=_product_section(found, lang),
    )
    # An unknown GTIN is a 404 (no such entry), with a page that says so in plain words.
    response = Response(body, status=200 if found.product else 404, mimetype="text/html")
    # The verdict changes with every scan: never cache a stamp page anywhere.
    response.headers["Cache-Control"] = "no-store"
    return _headers(response, req if found.product else None)


def _render_page(name: str, **context) -> str:
    """`render_template` without the app's context processors, for the hot path: they load the
    user (Flask-Login), the CSRF token and the producers' labels, none of which the consumer
    page uses, on every render (a seventh of its rendering). The signals are still sent."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_template(name)
    context.update(request_gettext())
    before_render_template.send(
        app, _async_wrapper=app.ensure_sync, template=template, context=context
    )
    html = template.render(context)
    template_rendered.send(app, _async_wrapper=app.ensure_sync, template=template, context=context)
    return html


@dataclass(frozen=True)
class ProductSection:
    """The page's product and batch section, rendered; the stamp's own line goes between."""

    head: Markup
    tail: Markup


def _product_section(found: Resolution, lang: str) -> ProductSection | None:
    """The same for every stamp of a batch: rendered once per product, batch, language and day,
    cached with the cards (so emptied by any change to what it shows). Never the verdict."""
    if found.product is None:
        return None
    product, batch, today = found.product, found.batch, dt.date.today()
    key = ("section", product.id, batch.id if batch else None, lang, today)

    def render() -> ProductSection:
        html = render_template(
            "consumer/_product.html",
            product=product,
            batch=batch,
            journey=journey.for_card(batch),
            ocop_state=product.ocop_expiry(today),
        )
        head, tail = html.split("<!--stamp-->")
        # Output of an autoescaped template, split in two: already safe HTML.
        return ProductSection(Markup(head), Markup(tail))  # noqa: S704

    return cards.cached(key, render)


def _sees_internal_notes(found: Resolution, signed_in: bool) -> bool:
    """Staff and the stamp's own producer see why a stamp was voided; consumers do not."""
    if not signed_in or found.product is None:
        return False
    return current_user.is_staff or current_user.producer_id == found.product.producer_id


@bp.route(
    "/01/<dlpath:rest>",
    methods=["GET", "HEAD", "OPTIONS"],
    provide_automatic_options=False,
    merge_slashes=False,  # "//" is a malformed Digital Link (400), not a path to tidy up
)
@limiter.exempt
def resolve(rest: str):
    if request.method == "GET":
        resolver_gate.check()
    return resolve_request()


@bp.route(
    PAGE_PREFIX + "/01/<dlpath:rest>",
    methods=["GET", "HEAD", "OPTIONS"],
    provide_automatic_options=False,
    merge_slashes=False,
)
@limiter.exempt
def page(rest: str):
    if request.method == "GET":
        resolver_gate.check()
    return resolve_request(PAGE_PREFIX)


@bp.get("/.well-known/gs1resolver")
def description_file():
    base = current_app.config["BASE_URL"]
    response = jsonify(
        {
            "name": "Đồng Nai traceability resolver",
            "resolverRoot": base,
            "supportedPrimaryKeys": ["01"],
            "supportedLinkType": [{"namespace": VOC, "prefix": "gs1:"}],
            "linkTypeDefaultCanBeAll": False,
            "supportsLanguageVariants": True,
            "supportsSemanticInterpretation": False,
            "validatesAIcombinations": True,
            "jsonLdContextLocation": f"{base}/linkset-context.jsonld",
            "contact": {"fn": "Sở Khoa học và Công nghệ tỉnh Đồng Nai"},
        }
    )
    response.headers.update(CORS_HEADERS)
    return response


@bp.get("/linkset-context.jsonld")
def linkset_context():
    response = jsonify(
        {
            "@context": {
                "@version": 1.1,
                "gs1": VOC,
                "linkset": "@graph",
                "anchor": "@id",
                "href": "@id",
                "itemDescription": "http://purl.org/dc/terms/description",
                "title": "http://purl.org/dc/terms/title",
                "hreflang": "http://purl.org/dc/terms/language",
                "type": "http://purl.org/dc/terms/format",
            }
        }
    )
    response.mimetype = "application/ld+json"
    response.headers.update(CORS_HEADERS)
    return response


class DigitalLinkPath(PathConverter):
    """Everything after /01/, even an empty segment: the Digital Link parser judges it."""

    regex = "(?:[^/]|/).*?"


def init_app(app: Flask) -> None:
    # The report, status, typed-serial and place routes are on this blueprint too.
    from traceability.stamps import consumer_views  # noqa: F401

    app.url_map.converters["dlpath"] = DigitalLinkPath
    app.register_blueprint(bp)
    skip_limiter_hook(app, frozenset({"resolver.resolve", "resolver.page"}))
