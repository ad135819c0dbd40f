"""Simplified Chinese as Django writes it, but with amounts grouped by thousands (1,234,567.89).

Django's own Chinese format groups nothing. Chinese finance and sales tools, and Excel in
Chinese, write amounts with commas every three digits; so do our English pages, and a
revenue of 150357490.99 next to one of 150,357,490.99 on the actuals page is hard to read.
"""

from django.conf.locale.zh_Hans.formats import *  # noqa: F403 - every other format as Django's

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
