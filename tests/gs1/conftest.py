"""Fixtures giving the GS1 tests the shared conformance vectors, read as published."""

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import missing_shared

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE_DIR = PROJECT_ROOT.parent / "shared" / "conformance"

GTIN_VECTORS = "gtin_check_digit_vectors.json"
DL_PARSE_VECTORS = "dl_uri_parse_vectors_gs1_syntax_engine.json"
DL_GENERATE_VECTORS = "dl_uri_generate_and_escape_vectors_gs1_syntax_engine.json"


def load_vectors(filename: str) -> Any:
    """Return a conformance JSON file, or None when the shared folder is absent."""
    path = CONFORMANCE_DIR / filename
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _cases(filename: str, *keys: str) -> list[Any]:
    data = load_vectors(filename)
    for key in keys:
        if data is None:
            return []
        data = data[key]
    return list(data or [])


def _value_id(value: str) -> str:
    return repr(value) if value.strip() != value or not value else value


# Each vector list parametrises the tests that ask for the matching argument name; the
# readable ids say which vector failed.
_PARAMETERS = {
    "lint_csum_case": (
        lambda: [
            case
            for case in _cases(GTIN_VECTORS, "full_values")
            if case["source"]["repo"] == "gs1/gs1-syntax-engine"
        ],
        lambda case: _value_id(case["value"]),
    ),
    "gtin_parse_case": (
        lambda: [
            case
            for case in _cases(GTIN_VECTORS, "full_values")
            if case["source"]["repo"] != "gs1/gs1-syntax-engine"
        ],
        lambda case: _value_id(case["value"]),
    ),
    "payload_case": (
        lambda: _cases(GTIN_VECTORS, "payload_to_check_digit"),
        lambda case: case["payload"],
    ),
    "normalise_case": (
        lambda: _cases(GTIN_VECTORS, "normalise_to_gtin14"),
        lambda case: case["input"],
    ),
    "dl_parse_case": (
        lambda: _cases(DL_PARSE_VECTORS, "cases"),
        lambda case: f"line{case['source_line']}-{'valid' if case['valid'] else 'invalid'}",
    ),
    "dl_valid_parse_case": (
        lambda: [case for case in _cases(DL_PARSE_VECTORS, "cases") if case["valid"]],
        lambda case: f"line{case['source_line']}",
    ),
    "dl_generate_case": (
        lambda: _cases(DL_GENERATE_VECTORS, "generate_dl_uri", "cases"),
        lambda case: f"line{case['source_line']}",
    ),
    "uri_escape_case": (
        lambda: _cases(DL_GENERATE_VECTORS, "test_URIescape", "cases"),
        lambda case: repr(case["input"]),
    ),
    "uri_unescape_case": (
        lambda: _cases(DL_GENERATE_VECTORS, "test_URIunescape", "cases"),
        lambda case: repr(case["input"]),
    ),
}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrise vector-driven tests with every case of their conformance file."""
    for name, (cases, make_id) in _PARAMETERS.items():
        if name in metafunc.fixturenames:
            loaded = cases()
            if not CONFORMANCE_DIR.is_dir():
                # One placeholder, so the test runs and the conformance_dir fixture says why
                # it is skipped.
                metafunc.parametrize(name, [None], ids=["conformance-unavailable"])
                continue
            metafunc.parametrize(name, loaded, ids=[make_id(case) for case in loaded])


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """Return shared/conformance beside the project, skipping when it is not there (failing
    under CI=true, so that about 400 vector tests cannot pass by not running)."""
    return conformance_or_skip(CONFORMANCE_DIR)


def conformance_or_skip(directory: Path) -> Path:
    if not directory.is_dir():
        missing_shared(directory, "GS1 conformance vectors unavailable")
    return directory
