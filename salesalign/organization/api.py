"""API endpoints of the organisation app (thin: parse, call a service or selector, answer)."""

from ninja import Router

router = Router(tags=["organization"])
