"""`flask --app wsgi retail framework check|publish FILE` and `retail score`, through click's
runner and once through a real process on the shared v1."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from core.audit import AuditEntry
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.models import FrameworkState
from tests.conftest import PROJECT_ROOT, shared_path
from tests.retail.test_framework_checks import valid

# The shared v1 answered with the best option of cashless_methods (4 of customer's 15 points)
# and of internet (2 of infrastructure's 8), nothing else: worked out in test_scoring.py.
ANSWERS = {"cashless_methods": 4, "internet": 2}
EXPECTED = {
    "complete": False,
    "pillars": {
        "customer": 80 / 3,  # 4/15 × 100
        "strategy": 0.0,
        "infrastructure": 25.0,  # 2/8 × 100
        "operations": 0.0,
        "skills": 0.0,
        "data": 0.0,
    },
    "total": 125 / 12,  # (80/3 × 25 + 25 × 15) / 100
    "level": 1,
    "flags": {
        "takes_digital_payment": True,
        "online_presence": False,
        "sells_online": False,
        "uses_einvoice": False,
    },
}


@pytest.fixture
def runner(app, app_ctx):
    return app.test_cli_runner()


@pytest.fixture
def write(tmp_path):
    def write(name: str, content) -> str:
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            text = content if isinstance(content, str) else json.dumps(content, ensure_ascii=False)
            path.write_text(text, encoding="utf-8")
        return str(path)

    return write


def broken() -> dict:
    document = valid()
    document["pillars"][1]["weight"] = 30
    document["pillars"][0]["questions"][0]["options"][0]["points"] = -1
    return document


BROKEN_LINES = [
    "pillars[0].questions[0].options[0]: points is negative (-1); use 0 or more",
    "pillars: the weights sum to 90, not 100; change them so that they add up to exactly 100",
]


def test_check_says_valid(runner):
    result = runner.invoke(args=["retail", "framework", "check", str(frameworks.SEED)])
    assert result.exit_code == 0
    assert result.output == "valid\n"


def test_check_prints_one_line_per_problem(runner, write):
    result = runner.invoke(args=["retail", "framework", "check", write("bad.json", broken())])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES


def test_check_reports_malformed_json_as_one_line(runner, write):
    path = write("bad.json", '{"key": "x",\n  "levels": [}')
    result = runner.invoke(args=["retail", "framework", "check", path])
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith("The JSON is malformed at line 2, column 14")


def test_check_speaks_english_whatever_the_default_locale(runner, write, app):
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"
    result = runner.invoke(args=["retail", "framework", "check", write("bad.json", broken())])
    assert "points is negative" in result.stdout


def test_publish_stores_the_next_version_and_commits(runner, write):
    path = write("small.json", valid())
    first = runner.invoke(args=["retail", "framework", "publish", path])
    second = runner.invoke(args=["retail", "framework", "publish", path])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    assert first.output == "published small version 1\n"
    assert second.output == "published small version 2\n"
    db.session.rollback()  # what was committed stays
    current = frameworks.current("small")
    assert current.version == 2 and current.state is FrameworkState.PUBLISHED
    entry = db.session.query(AuditEntry).filter_by(action="framework.publish").all()[-1]
    assert entry.actor_id is None and entry.detail["version"] == 2


def test_publish_refuses_an_invalid_file_and_stores_nothing(runner, write):
    result = runner.invoke(args=["retail", "framework", "publish", write("bad.json", broken())])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == BROKEN_LINES
    assert frameworks.versions("small") == []


def test_score_prints_one_json_object(runner, write):
    shared = str(shared_path("data", "assessment", "retail_dx_v1.json"))
    result = runner.invoke(
        args=["retail", "score", "--framework", shared, "--answers", write("a.json", ANSWERS)]
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == EXPECTED
    assert len(result.stdout.splitlines()) == 1


@pytest.mark.parametrize(
    ("answers", "lines"),
    [
        ({"nope": 1}, ["unknown question 'nope'"]),
        (
            {"internet": 7, "plan": "1"},
            [
                "internet: 7 is not one of the options (0, 1, 2)",
                "plan: '1' is not one of the options (0, 1, 2)",
            ],
        ),
        ([1, 2], ['the answers must be a JSON object {"<question key>": <option value>, …}']),
        ('{"internet": 1', None),
    ],
    ids=["unknown-question", "not-an-option", "not-an-object", "malformed"],
)
def test_score_refuses_bad_answers_with_a_clear_message(runner, write, answers, lines):
    path = write("a.json", answers)
    result = runner.invoke(
        args=["retail", "score", "--framework", str(frameworks.SEED), "--answers", path]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    if lines is None:
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"{path}: The JSON is malformed at line 1")
    else:
        assert result.stderr.splitlines() == [f"{path}: {line}" for line in lines]


def test_score_refuses_an_invalid_framework_with_its_problems(runner, write):
    path = write("bad.json", broken())
    result = runner.invoke(
        args=["retail", "score", "--framework", path, "--answers", write("a.json", {})]
    )
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [f"{path}: {line}" for line in BROKEN_LINES]


def test_score_in_a_real_process_on_the_shared_file(tmp_path):
    shared = shared_path("data", "assessment", "retail_dx_v1.json")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps(ANSWERS), encoding="utf-8")
    flask = os.path.join(os.path.dirname(sys.executable), "flask")
    env = os.environ | {"DATABASE_URL": f"sqlite:///{tmp_path / 'unused.sqlite3'}"}
    done = subprocess.run(  # noqa: S603 - this environment's flask on files of this test
        [flask, "--app", "wsgi", "retail", "score", "--framework", shared, "--answers", answers],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == EXPECTED
