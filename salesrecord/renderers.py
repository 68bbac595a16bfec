"""How form widgets are rendered: Django's own widgets through Jinja2, ours through Django templates.

A page's filter bar or form renders each widget, and each choice of a select, as a small template of its
own. Through the Django template engine that costs about a millisecond for a select of fifty people;
Jinja2 compiles the same templates (Django ships them for every built-in widget) to Python and renders
them several times faster. A widget template of ours, written for the Django engine (a `{% translate %}`
or `{% url %}` in it), is not among Jinja2's and is rendered as before.
"""

from django.forms.renderers import BaseRenderer, DjangoTemplates, Jinja2
from django.template import TemplateDoesNotExist


class WidgetRenderer(BaseRenderer):
    def __init__(self):
        self.fast = Jinja2()
        self.templates = DjangoTemplates()

    def get_template(self, template_name):
        if template_name.startswith("django/forms/"):
            try:
                return self.fast.get_template(template_name)
            except TemplateDoesNotExist:
                pass
        return self.templates.get_template(template_name)
