"""API endpoints of the sales app, one router per part, mounted at /api/v1/sales."""

from ninja import Router

router = Router()

# --- routers (one line each) ---
# --- end routers ---
