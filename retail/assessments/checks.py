"""Checking a framework document before it is stored: every problem, one line each.

A line says where the problem is, what is wrong there and what to do:
`pillars[2].questions[0].options[3]: points is negative (-1); use 0 or more`. Paths count from 0,
as in the JSON. Every problem is listed, not only the first, and one mistake gives one line (an
option without points is not also reported as "the best answer scores 0").

The rules are what the scoring (`retail.assessments.scoring`) needs to be well defined: numbers
that are numbers (not true/false, not text, not NaN); keys that name one pillar, one question
(answers are keyed by question across the whole framework) and one option value within its
question; weights of 0 or more that sum to exactly 100; points of 0 or more with a best answer
above 0; levels that start at level 0 with min 0 and whose numbers and minimums increase, up to
100; flags of the form `name>=number` that some option reaches; and a Vietnamese text for all a
shop owner or an officer reads. Fields the scoring does not read (`basis`, `scoring`, `version`…)
are kept as they are.

Messages are in the reader's language (the page's or the API client's; the default locale in a
command, which the CLI sets to English); JSON values are quoted as written, so a number reads as
it does in the file. Decimals are compared exactly (`exact`): the
weights 17.7, 11.9, 34.7 and 35.7 sum to 100 although their binary floats do not.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction

from flask_babel import gettext as _

from core.edge import bad_text, json_too_deep
from retail.assessments.scoring import exact, parse_flag

MAX_DEPTH = 32  # a framework nests 6 deep; the limit keeps the parser's recursion bounded
KEY_MAX = 60  # assessment_frameworks.key
NAME_MAX = 200  # assessment_frameworks.name_vi / name_en
QUOTE_MAX = 60  # quoted JSON values are cut here so that a problem stays one readable line


class _RepeatedField(ValueError):
    """A JSON object names the same field twice (the parser would silently keep the last)."""


class _NotANumber(ValueError):
    """NaN or Infinity: Python's parser accepts them, JSON does not."""


# --- reading the JSON -----------------------------------------------------------------------


def parse(raw: str | bytes) -> tuple[dict | None, list[str]]:
    """The JSON in `raw` and the problem that stops it being read (an empty list when none)."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return None, [
                _("The file is not UTF-8 text (byte %(at)d): save it as UTF-8.", at=exc.start + 1)
            ]
    text = raw.removeprefix("\ufeff")
    if json_too_deep(text.encode("utf-8", "surrogatepass"), MAX_DEPTH):
        return None, [
            _("The JSON nests deeper than %(n)d levels: a framework needs 6.", n=MAX_DEPTH)
        ]
    try:
        return json.loads(text, object_pairs_hook=_one_of_each, parse_constant=_refuse), []
    except json.JSONDecodeError as exc:
        message = _(
            "The JSON is malformed at line %(line)d, column %(column)d (%(reason)s): check the "
            "commas, quotes and brackets there.",
            line=exc.lineno,
            column=exc.colno,
            reason=exc.msg,
        )
    except _RepeatedField as exc:
        message = _("The JSON names the field %(name)s twice in one object: keep one.", name=exc)
    except _NotANumber as exc:
        message = _(
            "The JSON contains %(value)s, which is not a number: write a number.", value=exc
        )
    return None, [message]


def _one_of_each(pairs: list[tuple[str, object]]) -> dict:
    found: dict = {}
    for name, value in pairs:
        if name in found:
            raise _RepeatedField(_quote(name))
        found[name] = value
    return found


def _refuse(constant: str):
    raise _NotANumber(constant)


def check(raw: str | bytes) -> tuple[dict | None, list[str]]:
    """Parse and check: the document and every problem (none when it can be published)."""
    document, lines = parse(raw)
    return (document, lines) if lines else (document, problems(document))


def problems(document) -> list[str]:
    """Every problem of a framework document (an empty list when it is valid)."""
    found = _Problems()
    if not isinstance(document, dict):
        found.add(
            "", _("The framework must be a JSON object {…}, not %(value)s.", value=_quote(document))
        )
        return found.lines
    found.bad_texts(document)
    found.framework_key(document)
    found.text("", document, "name", limit=NAME_MAX)
    found.levels(document)
    found.pillars(document)
    return found.lines


# --- small helpers --------------------------------------------------------------------------


def _quote(value) -> str:
    """A JSON value as written in the file, cut short: `-1`, `"2"`, `true`, `[1, 2]`."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= QUOTE_MAX else text[: QUOTE_MAX - 1] + "…"


def _is_number(value) -> bool:
    """A finite JSON number: not true/false (Python counts them as 1/0), not NaN or Infinity."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return not isinstance(value, float) or math.isfinite(value)


def _show(number: Fraction) -> str:
    """An exact number as a short decimal for a message."""
    return str(number.numerator) if number.denominator == 1 else str(float(number))


def _child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


class _Problems:
    """Collects problem lines while walking a document; each check skips what is already wrong."""

    def __init__(self):
        self.lines: list[str] = []
        self.pillar_keys: dict[str, str] = {}  # key → where it was first given
        self.question_keys: dict[str, str] = {}

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path}: {message}" if path else message)

    # --- what every part has: texts, keys, numbers, lists ----------------------------------

    def bad_texts(self, document: dict) -> None:
        """NUL and unpaired surrogates anywhere: no database column or page can hold them."""
        stack: list[tuple[str, object]] = [("", document)]
        while stack:
            path, item = stack.pop()
            if isinstance(item, str) and bad_text(item):
                self.add(path, _("contains a NUL character or an unpaired surrogate; remove it"))
            elif isinstance(item, dict):
                for name, child in item.items():
                    if bad_text(name):
                        self.add(path, _("a field name contains a NUL or an unpaired surrogate"))
                    else:
                        stack.append((_child(path, name), child))
            elif isinstance(item, list):
                stack.extend((f"{path}[{i}]", child) for i, child in enumerate(item))

    def text(self, path: str, obj: dict, name: str, *, required=True, limit: int = 0) -> None:
        """A text by language, {"vi": …, "en": …}: Vietnamese required, English optional."""
        value = obj.get(name)
        if value is None:
            if required:
                self.add(
                    path, _('%(field)s is missing: write it as {"vi": "…", "en": "…"}', field=name)
                )
            return
        if not isinstance(value, dict):
            self.add(
                path,
                _(
                    '%(field)s must be {"vi": "…", "en": "…"}, not %(value)s',
                    field=name,
                    value=_quote(value),
                ),
            )
            return
        vi, en = value.get("vi"), value.get("en")
        if vi is None or (isinstance(vi, str) and not vi.strip()):
            self.add(path, _("%(field)s.vi is missing: write the Vietnamese text", field=name))
        for lang, given in (("vi", vi), ("en", en)):
            field = f"{name}.{lang}"
            if given is not None and not isinstance(given, str):
                self.add(
                    path,
                    _("%(field)s must be text, not %(value)s", field=field, value=_quote(given)),
                )
            elif limit and isinstance(given, str) and len(given) > limit:
                self.add(
                    path,
                    _(
                        "%(field)s is longer than %(n)d characters; shorten it",
                        field=field,
                        n=limit,
                    ),
                )

    def key(self, path: str, obj: dict, seen: dict[str, str]) -> None:
        """A pillar's or question's key: text, given once (`seen` maps keys to where they are)."""
        value = obj.get("key")
        if value is None:
            self.add(path, _("key is missing: give it a key no other one has"))
        elif not isinstance(value, str) or not value.strip():
            self.add(path, _("key must be text, not %(value)s", value=_quote(value)))
        elif value in seen:
            self.add(
                path,
                _(
                    "key %(key)s repeats %(where)s; give each its own key",
                    key=_quote(value),
                    where=seen[value],
                ),
            )
        else:
            seen[value] = f"{path}.key"

    def number(self, path: str, obj: dict, name: str) -> Fraction | None:
        """`obj[name]` as an exact number; None (and reported) when missing or not a number."""
        if name not in obj:
            self.add(path, _("%(field)s is missing", field=name))
            return None
        value = obj[name]
        if not _is_number(value):
            self.add(
                path,
                _("%(field)s must be a number, not %(value)s", field=name, value=_quote(value)),
            )
            return None
        return exact(value)

    def listed(self, path: str, obj: dict, name: str, hint: str) -> list | None:
        """`obj[name]` when it is a non-empty list; otherwise reported, with `hint`, and None."""
        value = obj.get(name)
        if value is None:
            self.add(path, _("%(field)s is missing: %(hint)s", field=name, hint=hint))
        elif not isinstance(value, list):
            self.add(
                path,
                _("%(field)s must be a list […], not %(value)s", field=name, value=_quote(value)),
            )
        elif not value:
            self.add(path, _("%(field)s is empty: %(hint)s", field=name, hint=hint))
        else:
            return value
        return None

    def is_object(self, path: str, value, shape: str) -> bool:
        if isinstance(value, dict):
            return True
        self.add(
            path, _("must be an object %(shape)s, not %(value)s", shape=shape, value=_quote(value))
        )
        return False

    # --- the framework, its levels and pillars ---------------------------------------------

    def framework_key(self, document: dict) -> None:
        value = document.get("key")
        if value is None:
            self.add("", _('key is missing: name the framework, e.g. "retail-dx"'))
        elif not isinstance(value, str) or not value.strip():
            self.add(
                "", _('key must be text, e.g. "retail-dx", not %(value)s', value=_quote(value))
            )
        elif len(value) > KEY_MAX:
            self.add("", _("key is longer than %(n)d characters; shorten it", n=KEY_MAX))

    def levels(self, document: dict) -> None:
        hint = _("add level 0 at min 0 and the levels above it")
        levels = self.listed("", document, "levels", hint)
        previous: tuple[int, Fraction] | None = None  # the last level whose numbers are valid
        for i, level in enumerate(levels or ()):
            path = f"levels[{i}]"
            if not self.is_object(path, level, '{"level": …, "min": …, "name": {…}}'):
                previous = None
                continue
            number = self._level_number(path, level)
            minimum = self.number(path, level, "min")
            if i == 0:
                self._first_level(path, level, number, minimum)
            elif previous is not None:
                self._level_increases(path, level, (number, minimum), previous)
            if minimum is not None and minimum > 100:
                self.add(
                    path,
                    _(
                        "min %(value)s is above 100; totals run from 0 to 100",
                        value=_quote(level["min"]),
                    ),
                )
            self.text(path, level, "name")
            valid = number is not None and minimum is not None
            previous = (number, minimum) if valid else None

    def _level_number(self, path: str, level: dict) -> int | None:
        if "level" not in level:
            self.add(path, _("level is missing"))
            return None
        value = level["level"]
        if isinstance(value, bool) or not isinstance(value, int):
            self.add(path, _("level must be a whole number, not %(value)s", value=_quote(value)))
            return None
        return value

    def _first_level(self, path: str, level: dict, number, minimum) -> None:
        if number is not None and number != 0:
            self.add(
                path, _("the first level must be level 0, not %(value)s", value=_quote(number))
            )
        if minimum is not None and minimum != 0:
            self.add(
                path,
                _(
                    "the first level's min must be 0, not %(value)s: a total of 0 is level 0",
                    value=_quote(level["min"]),
                ),
            )

    def _level_increases(self, path: str, level: dict, this: tuple, previous: tuple) -> None:
        (number, minimum), (before_number, before_min) = this, previous
        if number is not None and number <= before_number:
            self.add(
                path,
                _(
                    "level %(value)s does not increase (the level before is %(before)s); "
                    "list the levels from 0 upwards",
                    value=number,
                    before=before_number,
                ),
            )
        if minimum is not None and minimum <= before_min:
            self.add(
                path,
                _(
                    "min %(value)s does not increase (the level before starts at %(before)s); "
                    "give each level a higher min",
                    value=_quote(level["min"]),
                    before=_show(before_min),
                ),
            )

    def pillars(self, document: dict) -> None:
        pillars = self.listed("", document, "pillars", _("a framework needs at least one pillar"))
        if pillars is None:
            return
        weights: list[Fraction] | None = []  # None once a weight is missing or wrong
        for i, pillar in enumerate(pillars):
            path = f"pillars[{i}]"
            shape = '{"key": …, "weight": …, "name": {…}, "questions": […]}'
            if not self.is_object(path, pillar, shape):
                weights = None
                continue
            self.key(path, pillar, self.pillar_keys)
            weight = self._weight(path, pillar)
            weights = None if weight is None or weights is None else [*weights, weight]
            self.text(path, pillar, "name")
            hint = _("a pillar needs at least one question")
            for j, question in enumerate(self.listed(path, pillar, "questions", hint) or ()):
                self.question(f"{path}.questions[{j}]", question)
        if weights is not None and sum(weights) != 100:
            self.add(
                "pillars",
                _(
                    "the weights sum to %(sum)s, not 100; change them so that they add up to "
                    "exactly 100",
                    sum=_show(sum(weights)),
                ),
            )

    def _weight(self, path: str, pillar: dict) -> Fraction | None:
        weight = self.number(path, pillar, "weight")
        if weight is not None and weight < 0:
            self.add(
                path,
                _("weight is negative (%(value)s); use 0 or more", value=_quote(pillar["weight"])),
            )
            return None
        return weight

    def question(self, path: str, question) -> None:
        if not self.is_object(path, question, '{"key": …, "text": {…}, "options": […]}'):
            return
        self.key(path, question, self.question_keys)
        self.text(path, question, "text")
        options = self.listed(path, question, "options", _("a question needs answer options"))
        values: dict[Fraction, str] = {}  # value → where it was first given
        points: list[Fraction] = []
        all_values = all_points = options is not None
        for k, option in enumerate(options or ()):
            option_path = f"{path}.options[{k}]"
            if not self.is_object(option_path, option, '{"value": …, "points": …, "label": {…}}'):
                all_values = all_points = False
                continue
            all_values = self._value(option_path, option, values) and all_values
            got = self._points(option_path, option)
            if got is None:
                all_points = False
            else:
                points.append(got)
            self.text(option_path, option, "label")
            self.text(option_path, option, "advice", required=False)
        if all_points and max(points) == 0:
            self.add(
                path,
                _("its best answer scores 0 points; give the best option more than 0 points"),
            )
        self._flag(path, question, max(values) if all_values else None)

    def _value(self, path: str, option: dict, values: dict[Fraction, str]) -> bool:
        """Whether the option's value is a number; a repeated one is reported (and counts)."""
        value = self.number(path, option, "value")
        if value is None:
            return False
        if value in values:
            self.add(
                path,
                _(
                    "value %(value)s repeats %(where)s; give each option of a question its own "
                    "value",
                    value=_quote(option["value"]),
                    where=values[value],
                ),
            )
        else:
            values[value] = f"{path}.value"
        return True

    def _points(self, path: str, option: dict) -> Fraction | None:
        points = self.number(path, option, "points")
        if points is not None and points < 0:
            self.add(
                path,
                _("points is negative (%(value)s); use 0 or more", value=_quote(option["points"])),
            )
            return None
        return points

    def _flag(self, path: str, question: dict, highest: Fraction | None) -> None:
        """`"name>=N"`: malformed, or never reached when no option's value is N or more."""
        rule = question.get("flag")
        if rule is None:
            return
        parsed = parse_flag(rule) if isinstance(rule, str) else None
        if parsed is None:
            self.add(
                path,
                _(
                    "flag %(value)s is malformed; write it as name>=number, e.g. "
                    '"takes_digital_payment>=2"',
                    value=_quote(rule),
                ),
            )
        elif highest is not None and highest < parsed[1]:
            self.add(
                path,
                _(
                    "flag %(value)s can never be reached: no option has a value of %(min)s or "
                    "more (the highest is %(max)s)",
                    value=_quote(rule),
                    min=parsed[1],
                    max=_show(highest),
                ),
            )
