"""Digital transformation assessments of shops."""

from flask.views import MethodView

from api.auth import api_blueprint, commit, current_api_user, paginate_select
from core import access
from retail.assessments import services
from retail.assessments.models import Assessment
from retail.assessments.schemas import AnswersIn, AssessmentIn, AssessmentOut, AssessmentQuery
from retail.shops.models import Shop

blp = api_blueprint(
    "Assessments", __name__, "/api/v1/assessments", "Digital transformation assessments of shops."
)


def _assessment(assessment_id: int) -> Assessment:
    return access.get_in_ward(Assessment, assessment_id, current_api_user())


@blp.route("/")
class Assessments(MethodView):
    @blp.arguments(AssessmentQuery, location="query")
    @blp.response(200, AssessmentOut(many=True))
    @blp.paginate()
    def get(self, query, pagination_parameters):
        """List the assessments of the shops you may see (newest first), e.g. of one shop"""
        user = current_api_user()
        stmt = access.visible_in_wards(Assessment, user).order_by(Assessment.id.desc())
        if "shop_id" in query:
            shop = access.get_in_ward(Shop, query["shop_id"], user)
            stmt = stmt.where(Assessment.shop_id == shop.id)
        if "state" in query:
            stmt = stmt.where(Assessment.state == query["state"])
        return paginate_select(stmt, pagination_parameters)

    @blp.arguments(AssessmentIn)
    @blp.response(201, AssessmentOut)
    def post(self, data):
        """Start a draft assessment of a shop (its open draft when it has one)"""
        user = current_api_user()
        assessment = services.start(access.get_in_ward(Shop, data["shop_id"], user), user)
        commit()
        return assessment


@blp.route("/<int:assessment_id>")
class AssessmentById(MethodView):
    @blp.response(200, AssessmentOut)
    def get(self, assessment_id):
        """Read an assessment: answers, and once submitted its scores, level and flags"""
        return _assessment(assessment_id)

    @blp.arguments(AnswersIn)
    @blp.response(200, AssessmentOut)
    def patch(self, data, assessment_id):
        """Save answers of a draft (merged into the saved ones; the same save twice is harmless)"""
        assessment = _assessment(assessment_id)
        services.save_step(assessment, data["step"], data["answers"], current_api_user())
        commit()
        return assessment


@blp.route("/<int:assessment_id>/submit")
class AssessmentSubmit(MethodView):
    @blp.response(200, AssessmentOut)
    def post(self, assessment_id):
        """Submit a complete draft: scores, level and flags are stored (422 names what is left)"""
        assessment = services.submit(_assessment(assessment_id), current_api_user())
        commit()
        return assessment


@blp.route("/<int:assessment_id>/verify")
class AssessmentVerify(MethodView):
    @blp.response(200, AssessmentOut)
    def post(self, assessment_id):
        """Verify a submitted assessment (staff or the ward's officer); it becomes read-only"""
        assessment = services.verify(_assessment(assessment_id), current_api_user())
        commit()
        return assessment


@blp.route("/<int:assessment_id>/correct")
class AssessmentCorrect(MethodView):
    @blp.response(201, AssessmentOut)
    def post(self, assessment_id):
        """Correct it: a new draft with the same answers, which replaces it once submitted"""
        assessment = services.correct(_assessment(assessment_id), current_api_user())
        commit()
        return assessment
