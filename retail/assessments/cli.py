"""`retail framework check|publish FILE` and `retail score --framework FILE --answers FILE`.

Exit status 0 when the command did what it says, 1 with one line per problem otherwise. `check`
and `publish` print their problems on standard output (they are the report asked for); `score`
keeps standard output for its one JSON object and prints problems on standard error. Messages
are in English, like the other operator commands.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask_babel import force_locale

from core.errors import DomainError, ValidationFailed
from core.extensions import db
from retail.assessments import checks, frameworks, scoring

framework_cli = click.Group("framework", help="Assessment frameworks (versioned questionnaires).")

FILE = click.Path(exists=True, dir_okay=False, readable=True, path_type=Path)


def _fail(lines: list[str], *, err: bool = False):
    for line in lines:
        click.echo(line, err=err)
    sys.exit(1)


def _read_framework(path: Path) -> tuple[dict | None, list[str]]:
    with force_locale("en"):
        return checks.check(path.read_bytes())


@framework_cli.command("check")
@click.argument("file", type=FILE)
def check_command(file: Path):
    """Check a framework file: "valid", or one line per problem (exit 1)."""
    _document, lines = _read_framework(file)
    if lines:
        _fail(lines)
    click.echo("valid")


@framework_cli.command("publish")
@click.argument("file", type=FILE)
def publish_command(file: Path):
    """Publish a framework file as the next version of its key (exit 1 with its problems)."""
    document, lines = _read_framework(file)
    if lines:
        _fail(lines)
    try:
        with force_locale("en"):
            framework = frameworks.publish_document(document, None)
    except ValidationFailed as exc:
        db.session.rollback()
        _fail([line for messages in exc.errors.values() for line in messages])
    except DomainError as exc:
        db.session.rollback()
        _fail([str(exc.message)])
    db.session.commit()
    click.echo(f"published {framework.key} version {framework.version}")


def _read_answers(path: Path) -> dict:
    with force_locale("en"):
        answers, lines = checks.parse(path.read_bytes())
    if not lines and not isinstance(answers, dict):
        lines = ['the answers must be a JSON object {"<question key>": <option value>, …}']
    if lines:
        _fail([f"{path}: {line}" for line in lines], err=True)
    return answers


@click.command("score")
@click.option("--framework", "framework_file", type=FILE, required=True, help="Framework JSON.")
@click.option("--answers", "answers_file", type=FILE, required=True, help="Answers JSON.")
def score_command(framework_file: Path, answers_file: Path):
    """Score an answers file against a framework file (prints one JSON object)."""
    document, lines = _read_framework(framework_file)
    if lines:
        _fail([f"{framework_file}: {line}" for line in lines], err=True)
    answers = _read_answers(answers_file)
    try:
        result = scoring.score(document, answers)
    except scoring.InvalidAnswers as exc:
        _fail([f"{answers_file}: {line}" for line in exc.problems], err=True)
    click.echo(json.dumps(result.as_json(), ensure_ascii=False))
