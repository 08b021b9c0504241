"""The origin log's public pages, the consumer page's "verify" section and the staff monitor page:
what each says is only what is true (records waiting, a failed check), drafts are 404, and the
stamp page pays at most one query for the section."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy import update

from core.extensions import db
from tests import factories
from tests.traceability.events.test_journey import BROWSER, HARVESTED, World, local, page, season
from tests.traceability.ledger.helpers import use_key
from traceability.ledger import checkpoints, monitor, tree
from traceability.ledger.models import LedgerCheck, LedgerEntry

EN = {"Accept-Language": "en"}


@pytest.fixture
def world(app_ctx, app, monkeypatch):
    use_key(monkeypatch, app)
    world = World(stamps=1)
    season(world)
    db.session.commit()
    return world


def signed(world) -> None:
    """Sequence and sign everything recorded so far."""
    checkpoints.publish()
    db.session.commit()


def batch_count(world) -> int:
    from traceability.ledger import views

    return len(views.batch_entries(world.batch))


def verify_section(html: str) -> str:
    start = html.index('<section class="log">')
    return html[start : html.index("</section>", start)]


# --- the consumer page's section ----------------------------------------------------------------


def test_consumer_section_counts_the_batch_records_in_the_latest_checkpoint(client, world):
    signed(world)
    total = batch_count(world)
    assert total == 6  # the product's public data, the stamp order, four steps
    html = verify_section(page(client, world.stamp_path(), **EN))
    assert f"All {total} records of this batch are in the public log" in html
    assert f'href="/log/batches/{world.batch.id}"' in html


def test_consumer_section_says_when_records_wait_for_the_next_checkpoint(client, world):
    signed(world)
    world.record("receiving", world_time())
    db.session.commit()
    html = verify_section(page(client, world.stamp_path(), **EN))
    assert "7 records of this batch are in the public log." in html
    assert "1 of them waits for the next signed checkpoint." in html
    assert "All " not in html


def test_consumer_section_says_the_check_failed_and_never_claims_more(client, world):
    signed(world)
    db.session.add(LedgerCheck(ok=False, size=1, checkpoints=1, problems=[{"kind": "x"}]))
    db.session.commit()
    html = verify_section(page(client, world.stamp_path(), **EN))
    assert "The latest check of the public log failed" in html
    assert "All " not in html and "nobody can change" not in html


def test_consumer_section_in_vietnamese_by_default(client, world):
    signed(world)
    html = page(client, world.stamp_path())
    with force_locale("vi"):
        heading = _("Origin check")  # "Kiểm chứng nguồn gốc" once the PO fragment is merged
    assert f"<h3>{heading}</h3>" in verify_section(html)
    assert '<html lang="vi">' in html


def test_consumer_section_costs_one_query(client, world):
    """The section's only statement is one small query of the log's tables."""
    signed(world)
    path = world.stamp_path()
    page(client, path)  # warm the cards' cache
    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", count)
    try:
        html = page(client, path, **EN)
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", count)
    assert "records of this batch are in the public log" in html
    assert len([s for s in seen if "ledger_" in s]) == 1, seen


# --- public pages -------------------------------------------------------------------------------


def test_log_index_shows_the_checkpoint_key_and_how_to_verify(client, world):
    signed(world)
    latest = checkpoints.latest()
    html = page(client, "/log/", **EN)
    assert base64.b64encode(bytes.fromhex(latest.root_hash)).decode() in html  # as signed
    from traceability.ledger import keys

    assert keys.published_keys()[0] in html
    assert "python -m traceability.ledger.verify bundle --key KEY bundle.json" in html
    assert "cryptography" in html and "rfc8785" in html
    assert "/api/log/checkpoint" in html
    assert "has not been checked yet" in html
    monitor.run_check(record=True)
    db.session.commit()
    assert ": passed." in page(client, "/log/", **EN)


def test_log_index_says_a_failed_check_failed(client, world):
    db.session.add(LedgerCheck(ok=False, size=1, checkpoints=1, problems=[]))
    db.session.commit()
    assert "FAILED" in page(client, "/log/", **EN)


def test_batch_page_lists_records_with_their_place_in_the_log(client, world):
    signed(world)
    world.record("receiving", world_time())
    db.session.commit()
    html = page(client, f"/log/batches/{world.batch.id}", **EN)
    size = checkpoints.latest().size
    assert html.count('<section class="product">') == 7
    assert html.count(f"In checkpoint #{size} (leaf ") == 6
    assert "Waiting for the next checkpoint (within 5 minutes)" in html
    assert "Harvest" in html and "Stamp order" in html and "Product's public data" in html
    assert f"/api/log/batches/{world.batch.id}/bundle" in html
    entry = db.session.scalars(
        db.select(LedgerEntry)
        .where(LedgerEntry.batch_id == world.batch.id)
        .order_by(LedgerEntry.id)
    ).first()
    assert entry.leaf_hash in html  # the full hash, behind the short one
    assert f"/api/log/leaves/{entry.leaf_index}?tree_size={size}" in html


def test_product_page_lists_the_products_and_its_batches_records(client, world):
    signed(world)
    html = page(client, f"/log/products/{world.product.gtin}", **EN)
    assert html.count('<section class="product">') == 6
    assert f"/api/log/products/{world.product.gtin}/bundle" in html


def test_entry_page_shows_the_record_and_its_content(client, world):
    signed(world)
    entry = db.session.scalars(
        db.select(LedgerEntry).where(LedgerEntry.event_pk.is_not(None)).order_by(LedgerEntry.id)
    ).first()
    html = page(client, f"/log/entries/{entry.leaf_hash}", **EN)
    assert "Harvest" in html
    assert "ObjectEvent" in html  # the EPCIS event the record's hash is of
    assert f"/api/log/entries/{entry.leaf_hash}" in html


def test_draft_product_and_its_batch_and_records_are_404(client, app_ctx, app, monkeypatch):
    use_key(monkeypatch, app)
    producer, owner = factories.producer()
    draft = factories.product(producer, owner)
    batch = factories.batch(draft, owner)
    db.session.commit()
    assert client.get(f"/log/products/{draft.gtin}", headers=BROWSER).status_code == 404
    assert client.get(f"/log/batches/{batch.id}", headers=BROWSER).status_code == 404
    assert client.get("/log/entries/" + "0" * 64, headers=BROWSER).status_code == 404
    assert client.get("/log/entries/not-a-hash", headers=BROWSER).status_code == 404


def test_pages_switch_language(client, world):
    signed(world)
    html = page(client, f"/log/batches/{world.batch.id}")
    assert "?lang=en" in html


# --- staff --------------------------------------------------------------------------------------


def test_staff_page_shows_counts_key_and_pending(client, world):
    from traceability.ledger import keys

    tree.integrate()
    world.record("receiving", world_time())
    db.session.commit()
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    html = client.get("/staff/log/", headers=EN).get_data(as_text=True)
    assert keys.signer().verifier().vkey in html
    assert "Waiting for a leaf index" in html
    assert "The log has never been checked." in html


def test_staff_buttons_sign_a_checkpoint_and_run_the_check(client, world):
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    before = checkpoints.latest()
    response = client.submit("/staff/log/checkpoint", token_from="/staff/log/")
    assert response.status_code == 302
    latest = checkpoints.latest()
    assert latest is not None and latest is not before and latest.size == tree.tree_size()
    assert tree.pending() == 0
    # The flash is worded in the language of the request that ran the check.
    response = client.submit("/staff/log/check", token_from="/staff/log/", headers=EN)
    assert response.status_code == 302
    html = client.get("/staff/log/", headers=EN).get_data(as_text=True)
    assert "The check passed" in html
    assert db.session.scalars(db.select(LedgerCheck).order_by(LedgerCheck.id.desc())).first().ok


def test_staff_post_without_csrf_is_refused(client, world):
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    assert client.post("/staff/log/checkpoint").status_code == 400


def test_a_rewritten_leaf_raises_the_alarm_on_staff_pages(client, world):
    signed(world)
    db.session.execute(
        update(LedgerEntry)
        .where(LedgerEntry.batch_id == world.batch.id, LedgerEntry.event_pk.is_not(None))
        .values(record=LedgerEntry.record + " ")
    )
    db.session.commit()
    staff = factories.staff()
    db.session.commit()
    client.login(staff.email, factories.PASSWORD)
    client.submit("/staff/log/check", token_from="/staff/log/")
    html = client.get("/staff/log/", headers=EN).get_data(as_text=True)
    assert "ALARM" in html
    # The banner on every staff page, linking to the monitor.
    other = client.get("/staff/reports", headers=EN).get_data(as_text=True)
    assert "The origin log check FAILED" in other and 'href="/staff/log/"' in other
    # Not for producers.
    client.post("/logout", data={"csrf_token": client.csrf_token("/account")})
    client.login(world.owner.email, factories.PASSWORD)
    mine = client.get("/products", headers=EN).get_data(as_text=True)
    assert "The origin log check FAILED" not in mine
    # And the consumer page says so.
    assert "The latest check of the public log failed" in page(client, world.stamp_path(), **EN)


def world_time() -> dt.datetime:
    return local(HARVESTED + dt.timedelta(days=2), 9)
