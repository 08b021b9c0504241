"""Product photos: only real images, never bombs, never with the camera's EXIF, in three sizes."""

import io
from typing import ClassVar

import pytest
import sqlalchemy as sa
from PIL import Image

from core.errors import ValidationFailed
from core.extensions import db
from tests import factories
from traceability.registry import images


def jpeg_with_gps(size=(1600, 1200)) -> io.BytesIO:
    img = Image.new("RGB", size, (200, 120, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90° when shown
    exif.get_ifd(0x8825)[2] = (10.0, 57.0, 21.0)  # GPSLatitude
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif.tobytes())
    out.seek(0)
    return out


@pytest.fixture
def product(make):
    producer, owner = make.producer()
    return make.product(producer, owner), owner


def stored_files(key):
    return [images.media_dir() / images.variant_name(key, w) for w in images.VARIANT_WIDTHS]


def test_photos_are_stored_in_three_sizes_without_exif(product):
    prod, owner = product
    record = images.add_product_image(prod, jpeg_with_gps(), owner)
    # The camera said "rotate": the stored picture is upright (portrait).
    assert (record.width, record.height) == (1200, 1600)
    for width, path in zip(images.VARIANT_WIDTHS, stored_files(record.key), strict=True):
        with Image.open(path) as stored:
            assert stored.format == "JPEG"
            assert stored.width == min(width, 1200)
            assert not stored.getexif(), f"EXIF left in {path.name}"
            assert b"PhoneMaker" not in path.read_bytes()


def test_transparent_png_gets_a_white_background(product):
    prod, owner = product
    out = io.BytesIO()
    Image.new("RGBA", (300, 300), (0, 0, 0, 0)).save(out, "PNG")
    out.seek(0)
    record = images.add_product_image(prod, out, owner)
    with Image.open(stored_files(record.key)[0]) as stored:
        assert stored.getpixel((10, 10)) == (255, 255, 255)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"<?php echo 'hi'; ?>", "not a readable image"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not a readable image"),
    ],
)
def test_non_images_are_refused_and_nothing_is_written(product, payload, reason):
    prod, owner = product
    before = set(images.media_dir().iterdir())
    with pytest.raises(ValidationFailed) as exc, __import__("flask_babel").force_locale("en"):
        images.add_product_image(prod, io.BytesIO(payload), owner)
    assert reason in str(exc.value.errors["image"][0])
    assert set(images.media_dir().iterdir()) == before
    assert prod.images == []


def test_gif_and_other_formats_are_refused(product):
    prod, owner = product
    out = io.BytesIO()
    Image.new("P", (100, 100)).save(out, "GIF")
    out.seek(0)
    with pytest.raises(ValidationFailed):
        images.add_product_image(prod, out, owner)


def test_decompression_bombs_are_refused_before_decoding(product):
    """A 10,000 × 10,000 PNG of one colour is tiny on disk but 100 megapixels in memory."""
    prod, owner = product
    out = io.BytesIO()
    Image.new("1", (10_000, 10_000)).save(out, "PNG")
    assert out.tell() < 200_000
    out.seek(0)
    with pytest.raises(ValidationFailed) as exc, __import__("flask_babel").force_locale("en"):
        images.add_product_image(prod, out, owner)
    assert "too many pixels" in str(exc.value.errors["image"][0])


def test_files_over_the_size_limit_are_refused_without_reading_them_whole(
    app, product, monkeypatch
):
    prod, owner = product
    monkeypatch.setitem(app.config, "MAX_IMAGE_BYTES", 1000)

    class Stream(io.BytesIO):
        read_sizes: ClassVar[list[int]] = []

        def read(self, size=-1):
            self.read_sizes.append(size)
            return super().read(size)

    stream = Stream(b"x" * 50_000)
    with pytest.raises(ValidationFailed):
        images.add_product_image(prod, stream, owner)
    assert stream.read_sizes == [1001]


def test_upload_through_the_page_and_serve_publicly(client, make):
    producer, owner = make.producer()
    prod = make.product(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    token = client.csrf_token(f"/products/{prod.id}")
    response = client.post(
        f"/products/{prod.id}/images",
        data={"csrf_token": token, "image": (jpeg_with_gps((800, 600)), "IMG_0001.JPG")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.refresh(prod)
    (record,) = prod.images
    client.submit("/logout", token_from="/account")
    served = client.get(f"/media/products/{images.variant_name(record.key, 320)}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert "immutable" in served.headers["Cache-Control"]
    served.close()
    assert client.get("/media/products/../../secret_key").status_code == 404


def test_a_bad_upload_through_the_page_says_why(client, make):
    producer, owner = make.producer()
    prod = make.product(producer, owner)
    db.session.commit()
    client.login(owner.email, factories.PASSWORD)
    token = client.csrf_token(f"/products/{prod.id}")
    response = client.post(
        f"/products/{prod.id}/images",
        data={"csrf_token": token, "image": (io.BytesIO(b"not an image"), "x.jpg")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "This file is not a readable image" in response.get_data(as_text=True)


def test_a_rolled_back_upload_leaves_no_files(product):
    prod, owner = product
    record = images.add_product_image(prod, jpeg_with_gps((400, 300)), owner)
    paths = stored_files(record.key)
    assert all(p.exists() for p in paths)
    db.session.rollback()
    assert not any(p.exists() for p in paths)


def test_a_committed_upload_keeps_its_files_after_a_later_rollback(product):
    prod, owner = product
    record = images.add_product_image(prod, jpeg_with_gps((400, 300)), owner)
    paths = stored_files(record.key)
    db.session.commit()
    db.session.rollback()
    assert all(p.exists() for p in paths)


def test_another_sessions_rollback_does_not_touch_the_files(app, product):
    prod, owner = product
    record = images.add_product_image(prod, jpeg_with_gps((400, 300)), owner)
    paths = stored_files(record.key)
    with app.app_context():  # another request's session, which fails
        db.session.execute(sa.select(1))
        db.session.rollback()
    assert all(p.exists() for p in paths)


def test_a_large_sideways_photo_is_reduced_once_upright_to_the_largest_variant(product):
    """Decoded straight down to the 1280 px variant, judged on the upright picture."""
    prod, owner = product
    record = images.add_product_image(prod, jpeg_with_gps((3000, 2000)), owner)
    assert (record.width, record.height) == (1280, 1920)
    with Image.open(stored_files(record.key)[-1]) as largest:
        assert largest.size == (1280, 1920)


def test_report_photos_have_a_lower_pixel_limit_than_product_photos(app_ctx):
    out = io.BytesIO()
    Image.new("RGB", (5000, 4000)).save(out, "JPEG")  # 20 megapixels: fine for a product
    data = out.getvalue()
    assert images.decode_image(data, box=images.PRODUCT_BOX).size == (1280, 1024)
    with pytest.raises(ValidationFailed) as exc, __import__("flask_babel").force_locale("en"):
        images.decode_image(data, max_pixels=16_000_000)
    assert "under 16 megapixels" in str(exc.value.errors["image"][0])
