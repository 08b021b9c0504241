"""Forms of the framework pages. They parse once: JSON text becomes a document (`.parsed`), a
chosen sample answer becomes an option value; the services and the scoring check the rules.

A document's problems are shown on the `document` text area: the ones that stop the JSON being
read come from here, the framework rules from `frameworks` (`ValidationFailed` under
"document"). An uploaded file is copied into the text area, so its problems can be fixed there.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import Form, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice

from core.formatting import format_number
from retail.assessments import checks
from retail.assessments.frameworks import text_in


class _DocumentField:
    """Shared by the forms that take a whole document as JSON text."""

    document: TextAreaField
    parsed: dict | None = None

    def parse_document(self, raw: str | bytes) -> bool:
        """Read the JSON into `parsed`, or put why it cannot be read on the text area."""
        limit = current_app.config["MAX_JSON_BYTES"]
        size = len(raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogatepass"))
        if size > limit:
            self.document.errors.append(
                _(
                    "The JSON is larger than %(kb)s kB: a framework needs far less.",
                    kb=limit // 1024,
                )
            )
            return False
        self.parsed, lines = checks.parse(raw)
        self.document.errors.extend(lines)
        return not lines


class DocumentForm(_DocumentField, FlaskForm):
    """A new draft: a JSON file uploaded, or the JSON pasted."""

    file = FileField(_l("JSON file"))
    document = TextAreaField(_l("Or paste the JSON"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        upload = self.file.data
        if upload and upload.filename:
            limit = current_app.config["MAX_JSON_BYTES"]
            raw = upload.read(limit + 1)
            if len(raw) <= limit:
                self.document.data = raw.decode("utf-8", "replace")
            return self.parse_document(raw)
        if not (self.document.data or "").strip():
            self.document.errors.append(_("Choose a JSON file or paste the JSON of the framework."))
            return False
        return self.parse_document(self.document.data)


class DraftForm(_DocumentField, FlaskForm):
    """A draft's whole document, edited as JSON."""

    document = TextAreaField(_l("The framework as JSON"))

    def validate(self, extra_validators=None) -> bool:
        if not super().validate(extra_validators):
            return False
        if not (self.document.data or "").strip():
            self.document.errors.append(_("Paste or write the JSON of the framework."))
            return False
        return self.parse_document(self.document.data)


class PreviewForm(Form):
    """Sample answers, one select per question (a GET form: it changes nothing, no CSRF)."""

    def answers(self) -> dict:
        """{question key: option value} for the questions given an answer."""
        chosen = {}
        for question, name in self.questions:
            index = self[name].data
            if index not in (None, ""):
                chosen[question["key"]] = question["options"][int(index)]["value"]
        return chosen


def preview_form(document: dict, formdata) -> PreviewForm:
    """A PreviewForm for this document; `form.pillars` lists (pillar, [field name]) in order."""
    language = str(get_locale() or "vi")

    class DocumentPreview(PreviewForm):
        pass

    layout, questions = [], []
    for pillar in document["pillars"]:
        names = []
        for question in pillar["questions"]:
            name = f"q{len(questions)}"
            setattr(DocumentPreview, name, _question_select(question, language))
            questions.append((question, name))
            names.append(name)
        layout.append((pillar, names))
    form = DocumentPreview(formdata)
    form.pillars, form.questions = layout, questions
    return form


def _question_select(question: dict, language: str) -> SelectField:
    choices = [SelectChoice("", _("Not answered (0 points)"))]
    for index, option in enumerate(question["options"]):
        label = ngettext(
            "%(label)s · %(points)s point",
            "%(label)s · %(points)s points",
            option["points"],
            label=text_in(option["label"], language),
            points=format_number(option["points"], language),
        )
        choices.append(SelectChoice(str(index), label))
    return SelectField(text_in(question["text"], language), choices=choices, default="")
