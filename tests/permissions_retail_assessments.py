"""Permission-table rows for the retail assessments routes.

Format: tests/retail/test_retail_permissions.py.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}):
`{submitted}` is a submitted assessment of the world's shop (which has no open draft), `{draft}`
an open draft, with a photo, of a second shop of the same ward; `{step}` its first step.
"""

from __future__ import annotations

import io

from PIL import Image

READ = {"anon": 302, "producer": 403, "officer": 200, "officer_b": 404, "staff": 200, "admin": 200}
POST = {"anon": 302, "producer": 403, "officer": 302, "officer_b": 404, "staff": 302, "admin": 302}
# The form again with its errors (an empty form, a body that is not the JSON expected).
REFUSED = {"anon": 302, "producer": 403, "officer_b": 404, "*": 422}


def api(status: int) -> dict:
    return {"anon": 401, "producer": 403, "officer_b": 404, "*": status}


PAGES: list = [
    ("GET", "/retail/shops/{shop}/assess", READ),
    ("POST", "/retail/shops/{shop}/assess", POST),
    ("GET", "/retail/shops/{shop}/assessments", READ),
    ("GET", "/retail/assessments/{submitted}", READ),
    ("GET", "/retail/assessments/{draft}/step/{step}", READ),
    ("POST", "/retail/assessments/{draft}/step/{step}", POST),  # nothing picked: saved, next step
    ("POST", "/retail/assessments/{draft}/answers", REFUSED),  # a form post, not JSON
    ("GET", "/retail/assessments/{draft}/review", READ),
    ("POST", "/retail/assessments/{draft}/submit", POST),  # incomplete: flashed, back to review
    ("POST", "/retail/assessments/{submitted}/verify", POST),
    ("POST", "/retail/assessments/{submitted}/correct", POST),
    ("POST", "/retail/assessments/{draft}/photo", REFUSED),  # no file chosen
    ("POST", "/retail/assessments/{draft}/photo/delete", POST),
    ("GET", "/retail/assessments/{draft}/photo", READ),
]
APIS: list = [
    # An officer of another ward gets an empty list (its ?shop_id= is a 404: test_assessments_api).
    ("GET", "/api/v1/assessments/", None, {"anon": 401, "producer": 403, "*": 200}),
    ("POST", "/api/v1/assessments/", {"shop_id": "{shop}"}, api(201)),
    ("GET", "/api/v1/assessments/{submitted}", None, api(200)),
    (
        "PATCH",
        "/api/v1/assessments/{draft}",
        {"answers": {"cashless_methods": 2}, "step": 1},
        api(200),
    ),
    ("POST", "/api/v1/assessments/{draft}/submit", None, api(422)),  # questions left
    ("POST", "/api/v1/assessments/{submitted}/verify", None, api(200)),
    ("POST", "/api/v1/assessments/{submitted}/correct", None, api(201)),
]


def jpeg() -> io.BytesIO:
    photo = io.BytesIO()
    Image.new("RGB", (320, 240), "orange").save(photo, "JPEG")
    photo.seek(0)
    return photo


def full_answers(document: dict) -> dict:
    """Every question answered with its first option."""
    from retail.assessments import scoring

    return {q["key"]: q["options"][0]["value"] for _, q in scoring.questions(document)}


def setup(world) -> dict:
    from retail.assessments import evidence, frameworks, services
    from retail.shops import services as shop_services
    from retail.shops.models import ShopKind

    frameworks.seed_default()
    officer = world.users["officer"]
    submitted = services.start(world.shop, officer)
    services.save_step(submitted, None, full_answers(submitted.framework.document), officer)
    services.submit(submitted, officer)
    other = shop_services.create_shop(
        {
            "name": "Quầy thuốc Minh Tâm",
            "phone": "+84987654321",
            "ward_code": world.shop.ward_code,
            "address": "5 Đường số 7",
            "kind": ShopKind.PHARMACY,
        },
        officer,
    )
    draft = services.start(other, officer)
    evidence.add_photo(draft, jpeg(), officer)
    return {"submitted": submitted.id, "draft": draft.id, "step": 1}
