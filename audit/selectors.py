"""History rows made readable: who changed which record when, and each field before and after.

A page of entries costs a fixed number of queries whatever its size: one to count and one to pick the
page across the history tables (UNION ALL), then per kind on the page one for its rows, one for the
rows before them (to compare with), one per participant list, and one per kind of related record
shown by name (people, customers, contacts, projects, lost reasons); the duplicate check's answers on
the page, one query with the people they name.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.paginator import Paginator
from django.db import models
from django.db.models import CharField, OuterRef, Subquery, Value
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from salesrecord.text import cny, join_list

from .registry import KINDS

PAGE_SIZE = 50
LONG_TEXT = 300
EMPTY = "—"


class Action:
    CREATED = "+"
    CHANGED = "~"
    DELETED = "-"


ACTION_LABELS = {Action.CREATED: _("created"), Action.CHANGED: _("changed"), Action.DELETED: _("deleted")}
LOOKED_UP = _("looked up")


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class Entry:
    kind: object
    row: object
    changes: list = field(default_factory=list)
    record: str = ""
    url: str = ""

    @property
    def user(self):
        return getattr(self.row, self.kind.user_field)

    @property
    def date(self):
        return getattr(self.row, self.kind.date_field)

    @property
    def action(self):
        return ACTION_LABELS[self.row.history_type] if self.kind.is_history else LOOKED_UP

    @property
    def is_created(self):
        """Its fields are shown with their values alone, with nothing before them."""
        return not self.kind.is_history or self.row.history_type == Action.CREATED

    @property
    def is_deleted(self):
        return self.kind.is_history and self.row.history_type == Action.DELETED


# The record a row hangs off: its page already says which, so a new row does not repeat it.
PARENTS = {"id", "customer", "project"}


def _tracked(history_model):
    return [f for f in history_model.tracked_fields if f.name != "id"]


def _m2m_fields(history_model):
    return list(getattr(history_model, "_history_m2m_fields", []))


def _m2m_accessor(history_model, model_field):
    """The name under which a history row holds its copy of one participant list."""
    copies = HistoricalRecords.m2m_models[model_field]
    return next(r.get_accessor_name() for r in history_model._meta.related_objects if r.related_model is copies)


def _with_previous(kind, ids):
    """The history rows with these ids, each with .previous: the same record's row before it (or None)."""
    history = kind.history
    m2m = [_m2m_accessor(history, f) for f in _m2m_fields(history)]
    before = history.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
    rows = list(
        history.objects.filter(history_id__in=ids)
        .select_related("history_user")
        .prefetch_related(*m2m)
        .annotate(previous_id=Subquery(before.values("history_id")[:1]))
    )
    previous = history.objects.filter(history_id__in=[row.previous_id for row in rows if row.previous_id])
    previous = {row.history_id: row for row in previous.prefetch_related(*m2m)}
    for row in rows:
        row.previous = previous.get(row.previous_id)
    return rows


def _raw(row, model_field):
    if isinstance(model_field, models.ManyToManyField):
        target = model_field.m2m_reverse_field_name()
        links = getattr(row, _m2m_accessor(type(row), model_field)).all()
        return frozenset(getattr(link, f"{target}_id") for link in links)
    return getattr(row, model_field.attname)


def _related_model(model_field):
    if isinstance(model_field, models.ForeignKey | models.ManyToManyField):
        return model_field.related_model
    return None


class _Names:
    """Related records shown by their names, fetched per model in one query."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.found = {}

    def want(self, model_field, value):
        model = _related_model(model_field)
        if model is None or value is None:
            return
        self.wanted[model].update(value if isinstance(value, frozenset) else {value})

    def fetch(self):
        for model, ids in self.wanted.items():
            # Archived records are named too (their base manager holds every row).
            self.found[model] = model._base_manager.in_bulk(ids)

    def name(self, model, pk):
        found = self.found.get(model, {}).get(pk)
        return str(found) if found is not None else f"#{pk}"


def _shown(model_field, value, names):
    if value is None or value == "" or value == frozenset():
        return EMPTY
    model = _related_model(model_field)
    if isinstance(value, frozenset):
        return join_list(sorted(names.name(model, pk) for pk in value))
    if model is not None:
        return names.name(model, value)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, Decimal) and isinstance(model_field, models.DecimalField):
        return cny(value)
    if isinstance(value, datetime.datetime):
        return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return formats.date_format(value)
    if isinstance(value, list):
        return join_list([str(item) for item in value]) or EMPTY
    text = str(value)
    return text if len(text) <= LONG_TEXT else text[: LONG_TEXT - 1] + "…"


def _entries(kind, rows, names):
    fields = _tracked(kind.history) + _m2m_fields(kind.history)
    pairs = []
    for row in rows:
        now = {f.name: _raw(row, f) for f in fields}
        before = {f.name: _raw(row.previous, f) for f in fields} if row.previous else {}
        for f in fields:
            names.want(f, now[f.name])
            names.want(f, before.get(f.name))
        pairs.append((row, now, before))
    return fields, pairs


def _record(kind, row, names):
    """The record's name as a reader knows it, and the page it lives on."""
    user_model = KINDS["member"].model._meta.get_field("user").related_model
    if kind.key == "customer":
        return row.legal_name, reverse("customers:detail", args=[row.id])
    if kind.key == "contact":
        return row.name, reverse("customers:detail", args=[row.customer_id])
    if kind.key == "project":
        return row.name, reverse("projects:detail", args=[row.id])
    if kind.key == "member":
        name = f"{names.name(user_model, row.user_id)} · {row.get_role_display()}"
        return name, reverse("projects:detail", args=[row.project_id])
    if kind.key == "step":
        return row.name, reverse("projects:detail", args=[row.project_id])
    when = formats.date_format(timezone.localtime(row.occurred_at), "DATETIME_FORMAT")
    return f"{when} · {row.get_stage_display()}", reverse("projects:detail", args=[row.project_id])


def _lookup_entries(kind, ids):
    """{id: Entry} for the duplicate check's answers: what was asked, and the customer and owner named."""
    entries = {}
    for row in kind.rows.objects.filter(id__in=ids).select_related("user", "owner"):
        url = reverse("customers:detail", args=[row.customer_id]) if row.customer_id else ""
        entry = Entry(kind=kind, row=row, record=row.customer_name, url=url)
        for name in ("legal_name", "credit_code", "owner"):
            value = getattr(row, name)
            if value not in (None, ""):
                entry.changes.append(Change(capfirst(row._meta.get_field(name).verbose_name), EMPTY, str(value)))
        entries[row.id] = entry
    return entries


def entries_for(keys):
    """[(kind key, history id)] → [Entry] in the same order."""
    ids = defaultdict(list)
    for key, history_id in keys:
        ids[key].append(history_id)
    names = _Names()
    pending = {}
    done = {}
    for key, history_ids in ids.items():
        kind = KINDS[key]
        if not kind.is_history:
            done[key] = _lookup_entries(kind, history_ids)
            continue
        rows = _with_previous(kind, history_ids)
        if key == "member":
            user_field = kind.model._meta.get_field("user")
            for row in rows:
                names.want(user_field, row.user_id)
        fields, pairs = _entries(kind, rows, names)
        pending[key] = (kind, fields, {row.history_id: (row, now, before) for row, now, before in pairs})
    names.fetch()
    result = []
    for key, history_id in keys:
        if key in done:
            result.append(done[key][history_id])
            continue
        kind, fields, rows = pending[key]
        row, now, before = rows[history_id]
        record, url = _record(kind, row, names)
        entry = Entry(kind=kind, row=row, record=record, url=url)
        for f in fields:
            label = capfirst(f.verbose_name)
            if f.name in PARENTS and row.history_type != Action.CHANGED:
                continue
            if row.history_type == Action.CREATED and now[f.name] not in (None, "", frozenset(), False):
                entry.changes.append(Change(label, EMPTY, _shown(f, now[f.name], names)))
            elif row.history_type == Action.CHANGED and row.previous and now[f.name] != before[f.name]:
                entry.changes.append(Change(label, _shown(f, before[f.name], names), _shown(f, now[f.name], names)))
        result.append(entry)
    return result


def page_of_entries(sources, number):
    """sources: [(kind, queryset of its rows)], already scoped and filtered. A page of entries, newest first."""
    picks = [
        queryset.order_by().values_list(kind.date_field, kind.id_field, Value(kind.key, output_field=CharField()))
        for kind, queryset in sources
    ]
    combined = picks[0].union(*picks[1:], all=True) if len(picks) > 1 else picks[0]
    # A union's columns carry the names of its first query's.
    first = sources[0][0]
    combined = combined.order_by(f"-{first.date_field}", f"-{first.id_field}")
    page = Paginator(combined, PAGE_SIZE).get_page(number)
    page.object_list = entries_for([(key, history_id) for _date, history_id, key in page.object_list])
    return page
