"""API endpoints of the strategy app (thin: parse, call a service or selector, answer)."""

from ninja import Router

router = Router(tags=["strategy"])
