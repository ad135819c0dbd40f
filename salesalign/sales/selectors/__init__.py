"""Reads of the sales app, split by sub-domain: records.py (customers, orders, answers), actuals.py."""
