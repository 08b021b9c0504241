"""A GTIN off the producer's GS1 company prefix is flagged; searches take % and _ literally."""

import pytest

from core.extensions import db
from tests import factories
from traceability.registry import rules

EN = {"Accept-Language": "en"}
FLAG = "does not start with the producer's registered GS1 company prefix 8938501"


@pytest.mark.parametrize(
    ("gtin14", "prefix", "flagged"),
    [
        ("08938501000017", "8938501", False),  # GTIN-13 on the prefix
        ("18938501000014", "8938501", False),  # GTIN-14: indicator digit, then the prefix
        ("08938599000014", "8938501", True),  # another company's number
        ("08938501000017", None, False),  # no prefix registered: nothing to compare
        ("00012345678905", "0012345", False),  # GTIN-12 (UPC) with a US prefix, written 0…
        ("00000089312344", "8938501", False),  # GTIN-8: allocated one by one, not on a prefix
    ],
)
def test_outside_company_prefix(gtin14, prefix, flagged):
    assert rules.outside_company_prefix(gtin14, prefix) is flagged


def test_a_gtin_off_the_prefix_is_flagged_on_save_page_and_api(client, make):
    _producer, owner = make.producer()  # prefix 8938501
    db.session.commit()
    headers = {"Authorization": f"Bearer {factories.token(owner)}", **EN}
    body = {"gtin": factories.gtin("8938599"), "name": "Tiêu", "category": "agricultural"}
    response = client.post("/api/v1/products/", json=body, headers=headers)
    assert response.status_code == 201
    assert any(FLAG in w for w in response.get_json()["warnings"])
    ours = client.post(
        "/api/v1/products/",
        json=dict(body, gtin=factories.gtin("8938501"), name="Điều"),
        headers=headers,
    )
    assert not any(FLAG in w for w in ours.get_json()["warnings"])

    client.login(owner.email, factories.PASSWORD)
    form = {"gtin": factories.gtin("8938599"), "name": "Cà phê", "category": "agricultural"}
    form["ip_status"] = "none"
    saved = client.submit("/products/new", form, token_from="/products/new", headers=EN)
    assert saved.status_code == 302
    assert FLAG in client.get(saved.headers["Location"], headers=EN).get_data(as_text=True)


def test_the_review_queue_flags_a_gtin_off_the_prefix(client, make):
    producer, owner = make.producer()
    off = make.product(producer, owner, gtin=factories.gtin("8938599"), name="Sầu riêng lạ")
    on = make.product(producer, owner, name="Sầu riêng đúng")
    from traceability.registry import services

    services.submit_product(off, owner)
    services.submit_product(on, owner)
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    html = client.get("/staff/review", headers=EN).get_data(as_text=True)
    rows = {name: row for row in html.split("<tr>") for name in (off.name, on.name) if name in row}
    assert "GS1 prefix</span>" in rows[off.name]
    assert "Registered GS1 company prefix: 8938501" in rows[off.name]
    assert "GS1 prefix</span>" not in rows[on.name]


# --- % and _ are literal in searches -------------------------------------------------------


def test_percent_and_underscore_are_literal_in_searches(client, make):
    producer, owner = make.producer(legal_name="HTX 100% sạch")
    make.producer(legal_name="HTX 1000 cây")
    make.product(producer, owner, name="Giảm 50% muối")
    make.product(producer, owner, name="Gói 500 g")
    make.product(producer, owner, name="mã_A")
    make.product(producer, owner, name="mãxA")
    staff = factories.staff()
    db.session.commit()
    headers = {"Authorization": f"Bearer {factories.token(staff)}"}

    def names(url, key="name"):
        return sorted(p[key] for p in client.get(url, headers=headers).get_json())

    assert names("/api/v1/products/?q=50%25") == ["Giảm 50% muối"]
    assert names("/api/v1/products/?q=_A") == ["mã_A"]
    assert names("/api/v1/producers/?q=100%25", "legal_name") == ["HTX 100% sạch"]
    client.login(owner.email, factories.PASSWORD)
    page = client.get("/products?q=50%25").get_data(as_text=True)
    assert "Giảm 50% muối" in page and "Gói 500 g" not in page
    page = client.get("/products?q=_A").get_data(as_text=True)
    assert "mã_A" in page and "mãxA" not in page


def test_staff_narrow_the_product_list_to_one_ward(client, make):
    """The reports' ward page links to /products?ward=…: that ward's producers' products only."""
    here, here_owner = make.producer(ward_code="26188")
    there, there_owner = make.producer(ward_code="25993")
    make.product(here, here_owner, name="Bưởi Tân Triều")
    make.product(there, there_owner, name="Mật ong Trảng Dài")
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    page = client.get("/products?ward=26188").get_data(as_text=True)
    assert "Bưởi Tân Triều" in page and "Mật ong Trảng Dài" not in page
    assert 'name="ward" value="26188"' in page  # the filter form keeps the ward
    everything = client.get("/products").get_data(as_text=True)
    assert "Bưởi Tân Triều" in everything and "Mật ong Trảng Dài" in everything
    # An unknown ward narrows nothing rather than failing.
    assert "Mật ong Trảng Dài" in client.get("/products?ward=99999").get_data(as_text=True)
