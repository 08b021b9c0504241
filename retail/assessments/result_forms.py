"""The shop owner's self-assessment form: every question of the framework as a radio group.

Built from the framework version the owner is shown, one group per question, each required
(a self-assessment is sent whole). Option values are parsed to the integers the framework uses;
the service checks the answers against the framework again before scoring them.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired

from retail.assessments.advice import localized
from retail.assessments.scoring import questions

FIELD_PREFIX = "q_"  # a question key such as "data" would clash with the form's own attributes


def field_name(question_key: str) -> str:
    return FIELD_PREFIX + question_key


def self_assessment_form(document: dict, lang: str) -> FlaskForm:
    """A form with one required radio group per question of `document`, in the reader's language."""
    fields = {
        field_name(question["key"]): RadioField(
            localized(question["text"], lang),
            choices=[
                SelectChoice(o["value"], localized(o["label"], lang)) for o in question["options"]
            ],
            coerce=int,
            validators=[InputRequired(message=_l("Choose one answer."))],
        )
        for _, question in questions(document)
    }
    form_class = type("SelfAssessmentForm", (FlaskForm,), fields)
    return form_class()


def answers_of(form: FlaskForm, document: dict) -> dict[str, int]:
    """{question key: option value} of the answered questions."""
    answers = {}
    for _, question in questions(document):
        value = form[field_name(question["key"])].data
        if value is not None:
            answers[question["key"]] = value
    return answers
