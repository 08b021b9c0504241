"""The adapters' registry and the national portal's file-based adapter (outbox and inbox)."""

from __future__ import annotations

import io
import json

import pytest
from PIL import Image
from sqlalchemy import select

from core.accounts.models import User
from core.extensions import db
from tests import factories
from traceability.events import documents
from traceability.exchange import adapters
from traceability.exchange.adapters.base import AdapterError, ItemResult
from traceability.registry import demo, images
from traceability.registry.models import PortalState, Product


@pytest.fixture
def portal(app, tmp_path, monkeypatch):
    """The portal system, its folders in the test's temporary folder."""
    systems = {
        "portal": {
            "adapter": "national_portal",
            "outbox": str(tmp_path / "outbox"),
            "inbox": str(tmp_path / "inbox"),
        },
        "broken": {"adapter": "carrier_pigeon"},
        "no_url": {"adapter": "epcis_repository"},
    }
    monkeypatch.setitem(app.config, "EXCHANGE_SYSTEMS", systems)
    return tmp_path


def _photo() -> io.BytesIO:
    out = io.BytesIO()
    Image.new("RGB", (400, 300), "orange").save(out, "JPEG")
    out.seek(0)
    return out


def _complete_product() -> Product:
    """A demo product listed on the portal, with the photo the demo leaves out."""
    demo.load_demo()
    product = db.session.scalars(
        select(Product).where(Product.portal_state == PortalState.LISTED).order_by(Product.id)
    ).first()
    owner = db.session.scalars(select(User).where(User.producer_id == product.producer_id)).first()
    images.add_product_image(product, _photo(), owner)
    db.session.flush()
    db.session.refresh(product)
    return product


def test_systems_are_built_from_the_config_and_mistakes_are_named(app_ctx, portal):
    assert adapters.names() == ["broken", "no_url", "portal"]
    assert adapters.get("portal").kind == "national_portal"
    for name in ("nowhere", "broken", "no_url"):
        with pytest.raises(AdapterError) as refused:
            adapters.get(name)
        assert name in str(refused.value)


def test_an_item_result_has_one_of_the_known_statuses():
    assert ItemResult("x", "stored").status == "stored"
    with pytest.raises(ValueError):
        ItemResult("x", "ok")


def test_a_complete_product_is_written_to_the_outbox_as_json_and_csv(app_ctx, portal):
    product = _complete_product()
    adapter = adapters.get("portal")

    [result] = adapter.export_product(product)

    assert result.status == "sent", result
    files = sorted(p.name for p in (portal / "outbox").iterdir())
    assert len(files) == 2 and all(f.startswith(f"{product.gtin}-") for f in files)
    assert result.reference == ", ".join(files[::-1])  # the .json, then the .csv
    written = json.loads((portal / "outbox" / files[1]).read_text(encoding="utf-8"))
    assert written["gtin"] == product.gtin and written["missing"] == []
    assert (portal / "outbox" / files[0]).read_bytes().startswith("\ufeff".encode())
    assert adapter.export_product(product)[0].status == "unchanged"


def test_an_incomplete_product_is_not_exported_and_says_what_is_missing(app_ctx, portal):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)

    [result] = adapters.get("portal").export_product(product)

    assert (result.item, result.status) == (product.gtin, "failed")
    assert result.detail
    assert not (portal / "outbox").exists() or not list((portal / "outbox").iterdir())


def test_events_are_written_as_one_epcis_document(app_ctx, portal):
    product = _complete_product()
    events = list(db.session.scalars(documents.product_events(product)))
    assert events

    results = adapters.get("portal").push_events(events)

    assert [r.item for r in results] == [e.event_id for e in events]
    assert {r.status for r in results} == {"sent"}
    [path] = list((portal / "outbox").iterdir())
    assert path.name == results[0].reference
    document = json.loads(path.read_text(encoding="utf-8"))
    assert documents.validate(document) == []
    assert [e["eventID"] for e in document["epcisBody"]["eventList"]] == [
        e.event_id for e in events
    ]


def _drop(portal, name: str, rows: list[str]) -> None:
    inbox = portal / "inbox"
    inbox.mkdir(exist_ok=True)
    (inbox / name).write_text("GTIN,state,reference,date\n" + "\n".join(rows) + "\n")


def _submitted_products(n: int) -> list[Product]:
    producer, owner = factories.producer()
    return [factories.published_product(producer, owner) for _ in range(n)]


def test_listing_results_in_the_inbox_are_applied_and_the_file_moved_to_done(app_ctx, portal):
    first, second = _submitted_products(2)
    _drop(
        portal,
        "results-1.csv",
        [f"{first.gtin},listed,DN-001,02/11/2026", f"{second.gtin},rejected,,03/11/2026"],
    )
    adapter = adapters.get("portal")
    adapter.actor = factories.staff()

    results = adapter.pull_status([])

    assert [(r.item, r.status) for r in results] == [
        (first.gtin, "updated"),
        (second.gtin, "updated"),
    ]
    assert (first.portal_state, first.portal_reference) == (PortalState.LISTED, "DN-001")
    assert second.portal_state is PortalState.REJECTED
    assert (portal / "inbox" / "results-1.csv").exists(), "moved only once saved"
    db.session.commit()
    adapter.committed()
    assert (portal / "inbox" / "done" / "results-1.csv").exists()
    assert not (portal / "inbox" / "results-1.csv").exists()

    _drop(portal, "results-2.csv", [f"{first.gtin},listed,DN-001,02/11/2026"])
    assert [r.status for r in adapter.pull_status([])] == ["unchanged"]


def test_a_results_file_whose_changes_are_rolled_back_stays_in_the_inbox(app_ctx, portal):
    [product] = _submitted_products(1)
    _drop(portal, "results.csv", [f"{product.gtin},listed,DN-9,02/11/2026"])
    adapter = adapters.get("portal")
    adapter.actor = factories.staff()
    db.session.commit()

    assert [r.status for r in adapter.pull_status([])] == ["updated"]
    db.session.rollback()

    assert (portal / "inbox" / "results.csv").exists()
    assert not (portal / "inbox" / "done").exists()
    assert [r.status for r in adapter.pull_status([])] == ["updated"]


def test_a_results_file_with_a_bad_row_saves_nothing_and_is_reported(app_ctx, portal):
    [good] = _submitted_products(1)
    before = good.portal_state
    _drop(portal, "results.csv", [f"{good.gtin},listed,DN-7,02/11/2026", "123,listed,X,02/11/2026"])

    results = adapters.get("portal").pull_status([])

    assert [r.status for r in results] == ["failed", "failed"]
    assert results[0].detail and results[1].detail and results[0].detail != results[1].detail
    db.session.refresh(good)
    assert good.portal_state == before
    failed = portal / "inbox" / "failed"
    assert (failed / "results.csv").exists()
    report = (failed / "results.csv.report.txt").read_text(encoding="utf-8")
    assert "3" in report  # the bad row's line number (the header is line 1)
    assert not list((portal / "inbox").glob("*.csv"))


def test_an_unreadable_results_file_is_moved_to_failed(app_ctx, portal):
    inbox = portal / "inbox"
    inbox.mkdir()
    (inbox / "wrong.csv").write_text("name,colour\nx,y\n")

    [result] = adapters.get("portal").pull_status([])

    assert (result.item, result.status) == ("wrong.csv", "failed")
    assert (inbox / "failed" / "wrong.csv.report.txt").exists()


def test_the_cli_lists_systems_and_exits_1_when_an_export_fails(app, app_ctx, portal):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["exchange", "systems"])
    assert "portal: national_portal" in listed.output
    assert "broken:" in listed.output

    done = runner.invoke(args=["exchange", "export", "portal", "--product", product.gtin])
    assert done.exit_code == 1
    assert done.output.startswith(f"failed      {product.gtin}")

    usage = runner.invoke(args=["exchange", "export", "portal"])
    assert usage.exit_code == 2


def test_the_cli_pulls_the_inbox_as_a_staff_account_and_moves_the_file(app, app_ctx, portal):
    [product] = _submitted_products(1)
    staff = factories.staff()
    _drop(portal, "results.csv", [f"{product.gtin},listed,DN-42,02/11/2026"])

    done = app.test_cli_runner().invoke(args=["exchange", "pull", "portal", "--as", staff.email])

    assert done.exit_code == 0, done.output
    assert done.output.startswith(f"updated     {product.gtin}")
    db.session.refresh(product)
    assert (product.portal_state, product.portal_reference) == (PortalState.LISTED, "DN-42")
    assert (portal / "inbox" / "done" / "results.csv").exists()
