"""Punctuation that follows the page language: 、 and ： in Chinese, ", " and ": " in English.

The marks are translations (msgctxt "punctuation"), so that a language added later brings its own.
Dates follow the language through the format modules in salesrecord/formats/.
"""

from django.utils.translation import pgettext


def list_separator():
    return pgettext("punctuation: between the items of a list", ", ")


def join_list(items):
    """The items as one phrase: 甲、乙、丙 in Chinese, "a, b, c" in English."""
    return list_separator().join(str(item) for item in items)


def colon():
    """What follows a label before its value: "：" in Chinese, ": " in English."""
    return pgettext("punctuation: after a label", ": ")
