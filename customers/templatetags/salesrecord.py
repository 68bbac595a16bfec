from decimal import Decimal

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from salesrecord import text

register = template.Library()

TEN_THOUSAND = Decimal(10000)


@register.filter
def cny(amount):
    """An amount in CNY as a salesperson reads it: in 万 in Chinese, in yuan in English."""
    if amount is None or amount == "":
        return "—"
    amount = Decimal(amount)
    if (get_language() or "").startswith("zh") and amount >= TEN_THOUSAND:
        wan = (amount / TEN_THOUSAND).quantize(Decimal("0.01")).normalize()
        return _("%(amount)s ten-thousand yuan") % {"amount": f"{wan:f}"}
    return _("¥%(amount)s") % {"amount": f"{amount.quantize(Decimal('1')):,}"}


@register.filter
def budget_range(project):
    low, high = project.budget_min, project.budget_max
    if low is None and high is None:
        return "—"
    if low is None or high is None or low == high:
        return cny(low if high is None else high)
    return f"{cny(low)} – {cny(high)}"


@register.filter
def deal_value(project):
    """What a deal is worth: the signed amount once signed, else its budget range."""
    if project.signed_amount is not None:
        return cny(project.signed_amount)
    return budget_range(project)


@register.filter(needs_autoescape=True)
def join_list(items, autoescape=True):
    """{{ people|join_list }}: 甲、乙 in Chinese, "a, b" in English (Django's join takes one separator)."""
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(text.list_separator()).join(escape(item) for item in items))


@register.simple_tag
def colon():
    """{% colon %} after a label: "：" in Chinese, ": " in English."""
    return text.colon()
