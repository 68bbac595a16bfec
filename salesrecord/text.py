"""Punctuation that follows the page language: 、 and ： in Chinese, ", " and ": " in English.

The marks are translations (msgctxt "punctuation"), so that a language added later brings its own.
Dates follow the language through the format modules in salesrecord/formats/.
"""

from decimal import Decimal

from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

TEN_THOUSAND = Decimal(10000)


def list_separator():
    return pgettext("punctuation: between the items of a list", ", ")


def join_list(items):
    """The items as one phrase: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return list_separator().join(str(item) for item in items)


def colon():
    """What follows a label before its value: "：" in Chinese, ": " in English."""
    return pgettext("punctuation: after a label", ": ")


def cny(amount):
    """An amount in CNY as a salesperson reads it: in 万 in Chinese, in yuan in English."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(amount)
    if (get_language() or "").startswith("zh") and amount >= TEN_THOUSAND:
        wan = (amount / TEN_THOUSAND).quantize(Decimal("0.01")).normalize()
        return _("%(amount)s ten-thousand yuan") % {"amount": f"{wan:f}"}
    return _("¥%(amount)s") % {"amount": f"{amount.quantize(Decimal('1')):,}"}
