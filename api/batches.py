"""Batches (lots) of a product, from a site."""

from flask.views import MethodView

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from traceability.registry import lifecycle, places
from traceability.registry.models import Batch
from traceability.registry.schemas import BatchIn, BatchOut, BatchQuery, RecallIn
from traceability.stamps import recalls

blp = api_blueprint(
    "Batches", __name__, "/api/v1/batches", "Batches (lots, GS1 AI 10) of a product."
)


@blp.route("/")
class Batches(MethodView):
    @blp.arguments(BatchQuery, location="query")
    @blp.response(200, BatchOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the batches you may see"""
        stmt = access.visible(Batch, current_api_user()).order_by(Batch.id)
        if not query.get("withdrawn"):
            stmt = stmt.where(Batch.withdrawn_at.is_(None))
        for field in ("product_id", "site_id", "lot_code"):
            if field in query:
                stmt = stmt.where(getattr(Batch, field) == query[field])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(BatchIn)
    @blp.response(201, BatchOut)
    def post(self, data):
        """Add a batch of one of your products"""
        batch = places.create_batch(data, current_api_user())
        commit()
        return batch


@blp.route("/<int:batch_id>")
class BatchById(MethodView):
    @blp.response(200, BatchOut)
    def get(self, batch_id):
        """Read a batch"""
        return access.get_for_read(Batch, batch_id, current_api_user())

    @blp.arguments(BatchIn(partial=True))
    @blp.response(200, BatchOut)
    def patch(self, data, batch_id):
        """Change a batch (it stays with its product)"""
        user = current_api_user()
        batch = access.get_for_write(Batch, batch_id, user)
        places.update_batch(batch, data, user)
        commit()
        return batch

    @blp.response(204)
    def delete(self, batch_id):
        """Delete a batch without stamps (409 otherwise: withdraw it)"""
        user = current_api_user()
        lifecycle.delete_batch(access.get_for_write(Batch, batch_id, user), user)
        commit()


@blp.route("/<int:batch_id>/withdraw")
class BatchWithdraw(MethodView):
    @blp.response(200, BatchOut)
    def post(self, batch_id):
        """Withdraw a batch: its stamps and scans are kept, no new stamps"""
        user = current_api_user()
        batch = lifecycle.withdraw_batch(access.get_for_write(Batch, batch_id, user), user)
        commit()
        return batch


@blp.route("/<int:batch_id>/restore")
class BatchRestore(MethodView):
    @blp.response(200, BatchOut)
    def post(self, batch_id):
        """Restore a withdrawn batch"""
        user = current_api_user()
        batch = lifecycle.restore_batch(access.get_for_write(Batch, batch_id, user), user)
        commit()
        return batch


@blp.route("/<int:batch_id>/recall")
class BatchRecall(MethodView):
    @blp.arguments(RecallIn)
    @blp.response(200, BatchOut)
    def post(self, data, batch_id):
        """Recall a batch: its stamps show consumers the notice, in red (409 if recalled)"""
        user = current_api_user()
        batch = access.get_for_write(Batch, batch_id, user)
        recalls.recall_batch(batch, data["notice"], user)
        commit()
        return batch


@blp.route("/<int:batch_id>/lift-recall")
class BatchLiftRecall(MethodView):
    @blp.response(200, BatchOut)
    def post(self, batch_id):
        """Lift a batch's recall (409 if it is not recalled)"""
        user = current_api_user()
        batch = access.get_for_write(Batch, batch_id, user)
        recalls.lift_recall(batch, user)
        commit()
        return batch
