"""The punctuation helpers: one answer per language, escaped like any other template output."""

from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

from salesrecord import text


@pytest.mark.parametrize(("language", "joined", "colon"), [("zh-hans", "甲、乙、丙", "："), ("en", "甲, 乙, 丙", ": ")])
def test_list_separator_and_colon_follow_the_language(language, joined, colon):
    with translation.override(language):
        assert text.join_list(["甲", "乙", "丙"]) == joined
        assert text.colon() == colon


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


# The helpers themselves name the marks in their documentation.
HELPERS = {Path("salesrecord/text.py"), Path("customers/templatetags/salesrecord.py")}


def code_and_templates():
    base = Path(settings.BASE_DIR)
    yield from (base / "templates").rglob("*.html")
    for app in ("accounts", "customers", "keypoints", "salesrecord"):
        for path in (base / app).rglob("*.py"):
            # Demo data is Chinese text, not punctuation chosen for the reader.
            demo = "management" in path.parts or "migrations" in path.parts
            if not demo and path.relative_to(base) not in HELPERS:
                yield path


def test_no_template_or_module_writes_chinese_punctuation():
    offenders = []
    for path in code_and_templates():
        source = path.read_text(encoding="utf-8")
        if "、" in source or "：" in source:
            offenders.append(str(path.relative_to(settings.BASE_DIR)))
    assert offenders == []
