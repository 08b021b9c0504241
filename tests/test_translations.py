"""Every message the code or a template can show has a Vietnamese translation."""

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import PROJECT_ROOT

METHODS = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
SOURCES = ("core", "traceability", "retail", "reports", "api", "templates")


def _source_messages() -> set[str]:
    found = set()
    for folder in SOURCES:
        base = PROJECT_ROOT / folder
        method_map = [("**.html", "jinja2")] if folder == "templates" else [("**.py", "python")]
        for _file, _line, message, _comments, _ctx in extract_from_dir(
            str(base), method_map, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_is_translated_into_vietnamese():
    with (PROJECT_ROOT / "translations/vi/LC_MESSAGES/messages.po").open("rb") as fh:
        catalog = read_po(fh)
    translated = {
        m.id[0] if isinstance(m.id, tuple) else m.id  # ngettext entries: (singular, plural)
        for m in catalog
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.string, tuple) else m.string)
    }
    missing = sorted(_source_messages() - translated)
    assert not missing, f"run `make extract-messages` and translate: {missing}"
