import json
from html import escape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def week_cells(cells):
    """{{ row.cells|week_cells }}: one person's weeks in the key points per person per week, each count
    linked to its key points in the ledger, a muted 0 where there are none. Written here, not in the
    template: the table holds a cell per person and week (650 for 50 people over 13 weeks), and the
    template engine spends tens of microseconds on each."""
    return mark_safe(
        "".join(
            f'<td class="text-end"><a href="{escape(cell["link"])}">{cell["count"]}</a></td>'
            if cell["count"]
            else '<td class="text-end"><span class="text-muted">0</span></td>'
            for cell in cells
        )
    )


def _person_row(author, counts, share):
    """One row of a table per person: the name, each (count, link) as a link, and the share."""
    cells = "".join(
        f'<td class="text-end"><a href="{conditional_escape(link)}">{conditional_escape(localize(count))}</a></td>'
        for count, link in counts
    )
    share = "—" if share is None else f"{conditional_escape(localize(share))}%"
    return (
        f'<tr><th scope="row" class="fw-normal nowrap">{conditional_escape(author)}</th>{cells}'
        f'<td class="text-end">{share}</td></tr>'
    )


@register.filter
def completeness_rows(rows):
    """{{ completeness.rows|completeness_rows }}: per person, their key points and the incomplete ones
    (each linked to the ledger) and the share complete. Written here for the reason of week_cells: a
    row per person (fifty on a large team) of several cells each."""
    return mark_safe(
        "".join(
            _person_row(
                row["author"], [(row["total"], row["link"]), (row["incomplete"], row["incomplete_link"])], row["share"]
            )
            for row in rows
        )
    )


@register.filter
def timeliness_rows(rows):
    """{{ timeliness.rows|timeliness_rows }}: per person, their key points and those written later than
    24 hours (each linked to the ledger) and the share written within 24 hours (— when none)."""
    return mark_safe(
        "".join(
            _person_row(row["author"], [(row["total"], row["link"]), (row["late"], row["late_link"])], row["share"])
            for row in rows
        )
    )


@register.simple_tag
def chart_data(spec, element_id):
    """{% chart_data spec "chart-id" %}: a chart's spec as JSON in a script element, as Django's json_script
    writes it (<, > and & escaped), with three replaces instead of str.translate, which takes milliseconds
    over the activity chart's hundreds of links."""
    data = json.dumps(spec, cls=DjangoJSONEncoder)
    data = data.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{data}</script>')
