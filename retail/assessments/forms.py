"""Forms of the assessment pages: one pillar's questions as radio buttons, and a photo upload.

A step form is built from the framework version the assessment uses, so a draft keeps asking
the questions it started with after a new version is published. Option values are parsed to
the integers the framework uses; the service checks them against the framework again.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField
from wtforms.fields.choices import SelectChoice

from retail.assessments.services import in_locale

FIELD_PREFIX = "q_"  # question keys such as "data" would clash with the form's own attributes


class OptionalRadioField(RadioField):
    """A radio group that may be left unanswered: a draft is saved with what is known."""

    def pre_validate(self, form):
        if self.data is not None:
            super().pre_validate(form)


def field_name(question_key: str) -> str:
    return FIELD_PREFIX + question_key


def step_form(pillar: dict, answers: dict) -> FlaskForm:
    """The form of one pillar, its radios preset to the saved answers (a POST's choices win)."""
    fields = {}
    for question in pillar["questions"]:
        fields[field_name(question["key"])] = OptionalRadioField(
            in_locale(question["text"]),
            choices=[SelectChoice(o["value"], in_locale(o["label"])) for o in question["options"]],
            coerce=int,
            default=answers.get(question["key"]),
        )
    form_class = type("StepForm", (FlaskForm,), fields)
    return form_class()


def step_answers(form: FlaskForm, pillar: dict) -> dict[str, int]:
    """{question key: option value} of the questions the form answers."""
    answers = {}
    for question in pillar["questions"]:
        value = form[field_name(question["key"])].data
        if value is not None:
            answers[question["key"]] = value
    return answers


class PhotoForm(FlaskForm):
    image = FileField(
        _l("Photo evidence (optional)"),
        validators=[FileRequired(_l("Choose a photo to upload."))],
    )
