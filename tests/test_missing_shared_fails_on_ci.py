"""Without ../shared the vector and shared-data tests skip on a laptop, but fail under CI=true,
as missing tools do: CI cannot pass by not running about 400 vector tests."""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tests.gs1.conftest import conformance_or_skip


@pytest.mark.parametrize(
    "needs",
    [
        lambda tmp_path: conformance_or_skip(tmp_path / "no-shared" / "conformance"),
        lambda tmp_path: shared_path("no-such-folder", "vectors.json"),
    ],
    ids=["gs1-conformance", "shared-path"],
)
@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_missing_shared_data_fails_on_ci_and_skips_elsewhere(
    monkeypatch, tmp_path, needs, ci, outcome
):
    monkeypatch.setenv("CI", ci)
    # Catch both outcomes: a skip must not pass for a failure, nor end this test as skipped.
    with pytest.raises((pytest.fail.Exception, pytest.skip.Exception)) as stopped:
        needs(tmp_path)
    assert type(stopped.value) is outcome
    assert "not found" in str(stopped.value)


def test_present_shared_data_is_returned(tmp_path):
    assert conformance_or_skip(tmp_path) == tmp_path
