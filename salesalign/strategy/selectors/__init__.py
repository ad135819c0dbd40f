"""Reads of the strategy app, split by sub-domain: goals.py, documents.py."""
