"""API endpoints of the organization app (thin: parse, call a service or selector, answer)."""

from ninja import Router

router = Router(tags=["organization"])
