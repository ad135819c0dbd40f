"""API endpoints of the performance app, mounted at /api/v1/performance: periods, feedback,
360° rounds (aggregates only), improvement actions, retrospectives, promotion and
improvement rules."""

from ninja import Router

from salesalign.performance.api.actions import router as actions_router
from salesalign.performance.api.development import router as development_router
from salesalign.performance.api.feedback import router as feedback_router
from salesalign.performance.api.kpis import router as kpis_router
from salesalign.performance.api.periods import router as periods_router
from salesalign.performance.api.rounds import router as rounds_router
from salesalign.performance.api.rules import router as rules_router
from salesalign.performance.api.scorecards import router as scorecards_router
from salesalign.performance.api.statements import router as statements_router

router = Router()
router.add_router("/", periods_router)
router.add_router("/", feedback_router)
router.add_router("/", kpis_router)
router.add_router("/", rounds_router)
router.add_router("/", actions_router)
router.add_router("/", development_router)
router.add_router("/", rules_router)
router.add_router("/", scorecards_router)
router.add_router("/", statements_router)
