"""The resolver against GS1's resolver conformance checks (shared/conformance/resolver/).

Part A of resolver_checks.json lists the checks of GS1's resolver test suite; each becomes a test
below, named after the check's id. Part B (GS1 Resolver CE's integration test) is followed where
it is about resolver behaviour rather than CE's own data or management API.
"""

from __future__ import annotations

import csv
import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from core.extensions import db
from tests import factories
from tests.conftest import make_test_app, shared_path
from traceability.gs1.digital_link import parse_digital_link, uri_escape
from traceability.gs1.gtin import check_digit
from traceability.stamps import orders, serials
from traceability.stamps.models import Scan, Stamp

BASE = "https://trace.example.vn"
BROWSER = {
    "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
    "User-Agent": "Mozilla/5.0 (Linux; Android 14; SM-A155F) AppleWebKit/537.36 Chrome/131.0",
}
LINKSET = {"Accept": "application/linkset+json"}


@pytest.fixture(scope="module")
def checks():
    return json.loads(shared_path("conformance/resolver/resolver_checks.json").read_text())


@pytest.fixture(scope="module")
def linkset_schema():
    return json.loads(
        shared_path("conformance/resolver/linkset/gs1-linkset-schema.json").read_text()
    )


@pytest.fixture(scope="module")
def known_link_types():
    """Link types of the GS1 Web vocabulary, as the CE resolver's description file lists them."""
    data = json.loads(
        shared_path("conformance/resolver/resolver_ce_fixtures/gs1resolver.json").read_text()
    )
    urls = {entry["url"] for entry in data["activeLinkTypes"]["en"].values()}
    return urls | {"https://gs1.org/voc/defaultLink", "https://gs1.org/voc/defaultLinkMulti"}


class Stamped:
    def __init__(self, lot="LOT-2026/11"):
        self.producer, self.owner = factories.producer()
        self.product = factories.published_product(self.producer, self.owner, name="Bưởi Tân Triều")
        self.batch = factories.batch(self.product, self.owner, lot_code=lot)
        self.order = factories.stamp_order(self.batch, self.owner, quantity=3)
        db.session.commit()
        self.stamps = list(
            db.session.scalars(
                select(Stamp).where(Stamp.order_id == self.order.id).order_by(Stamp.seq)
            )
        )
        self.stamp = self.stamps[0]
        self.path = serials.stamp_path(self.product.gtin, lot, self.stamp.serial)
        self.dl = BASE + self.path


@pytest.fixture
def stamped(app_ctx):
    return Stamped()


def scans_of(stamp) -> int:
    return db.session.scalar(
        select(func.count()).select_from(Scan).where(Scan.stamp_id == stamp.id)
    )


def link_header(response) -> str:
    return ", ".join(response.headers.getlist("Link"))


def linkset_of(client, path):
    response = client.get(path, headers=LINKSET)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response, response.get_json()


# --- part A: GS1 resolver test suite ----------------------------------------------------------


def test_part_a_is_fully_ported(checks):
    """Every check id of part A has a test here (a new check in the data fails this test)."""
    ported = {
        "validDL",
        "isHttps",
        "tlsOK",
        "rdFile",
        "httpVersion",
        "corsCheck",
        "methodsCheck",
        "linkOnRedirect",
        "legacyLinkHeaders",
        "reportWith400",
        "noErrorWith200",
        "trailingSlash",
        "basicWalkUp",
        "qsPassedOn",
        "ltLinksetNoRedirect",
        "ltAllNoRedirect",
        "ltAcceptHeader",
        "validLinkset",
        "linksetJsonldCheck",
        "declaredContentType",
        "defaultLinkExists / singleDefaulLink",
        "defaultTarget",
        "loFor<linkType>",
        "linkTypesDefined",
        "specificLinkTypeNotFound",
    }
    assert {c["id"] for c in checks["A_gs1_resolver_testsuite"]["checks"]} == ported


def test_validDL_stamp_uri_has_one_primary_key_and_a_14_digit_gtin(stamped):
    link = parse_digital_link(stamped.dl)
    assert link.primary_key == ("01", stamped.product.gtin)
    assert len(link.primary_key[1]) == 14
    assert link.get("21") == stamped.stamp.serial and link.get("10") == "LOT-2026/11"


def test_isHttps_tlsOK_httpVersion_are_the_deployment(stamped, tmp_path):
    """TLS and HTTP/1.1+ come from the reverse proxy (docs/operations.md). What we print is
    ours: stamps carry BASE_URL, and production refuses to start unless it is https."""
    from core.config import ConfigError

    assert stamped.dl.startswith("https://")
    with pytest.raises(ConfigError, match="https"):
        make_test_app("sqlite://", tmp_path, APP_ENV="production", BASE_URL="http://example.vn")


def test_rdFile_description_file(client):
    response = client.get("/.well-known/gs1resolver")
    assert response.status_code == 200
    data = response.get_json()
    assert data["supportedPrimaryKeys"] == ["01"]
    assert data["resolverRoot"] == BASE
    assert data["name"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    context = client.get(urlsplit(data["jsonLdContextLocation"]).path)
    assert context.status_code == 200 and context.mimetype == "application/ld+json"
    assert "@context" in context.get_json()


def test_corsCheck_and_methodsCheck(client, stamped):
    response = client.options(
        stamped.path,
        headers={
            "Origin": "https://ref.gs1.org/test-suites/resolver/",
            "Access-Control-Request-Method": "GET,HEAD,OPTIONS",
        },
    )
    assert response.status_code in (200, 204)
    assert response.headers["Access-Control-Allow-Origin"]
    methods = {m.strip() for m in response.headers["Access-Control-Allow-Methods"].split(",")}
    assert {"GET", "HEAD", "OPTIONS"} <= methods


def test_linkOnRedirect_and_legacyLinkHeaders(client, stamped):
    response = client.get(stamped.path)
    assert response.status_code == 307
    header = link_header(response)
    assert 'rel="linkset"' in header
    assert 'rel="gs1:' not in header and "rel=gs1:" not in header


@pytest.mark.parametrize("headers", [{}, BROWSER, LINKSET])
def test_reportWith400_and_noErrorWith200(client, stamped, headers):
    response = client.get(stamped.path + "/foo", headers=headers)
    assert response.status_code == 400


def test_trailingSlash(client, stamped):
    plain, slashed = client.get(stamped.path), client.get(stamped.path + "/")
    assert plain.status_code == slashed.status_code == 307
    assert plain.headers["Location"] == slashed.headers["Location"]


@pytest.mark.parametrize("suffix", ["/10/KL8G", "/21/KL8G", "/10/KL8G/21/KL8G", "/22/ABC/10/KL8G"])
def test_basicWalkUp(client, stamped, suffix):
    response = client.get(f"/01/{stamped.product.gtin}{suffix}")
    assert response.status_code != 404
    assert response.status_code == 307


def test_qsPassedOn(client, stamped):
    response = client.get(stamped.path + "?foo=bar")
    assert "foo=bar" in response.headers["Location"]


@pytest.mark.parametrize("query", ["linkType=linkset", "linkType=all"])
def test_ltLinksetNoRedirect_and_ltAllNoRedirect(client, stamped, query):
    response = client.get(f"{stamped.path}?{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/linkset+json"


def test_ltAcceptHeader_validLinkset_jsonld_and_content_type(client, stamped, linkset_schema):
    response, body = linkset_of(client, stamped.path)
    jsonschema.Draft7Validator(linkset_schema).validate(body)
    assert response.headers["Content-Type"].startswith("application/linkset+json")
    assert 'rel="http://www.w3.org/ns/json-ld#context"' in link_header(response)


def test_linkset_is_refused_by_the_schema_when_broken(client, stamped, linkset_schema):
    """The schema check above can fail: the same body without a title is invalid."""
    _response, body = linkset_of(client, stamped.path)
    first = next(k for k in body["linkset"][0] if k.startswith("https://"))
    del body["linkset"][0][first][0]["title"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(body, linkset_schema)


def test_linkset_has_every_level_up_to_the_gtin(client, stamped):
    _response, body = linkset_of(client, stamped.path)
    (context,) = body["linkset"]
    assert context["anchor"] == stamped.dl
    assert context["itemDescription"] == "Bưởi Tân Triều"
    for link_type in ("verificationService", "traceability", "pip"):
        assert f"https://gs1.org/voc/{link_type}" in context


def test_defaultLinkExists_singleDefaultLink_and_defaultTarget(client, stamped):
    _response, body = linkset_of(client, stamped.path)
    defaults = body["linkset"][0]["https://gs1.org/voc/defaultLink"]
    assert len(defaults) == 1
    assert set(defaults[0]) == {"href", "title"}  # no optional attributes on the default link
    # It is also described by a descriptive link type.
    described = [
        entry["href"]
        for key, entries in body["linkset"][0].items()
        if key.startswith("https://gs1.org/voc/") and not key.endswith("defaultLink")
        for entry in entries
    ]
    assert any(href.split("?")[0] == defaults[0]["href"] for href in described)
    response = client.get(stamped.path)
    assert response.headers["Location"] == defaults[0]["href"]


def test_loFor_each_link_type(client, stamped):
    _response, body = linkset_of(client, stamped.path)
    for key, entries in body["linkset"][0].items():
        if not key.startswith("https://"):
            continue
        short = "gs1:" + key.rsplit("/", 1)[1]
        response = client.get(f"{stamped.path}?linkType={short}", headers={"Accept-Language": "vi"})
        if response.status_code == 300:
            assert len(response.get_json()["linkset"]) > 1
            continue
        assert response.status_code == 307, (short, response.status_code)
        hrefs = [e["href"] for e in entries]
        assert response.headers["Location"] in hrefs
        if len(entries) > 1:  # Accept-Language chose the Vietnamese one
            chosen = next(e for e in entries if e["href"] == response.headers["Location"])
            assert chosen.get("hreflang") == ["vi"]


def test_link_type_chosen_by_accept_language(client, stamped):
    response = client.get(
        f"{stamped.path}?linkType=gs1:pip", headers={"Accept-Language": "en-GB,en;q=0.9"}
    )
    assert response.status_code == 307
    assert response.headers["Location"].endswith("?lang=en")


def test_linkTypesDefined(client, stamped, known_link_types):
    _response, body = linkset_of(client, stamped.path)
    used = {k for k in body["linkset"][0] if k.startswith("http")}
    assert used <= known_link_types, used - known_link_types


def test_specificLinkTypeNotFound(client, stamped):
    response = client.get(f"{stamped.path}?linkType=gs1:nosuchlt")
    assert response.status_code == 404
    assert set(response.get_json()) == {"code", "status", "message", "errors"}


# --- part B: GS1 Resolver CE's assertions that are about resolver behaviour -----------------


def test_part_b_redirects_are_307_with_lot_serial_and_lowercase_linktype(client, stamped):
    gtin = stamped.product.gtin
    for path in (f"/01/{gtin}", f"/01/{gtin}/21/{stamped.stamp.serial}", f"/01/{gtin}/10/LOT01"):
        assert client.get(path).status_code == 307
    response = client.get(f"/01/{gtin}?linktype=gs1:pip")
    assert response.status_code == 307
    assert "/v/01/" in response.headers["Location"]


def test_part_b_bad_request_and_unavailable_link_type(client, stamped):
    gtin = stamped.product.gtin
    assert client.get(f"/01/{gtin}/badrequest").status_code == 400
    assert client.get(f"/01/{gtin}?linktype=gs1:safetyInfo").status_code == 404


# --- strict Digital Link parsing at the resolver ------------------------------------------


def parse_vectors():
    path = shared_path("conformance/dl_uri_parse_vectors_gs1_syntax_engine.csv")
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_resolver_accepts_and_refuses_the_parse_vectors(client, app_ctx):
    """Every GS1 Syntax Engine vector on a GTIN: valid ones are never 400, invalid ones are."""
    tried = 0
    for row in parse_vectors():
        uri = row["uri"]
        if row.get("options") or "://" not in uri:
            continue
        scheme, rest = uri.split("://", 1)
        authority, _, path = rest.partition("/")
        path = "/" + path
        # Only vectors about the path and query: the domain is the web server's business.
        if not path.startswith("/01/") or not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]+)?", authority):
            continue
        if scheme not in ("http", "https"):
            continue
        response = client.get(path)
        valid = row["valid"].lower() == "true"
        assert (response.status_code != 400) is valid, (uri, response.status_code)
        tried += 1
    assert tried >= 20


# --- browsers get the consumer page -------------------------------------------------------


def test_browser_gets_the_page_and_the_second_scan_says_scanned_before(client, stamped):
    first = client.get(stamped.path, headers=BROWSER)
    assert first.status_code == 200 and first.mimetype == "text/html"
    html = first.get_data(as_text=True)
    assert "Bưởi Tân Triều" in html
    assert 'class="verdict genuine"' in html
    assert first.headers["Cache-Control"] == "no-store"
    second = client.get(stamped.path, headers=BROWSER).get_data(as_text=True)
    assert 'class="verdict scanned_before"' in second
    assert scans_of(stamped.stamp) == 2
    db.session.refresh(stamped.stamp)
    assert stamped.stamp.scan_count == 2


def test_head_and_bots_and_linksets_do_not_count_as_scans(client, stamped):
    assert client.head(stamped.path, headers=BROWSER).status_code == 200
    client.get(stamped.path, headers={**BROWSER, "User-Agent": "facebookexternalhit/1.1"})
    client.get(stamped.path, headers=LINKSET)
    client.get(stamped.path)  # a redirect, not a page
    assert scans_of(stamped.stamp) == 0


def test_redirect_target_is_the_page_and_counts_once(client, stamped):
    location = client.get(stamped.path).headers["Location"]
    page = client.get(urlsplit(location).path, headers={"Accept": "*/*"})
    assert page.status_code == 200 and "verdict genuine" in page.get_data(as_text=True)
    assert scans_of(stamped.stamp) == 1


def test_percent_encoded_slash_in_a_lot_is_kept(client, stamped):
    assert "LOT-2026%2F11" in stamped.path
    html = client.get(stamped.path, headers=BROWSER).get_data(as_text=True)
    assert "verdict genuine" in html


def test_unknown_serial_walks_up_and_says_not_issued(client, stamped):
    gtin = stamped.product.gtin
    response = client.get(f"/01/{gtin}/21/NOTOURS123", headers=BROWSER)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "verdict not_issued" in html and "NOTOURS123" in html and "Bưởi Tân Triều" in html


def test_unknown_gtin_is_a_friendly_404_page(client, app_ctx):
    response = client.get(f"/01/{factories.gtin()}", headers=BROWSER)
    assert response.status_code == 404
    assert "verdict not_issued" in response.get_data(as_text=True)


def test_malformed_uri_gets_a_400_page_that_says_what_is_wrong(client, app_ctx):
    response = client.get("/01/12345", headers={**BROWSER, "Accept-Language": "en"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "not valid" in html and "GTIN" in html


def test_void_stamp_says_void(client, stamped):
    orders.void_stamp(stamped.stamps[1], stamped.owner, "Tờ in bị lỗi")
    db.session.commit()
    path = serials.stamp_path(stamped.product.gtin, None, stamped.stamps[1].serial)
    html = client.get(path, headers=BROWSER).get_data(as_text=True)
    # The reason is the producer's internal note: consumers get a neutral text.
    assert "verdict void" in html and "Tem này đã bị nhà sản xuất hủy" in html
    assert "Tờ in bị lỗi" not in html


def test_page_in_vietnamese_by_default_and_english_on_request(client, stamped):
    vi = client.get(stamped.path, headers=BROWSER).get_data(as_text=True)
    en = client.get(stamped.path + "?lang=en", headers=BROWSER).get_data(as_text=True)
    assert '<html lang="vi">' in vi and '<html lang="en">' in en
    assert "Genuine stamp" in en and "Genuine stamp" not in vi


def test_page_is_small(client, stamped, app):
    html = client.get(stamped.path, headers=BROWSER).get_data()
    css = app.static_folder + "/css/consumer.css"
    with open(css, "rb") as handle:
        size = len(html) + len(handle.read())
    assert size <= 30 * 1024, size


def test_signed_in_staff_checking_a_stamp_is_not_a_scan(client, stamped):
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    # The same browser that signed in (the session is bound to its user agent).
    html = client.get(stamped.path, headers={"Accept": "text/html"}).get_data(as_text=True)
    assert "verdict genuine" in html
    assert scans_of(stamped.stamp) == 0


# --- Digital Link URIs no test has seen: generated, accepted or refused as the standard says ---

CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
GENERATED = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
gtins = st.text("0123456789", min_size=9, max_size=9).map(
    lambda digits: "0893" + digits + str(check_digit("0893" + digits))
)
values = st.text(CSET82, min_size=1, max_size=20)


def _dl(gtin: str, *pairs: tuple[str, str]) -> str:
    return f"/01/{gtin}" + "".join(f"/{ai}/{uri_escape(v, query=False)}" for ai, v in pairs)


def _registered(gtin: str) -> None:
    """A published product with this GTIN, so that its URIs have something to resolve to."""
    from traceability.registry.models import Product

    if db.session.scalar(select(Product.id).where(Product.gtin == gtin)) is None:
        producer, owner = factories.producer()
        factories.published_product(producer, owner, gtin=gtin)
        db.session.commit()


@GENERATED
@given(gtin=gtins, lot=values, serial=values)
def test_any_valid_stamp_uri_is_resolved_not_refused(client, app_ctx, gtin, lot, serial):
    """A registered GTIN's URIs are all resolved (307), whatever lot and serial they name."""
    _registered(gtin)
    for path in (_dl(gtin), _dl(gtin, ("10", lot)), _dl(gtin, ("10", lot), ("21", serial))):
        response = client.get(path)
        assert response.status_code == 307, (path, response.status_code)


@GENERATED
@given(gtin=gtins, lot=values, serial=values, long=st.text(CSET82, min_size=21, max_size=30))
def test_uris_that_break_the_standard_are_400(client, app_ctx, gtin, lot, serial, long):
    wrong_digit = gtin[:-1] + str((int(gtin[-1]) + 1) % 10)
    broken = [
        _dl(wrong_digit),  # check digit
        _dl(gtin[1:]),  # a GTIN in the path is always 14 digits
        _dl(gtin, ("10", long)),  # lot longer than 20
        _dl(gtin, ("21", serial), ("10", lot)),  # qualifiers out of order
        _dl(gtin, ("10", lot), ("10", lot)),  # a qualifier twice
        _dl(gtin, ("10", lot)) + "/21",  # a key without a value
        _dl(gtin) + "/10/" + uri_escape(lot, query=False) + "%20",  # space: not CSET 82
        _dl(gtin) + "/17/261231",  # a data attribute in the path
    ]
    for path in broken:
        assert client.get(path).status_code == 400, path
