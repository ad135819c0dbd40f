"""API endpoints of the targets app, mounted at /api/v1/targets: plans.py (plans, targets,
cascade, versions, line of sight) and negotiation.py (allocation runs, negotiation)."""

from ninja import Router

from salesalign.targets.api.negotiation import router as negotiation_router
from salesalign.targets.api.plans import router as plans_router

router = Router()
router.add_router("/", plans_router)
router.add_router("/", negotiation_router)
