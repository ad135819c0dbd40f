"""API endpoints for strategy documents (thin: parse, call a service or selector, answer)."""

from ninja import Router

router = Router(tags=["strategy: documents"])
