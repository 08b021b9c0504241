"""Operations on assessments: drafts saved step by step, submission, verification, history.

Services take parsed values and the acting user, check the domain rules, write the audit log,
flush and never commit (pages use `core.pages.act`).
"""

from __future__ import annotations

from retail.assessments import scoring
from retail.assessments.models import Assessment


def record_score(assessment: Assessment) -> scoring.Score:
    """Score the assessment's answers with its framework version and store the result."""
    result = scoring.score(assessment.framework.document, assessment.answers or {})
    assessment.pillar_scores = {key: float(value) for key, value in result.pillars.items()}
    assessment.total = float(result.total)
    assessment.level = result.level  # decided on exact fractions, never on the floats above
    assessment.flags = dict(result.flags)
    return result
