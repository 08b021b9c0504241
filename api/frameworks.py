"""Versioned assessment frameworks (questionnaires).

Officers read the published versions (they take the questions offline); staff and admins also
publish. Drafts are made on the staff pages and are not served here.
"""

from flask.views import MethodView
from sqlalchemy import select

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from core.errors import NotFound
from core.extensions import db
from retail.assessments import frameworks
from retail.assessments.framework_schemas import (
    FrameworkDocumentIn,
    FrameworkDocumentOut,
    FrameworkOut,
    FrameworkQuery,
)
from retail.assessments.models import Framework, FrameworkState

blp = api_blueprint(
    "Assessment frameworks",
    __name__,
    "/api/v1/frameworks",
    "Versioned assessment frameworks (questionnaires).",
)


def _out(framework: Framework, current: set[int]) -> dict:
    fields = ("id", "key", "version", "state", "name_vi", "name_en", "published_at", "document")
    return {name: getattr(framework, name) for name in fields} | {
        "is_current": framework.id in current
    }


@blp.route("/")
class Frameworks(MethodView):
    @blp.arguments(FrameworkQuery, location="query")
    @blp.response(200, FrameworkOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the published versions, newest first within each key"""
        access.require_retail_role(current_api_user())
        current = frameworks.current_ids()
        stmt = (
            select(Framework)
            .where(Framework.state == FrameworkState.PUBLISHED)
            .order_by(Framework.key, Framework.version.desc())
        )
        if "key" in query:
            stmt = stmt.where(Framework.key == query["key"])
        if query.get("current") is not None:
            chosen = Framework.id.in_(current)
            stmt = stmt.where(chosen if query["current"] else ~chosen)
        return [_out(f, current) for f in paginate_select(stmt, pagination_parameters)]

    @blp.arguments(FrameworkDocumentIn)
    @blp.response(201, FrameworkDocumentOut)
    def post(self, document):
        """Publish a framework document as the next version of its key (staff)

        The document is checked first; every problem comes back in one 422, one line each under
        `errors.json.document` (e.g. `pillars[2].questions[0].options[3]: points is negative`).
        """
        user = current_api_user()
        access.require_staff(user)
        framework = frameworks.publish_document(document, user)
        commit()
        return _out(framework, frameworks.current_ids())


@blp.route("/<int:framework_id>")
class FrameworkById(MethodView):
    @blp.response(200, FrameworkDocumentOut)
    def get(self, framework_id):
        """Read a published version with its whole document"""
        access.require_retail_role(current_api_user())
        framework = db.session.get(Framework, framework_id)
        if framework is None or framework.state is not FrameworkState.PUBLISHED:
            raise NotFound(f"No published framework version with id {framework_id}.")
        return _out(framework, frameworks.current_ids())
