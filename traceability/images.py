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
from traceability.models import Product, ProductImage

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


def decode_image(data: bytes) -> Image.Image:
    """Open untrusted bytes as an RGB image, refusing non-images, unknown formats and bombs."""
    max_pixels = current_app.config["MAX_IMAGE_PIXELS"]
    with warnings.catch_warnings():
        # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as refusal.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ALLOWED_FORMATS:
                _fail(_l("Upload a JPEG, PNG or WebP photo."))
            width, height = probe.size
            if width * height > max_pixels:
                _fail(_l("The image has too many pixels: use a photo under 40 megapixels."))
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
        except ValidationFailed:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            _fail(_l("The image has too many pixels: use a photo under 40 megapixels."))
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
            _fail(_l("This file is not a readable image: upload a JPEG, PNG or WebP photo."))
    if min(image.size) < 64:
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


def add_product_image(product: Product, stream, actor, alt: str = "") -> ProductImage:
    """Store an uploaded photo of a product in every variant size."""
    errors = FieldErrors()
    if len(product.images) >= MAX_IMAGES_PER_PRODUCT:
        errors.add("image", _l("A product has at most %(n)d photos.", n=MAX_IMAGES_PER_PRODUCT))
    errors.raise_if_any()
    data = read_limited(stream, current_app.config["MAX_IMAGE_BYTES"])
    image = decode_image(data)
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
