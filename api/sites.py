"""Sites: growing and farming areas and processing facilities."""

from flask.views import MethodView

from api.auth import api_blueprint, commit, current_api_user, paginate_select, target_producer
from core import access
from traceability.registry import lifecycle, places
from traceability.registry.models import Site
from traceability.registry.schemas import SiteIn, SiteOut, SiteQuery

blp = api_blueprint(
    "Sites",
    __name__,
    "/api/v1/sites",
    "Growing areas (vùng trồng), farming areas (vùng nuôi) and processing facilities.",
)


@blp.route("/")
class Sites(MethodView):
    @blp.arguments(SiteQuery, location="query")
    @blp.response(200, SiteOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the sites you may see"""
        stmt = access.visible(Site, current_api_user()).order_by(Site.id)
        if not query.get("withdrawn"):
            stmt = stmt.where(Site.withdrawn_at.is_(None))
        for field in ("producer_id", "ward_code", "kind"):
            if field in query:
                stmt = stmt.where(getattr(Site, field) == query[field])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(SiteIn)
    @blp.response(201, SiteOut)
    def post(self, data):
        """Add a site"""
        user = current_api_user()
        site = places.create_site(target_producer(data, user), data, user)
        commit()
        return site


@blp.route("/<int:site_id>")
class SiteById(MethodView):
    @blp.response(200, SiteOut)
    def get(self, site_id):
        """Read a site"""
        return access.get_for_read(Site, site_id, current_api_user())

    @blp.arguments(SiteIn(partial=True, exclude=("producer_id",)))
    @blp.response(200, SiteOut)
    def patch(self, data, site_id):
        """Change a site"""
        user = current_api_user()
        site = access.get_for_write(Site, site_id, user)
        places.update_site(site, data, user)
        commit()
        return site

    @blp.response(204)
    def delete(self, site_id):
        """Delete a site no batch comes from (409 otherwise: withdraw it)"""
        user = current_api_user()
        lifecycle.delete_site(access.get_for_write(Site, site_id, user), user)
        commit()


@blp.route("/<int:site_id>/withdraw")
class SiteWithdraw(MethodView):
    @blp.response(200, SiteOut)
    def post(self, site_id):
        """Withdraw a site: its batches keep it, no new batch comes from it"""
        user = current_api_user()
        site = lifecycle.withdraw_site(access.get_for_write(Site, site_id, user), user)
        commit()
        return site


@blp.route("/<int:site_id>/restore")
class SiteRestore(MethodView):
    @blp.response(200, SiteOut)
    def post(self, site_id):
        """Restore a withdrawn site"""
        user = current_api_user()
        site = lifecycle.restore_site(access.get_for_write(Site, site_id, user), user)
        commit()
        return site
