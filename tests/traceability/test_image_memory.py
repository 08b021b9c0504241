"""Decoding untrusted photos keeps a worker's memory bounded (issue: a 6,300 × 6,300 PNG of
151 KB took 480 MB).

Pillow allocates pixels outside Python's allocator, so tracemalloc does not see them: each case
runs in a fresh interpreter that reports how much its peak resident size (Linux's VmHWM, reset
just before) grew while decoding.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

PROJECT_ROOT = Path(__file__).resolve().parents[2]

MEASURE = """
import io, json, re, sys
from pathlib import Path
from werkzeug.datastructures import FileStorage
from core import create_app
from core.errors import ValidationFailed
from traceability.registry import images
from traceability.stamps import counterfeit

def megabytes(field):
    status = Path("/proc/self/status").read_text()
    return int(re.search(field + r":\\s+(\\d+)", status).group(1)) / 1024

kind, path, tmp = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
app = create_app({"DATABASE_URL": "sqlite://", "SECRET_KEY": "s" * 40, "UPLOAD_FOLDER": tmp,
                  "TESTING": True})
data = path.read_bytes()
with app.test_request_context():
    Path("/proc/self/clear_refs").write_text("5")  # the peak (VmHWM) starts again from here
    before = megabytes("VmRSS")
    try:
        if kind == "report":
            counterfeit.store_report_photo(FileStorage(io.BytesIO(data), "photo"))
            outcome, size = "stored", None
        else:
            size = list(images.decode_image(data, box=images.PRODUCT_BOX).size)
            outcome = "decoded"
    except ValidationFailed as exc:
        outcome, size = "refused: " + str(exc.errors["image"][0]), None
    grown = megabytes("VmHWM") - before
print(json.dumps({"outcome": outcome, "size": size, "mb": grown}))
"""


@pytest.fixture(autouse=True)
def _linux_memory_counters():
    if not Path("/proc/self/clear_refs").exists():
        pytest.skip("needs Linux's /proc/self/clear_refs to measure a peak")


def measure(kind: str, picture: Path, tmp_path: Path) -> dict:
    """Run one decode in a fresh interpreter and return its outcome and peak growth in MB."""
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    for name in ("BASE_URL", "APP_ENV", "REDIS_URL", "DATABASE_URL", "UPLOAD_FOLDER"):
        env.pop(name, None)
    # Large blocks always come from (and go back to) the system, so the peak is the decode's.
    env["MALLOC_MMAP_THRESHOLD_"] = "131072"
    done = subprocess.run(  # noqa: S603 - this interpreter on a script of this file
        [sys.executable, "-c", MEASURE, kind, str(picture), str(tmp_path)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def picture(tmp_path: Path, size: tuple[int, int], fmt: str) -> Path:
    image = Image.new("RGB", size, (40, 140, 60))
    path = tmp_path / f"{size[0]}x{size[1]}.{fmt.lower()}"
    image.save(path, fmt)
    del image
    return path


@pytest.fixture(scope="module")
def pictures(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pictures")
    return {
        "png": picture(folder, (6300, 6300), "PNG"),
        "jpeg": picture(folder, (6300, 6300), "JPEG"),
        "phone_png": picture(folder, (4000, 4000), "PNG"),
    }


def test_the_png_of_the_issue_is_tiny_on_disk(pictures):
    assert pictures["png"].stat().st_size < 200_000


def test_an_anonymous_report_photo_of_40_megapixels_is_refused_before_decoding(pictures, tmp_path):
    result = measure("report", pictures["png"], tmp_path)
    assert result["outcome"].startswith("refused"), result
    assert "too many pixels" in result["outcome"] or "quá nhiều điểm ảnh" in result["outcome"]
    assert result["mb"] < 20, result


def test_the_largest_anonymous_report_photo_stays_under_100_mb(pictures, tmp_path):
    """16 megapixels is allowed; a 4,000 × 4,000 PNG is decoded once (61 MB), then reduced
    (it took 122 MB before)."""
    result = measure("report", pictures["phone_png"], tmp_path)
    assert result["outcome"] == "stored", result
    assert result["mb"] < 100, result


def test_a_large_jpeg_product_photo_is_decoded_at_a_fraction_of_its_size(pictures, tmp_path):
    """JPEG draft mode decodes at 1/2 of the size here: no full 40-megapixel picture in memory
    (it took 303 MB before)."""
    result = measure("product", pictures["jpeg"], tmp_path)
    assert result == {**result, "outcome": "decoded", "size": [1280, 1280]}
    assert result["mb"] < 80, result


def test_a_large_png_product_photo_is_refused_before_decoding(pictures, tmp_path):
    """PNG has no draft mode: a 40 MP one would be decoded in full (151 MB, 303 MB before).
    Above 16 MP only JPEG, which is decoded at a fraction of its size, is taken."""
    result = measure("product", pictures["png"], tmp_path)
    assert result["outcome"].startswith("refused"), result
    assert "JPEG" in result["outcome"], result
    assert result["mb"] < 20, result


def test_a_16_megapixel_png_product_photo_stays_under_100_mb(pictures, tmp_path):
    result = measure("product", pictures["phone_png"], tmp_path)
    assert result == {**result, "outcome": "decoded", "size": [1280, 1280]}
    assert result["mb"] < 100, result
