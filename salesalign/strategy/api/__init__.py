"""API endpoints of the strategy app: goals.py (editions, goals) and documents.py."""

from ninja import Router

from salesalign.strategy.api.documents import router as documents_router
from salesalign.strategy.api.goals import router as goals_router

router = Router()
router.add_router("/", goals_router)
router.add_router("/documents", documents_router)
