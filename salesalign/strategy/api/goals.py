"""API endpoints for strategy goals (thin: parse, call a service or selector, answer)."""

from ninja import Router

router = Router(tags=["strategy: goals"])
