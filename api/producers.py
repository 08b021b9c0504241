"""Producers: list and read (scoped), register (staff), update, verify and refuse (staff)."""

from flask.views import MethodView
from sqlalchemy import or_

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from traceability.registry import services
from traceability.registry.models import Producer
from traceability.registry.schemas import ProducerIn, ProducerOut, ProducerQuery, ReasonIn

blp = api_blueprint(
    "Producers",
    __name__,
    "/api/v1/producers",
    "Enterprises, co-operatives and household businesses. A producer's token sees only itself.",
)


@blp.route("/")
class Producers(MethodView):
    @blp.arguments(ProducerQuery, location="query")
    @blp.response(200, ProducerOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the producers you may see"""
        stmt = access.visible(Producer, current_api_user()).order_by(Producer.id)
        if query.get("q"):
            q = query["q"]  # % and _ are literal: autoescape
            stmt = stmt.where(
                or_(
                    Producer.legal_name.icontains(q, autoescape=True),
                    Producer.tax_code.contains(q, autoescape=True),
                )
            )
        for field in ("ward_code", "kind", "verification_state"):
            if field in query:
                stmt = stmt.where(getattr(Producer, field) == query[field])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(ProducerIn)
    @blp.response(201, ProducerOut)
    def post(self, data):
        """Register a producer on its behalf (staff); it starts unverified"""
        producer = services.create_producer(data, current_api_user())
        commit()
        return producer


@blp.route("/<int:producer_id>")
class ProducerById(MethodView):
    @blp.response(200, ProducerOut)
    def get(self, producer_id):
        """Read a producer"""
        return access.get_for_read(Producer, producer_id, current_api_user())

    @blp.arguments(ProducerIn(partial=True))
    @blp.response(200, ProducerOut)
    def patch(self, data, producer_id):
        """Change a producer's details (identity fields are locked for it once verified)"""
        user = current_api_user()
        producer = access.get_for_write(Producer, producer_id, user)
        services.update_producer(producer, data, user)
        commit()
        return producer


@blp.route("/<int:producer_id>/verify")
class ProducerVerify(MethodView):
    @blp.response(200, ProducerOut)
    def post(self, producer_id):
        """Verify a producer (staff)"""
        user = current_api_user()
        producer = access.get_for_read(Producer, producer_id, user)
        services.verify_producer(producer, user)
        commit()
        return producer


@blp.route("/<int:producer_id>/reject")
class ProducerReject(MethodView):
    @blp.arguments(ReasonIn)
    @blp.response(200, ProducerOut)
    def post(self, data, producer_id):
        """Refuse, or suspend once verified, a producer with a reason (staff)"""
        user = current_api_user()
        producer = access.get_for_read(Producer, producer_id, user)
        services.reject_producer(producer, data["reason"], user)
        commit()
        return producer
