"""Strings Django itself shows but does not yet translate into Simplified Chinese.

Marked here so that `make messages` keeps them in our catalogue, which takes precedence.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (
    gettext_noop("- Select an option -"),  # Django 6.1's blank choice in every select
)
