"""Permission-table rows for the retail shops routes.

Format: tests/retail/test_retail_permissions.py.

`setup(world)` makes the rows these URLs need and returns their placeholders ({name: value}):
a closed shop (to reopen) and a second shop (to merge into the world's shop), both in the
officer's ward. Empty POSTs: the shop form answers with its errors (200); close, reopen and
merge redirect to the shop (302), a merge without a duplicate back to the choice.
"""

# Pages: anonymous → login; producers 403; another ward's officer 404 on every shop's route.
LIST = {"anon": 302, "producer": 403, "*": 200}
SHOP = {"anon": 302, "producer": 403, "officer_b": 404, "*": 200}
SHOP_POST = {"anon": 302, "producer": 403, "officer_b": 404, "*": 302}
STAFF_SHOP = {"anon": 302, "producer": 403, "officer": 403, "officer_b": 404, "*": 200}
STAFF_SHOP_POST = {"anon": 302, "producer": 403, "officer": 403, "officer_b": 404, "*": 302}

PAGES: list = [  # (method, url, {role: status})
    ("GET", "/retail/shops", LIST),
    ("GET", "/retail/shops/new", LIST),
    ("POST", "/retail/shops/new", LIST),
    ("GET", "/retail/shops/{shop}", SHOP),
    ("GET", "/retail/shops/{shop}/edit", SHOP),
    ("POST", "/retail/shops/{shop}/edit", SHOP),
    ("GET", "/retail/shops/{shop}/close", SHOP),
    ("POST", "/retail/shops/{shop}/close", SHOP_POST),
    ("GET", "/retail/shops/{closed_shop}/reopen", SHOP),
    ("POST", "/retail/shops/{closed_shop}/reopen", SHOP_POST),
    ("GET", "/retail/shops/{shop}/merge", STAFF_SHOP),
    ("POST", "/retail/shops/{shop}/merge", STAFF_SHOP_POST),
]

# API: no token → 401; producers 403; another ward's officer 404.
API_LIST = {"anon": 401, "producer": 403, "*": 200}
API_CREATE = {"anon": 401, "producer": 403, "officer_b": 422, "*": 201}
API_SHOP = {"anon": 401, "producer": 403, "officer_b": 404, "*": 200}
API_STAFF = {"anon": 401, "producer": 403, "officer": 403, "officer_b": 404, "*": 200}
NEW_SHOP = {"name": "Quán Cơm Bà Tư", "ward_code": "{ward}", "kind": "food_service"}

APIS: list = [  # (method, url, json body or None, {role: status})
    ("GET", "/api/v1/shops/", None, API_LIST),
    ("POST", "/api/v1/shops/", NEW_SHOP, API_CREATE),  # officer_b: not its ward (422 on ward)
    ("GET", "/api/v1/shops/{shop}", None, API_SHOP),
    ("PATCH", "/api/v1/shops/{shop}", {"address": "14 Đường số 3"}, API_SHOP),
    ("POST", "/api/v1/shops/{shop}/close", None, API_SHOP),
    ("POST", "/api/v1/shops/{closed_shop}/reopen", None, API_SHOP),
    ("POST", "/api/v1/shops/{shop}/merge", {"duplicate_id": "{merge_shop}"}, API_STAFF),
]


def setup(world) -> dict:
    from retail.shops import services
    from retail.shops.models import ShopKind

    officer = world.users["officer"]
    closed = services.create_shop(
        {"name": "Sạp Vải Chị Hai", "ward_code": world.values["ward"], "kind": ShopKind.FASHION},
        officer,
    )
    services.close_shop(closed, officer)
    duplicate = services.create_shop(
        {"name": "Tạp hóa Cô Ba (2)", "ward_code": world.values["ward"], "kind": ShopKind.GROCERY},
        officer,
    )
    return {"closed_shop": closed.id, "merge_shop": duplicate.id}
