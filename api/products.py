"""Products: the registry's core, with the review workflow and national-portal status."""

from flask.views import MethodView
from sqlalchemy import or_

from api.auth import api_blueprint, commit, current_api_user, paginate_select, target_producer
from core import access
from core.errors import FieldError
from traceability.registry import lifecycle, services
from traceability.registry.models import Product
from traceability.registry.rules import clean_gtin
from traceability.registry.schemas import PortalIn, ProductIn, ProductOut, ProductQuery, ReasonIn

blp = api_blueprint(
    "Products",
    __name__,
    "/api/v1/products",
    "OCOP and agricultural products with their GTIN. A producer's token sees only its own.",
)


@blp.route("/")
class Products(MethodView):
    @blp.arguments(ProductQuery, location="query")
    @blp.response(200, ProductOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the products you may see"""
        stmt = access.visible(Product, current_api_user()).order_by(Product.id)
        if not query.get("withdrawn"):
            stmt = stmt.where(Product.withdrawn_at.is_(None))
        if query.get("q"):
            q = query["q"]  # % and _ are literal: autoescape
            stmt = stmt.where(
                or_(
                    Product.name.icontains(q, autoescape=True),
                    Product.gtin.contains(q, autoescape=True),
                )
            )
        if query.get("gtin"):
            try:
                stmt = stmt.where(Product.gtin == clean_gtin(query["gtin"]))
            except FieldError:
                stmt = stmt.where(Product.gtin == query["gtin"])
        for field in ("producer_id", "category", "review_state", "portal_state", "ip_status"):
            if field in query:
                stmt = stmt.where(getattr(Product, field) == query[field])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(ProductIn)
    @blp.response(201, ProductOut)
    def post(self, data):
        """Register a product (as a draft)"""
        user = current_api_user()
        product = services.create_product(target_producer(data, user), data, user)
        commit()
        return product


@blp.route("/<int:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductOut)
    def get(self, product_id):
        """Read a product"""
        return access.get_for_read(Product, product_id, current_api_user())

    @blp.arguments(ProductIn(partial=True, exclude=("producer_id",)))
    @blp.response(200, ProductOut)
    def patch(self, data, product_id):
        """Change a product (the GTIN is fixed once verified)"""
        user = current_api_user()
        product = access.get_for_write(Product, product_id, user)
        services.update_product(product, data, user)
        commit()
        return product

    @blp.response(204)
    def delete(self, product_id):
        """Delete a draft or returned product without stamps, with its photos and batches

        409 says why one cannot be deleted (under review, verified, stamps issued): withdraw it.
        """
        user = current_api_user()
        lifecycle.delete_product(access.get_for_write(Product, product_id, user), user)
        commit()


@blp.route("/<int:product_id>/withdraw")
class ProductWithdraw(MethodView):
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Withdraw a product: kept with its trace, hidden from lists, no new batches or stamps"""
        user = current_api_user()
        product = lifecycle.withdraw_product(access.get_for_write(Product, product_id, user), user)
        commit()
        return product


@blp.route("/<int:product_id>/restore")
class ProductRestore(MethodView):
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Restore a withdrawn product"""
        user = current_api_user()
        product = lifecycle.restore_product(access.get_for_write(Product, product_id, user), user)
        commit()
        return product


@blp.route("/<int:product_id>/submit")
class ProductSubmit(MethodView):
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Send a product to the Department for verification (verified producers only)"""
        user = current_api_user()
        product = services.submit_product(access.get_for_write(Product, product_id, user), user)
        commit()
        return product


@blp.route("/<int:product_id>/verify")
class ProductVerify(MethodView):
    @blp.response(200, ProductOut)
    def post(self, product_id):
        """Verify a submitted product (staff)"""
        user = current_api_user()
        product = services.verify_product(access.get_for_read(Product, product_id, user), user)
        commit()
        return product


@blp.route("/<int:product_id>/reject")
class ProductReject(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, ProductOut)
    def post(self, data, product_id):
        """Return a product to its producer with a reason (staff)"""
        user = current_api_user()
        product = access.get_for_read(Product, product_id, user)
        services.reject_product(product, data["reason"], user)
        commit()
        return product


@blp.route("/<int:product_id>/portal")
class ProductPortal(MethodView):
    @blp.arguments(PortalIn)
    @blp.response(200, ProductOut)
    def put(self, data, product_id):
        """Record the product's state on the national traceability portal (staff)"""
        user = current_api_user()
        product = access.get_for_read(Product, product_id, user)
        services.set_portal_status(
            product,
            state=data["portal_state"],
            reference=data["portal_reference"],
            on=data["portal_state_on"],
            actor=user,
        )
        commit()
        return product
