"""Retail shops of the wards (officers: their wards only)."""

from flask.views import MethodView
from flask_babel import lazy_gettext as _l
from flask_smorest import abort

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from core.extensions import db
from retail.shops import search, services
from retail.shops.models import Shop
from retail.shops.schemas import MergeIn, MergeOut, ShopIn, ShopListed, ShopOut, ShopQuery

blp = api_blueprint(
    "Shops", __name__, "/api/v1/shops", "Retail shops of the wards (officers: their wards only)."
)


class _Listed:
    """A shop as the list shows it: with whether it was assessed and its latest level."""

    def __init__(self, shop: Shop, levels: dict[int, int | None]):
        self._shop = shop
        self.assessed = shop.id in levels
        self.level = levels.get(shop.id)

    def __getattr__(self, name):
        return getattr(self._shop, name)


def _refused(exc: services.DuplicateShop | services.SimilarShops):
    """409 in the one error shape, naming the existing shop or the similar ones the user may
    open (a shop of a ward the user does not look after is not named)."""
    db.session.rollback()
    errors: dict = {"json": exc.errors}
    if isinstance(exc, services.SimilarShops):
        errors["similar"] = [
            {"id": s.id, "name": s.name, "address": s.address, "ward_code": s.ward_code}
            for s in exc.similar
        ]
        hint = _l("Send confirm_similar: true to go ahead.")
        message = f"{exc.errors['name'][0]} {hint}"
    else:
        message = next(iter(exc.errors.values()))[0]
        if exc.visible:
            errors["existing_shop_id"] = exc.existing.id
    abort(409, message=message, errors=errors)


def _saving(call):
    """Run a create or update, answering a duplicate or a similar shop with 409."""
    try:
        return call()
    except (services.DuplicateShop, services.SimilarShops) as exc:
        _refused(exc)


@blp.route("/")
class Shops(MethodView):
    @blp.arguments(ShopQuery, location="query")
    @blp.response(200, ShopListed(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the shops of your wards (staff: all), by name"""
        filters = search.ShopFilters(**query)
        stmt = search.shops_query(current_api_user(), filters)
        shops = paginate_select(stmt, pagination_parameters)
        levels = search.latest_levels([shop.id for shop in shops])
        return [_Listed(shop, levels) for shop in shops]

    @blp.arguments(ShopIn)
    @blp.response(201, ShopOut)
    def post(self, data):
        """Register a shop (409: a duplicate, or a similar shop unless confirm_similar)"""
        user = current_api_user()
        access.require_retail_role(user)
        warn = not data.pop("confirm_similar")
        shop = _saving(lambda: services.create_shop(data, user, warn_similar=warn))
        commit()
        return shop


@blp.route("/<int:shop_id>")
class ShopById(MethodView):
    @blp.response(200, ShopOut)
    def get(self, shop_id):
        """Read a shop"""
        return access.get_in_ward(Shop, shop_id, current_api_user())

    @blp.arguments(ShopIn(partial=True))
    @blp.response(200, ShopOut)
    def patch(self, data, shop_id):
        """Change a shop's details (the same rules as registering it)"""
        user = current_api_user()
        shop = access.get_in_ward(Shop, shop_id, user)
        warn = not data.pop("confirm_similar", False)
        _saving(lambda: services.update_shop(shop, data, user, warn_similar=warn))
        commit()
        return shop


@blp.route("/<int:shop_id>/close")
class ShopClose(MethodView):
    @blp.response(200, ShopOut)
    def post(self, shop_id):
        """Mark a shop as closed (it keeps its assessments)"""
        user = current_api_user()
        shop = services.close_shop(access.get_in_ward(Shop, shop_id, user), user)
        commit()
        return shop


@blp.route("/<int:shop_id>/reopen")
class ShopReopen(MethodView):
    @blp.response(200, ShopOut)
    def post(self, shop_id):
        """Reopen a closed shop"""
        user = current_api_user()
        shop = services.reopen_shop(access.get_in_ward(Shop, shop_id, user), user)
        commit()
        return shop


@blp.route("/<int:shop_id>/merge")
class ShopMerge(MethodView):
    @blp.arguments(MergeIn)
    @blp.response(200, MergeOut)
    def post(self, data, shop_id):
        """Fold a duplicate into this shop: its assessments move here (staff)"""
        user = current_api_user()
        shop = access.get_in_ward(Shop, shop_id, user)
        access.require_staff(user)
        duplicate = access.get_in_ward(Shop, data["duplicate_id"], user)
        moved = services.merge_shops(shop, duplicate, user)
        commit()
        return {"shop": shop, "moved_assessments": moved}
