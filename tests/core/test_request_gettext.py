"""The stamp page's gettext (core.web.request_gettext) renders exactly as Flask-Babel's."""

from __future__ import annotations

import pytest
from flask import render_template_string

from core.web import request_gettext

TEMPLATE = (
    '{{ _("Report a suspected fake") }}|{{ _("Recall notice: %(notice)s", notice=notice) }}|'
    '{{ ngettext("Genuine stamp — scanned %(num)d time before", '
    '"Genuine stamp — scanned %(num)d times before", n) }}|'
    '{{ ngettext("Use by %(date)s (%(num)d day left).", "Use by %(date)s (%(num)d days left).", '
    "n, date=notice) }}|{% trans %}Also:{% endtrans %}"
)


@pytest.mark.parametrize("language", ["vi", "en"])
@pytest.mark.parametrize("n", [1, 3])
def test_same_output_as_flask_babels(app, language, n):
    with app.test_request_context(headers={"Accept-Language": language}):
        notice = "<b>Ôi & nhiễm</b>"
        theirs = render_template_string(TEMPLATE, notice=notice, n=n)
        ours = render_template_string(TEMPLATE, notice=notice, n=n, **request_gettext())
    assert ours == theirs
    assert "&lt;b&gt;Ôi &amp; nhiễm&lt;/b&gt;" in ours  # variables are escaped
    if language == "vi":
        assert "Phản ánh nghi hàng giả" in ours  # translated
