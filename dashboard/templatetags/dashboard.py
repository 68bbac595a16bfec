import json
from html import escape

from django import template
from django.core.serializers.json import DjangoJSONEncoder
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


@register.simple_tag
def chart_data(spec, element_id):
    """{% chart_data spec "chart-id" %}: a chart's spec as JSON in a script element, as Django's json_script
    writes it (<, > and & escaped), with three replaces instead of str.translate, which takes milliseconds
    over the activity chart's hundreds of links."""
    data = json.dumps(spec, cls=DjangoJSONEncoder)
    data = data.replace("&", "\\u0026").replace("<", "\\u003C").replace(">", "\\u003E")
    return mark_safe(f'<script id="{escape(element_id)}" type="application/json">{data}</script>')
