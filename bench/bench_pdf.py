"""Benchmark: a stamp-order PDF by render_pdf against the naive qrcode + Pillow loop.

    .venv/bin/python bench/bench_pdf.py [--count 10000] [--rows 8 --cols 6 --size 25]

Both run in this process on the same labels and the same A4 grid. The naive loop is the baseline
the stamps issue defines: for each stamp ``qrcode.make(url)``, saved as PNG into a BytesIO,
reopened, scaled to the stamp size at 300 dpi and pasted on an A4 page image (with its serial and
caption drawn by Pillow, so both outputs carry the same content); the pages are saved as one PDF
by Pillow. The result table is printed and written to bench/results/pdf.json.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from traceability.stamps.render import (  # noqa: E402  (after the path set-up above)
    FONT_PATH,
    Label,
    Layout,
    render_pdf,
)

RESULTS = ROOT / "bench" / "results" / "pdf.json"
# GS1 character set 82 without the characters that need escaping in a URI path.
SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
CAPTIONS = ("Bưởi Tân Triều", "Cà phê Định Quán", "Sầu riêng Long Khánh", "Chôm chôm Long Khánh")
DPI = 300


def gtin14(rng: random.Random) -> str:
    """A GTIN-14 with a Vietnamese (893) prefix and a valid check digit."""
    body = "0893" + "".join(rng.choice("0123456789") for _ in range(9))
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return body + str((10 - total % 10) % 10)


def make_labels(count: int, seed: int = 2024) -> list[Label]:
    rng = random.Random(seed)
    products = [(gtin14(rng), caption) for caption in CAPTIONS]
    labels = []
    for i in range(count):
        gtin, caption = products[i % len(products)]
        lot = f"L{2025 + i // 5000}{i // 1000 % 10:02d}"
        serial = "".join(rng.choice(SERIAL_ALPHABET) for _ in range(11))
        url = f"https://truyxuat.dongnai.gov.vn/01/{gtin}/10/{lot}/21/{serial}"
        labels.append(Label(url=url, serial=serial, caption=caption))
    return labels


def run_ours(labels: list[Label], layout: Layout) -> tuple[float, int]:
    out = io.BytesIO()
    start = time.perf_counter()
    render_pdf(iter(labels), layout, out, title="Benchmark")
    return time.perf_counter() - start, len(out.getvalue())


def run_naive(labels: list[Label], layout: Layout) -> tuple[float, int]:
    """The baseline loop, written the obvious way with the two libraries the project has."""
    px_per_mm = DPI / 25.4
    page_w, page_h = (round(v * px_per_mm) for v in layout.page_mm)
    stamp_px = round(layout.size_mm * px_per_mm)
    serial_font = ImageFont.truetype(str(FONT_PATH), round(layout.text_pt / 72 * DPI))
    caption_font = ImageFont.truetype(str(FONT_PATH), round(layout.caption_pt / 72 * DPI))
    pitch_x = (layout.label_width_mm + layout.gap_mm) * px_per_mm
    pitch_y = (layout.label_height_mm + layout.gap_mm) * px_per_mm
    grid_w = layout.cols * pitch_x - layout.gap_mm * px_per_mm
    grid_h = layout.rows * pitch_y - layout.gap_mm * px_per_mm
    left, top = (page_w - grid_w) / 2, (page_h - grid_h) / 2
    out = io.BytesIO()

    start = time.perf_counter()
    pages: list[Image.Image] = []
    page = draw = None
    for i, label in enumerate(labels):
        slot = i % layout.per_page
        if slot == 0:
            page = Image.new("1", (page_w, page_h), 1)
            draw = ImageDraw.Draw(page)
            pages.append(page)
        png = io.BytesIO()
        qrcode.make(label.url).save(png, "PNG")
        png.seek(0)
        with Image.open(png) as stamp, stamp.resize((stamp_px, stamp_px)) as scaled:
            x = round(left + slot % layout.cols * pitch_x)
            y = round(top + slot // layout.cols * pitch_y)
            page.paste(scaled, (x, y))
        centre = x + stamp_px / 2
        draw.text((centre, y + stamp_px), label.serial, font=serial_font, fill=0, anchor="mt")
        caption_y = y + stamp_px + serial_font.size * 1.25
        draw.text((centre, caption_y), label.caption, font=caption_font, fill=0, anchor="mt")
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI)
    elapsed = time.perf_counter() - start
    for page in pages:
        page.close()
    return elapsed, len(out.getvalue())


def row(name: str, count: int, seconds: float, size: int) -> str:
    return f"{name:<28}{count:>8}{seconds:>11.2f}{count / seconds:>12.0f}{size / 1e6:>12.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000, help="labels (default 10000)")
    parser.add_argument("--rows", type=int, default=Layout.rows)
    parser.add_argument("--cols", type=int, default=Layout.cols)
    parser.add_argument("--size", type=float, default=Layout.size_mm, help="stamp size in mm")
    args = parser.parse_args()

    layout = Layout(rows=args.rows, cols=args.cols, size_mm=args.size)
    layout.check()
    labels = make_labels(args.count)
    render_pdf(iter(labels[:10]), layout, io.BytesIO())  # load the font, build QR tables

    ours_s, ours_size = run_ours(labels, layout)
    naive_s, naive_size = run_naive(labels, layout)
    ratio = naive_s / ours_s

    print(f"A4 {layout.rows}x{layout.cols} stamps of {layout.size_mm:g} mm, {args.count} labels")
    print(f"{'':<28}{'labels':>8}{'seconds':>11}{'labels/s':>12}{'PDF MB':>12}")
    print(row("naive qrcode + Pillow", args.count, naive_s, naive_size))
    print(row("render_pdf", args.count, ours_s, ours_size))
    print(f"speed ratio (naive / render_pdf): {ratio:.1f}x")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    result = {
        "benchmark": "stamp PDF, render_pdf vs naive qrcode.make + Pillow loop",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
        "layout": {"rows": layout.rows, "cols": layout.cols, "size_mm": layout.size_mm},
        "labels": args.count,
        "naive": {"seconds": round(naive_s, 3), "bytes": naive_size},
        "render_pdf": {"seconds": round(ours_s, 3), "bytes": ours_size},
        "ratio": round(ratio, 2),
    }
    RESULTS.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"written {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
