"""The company's currency as the pages name it.

Amounts are kept in the company currency (`settings.COMPANY_CURRENCY`, an ISO 4217
code); a page that shows money says which. Chinese readers write the yuan as 元;
every other currency, and every currency on an English page, is named by its code
(CNY, USD), which payroll and finance read without doubt. Files for other systems (the
payout export) carry the code itself.
"""

from __future__ import annotations

from django.conf import settings

from salesalign.core.languages import in_chinese

#: How a Chinese page names a currency where the code would read foreign.
_CHINESE_NAMES = {"CNY": "元"}


def company_currency_code() -> str:
    return str(settings.COMPANY_CURRENCY).upper()


def company_currency_name() -> str:
    """The company currency as the reader's language names it: 元 or CNY, USD …"""
    code = company_currency_code()
    if in_chinese():
        return _CHINESE_NAMES.get(code, code)
    return code
