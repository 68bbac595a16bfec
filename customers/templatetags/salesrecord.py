import functools

from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from salesrecord import text

register = template.Library()

# The amount as a salesperson reads it lives in salesrecord.text, so that models can use it too.
cny = register.filter("cny", text.cny)


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


@functools.cache
def _choice_labels(model, field_name):
    return dict(model._meta.get_field(field_name).flatchoices)


@register.filter
def display(obj, field_name):
    """{{ keypoint|display:"stage" }}: what obj.get_stage_display() says, from a table of the field's choices
    made once (Django builds that table again on each call: a list of fifty rows paid for it 150 times). The
    labels are kept lazy, so each renders in the language of the request."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name).get(value, value)


@register.filter
def recorded_when(days):
    """{{ keypoint.recorded_days_later|recorded_when }}: when, after its event, a key point was written,
    in calendar days, read under the header "Recorded". A filter, not an included template: the ledger
    says it on each of its rows."""
    if days == 0:
        return gettext("the same day")
    if days == 1:
        return gettext("the next day")
    return ngettext("%(days)s day later", "%(days)s days later", days) % {"days": days}


@register.filter
def stall_badge(stall):
    """{{ project.stall|stall_badge }}: a stalled project's badge, its days quiet against its stage's
    threshold (a customers.stalls.Stall). Lists show it on each stalled row."""
    label = gettext("Stalled %(days)s days (limit %(threshold)s)") % {"days": stall.days, "threshold": stall.threshold}
    return format_html('<span class="badge text-bg-danger stall-badge" data-testid="stall-badge">{}</span>', label)


@register.filter(needs_autoescape=True)
def join_list(items, autoescape=True):
    """{{ people|join_list }}: 甲、乙 in Chinese, "a, b" in English (Django's join takes one separator)."""
    escape = conditional_escape if autoescape else str
    return mark_safe(escape(text.list_separator()).join(escape(item) for item in items))


@register.filter
def term_rows(pairs):
    """{{ keypoint.stage_values|term_rows }}: each (label, value) as a term and its description in a
    definition list, escaped and localized as {{ }} would write them. Written here rather than by a
    {% for %}: a project page shows twenty records of about five elements each, and the template engine
    spends tens of microseconds on every node of every row."""
    return mark_safe(
        "".join(
            f'<dt class="col-sm-3">{conditional_escape(label)}</dt>'
            f'<dd class="col-sm-9 kp-text">{conditional_escape(localize(value))}</dd>'
            for label, value in pairs
        )
    )


@register.simple_tag
def colon():
    """{% colon %} after a label: "：" in Chinese, ": " in English."""
    return text.colon()


@register.inclusion_tag("includes/sort_header.html", takes_context=True)
def sort_header(context, key, label, first="asc", css=""):
    """{% sort_header "name" _("Customer") %}: a column header whose link sorts the list by it.

    The first click sorts in the column's `first` direction ("asc" or "desc": newest or largest
    first where that is what one looks for), the next one reverses it. The link keeps the other
    filters and goes back to the first page; the sorted column carries aria-sort and an arrow.
    The view puts the list's current sort in the context as `sort`.
    """
    current = context.get("sort", "")
    if current == key:
        state, target = "ascending", f"-{key}"
    elif current == f"-{key}":
        state, target = "descending", key
    else:
        state, target = None, key if first == "asc" else f"-{key}"
    query = context["request"].GET.copy()
    query["sort"] = target
    for position in ("page", "after", "before"):
        query.pop(position, None)
    return {"href": f"?{query.urlencode()}", "label": label, "state": state, "css": css, "key": key}
