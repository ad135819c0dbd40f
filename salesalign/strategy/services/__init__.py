"""Writes of the strategy app, split by sub-domain: goals.py (editions, values, goals), documents.py."""
