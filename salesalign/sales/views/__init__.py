"""Pages of the sales app, split by sub-domain: pages.py (entry pages and the survey), actuals.py."""
