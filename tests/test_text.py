"""The punctuation and date helpers: one answer per language, escaped like any other template output."""

import re
from datetime import date, datetime
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import formats, translation

from salesrecord import text


@pytest.mark.parametrize(("language", "joined", "colon"), [("zh-hans", "甲、乙、丙", "："), ("en", "甲, 乙, 丙", ": ")])
def test_list_separator_and_colon_follow_the_language(language, joined, colon):
    with translation.override(language):
        assert text.join_list(["甲", "乙", "丙"]) == joined
        assert text.colon() == colon


@pytest.mark.parametrize(
    ("language", "day", "moment"),
    [("zh-hans", "2026-03-05", "2026-03-05 09:07"), ("en", "5 Mar 2026", "5 Mar 2026 09:07")],
)
def test_one_date_format_per_language(language, day, moment):
    with translation.override(language):
        assert formats.date_format(date(2026, 3, 5)) == day
        assert formats.date_format(date(2026, 3, 5), "SHORT_DATE_FORMAT") == day
        assert formats.date_format(datetime(2026, 3, 5, 9, 7), "DATETIME_FORMAT") == moment
        assert formats.date_format(datetime(2026, 3, 5, 9, 7), "SHORT_DATETIME_FORMAT") == moment


def test_date_inputs_still_read_iso_dates_in_english():
    with translation.override("en"):
        assert "%Y-%m-%d" in formats.get_format("DATE_INPUT_FORMATS")


def render(source, **context):
    return Template("{% load salesrecord %}" + source).render(Context(context))


def test_join_list_filter_escapes_each_item():
    with translation.override("zh-hans"):
        assert render("{{ items|join_list }}", items=["<b>甲</b>", "乙"]) == "&lt;b&gt;甲&lt;/b&gt;、乙"
    with translation.override("en"):
        assert render("{% autoescape off %}{{ items|join_list }}{% endautoescape %}", items=["<b>", "c"]) == "<b>, c"


def test_colon_tag():
    with translation.override("en"):
        assert render("{% colon %}") == ": "
    with translation.override("zh-hans"):
        assert render("{% colon %}") == "："


# A date pattern written into a template ("Y-m-d") instead of a format name ("DATETIME_FORMAT").
DATE_PATTERN = re.compile(r"""\|date:["'](?![A-Z_]+["'])""")


# The helpers themselves name the marks in their documentation.
HELPERS = {Path("salesrecord/text.py"), Path("customers/templatetags/salesrecord.py")}


def code_and_templates():
    base = Path(settings.BASE_DIR)
    yield from (base / "templates").rglob("*.html")
    for app in ("accounts", "customers", "keypoints", "handovers", "salesrecord"):
        for path in (base / app).rglob("*.py"):
            # Demo data is Chinese text, not punctuation chosen for the reader.
            demo = "management" in path.parts or "migrations" in path.parts
            if not demo and path.relative_to(base) not in HELPERS:
                yield path


def test_no_template_or_module_writes_chinese_punctuation_or_a_date_pattern():
    offenders = []
    for path in code_and_templates():
        source = path.read_text(encoding="utf-8")
        if "、" in source or "：" in source or DATE_PATTERN.search(source):
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []


@pytest.mark.parametrize(("url", "lang", "label"), [("/keypoints/", "en", "All"), ("/projects/", "zh-hans", "全部")])
def test_an_empty_filter_choice_reads_all(client, admin, url, lang, label):
    client.force_login(admin)
    html = client.get(url, HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert f'<option value="" selected>{label}</option>' in html
    assert "---------" not in html


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_display_filter_says_what_get_display_says_in_the_request_language(language):
    from customers.models import Project, ProjectStatus
    from keypoints.models import KeyPoint

    template = Template(
        '{% load salesrecord %}{{ keypoint|display:"method" }}|{{ project|display:"status" }}'
        '|{{ odd|display:"status" }}'
    )
    keypoint = KeyPoint(method=KeyPoint._meta.get_field("method").choices[1][0])
    project = Project(status=ProjectStatus.ON_HOLD)
    odd = Project(status="<retired>")  # a value no longer among the choices reads as stored, escaped
    with translation.override(language):
        assert template.render(Context({"keypoint": keypoint, "project": project, "odd": odd})) == (
            f"{keypoint.get_method_display()}|{project.get_status_display()}|&lt;retired&gt;"
        )
    with translation.override("en"):
        english = project.get_status_display()
    with translation.override("zh-hans"):
        assert project.get_status_display() != english  # the check above compares two real translations
