"""Reads of the targets app, one module per part: plans, cascade, line of sight, negotiation."""
