"""Every framework rule refused with its reason, one line per problem, and the seed's advice."""

from __future__ import annotations

import copy
import json

import pytest
from flask_babel import force_locale
from hypothesis import given, settings
from hypothesis import strategies as st

from retail.assessments import checks, frameworks, scoring
from tests.conftest import shared_path


@pytest.fixture(autouse=True)
def english(app_ctx):
    """Messages in English (outside a request they would be in the default locale, vi)."""
    with force_locale("en"):
        yield


def valid() -> dict:
    """A small framework that passes every check: two pillars, three questions."""
    return {
        "key": "small",
        "version": 1,
        "name": {"vi": "Bộ nhỏ", "en": "Small"},
        "levels": [
            {"level": 0, "min": 0, "name": {"vi": "Chưa bắt đầu", "en": "Not started"}},
            {"level": 1, "min": 50, "name": {"vi": "Hình thành"}},
        ],
        "pillars": [
            {
                "key": "pay",
                "weight": 60,
                "name": {"vi": "Thanh toán", "en": "Payments"},
                "questions": [
                    {
                        "key": "qr",
                        "text": {"vi": "Có mã QR?", "en": "A QR code?"},
                        "flag": "takes_qr>=1",
                        "options": [
                            {
                                "value": 0,
                                "points": 0,
                                "label": {"vi": "Không"},
                                "advice": {"vi": "Đăng ký mã VietQR miễn phí."},
                            },
                            {"value": 1, "points": 2, "label": {"vi": "Có"}},
                        ],
                    },
                    {
                        "key": "share",
                        "text": {"vi": "Tỷ lệ?"},
                        "options": [
                            {"value": 0, "points": 0, "label": {"vi": "Ít"}},
                            {"value": 1, "points": 1, "label": {"vi": "Nhiều"}},
                        ],
                    },
                ],
            },
            {
                "key": "data",
                "weight": 40,
                "name": {"vi": "Dữ liệu"},
                "questions": [
                    {
                        "key": "backup",
                        "text": {"vi": "Sao lưu?"},
                        "options": [
                            {"value": 0, "points": 0, "label": {"vi": "Không"}},
                            {"value": 1, "points": 1, "label": {"vi": "Có"}},
                        ],
                    }
                ],
            },
        ],
    }


def problems_after(change) -> list[str]:
    document = valid()
    change(document)
    return checks.problems(document)


def option(document, pillar=0, question=0, index=0) -> dict:
    return document["pillars"][pillar]["questions"][question]["options"][index]


def test_the_small_framework_is_valid():
    assert checks.problems(valid()) == []


def test_the_shared_v1_and_the_projects_seed_are_valid():
    shared = json.loads(shared_path("data", "assessment", "retail_dx_v1.json").read_text("utf-8"))
    assert checks.problems(shared) == []
    assert checks.problems(json.loads(frameworks.SEED.read_text("utf-8"))) == []


# --- the parse step: JSON that cannot be read is one problem line ---------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (
            '{"key": "x",\n "levels": [1 2]}',
            "The JSON is malformed at line 2, column 15 (Expecting ',' delimiter): check the "
            "commas, quotes and brackets there.",
        ),
        ("", "The JSON is malformed at line 1, column 1 (Expecting value)"),
        ('{"points": 1, "points": 2}', 'The JSON names the field "points" twice in one object'),
        ('{"weight": NaN}', "The JSON contains NaN, which is not a number"),
        ('{"weight": -Infinity}', "The JSON contains -Infinity, which is not a number"),
        (b'{"key": "\xff"}', "The file is not UTF-8 text (byte 10)"),
        ("[" * 33 + "]" * 33, "The JSON nests deeper than 32 levels"),
    ],
    ids=["malformed", "empty", "repeated-field", "nan", "infinity", "not-utf8", "too-deep"],
)
def test_json_that_cannot_be_read_is_one_problem(raw, expected):
    document, lines = checks.parse(raw)
    assert document is None
    assert len(lines) == 1
    assert lines[0].startswith(expected)


def test_a_byte_order_mark_is_not_a_problem():
    text = json.dumps(valid(), ensure_ascii=False)
    assert checks.check(b"\xef\xbb\xbf" + text.encode("utf-8")) == (valid(), [])


# --- one test per rule ----------------------------------------------------------------------


def test_weights_must_sum_to_100():
    def change(d):
        d["pillars"][1]["weight"] = 35

    assert problems_after(change) == [
        "pillars: the weights sum to 95, not 100; change them so that they add up to exactly 100"
    ]


def test_decimal_weights_that_sum_to_exactly_100_are_accepted():
    # As binary floats 17.7 + 11.9 + 34.7 + 35.7 is 100.00000000000001: a float sum would refuse.
    weights = [17.7, 11.9, 34.7, 35.7]
    assert sum(weights) != 100

    def change(d):
        d["pillars"] = [copy.deepcopy(d["pillars"][1]) for _ in weights]
        for i, (pillar, weight) in enumerate(zip(d["pillars"], weights, strict=True)):
            pillar["key"], pillar["weight"] = f"p{i}", weight
            pillar["questions"][0]["key"] = f"q{i}"

    assert problems_after(change) == []


def test_a_negative_weight_is_refused():
    def change(d):
        d["pillars"][0]["weight"], d["pillars"][1]["weight"] = 150, -50

    assert problems_after(change) == ["pillars[1]: weight is negative (-50); use 0 or more"]


def test_a_repeated_pillar_key_is_refused():
    def change(d):
        d["pillars"][1]["key"] = "pay"

    assert problems_after(change) == [
        'pillars[1]: key "pay" repeats pillars[0].key; give each its own key'
    ]


@pytest.mark.parametrize(
    ("pillar", "question", "where"),
    [(0, 1, "pillars[0].questions[1]"), (1, 0, "pillars[1].questions[0]")],
    ids=["same-pillar", "other-pillar"],
)
def test_a_repeated_question_key_is_refused_across_the_framework(pillar, question, where):
    def change(d):
        d["pillars"][pillar]["questions"][question]["key"] = "qr"

    assert problems_after(change) == [
        f'{where}: key "qr" repeats pillars[0].questions[0].key; give each its own key'
    ]


def test_a_repeated_option_value_is_refused():
    def change(d):
        option(d, question=1, index=1)["value"] = 0

    assert problems_after(change) == [
        "pillars[0].questions[1].options[1]: value 0 repeats pillars[0].questions[1].options[0]"
        ".value; give each option of a question its own value"
    ]


def test_an_option_without_points_is_refused():
    def change(d):
        del option(d, index=1)["points"]

    assert problems_after(change) == ["pillars[0].questions[0].options[1]: points is missing"]


def test_negative_points_are_refused():
    def change(d):
        option(d, index=0)["points"] = -1

    assert problems_after(change) == [
        "pillars[0].questions[0].options[0]: points is negative (-1); use 0 or more"
    ]


@pytest.mark.parametrize(
    ("points", "shown"),
    [(True, "true"), ("2", '"2"'), (None, "null"), ([2], "[2]")],
    ids=["boolean", "text", "null", "list"],
)
def test_points_must_be_numbers(points, shown):
    def change(d):
        option(d, index=1)["points"] = points

    assert problems_after(change) == [
        f"pillars[0].questions[0].options[1]: points must be a number, not {shown}"
    ]


def test_points_that_are_not_finite_are_refused():
    # JSON has no NaN, but Python's parser (Flask's) reads it: the check must not count on JSON.
    def change(d):
        option(d, index=1)["points"] = float("nan")

    assert problems_after(change) == [
        "pillars[0].questions[0].options[1]: points must be a number, not NaN"
    ]


def test_an_option_value_must_be_a_number():
    def change(d):
        option(d, index=1)["value"] = "yes"

    assert problems_after(change) == [
        'pillars[0].questions[0].options[1]: value must be a number, not "yes"'
    ]


def test_a_question_whose_best_answer_scores_0_is_refused():
    def change(d):
        option(d, index=1)["points"] = 0

    assert problems_after(change) == [
        "pillars[0].questions[0]: its best answer scores 0 points; give the best option more "
        "than 0 points"
    ]


def test_an_empty_question_list_is_refused():
    def change(d):
        d["pillars"][1]["questions"] = []

    assert problems_after(change) == [
        "pillars[1]: questions is empty: a pillar needs at least one question"
    ]


def test_an_empty_pillar_list_is_refused():
    def change(d):
        d["pillars"] = []

    assert problems_after(change) == ["pillars is empty: a framework needs at least one pillar"]


def test_a_question_without_options_is_refused():
    def change(d):
        d["pillars"][1]["questions"][0]["options"] = []

    assert problems_after(change) == [
        "pillars[1].questions[0]: options is empty: a question needs answer options"
    ]


def test_levels_must_start_at_level_0():
    def change(d):
        d["levels"][0]["level"] = 1
        d["levels"][1]["level"] = 2

    assert problems_after(change) == ["levels[0]: the first level must be level 0, not 1"]


def test_the_first_level_must_start_at_min_0():
    def change(d):
        d["levels"][0]["min"] = 5

    assert problems_after(change) == [
        "levels[0]: the first level's min must be 0, not 5: a total of 0 is level 0"
    ]


def test_level_numbers_must_increase():
    def change(d):
        d["levels"].append({"level": 1, "min": 70, "name": {"vi": "Lặp"}})

    assert problems_after(change) == [
        "levels[2]: level 1 does not increase (the level before is 1); list the levels from 0 "
        "upwards"
    ]


def test_level_minimums_must_increase():
    def change(d):
        d["levels"].append({"level": 2, "min": 50, "name": {"vi": "Bằng"}})

    assert problems_after(change) == [
        "levels[2]: min 50 does not increase (the level before starts at 50); give each level a "
        "higher min"
    ]


def test_a_min_above_100_is_refused():
    def change(d):
        d["levels"].append({"level": 2, "min": 100.5, "name": {"vi": "Quá"}})

    assert problems_after(change) == ["levels[2]: min 100.5 is above 100; totals run from 0 to 100"]


def test_a_min_of_exactly_100_is_accepted():
    def change(d):
        d["levels"].append({"level": 2, "min": 100, "name": {"vi": "Tuyệt đối"}})

    assert problems_after(change) == []


def test_levels_must_be_there():
    def change(d):
        d["levels"] = []

    assert problems_after(change) == [
        "levels is empty: add level 0 at min 0 and the levels above it"
    ]


def test_a_flag_that_can_never_be_reached_is_refused():
    def change(d):
        d["pillars"][0]["questions"][0]["flag"] = "takes_qr>=2"

    assert problems_after(change) == [
        'pillars[0].questions[0]: flag "takes_qr>=2" can never be reached: no option has a value '
        "of 2 or more (the highest is 1)"
    ]


def test_a_flag_at_the_highest_value_is_accepted():
    def change(d):
        d["pillars"][0]["questions"][0]["flag"] = "takes_qr>=1"

    assert problems_after(change) == []


@pytest.mark.parametrize(
    ("flag", "shown"),
    [("takes qr>=1", '"takes qr>=1"'), ("takes_qr=>1", '"takes_qr=>1"'), ("", '""'), (1, "1")],
    ids=["space", "operator", "empty", "number"],
)
def test_a_malformed_flag_is_refused(flag, shown):
    def change(d):
        d["pillars"][0]["questions"][0]["flag"] = flag

    assert problems_after(change) == [
        f"pillars[0].questions[0]: flag {shown} is malformed; write it as name>=number, e.g. "
        '"takes_digital_payment>=2"'
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d["name"].pop("vi"), "name.vi is missing: write the Vietnamese text"),
        (
            lambda d: d["pillars"][1]["name"].update(vi="  "),
            "pillars[1]: name.vi is missing: write the Vietnamese text",
        ),
        (
            lambda d: d["pillars"][0]["questions"][1].pop("text"),
            'pillars[0].questions[1]: text is missing: write it as {"vi": "…", "en": "…"}',
        ),
        (
            lambda d: option(d, 1, 0, 1)["label"].update(vi=None, en="Yes"),
            "pillars[1].questions[0].options[1]: label.vi is missing: write the Vietnamese text",
        ),
        (
            lambda d: d["levels"][1].update(name={"en": "Forming"}),
            "levels[1]: name.vi is missing: write the Vietnamese text",
        ),
        (
            lambda d: option(d)["advice"].update(vi="", en="Get a free VietQR code."),
            "pillars[0].questions[0].options[0]: advice.vi is missing: write the Vietnamese text",
        ),
        (
            lambda d: d["pillars"][1].update(name="Dữ liệu"),
            'pillars[1]: name must be {"vi": "…", "en": "…"}, not "Dữ liệu"',
        ),
    ],
    ids=["name", "pillar-name", "question-text", "option-label", "level-name", "advice", "plain"],
)
def test_a_missing_vietnamese_text_is_refused(change, expected):
    assert problems_after(change) == [expected]


def test_english_texts_and_advice_are_optional():
    def change(d):
        d["name"].pop("en")
        option(d).pop("advice")

    assert problems_after(change) == []


def test_the_name_must_fit_the_list_of_versions():
    def change(d):
        d["name"]["vi"] = "Bộ " * 70

    assert problems_after(change) == ["name.vi is longer than 200 characters; shorten it"]


def test_the_framework_needs_a_key():
    def change(d):
        del d["key"]

    assert problems_after(change) == ['key is missing: name the framework, e.g. "retail-dx"']


def test_text_with_nul_is_refused_wherever_it_is():
    def change(d):
        option(d, 1, 0, 0)["label"]["vi"] = "Kh\x00ông"

    assert problems_after(change) == [
        "pillars[1].questions[0].options[0].label.vi: contains a NUL character or an unpaired "
        "surrogate; remove it"
    ]


def test_a_document_that_is_not_an_object_is_refused():
    assert checks.problems([valid()]) == [
        "The framework must be a JSON object {…}, not "
        + json.dumps([valid()], ensure_ascii=False)[:59]
        + "…."
    ]


def test_every_problem_is_listed_at_once_each_on_one_line():
    def change(d):
        d["pillars"][1]["weight"] = 30  # sum 90
        option(d, 0, 1, 0)["points"] = -2
        d["levels"][1]["min"] = 120
        d["pillars"][0]["questions"][0]["text"]["vi"] = ""

    lines = problems_after(change)
    assert lines == [
        "levels[1]: min 120 is above 100; totals run from 0 to 100",
        "pillars[0].questions[0]: text.vi is missing: write the Vietnamese text",
        "pillars[0].questions[1].options[0]: points is negative (-2); use 0 or more",
        "pillars: the weights sum to 90, not 100; change them so that they add up to exactly 100",
    ]
    assert all("\n" not in line for line in lines)


def test_one_mistake_is_one_line():
    # Without points the best answer is unknown: no second line about it scoring 0.
    def change(d):
        for item in d["pillars"][1]["questions"][0]["options"]:
            del item["points"]

    assert problems_after(change) == [
        "pillars[1].questions[0].options[0]: points is missing",
        "pillars[1].questions[0].options[1]: points is missing",
    ]


def test_problems_come_in_the_readers_language():
    with force_locale("vi"):
        document = valid()
        option(document)["points"] = -1
        assert checks.problems(document) == [
            "pillars[0].questions[0].options[0]: points là số âm (-1); hãy dùng số từ 0 trở lên"
        ]


# --- the seed: the shared v1 with advice, same scores ----------------------------------------


def without_advice(document: dict) -> dict:
    stripped = copy.deepcopy(document)
    for _pillar, question in scoring.questions(stripped):
        for item in question["options"]:
            item.pop("advice", None)
    return stripped


def test_the_seed_is_the_shared_v1_plus_advice_only():
    shared = json.loads(shared_path("data", "assessment", "retail_dx_v1.json").read_text("utf-8"))
    seed = json.loads(frameworks.SEED.read_text("utf-8"))
    assert seed["levels"] == shared["levels"]
    assert [(p["key"], p["weight"]) for p in seed["pillars"]] == [
        (p["key"], p["weight"]) for p in shared["pillars"]
    ]
    scored = [
        (q["key"], q.get("flag"), [(o["value"], o["points"]) for o in q["options"]])
        for _p, q in scoring.questions(shared)
    ]
    assert [
        (q["key"], q.get("flag"), [(o["value"], o["points"]) for o in q["options"]])
        for _p, q in scoring.questions(seed)
    ] == scored
    assert without_advice(seed) == shared


def test_every_option_but_the_best_has_advice_in_both_languages():
    seed = json.loads(frameworks.SEED.read_text("utf-8"))
    for _pillar, question in scoring.questions(seed):
        best = max(o["points"] for o in question["options"])
        for item in question["options"]:
            where = f"{question['key']}={item['value']}"
            if item["points"] == best:
                assert "advice" not in item, where
            else:
                assert item["advice"]["vi"].strip() and item["advice"]["en"].strip(), where
                assert len(item["advice"]["vi"]) <= 160, where


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=12,
)


def _places(value, path=()):
    """Every (path) inside a document, to put another value there."""
    yield path
    if isinstance(value, dict):
        for name, child in value.items():
            yield from _places(child, (*path, name))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _places(child, (*path, index))


PLACES = list(_places(valid()))[1:]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(place=st.sampled_from(PLACES), value=JSON)
def test_any_value_anywhere_gives_problem_lines_never_an_error(place, value):
    # Whatever a file or an API client puts in any field, the answer is a list of lines (the
    # page, the CLI and the 422 show them), never an exception (a 500).
    document = valid()
    target = document
    for step in place[:-1]:
        target = target[step]
    target[place[-1]] = value
    lines = checks.problems(document)
    assert all(isinstance(line, str) and "\n" not in line for line in lines)
    if not lines:
        scoring.score(document, {})  # a document that passes is scored without error
