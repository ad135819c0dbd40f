"""API endpoints of the sales app, one router per part, mounted at /api/v1/sales."""

from ninja import Router

router = Router()

# --- routers (one line each) ---
router.add_router("/", "salesalign.sales.api.orders.router")  # customers, orders, answers
router.add_router("/", "salesalign.sales.api.actuals.router")  # actual values
# --- end routers ---
