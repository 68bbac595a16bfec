"""The id-checked choice fields (salesrecord/forms.py) list their options in one plain query: a filter
bar's people are a few dozen rows, read without the server-side cursor Django's own iterator opens on
PostgreSQL (declare, fetch, close: three round trips)."""

import pytest
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from salesrecord.forms import IdChoiceField, IdMultipleChoiceField
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


class People(forms.Form):
    one = IdChoiceField(queryset=get_user_model().objects.order_by("username"), required=False)
    several = IdMultipleChoiceField(queryset=get_user_model().objects.order_by("username"), required=False)


def test_options_are_read_in_one_plain_query_each_in_order():
    people = [UserFactory(username=name, display_name=name) for name in ("chen", "an", "bo")]
    form = People({"one": str(people[1].pk), "several": [str(people[0].pk), str(people[2].pk)]})
    assert form.is_valid()
    with CaptureQueriesContext(connection) as queries:
        one, several = str(form["one"]), str(form["several"])
    assert len(queries) == 2
    assert all(query["sql"].startswith("SELECT") for query in queries), [q["sql"][:40] for q in queries]
    choices = list(form.fields["one"].choices)
    assert choices[0][0] == ""
    assert [str(label) for _value, label in choices[1:]] == ["an", "bo", "chen"]
    assert f'<option value="{people[1].pk}" selected>an</option>' in one
    assert f'<option value="{people[0].pk}" selected>chen</option>' in several
    assert f'<option value="{people[2].pk}" selected>bo</option>' in several
    assert f'<option value="{people[1].pk}">an</option>' in several


def test_a_field_without_an_empty_choice_lists_only_its_rows():
    UserFactory(username="an", display_name="an")
    field = IdChoiceField(queryset=get_user_model().objects.all(), empty_label=None)
    assert [str(label) for _value, label in field.choices] == ["an"]


def test_each_form_reads_its_own_options():
    UserFactory(username="an")
    assert len(People().fields["one"].choices) == 2
    UserFactory(username="bo")
    assert len(People().fields["one"].choices) == 3
