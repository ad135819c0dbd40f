"""Writes of the targets app, one module per part: plans, allocation, negotiation, seasonality."""
