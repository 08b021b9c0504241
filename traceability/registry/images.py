"""Product images: checked, re-encoded without metadata, and stored in a few sizes."""

from __future__ import annotations

import io
import secrets
import warnings
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from core import audit
from core.db import on_rollback
from core.errors import FieldErrors, ValidationFailed
from core.extensions import db
from traceability.registry.models import Product, ProductImage

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP"}
# Widths served to pages: a phone list thumbnail, the consumer page, a zoomed view.
VARIANT_WIDTHS = (320, 640, 1280)
MAX_IMAGES_PER_PRODUCT = 8
JPEG_QUALITY = 82


def _fail(message) -> None:
    raise ValidationFailed({"image": [message]})


def media_dir() -> Path:
    path = Path(current_app.config["UPLOAD_FOLDER"]) / "products"
    path.mkdir(parents=True, exist_ok=True)
    return path


def variant_name(key: str, width: int) -> str:
    return f"{key}_{width}.jpg"


def read_limited(stream, limit: int) -> bytes:
    """Read at most `limit` bytes, refusing larger uploads without reading them whole."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        _fail(_l("The image is larger than %(mb)d MB: use a smaller photo.", mb=limit // 2**20))
    if not data:
        _fail(_l("The file is empty."))
    return data


# Every variant fits this box (width, at most four times as high), so a photo is decoded no
# larger: JPEGs are decoded at 1/2, 1/4 or 1/8 scale (draft), others are reduced right away.
PRODUCT_BOX = (max(VARIANT_WIDTHS), 4 * max(VARIANT_WIDTHS))
# reduce() by whole factors down to twice the target, then resample: quality stays Lanczos.
REDUCING_GAP = 2.0
# EXIF orientations that swap width and height when the picture is turned upright.
TURNED_SIDEWAYS = {5, 6, 7, 8}


def _too_many_pixels(max_pixels: int) -> None:
    _fail(
        _l(
            "The image has too many pixels: use a photo under %(mp)d megapixels.",
            mp=max_pixels // 1_000_000,
        )
    )


def decode_image(
    data: bytes, *, box: tuple[int, int] | None = None, max_pixels: int | None = None
) -> Image.Image:
    """Open untrusted bytes as an RGB image, refusing non-images, unknown formats and bombs.

    The pixel limit (`max_pixels`, default MAX_IMAGE_PIXELS) is checked on the header, before
    decoding. With `box`, the upright picture comes back no larger than the box and is decoded
    that small where the format allows it, so a worker's memory stays bounded.
    """
    max_pixels = max_pixels or current_app.config["MAX_IMAGE_PIXELS"]
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                _fail(_l("Upload a JPEG, PNG or WebP photo."))
            width, height = probe.size
            if width * height > max_pixels:
                _too_many_pixels(max_pixels)
            full_decode = current_app.config["MAX_FULL_DECODE_PIXELS"]
            if probe.format != "JPEG" and width * height > full_decode:
                _fail(
                    _l(
                        "PNG and WebP photos must be under %(mp)d megapixels: save this photo as "
                        "a JPEG, or make it smaller.",
                        mp=full_decode // 1_000_000,
                    )
                )
            probe.verify()
            image = Image.open(io.BytesIO(data))
            if box is not None:
                image = _reduced(image, box)
            image.load()
        except ValidationFailed:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _too_many_pixels(max_pixels)
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            _fail(_l("This file is not a readable image: upload a JPEG, PNG or WebP photo."))
    if min(width, height) < 64:
        _fail(_l("The image is too small: use a photo at least 64 pixels wide and high."))
    # Respect the camera's orientation, then drop EXIF (GPS, device) by copying pixels only.
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, (255, 255, 255))
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def _reduced(image: Image.Image, box: tuple[int, int]) -> Image.Image:
    """Shrink a not yet decoded image to fit `box` once turned upright, decoding as little as
    the format allows (JPEG: draft; others: reduce() by a whole factor, then Lanczos)."""
    if image.getexif().get(0x0112) in TURNED_SIDEWAYS:
        box = (box[1], box[0])
    if image.mode in ("1", "P"):
        # Palette and bi-level pictures resize only by nearest neighbour: convert first.
        image.load()
        image = image.convert("RGBA" if image.mode == "P" else "L")
    # Pillow drafts a JPEG for the box it is given, not for the picture's size within it: give
    # it the fitted size, or a tall box (products) would never let it decode at a smaller scale.
    scale = min(box[0] / image.width, box[1] / image.height)
    if scale < 1:
        fitted = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image.thumbnail(fitted, Image.Resampling.LANCZOS, reducing_gap=REDUCING_GAP)
    return image


def add_product_image(product: Product, stream, actor, alt: str = "") -> ProductImage:
    """Store an uploaded photo of a product in every variant size."""
    errors = FieldErrors()
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        errors.add("image", _l("A product has at most %(n)d photos.", n=MAX_IMAGES_PER_PRODUCT))
    errors.raise_if_any()
    data = read_limited(stream, current_app.config["MAX_IMAGE_BYTES"])
    image = decode_image(data, box=PRODUCT_BOX)
    key = secrets.token_urlsafe(15)
    folder = media_dir()
    written = []
    try:
        for width in VARIANT_WIDTHS:
            variant = image.copy()
            if variant.width > width:
                variant.thumbnail((width, width * 4), Image.Resampling.LANCZOS)
            path = folder / variant_name(key, width)
            variant.save(path, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
            written.append(path)
        record = ProductImage(
            product_id=product.id,
            key=key,
            width=image.width,
            height=image.height,
            position=len(product.images),
            alt=(alt or product.name)[:200],
        )
        db.session.add(record)
        db.session.flush()
    except Exception:
        _remove(written)
        raise
    # If the request fails after this point, its rollback takes the files away too.
    on_rollback(db.session(), lambda: _remove(written))
    audit.record(actor, "product.image_add", product, key=key)
    return record


def _remove(paths) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def delete_product_image(image: ProductImage, actor) -> None:
    audit.record(actor, "product.image_delete", image.product, key=image.key)
    key = image.key
    db.session.delete(image)
    db.session.flush()
    for width in VARIANT_WIDTHS:
        (media_dir() / variant_name(key, width)).unlink(missing_ok=True)
