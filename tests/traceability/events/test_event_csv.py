"""CSV upload of a batch's steps: columns by header, BOM and `;`, every row checked first, a report
naming row/column/reason, a bad row refusing the file unless only the good rows are asked for,
and a file imported again storing nothing new."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from flask_babel import gettext
from sqlalchemy import func, select

from core.errors import ValidationFailed
from core.extensions import db
from tests import factories
from traceability.events import imports, vocabulary
from traceability.events.models import TraceEvent

GOOD = (
    "Step;Date;Time;Site;Quantity;Unit;Destination_Name;Destination Ward;Note\r\n"
    "Thu hoạch;05/11/2026;07:30;Vườn bưởi Tân Triều;1.200;kg;;;Hái đợt 1\r\n"
    "\r\n"
    "Xuất hàng;08/11/2026;14:00;vuon buoi tan trieu;500;Kg;Cửa hàng A;26041;\r\n"
)
BAD = GOOD + (
    "Đóng gói;31/02/2026;09:00;Vườn bưởi Tân Triều;10;thúng mủng;;;\r\n"
    "đóng gói;06/11/2026;09:00;Vườn khác;;;;;\r\n"
)


@pytest.fixture
def world(app_ctx):
    producer, owner = factories.producer()
    product = factories.product(producer, owner)
    site = factories.site(producer, owner, name="Vườn bưởi Tân Triều")
    batch = factories.batch(product, owner, site_id=site.id, produced_on=dt.date(2026, 11, 1))
    db.session.commit()
    return owner, site, batch


def csv_bytes(text: str) -> bytes:
    return ("\ufeff" + text).encode("utf-8")


def stored() -> list[TraceEvent]:
    return list(db.session.scalars(select(TraceEvent).order_by(TraceEvent.event_time)))


def test_a_good_file_records_every_row(world):
    owner, site, batch = world
    report = imports.import_csv(csv_bytes(GOOD), batch, owner)
    assert (report.total, report.stored, report.errors, report.skipped) == (2, 2, [], [])
    harvest, shipping = stored()
    assert harvest.biz_step == vocabulary.CBV + "BizStep-commissioning"
    assert harvest.document["quantityList"][0]["quantity"] == 1200  # Vietnamese 1.200
    assert harvest.document["dnt:note"] == "Hái đợt 1"
    assert harvest.source == shipping.source == "csv"
    assert shipping.document["dnt:destinationName"] == "Cửa hàng A"
    assert shipping.document["dnt:destinationWard"] == "26041"
    assert shipping.read_point == f"urn:dongnai-trace:site:{site.id}"
    assert shipping.event_time == dt.datetime(2026, 11, 8, 7, 0, tzinfo=dt.UTC)


def test_a_bad_row_refuses_the_file_and_the_report_names_row_column_reason(world):
    owner, _site, batch = world
    report = imports.import_csv(csv_bytes(BAD), batch, owner)
    assert report.refused and report.stored == 0
    assert stored() == []
    found = {(e["row"], e["field"]) for e in report.errors}
    assert found == {(5, "date"), (5, "unit"), (6, "site")}  # row 3 is blank: Excel's numbering
    assert report.bad_rows == 2
    assert all(e["reason"] for e in report.errors)


def test_only_the_good_rows_when_asked(world):
    owner, _site, batch = world
    report = imports.import_csv(csv_bytes(BAD), batch, owner, only_valid=True)
    assert not report.refused and report.stored == 2 and report.bad_rows == 2
    assert len(stored()) == 2


def test_importing_again_stores_nothing_new(world):
    owner, _site, batch = world
    imports.import_csv(csv_bytes(GOOD), batch, owner)
    again = imports.import_csv(csv_bytes(GOOD.replace(";", ",")), batch, owner)
    assert (again.stored, again.skipped) == (0, [2, 4])
    assert len(stored()) == 2


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("step;date;colour\r\nThu hoạch;05/11/2026;red\r\n", "colour"),
        ("date;time\r\n05/11/2026;07:30\r\n", "step"),
        ("step;date\r\n", "The file has no rows under the header: add one row per event."),
        ("", "The file is empty: row 1 must name the columns (see the template)."),
    ],
)
def test_files_that_cannot_be_read_are_refused_whole(world, text, says):
    owner, _site, batch = world
    with pytest.raises(ValidationFailed) as caught:
        imports.import_csv(csv_bytes(text), batch, owner)
    assert str(gettext(says)) in " ".join(str(m) for m in caught.value.errors["file"])


def test_a_file_that_is_not_utf8_is_refused(world):
    owner, _site, batch = world
    with pytest.raises(ValidationFailed) as caught:
        imports.import_csv(GOOD.encode("cp1258", errors="replace"), batch, owner)
    assert "UTF-8" in str(caught.value.errors["file"][0])


def test_the_template_has_every_column_and_its_examples_are_refused(world):
    owner, _site, batch = world
    template = imports.template_csv()
    header = template.decode("utf-8-sig").splitlines()[0]
    assert header.split(",") == list(imports.COLUMNS)
    report = imports.import_csv(template, batch, owner, only_valid=True)
    assert report.stored == 0 and {e["row"] for e in report.errors} == {2, 3}


def test_uploading_on_the_batch_page(client, world):
    owner, _site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    token = client.csrf_token(url)
    response = client.post(
        f"{url}/events/import",
        data={"csrf_token": token, "file": (io.BytesIO(csv_bytes(BAD)), "steps.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<td>5</td><td><code>date</code></td>" in page
    assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == 0

    response = client.post(
        f"{url}/events/import",
        data={
            "csrf_token": token,
            "only_valid": "y",
            "file": (io.BytesIO(csv_bytes(BAD)), "steps.csv"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(TraceEvent)) == 2


def test_uploading_without_a_file_says_so(client, world):
    owner, _site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    response = client.submit(f"{url}/events/import", {}, token_from=url)
    assert response.status_code == 200
    assert 'id="file-error"' in response.get_data(as_text=True)


def test_the_command_line_import(app, world, tmp_path):
    owner, _site, batch = world
    good, bad = tmp_path / "good.csv", tmp_path / "bad.csv"
    good.write_bytes(csv_bytes(GOOD))
    bad.write_bytes(csv_bytes(BAD))
    runner = app.test_cli_runner(env={"LANG": "en_GB.UTF-8"})
    refused = runner.invoke(
        args=["events", "import", str(bad), "--batch", str(batch.id), "--as", owner.email]
    )
    assert refused.exit_code == 1
    assert "Row 5, date:" in refused.output and "Nothing was imported" in refused.output
    assert stored() == []
    done = runner.invoke(args=["events", "import", str(good), "--batch", str(batch.id)])
    assert done.exit_code == 0, done.output
    assert "2 steps recorded" in done.output
    assert [row.recorded_by_id for row in stored()] == [None, None]  # "the system"
    other = factories.producer()[1]
    db.session.commit()
    refused = runner.invoke(
        args=["events", "import", str(good), "--batch", str(batch.id), "--as", other.email]
    )
    assert refused.exit_code == 1


def test_a_file_refused_whole_says_why_on_the_page(client, world):
    owner, _site, batch = world
    client.login(owner.email, factories.PASSWORD)
    url = f"/batches/{batch.id}"
    response = client.post(
        f"{url}/events/import",
        data={
            "csrf_token": client.csrf_token(url),
            "file": (io.BytesIO(csv_bytes("step;date;colour\r\nx;y;z\r\n")), "steps.csv"),
        },
        content_type="multipart/form-data",
    )
    page = response.get_data(as_text=True)
    start = page.index('id="file-error"')
    assert "colour" in page[start : start + 600]
