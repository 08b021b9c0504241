"""Stamp rendering: every printed QR decodes with an independent decoder, text is real text.

The PDFs are rasterised by poppler (pdftoppm, 300 dpi, as a print shop's RIP would) and read back
with zxing-cpp; the QR encoder is also compared module for module with the qrcode package.
"""

from __future__ import annotations

import io
import os
import random
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import pypdf
import pytest
import qrcode
import qrcode.util
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from traceability.stamps.render import (
    FONT_PATH,
    QUIET_ZONE,
    Label,
    Layout,
    LayoutError,
    encode_qr,
    penalty,
    qr_matrix,
    qr_rectangles,
    render_pdf,
    render_png,
    render_svg,
    wrap_text,
)

DPI = 300
SERIAL_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789"
QRCODE_EC = {"L": qrcode.constants.ERROR_CORRECT_L, "M": qrcode.constants.ERROR_CORRECT_M}
QRCODE_EC |= {"Q": qrcode.constants.ERROR_CORRECT_Q, "H": qrcode.constants.ERROR_CORRECT_H}
EC_AT_LEAST_M = {"M", "Q", "H"}


def make_labels(count: int, seed: int = 7, caption: str = "Bưởi Tân Triều") -> list[Label]:
    rng = random.Random(seed)
    labels = []
    for i in range(count):
        serial = "".join(rng.choice(SERIAL_ALPHABET) for _ in range(11))
        url = f"https://truyxuat.dongnai.gov.vn/01/08930000000017/10/LOT{i % 3}/21/{serial}"
        labels.append(Label(url=url, serial=serial, caption=caption))
    return labels


def tool(name: str, package: str) -> str:
    """A command-line tool the checks need; CI must have it (`.ci/run` installs it)."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} not found: install {package} (apt-get install {package})"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def poppler(name: str) -> str:
    return tool(name, "poppler-utils")


def rasterise(pdf: bytes, tmp_path: Path) -> list[Path]:
    source = tmp_path / "stamps.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed tool on a file the test wrote)
        [poppler("pdftoppm"), "-r", str(DPI), "-png", str(source), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    assert result.stderr == b"", result.stderr  # poppler reports any syntax problem here
    return sorted(tmp_path.glob("page-*.png"), key=lambda p: int(p.stem.rsplit("-", 1)[1]))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "text.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(  # noqa: S603 (a fixed tool on a file the test wrote)
        [poppler("pdftotext"), "-enc", "UTF-8", str(source), "-"],
        check=True,
        capture_output=True,
    )
    return unicodedata.normalize("NFC", result.stdout.decode("utf-8"))


def decode(image: Image.Image) -> list[zxingcpp.Barcode]:
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)


def render(labels: list[Label], layout: Layout, **kwargs) -> bytes:
    out = io.BytesIO()
    assert render_pdf(iter(labels), layout, out, **kwargs) == len(labels)
    return out.getvalue()


def symbol_bits(matrix: list[list[bool]]) -> int:
    """A module matrix in QrSymbol's bit layout (rows plus one light separator bit)."""
    text = "".join("".join("1" if dark else "0" for dark in row) + "0" for row in matrix)
    return int(text, 2)


def module_bits(size: int) -> int:
    return symbol_bits([[True] * size for _ in range(size)])


# --------------------------------------------------------------------------------------------
# The QR encoder
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("ec", ["L", "M", "Q", "H"])
def test_encoder_matches_qrcode_module_for_module(ec):
    """Same version and the same modules as the qrcode package for a given mask, any length."""
    rng = random.Random(ec)
    for length in (0, 1, 17, 60, 71, 84, 85, 150, 300, 700):
        data = "".join(rng.choice(SERIAL_ALPHABET + "/:.-") for _ in range(length))
        mask = rng.randrange(8)
        ours = encode_qr(data, ec=ec, mask=mask)
        reference = qrcode.QRCode(error_correction=QRCODE_EC[ec], mask_pattern=mask, border=0)
        # Byte mode like ours (qrcode would pick numeric/alphanumeric mode for some strings).
        reference.add_data(qrcode.util.QRData(data.encode(), mode=qrcode.util.MODE_8BIT_BYTE))
        reference.make(fit=True)
        assert ours.version == reference.version, length
        assert ours.matrix() == [[bool(m) for m in row] for row in reference.modules], length


def test_mask_is_the_lowest_penalty_by_the_reference_scorer():
    """The chosen mask scores lowest under qrcode.util.lost_point (ties go to the first mask)."""
    for label in make_labels(20):
        chosen = encode_qr(label.url)
        scores = [qrcode.util.lost_point(encode_qr(label.url, mask=m).matrix()) for m in range(8)]
        assert chosen.mask == scores.index(min(scores))


@pytest.mark.parametrize("size", [21, 25, 37, 57])
def test_penalty_equals_reference_on_random_matrices(size):
    rng = random.Random(size)
    for density in (0.2, 0.5, 0.8):
        matrix = [[rng.random() < density for _ in range(size)] for _ in range(size)]
        expected = qrcode.util.lost_point(matrix)
        assert penalty(symbol_bits(matrix), size, module_bits(size)) == expected


def test_qr_matrix_is_square_without_quiet_zone_and_level_m():
    url = "https://truyxuat.dongnai.gov.vn/01/08930000000017/10/LOT1/21/Ab3xK9pQ2mZ"
    matrix = qr_matrix(url)
    assert len(matrix) == 37 and all(len(row) == 37 for row in matrix)  # version 5
    assert matrix[0][:7] == [True] * 7  # the finder pattern starts at the edge: no quiet zone
    symbol = encode_qr(url)
    assert symbol.ec == "M"
    with Image.new("L", (37 + 8, 37 + 8), 255) as image:
        for y, row in enumerate(matrix):
            for x, dark in enumerate(row):
                if dark:
                    image.putpixel((x + 4, y + 4), 0)
        with image.resize((450, 450), Image.Resampling.NEAREST) as big:
            (barcode,) = decode(big)
    assert barcode.text == url
    assert barcode.ec_level == "M"


# --------------------------------------------------------------------------------------------
# PDF: decode every stamp of every page
# --------------------------------------------------------------------------------------------

SHEET_15 = Layout(
    size_mm=15, rows=Layout(size_mm=15).max_rows(), cols=Layout(size_mm=15).max_cols()
)
PDF_LAYOUTS = {
    "sheet-15mm-full-grid": SHEET_15,
    "sheet-25mm-default": Layout(),
    "sheet-40mm-no-caption": Layout(size_mm=40, rows=6, cols=4, show_caption=False),
    "roll-20mm": Layout(kind="roll", size_mm=20),
}


@pytest.mark.parametrize("layout", PDF_LAYOUTS.values(), ids=PDF_LAYOUTS.keys())
def test_every_stamp_on_every_page_decodes(layout, tmp_path):
    layout.check()
    count = layout.per_page + max(1, layout.per_page // 2)  # a full page and a partial one
    labels = make_labels(count, seed=count)
    pages = rasterise(render(labels, layout), tmp_path)
    assert len(pages) == (2 if layout.kind == "sheet" else count)

    per_page = [labels[i : i + layout.per_page] for i in range(0, count, layout.per_page)]
    decoded_texts = []
    for page_path, page_labels in zip(pages, per_page, strict=True):
        with Image.open(page_path) as raw, raw.convert("L") as page:
            barcodes = decode(page)
            assert_quiet_zones(page, layout, page_labels)
        texts = [b.text for b in barcodes]
        assert sorted(texts) == sorted(label.url for label in page_labels)
        assert {b.ec_level for b in barcodes} <= EC_AT_LEAST_M
        decoded_texts += texts
    assert sorted(decoded_texts) == sorted(label.url for label in labels)


def assert_quiet_zones(page: Image.Image, layout: Layout, labels: list[Label]) -> None:
    """Around each symbol, the 4 modules inside the stamp box are blank; the symbol is there."""
    px = DPI / 25.4
    for (x_mm, y_mm), label in zip(layout.boxes_mm(), labels, strict=False):
        left, top = x_mm * px, y_mm * px
        size = layout.size_mm * px
        modules = encode_qr(label.url).size + 2 * QUIET_ZONE
        inner = QUIET_ZONE * size / modules
        # One pixel of tolerance at each edge for anti-aliasing and rounding.
        outer_box = (round(left) + 1, round(top) + 1, round(left + size) - 1, round(top + size) - 1)
        symbol_box = (
            round(left + inner) - 1,
            round(top + inner) - 1,
            round(left + size - inner) + 1,
            round(top + size - inner) + 1,
        )
        strips = [
            (outer_box[0], outer_box[1], outer_box[2], symbol_box[1]),  # above
            (outer_box[0], symbol_box[3], outer_box[2], outer_box[3]),  # below
            (outer_box[0], symbol_box[1], symbol_box[0], symbol_box[3]),  # left
            (symbol_box[2], symbol_box[1], outer_box[2], symbol_box[3]),  # right
        ]
        for strip in strips:
            darkest, _ = page.crop(strip).getextrema()
            assert darkest > 200, f"marks in the quiet zone of the stamp at {x_mm:.1f},{y_mm:.1f}"
        darkest, _ = page.crop(symbol_box).getextrema()
        assert darkest < 50, "no symbol inside the stamp box"


def test_text_is_searchable_vietnamese_and_serials_are_whole(tmp_path):
    labels = make_labels(6, caption="Bưởi Tân Triều")
    labels += make_labels(6, seed=8, caption=unicodedata.normalize("NFD", "Cà phê Định Quán"))
    long_serial = "ABCDEFGHJK0123456789"  # 20 characters, the maximum, on the smallest stamp
    labels.append(Label(labels[0].url + "X", long_serial, "Sầu riêng Long Khánh"))
    pdf = render(labels, Layout(size_mm=15, rows=3, cols=5), title="Đơn tem 42")
    text = pdf_text(pdf, tmp_path)

    assert "Bưởi Tân Triều" in text
    assert "Cà phê Định Quán" in text  # decomposed input is printed composed
    assert "Sầu riêng Long" in text
    for label in labels:
        assert label.serial in text
    fonts = subprocess.run(  # noqa: S603
        [poppler("pdffonts"), str(tmp_path / "text.pdf")], check=True, capture_output=True
    ).stdout.decode()
    assert re.search(r"DejaVuSansCondensed\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes", fonts)
    info = subprocess.run(  # noqa: S603
        [poppler("pdfinfo"), str(tmp_path / "text.pdf")], check=True, capture_output=True
    ).stdout.decode()
    assert "Đơn tem 42" in info


def test_long_caption_is_cut_with_an_ellipsis(tmp_path):
    caption = "Cà phê Định Quán rang xay nguyên chất đặc biệt thượng hạng xuất khẩu"
    pdf = render(make_labels(1, caption=caption), Layout(caption_lines=1))
    text = pdf_text(pdf, tmp_path)
    assert re.search(r"Cà phê Định Quán[^\n]*…", text)
    assert "xuất khẩu" not in text


def embedded_font(pdf: bytes) -> TTFont:
    """The font program embedded in a stamp PDF (its FontFile2), opened again by fontTools."""
    font = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]["/Resources"]["/Font"]["/F1"]
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
    return TTFont(io.BytesIO(descriptor["/FontFile2"].get_data()))


def test_embedded_font_holds_only_the_glyphs_drawn_under_their_own_ids():
    text = "ABC123 Cà phê Định Quán"
    label = Label("https://example.test/1", "ABC123", "Cà phê Định Quán")
    embedded = embedded_font(render([label], Layout(kind="roll")))
    full = TTFont(FONT_PATH)
    glyf = full["glyf"]
    drawn = {full.getBestCmap()[ord(c)] for c in set(text) - {" "}}
    expected, pending = set(), list(drawn)
    while pending:  # Vietnamese letters are composites: a base letter and its marks
        name = pending.pop()
        if name not in expected:
            expected.add(name)
            pending += glyf[name].getComponentNames(glyf)
    expected_ids = {full.getGlyphID(name) for name in expected}

    order = embedded.getGlyphOrder()
    outlined = {gid for gid, name in enumerate(order) if embedded["glyf"][name].numberOfContours}
    assert outlined == expected_ids  # nothing else of the font's 6,000 glyphs
    for name in ("A", "one", "Q"):  # glyph ids unchanged: the content streams use the originals
        gid = full.getGlyphID(name)
        ours, theirs = embedded["glyf"][order[gid]], glyf[name]
        assert ours.getCoordinates(embedded["glyf"])[0] == theirs.getCoordinates(glyf)[0]
        assert embedded["hmtx"][order[gid]] == full["hmtx"][name]


def test_the_same_labels_give_the_same_bytes():
    labels = make_labels(60)
    first = render(labels, Layout(), title="Đơn tem 42", header="Đơn tem #42")
    assert render(labels, Layout(), title="Đơn tem 42", header="Đơn tem #42") == first


def test_wrap_text_keeps_within_width_and_lines():
    def measure(s: str) -> float:
        return float(len(s))

    assert wrap_text("  Bưởi   Tân Triều ", 20, measure, 2) == ["Bưởi Tân Triều"]
    assert wrap_text("Bưởi Tân Triều", 9, measure, 2) == ["Bưởi Tân", "Triều"]
    lines = wrap_text("Cà phê Định Quán rang xay nguyên chất", 10, measure, 2)
    assert len(lines) == 2 and lines[-1].endswith("…")
    assert all(measure(line) <= 10 for line in lines)
    assert wrap_text("Sầuriêngkhôngdấucách", 8, measure, 2) == ["Sầuriêng", "khôngdấ…"]
    assert wrap_text("", 10, measure, 2) == []


# --------------------------------------------------------------------------------------------
# Layout checks
# --------------------------------------------------------------------------------------------


def test_default_layout_fits():
    Layout().check()
    Layout(kind="roll").check()


def test_grid_that_does_not_fit_a4_says_how_many_do():
    with pytest.raises(LayoutError) as error:
        Layout(rows=10).check()
    assert error.value.field == "rows"
    assert "At most 8 rows fit" in error.value.message
    assert "rows=8" in error.value.message

    with pytest.raises(LayoutError) as error:
        Layout(size_mm=40, rows=2, cols=6).check()
    assert error.value.field == "cols"
    assert "At most 4 columns fit" in error.value.message
    assert "cols=4" in error.value.message


@pytest.mark.parametrize("size", [15, 20, 25, 32.5, 40])
@pytest.mark.parametrize("show_caption", [True, False])
def test_the_largest_grid_fits_and_one_more_does_not(size, show_caption):
    layout = Layout(size_mm=size, show_caption=show_caption)
    rows, cols = layout.max_rows(), layout.max_cols()
    Layout(size_mm=size, show_caption=show_caption, rows=rows, cols=cols).check()
    for extra in ({"rows": rows + 1, "cols": cols}, {"rows": rows, "cols": cols + 1}):
        with pytest.raises(LayoutError):
            Layout(size_mm=size, show_caption=show_caption, **extra).check()
    # The boxes really are inside the page margins.
    grid = Layout(size_mm=size, show_caption=show_caption, rows=rows, cols=cols)
    xs = [x for x, _ in grid.boxes_mm()]
    ys = [y for _, y in grid.boxes_mm()]
    assert min(xs) >= grid.margin and max(xs) + grid.size_mm <= 210 - grid.margin + 1e-6
    assert min(ys) >= grid.margin and max(ys) + grid.label_height_mm <= 297 - grid.margin + 1e-6


@pytest.mark.parametrize(
    ("changes", "field", "advice"),
    [
        ({"size_mm": 14.9}, "size_mm", "from 15 mm to 40 mm"),
        ({"size_mm": 40.5}, "size_mm", "from 15 mm to 40 mm"),
        ({"rows": 0}, "rows", "at least 1"),
        ({"cols": -2}, "cols", "at least 1"),
        ({"kind": "banner"}, "kind", "use 'sheet'"),
        ({"caption_lines": 3}, "caption_lines", "1 or 2"),
        ({"margin_mm": -1}, "margin_mm", "between 0 and 30"),
    ],
)
def test_check_refuses_with_advice(changes, field, advice):
    with pytest.raises(LayoutError) as error:
        Layout(**changes).check()
    assert error.value.field == field
    assert advice in error.value.message
    assert str(error.value) == error.value.message


def test_render_pdf_refuses_a_bad_layout_before_writing():
    out = io.BytesIO()
    with pytest.raises(LayoutError):
        render_pdf(make_labels(3), Layout(rows=20), out)
    assert out.getvalue() == b""


def test_label_refuses_a_serial_outside_gs1_character_set_82():
    with pytest.raises(ValueError, match="character set 82"):
        Label(url="https://example.test/", serial="has space")
    with pytest.raises(ValueError, match="character set 82"):
        Label(url="https://example.test/", serial="A" * 21)


# --------------------------------------------------------------------------------------------
# Streaming and progress
# --------------------------------------------------------------------------------------------


def test_labels_are_consumed_lazily_and_pages_written_as_they_fill():
    labels = make_labels(250)
    yielded = 0
    seen: list[tuple[int, int, int]] = []  # (progress count, labels yielded, bytes written)
    out = io.BytesIO()

    def generate():
        nonlocal yielded
        for label in labels:
            yielded += 1
            yield label

    def progress(done: int) -> None:
        seen.append((done, yielded, out.tell()))

    assert render_pdf(generate(), Layout(), out, progress=progress) == 250
    assert [done for done, _, _ in seen] == [100, 200, 250]
    assert [taken for _, taken, _ in seen] == [100, 200, 250]  # not read ahead
    assert seen[1][2] > 50_000  # by label 200, the first pages are already in the output


def test_progress_ends_exactly_at_the_total_once():
    calls: list[int] = []
    render_pdf(iter(make_labels(200)), Layout(), io.BytesIO(), progress=calls.append)
    assert calls == [100, 200]
    calls.clear()
    render_pdf(iter(make_labels(7)), Layout(), io.BytesIO(), progress=calls.append)
    assert calls == [7]


def test_no_labels_still_gives_a_valid_pdf(tmp_path):
    calls: list[int] = []
    out = io.BytesIO()
    assert render_pdf([], Layout(), out, progress=calls.append) == 0
    assert calls == [0]
    assert len(rasterise(out.getvalue(), tmp_path)) == 1


# --------------------------------------------------------------------------------------------
# Single stamps: PNG and SVG
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("size_px", [200, 600, 1000])
def test_png_decodes_and_is_crisp(size_px):
    (label,) = make_labels(1, caption="Cà phê Định Quán")
    data = render_png(label, size_px)
    symbol = encode_qr(label.url)
    modules = symbol.size + 2 * QUIET_ZONE
    scale = size_px // modules
    offset = (size_px - scale * modules) // 2
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG" and image.width == size_px and image.height > size_px
        (barcode,) = decode(image)
        qr = image.crop((offset, offset, offset + scale * modules, offset + scale * modules))
    assert barcode.text == label.url and barcode.ec_level in EC_AT_LEAST_M
    # Pure black and white, and exactly the matrix scaled by a whole number of pixels.
    assert {value for _, value in qr.getcolors()} <= {0, 255}
    light_rows = [[False] * modules for _ in range(QUIET_ZONE)]
    pad = [False] * QUIET_ZONE
    expected = light_rows + [pad + row + pad for row in symbol.matrix()] + light_rows
    for y in range(modules):
        for x in range(modules):
            pixel = qr.getpixel((x * scale + scale // 2, y * scale + scale // 2))
            assert (pixel == 0) == expected[y][x]
    qr.close()


def parse_svg(svg: str) -> tuple[ElementTree.Element, list[tuple[int, int, int, int]]]:
    root = ElementTree.fromstring(svg)  # noqa: S314 (our own output, not untrusted XML)
    ns = {"svg": "http://www.w3.org/2000/svg"}
    path = root.find("svg:path", ns)
    assert path is not None, "the QR must be a single path"
    assert len(root.findall("svg:path", ns)) == 1
    rects = [
        tuple(map(int, match))
        for match in re.findall(r"M(\d+) (\d+)h(\d+)v(\d+)h-\d+z", path.get("d"))
    ]
    assert "".join(f"M{x} {y}h{w}v{h}h-{w}z" for x, y, w, h in rects) == path.get("d")
    return root, rects


@pytest.mark.parametrize("size_mm", [15, 25, 40])
def test_svg_path_is_the_symbol_with_its_quiet_zone(size_mm):
    (label,) = make_labels(1, caption="Bưởi Tân Triều")
    svg = render_svg(label, size_mm)
    root, rects = parse_svg(svg)
    matrix = qr_matrix(label.url)
    n = len(matrix)
    modules = n + 2 * QUIET_ZONE

    assert root.get("width") == f"{size_mm}mm"
    _, _, width, height = map(float, root.get("viewBox").split())
    assert width == modules and height > modules  # text below the symbol
    drawn = [[False] * n for _ in range(n)]
    for x, y, w, h in rects:
        assert x >= QUIET_ZONE and y >= QUIET_ZONE  # nothing in the quiet zone
        assert x + w <= n + QUIET_ZONE and y + h <= n + QUIET_ZONE
        for row in range(y, y + h):
            for col in range(x, x + w):
                drawn[row - QUIET_ZONE][col - QUIET_ZONE] = True
    assert drawn == matrix
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == [label.serial, "Bưởi Tân Triều"]
    text_tops = [float(t.get("y")) for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert min(text_tops) > modules  # baselines below the quiet zone

    # Draw the parsed rectangles as a renderer would and read them back.
    with Image.new("L", (modules * 8, modules * 8), 255) as image:
        for x, y, w, h in rects:
            image.paste(0, (x * 8, y * 8, (x + w) * 8, (y + h) * 8))
        (barcode,) = decode(image)
    assert barcode.text == label.url


def test_svg_renders_with_a_real_svg_renderer(tmp_path):
    converter = tool("rsvg-convert", "librsvg2-bin")
    (label,) = make_labels(1)
    source = tmp_path / "stamp.svg"
    source.write_text(render_svg(label, 25), encoding="utf-8")
    target = tmp_path / "stamp.png"
    subprocess.run(  # noqa: S603
        [converter, "-d", "300", "-p", "300", "-o", str(target), str(source)], check=True
    )
    with Image.open(target) as image, image.convert("L") as grey:
        (barcode,) = decode(grey)
    assert barcode.text == label.url


def test_svg_escapes_text_and_refuses_odd_sizes():
    label = Label(
        url="https://example.test/a?b=1&c=2", serial="A<1>&\"'", caption="<b>Tôm & cá</b>"
    )
    root, _ = parse_svg(render_svg(label))
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["A<1>&\"'", "<b>Tôm & cá</b>"]
    with pytest.raises(LayoutError):
        render_svg(label, 12)


def test_rectangles_cover_exactly_the_dark_modules():
    (label,) = make_labels(1)
    symbol = encode_qr(label.url)
    covered = set()
    for x, y, w, h in qr_rectangles(symbol):
        cells = {(y + dy, x + dx) for dy in range(h) for dx in range(w)}
        assert not covered & cells  # no overlaps
        covered |= cells
    matrix = symbol.matrix()
    assert covered == {(r, c) for r, row in enumerate(matrix) for c, dark in enumerate(row) if dark}
