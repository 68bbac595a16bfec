"""Form widgets render through Jinja2 where Django ships a Jinja2 template (salesrecord/renderers.py):
the same HTML as through Django's templates, and a widget template of ours still renders as written."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates, get_default_renderer
from django.test.html import parse_html

from keypoints.filters import KeyPointFilter
from salesrecord.renderers import WidgetRenderer

pytestmark = pytest.mark.django_db


class EveryKind(forms.Form):
    name = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": "公司 <名称>"}))
    count = forms.IntegerField(min_value=0)
    when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(choices=[("", "全部"), ("a", "甲 & 乙"), ("b", "B")])
    kinds = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B")], widget=forms.CheckboxSelectMultiple)
    grouped = forms.ChoiceField(choices=[("组", [("x", "X"), ("y", "Y")]), ("z", "Z")])
    several = forms.MultipleChoiceField(choices=[("a", "A"), ("b", "B \"quoted\" 'too'")], required=False)
    marked = forms.ChoiceField(
        choices=[(1, "一"), (2, "二")],
        required=False,
        widget=forms.Select(attrs={"class": "form-select", "disabled": True, "hidden": False, "data-x": "<&>"}),
    )
    flag = forms.BooleanField(required=False)
    note = forms.CharField(widget=forms.Textarea)
    token = forms.CharField(widget=forms.HiddenInput)


def rendered(form_class, renderer, data):
    form = form_class(data, renderer=renderer)
    form.is_valid()
    return {name: parse_html(str(form[name])) for name in form.fields}


def test_it_is_the_renderer_forms_use():
    assert isinstance(get_default_renderer(), WidgetRenderer)


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"name": "<b>", "count": "-1", "when": "2026-02-30", "kind": "a", "kinds": ["a", "b"], "grouped": "y"},
        {"kind": "a & b", "grouped": "z", "several": ["a", "b"], "marked": "2"},
        {"name": "甲", "count": "3", "when": "2026-02-03", "kind": "b", "flag": "on", "note": "x\n<y>", "token": "t"},
    ],
)
def test_every_built_in_widget_renders_the_same_html_as_through_django_templates(data):
    assert rendered(EveryKind, WidgetRenderer(), data) == rendered(EveryKind, DjangoTemplates(), data)


def test_a_filter_bar_renders_the_same_html(rf, lead):
    request = rf.get("/keypoints/", {"stage": "3", "author": str(lead.pk)})
    html = {}
    for renderer in (WidgetRenderer(), DjangoTemplates()):
        ledger_filter = KeyPointFilter(request.GET, queryset=None, user=lead)
        ledger_filter.form.renderer = renderer
        html[type(renderer)] = [parse_html(str(field)) for field in ledger_filter.form]
    assert html[WidgetRenderer] == html[DjangoTemplates]
    assert len(html[WidgetRenderer]) > 5


def test_a_select_of_people_renders_the_same_html_as_through_django_templates(lead, rep):
    class People(forms.Form):
        person = forms.ModelChoiceField(queryset=type(lead).objects.order_by("pk"), empty_label="全部")

    for data in ({}, {"person": str(rep.pk)}, {"person": "nobody"}):
        assert rendered(People, WidgetRenderer(), data) == rendered(People, DjangoTemplates(), data)


def test_a_select_is_written_as_django_writes_it_to_the_character():
    # parse_html compares the elements; the page's bytes are the same too.
    form = EveryKind({"grouped": "y", "marked": "1"})
    fast = WidgetRenderer()
    for name in ("kind", "grouped", "several", "marked"):
        bound = form[name]
        widget = form.fields[name].widget
        context = widget.get_context(bound.html_name, bound.value(), bound.build_widget_attrs({"id": bound.auto_id}))
        template = widget.template_name
        assert fast.render(template, context) == fast.get_template(template).render(context).strip()


def test_an_option_of_another_template_renders_through_it():
    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input.html"

    class Form(forms.Form):
        kind = forms.ChoiceField(choices=[("a", "A")], widget=OwnOption)

    assert '<input type="select"' in str(Form(renderer=WidgetRenderer())["kind"])


def test_django_forms_templates_come_from_jinja2_and_others_from_django_templates():
    renderer = WidgetRenderer()
    assert renderer.get_template("django/forms/widgets/select.html").__module__.endswith("jinja2")
    # Any other template a widget names is written for the Django engine, and is found as before.
    assert renderer.get_template("bootstrap5/errors.html").__module__.endswith("backends.django")
