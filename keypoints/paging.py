"""Keyset paging for long lists of key points (the ledger), and a count that stops counting.

A page is named by the row it follows (`?after=`) or precedes (`?before=`), written as that row's
sort values, not by its number: the database starts reading at that row through an index, so the
ten-thousandth page costs what the first does (an OFFSET reads and throws away every row before it).
The cursor holds values, not an id to look up, so a link keeps working when its row is archived.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.db.models import F, Q

# Stop counting there: an exact total of a large ledger would read every row on every page.
COUNT_CAP = 10_000

SEPARATOR = "~"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_WHOLE = re.compile(r"^-?[0-9]{1,17}$")
_ID = re.compile(r"^[0-9]{1,18}$")
# The longest text value a cursor carries (a customer's legal name is at most 200 characters).
_MAX_TEXT = 200


class BadCursor(ValueError):
    """A page link that names no position in the list (cut short, edited, from another sort)."""


@dataclass(frozen=True)
class Key:
    """One column of a list's order: a field (or annotation) name, its type, and its direction."""

    name: str
    kind: type
    descending: bool

    def order(self):
        return F(self.name).desc() if self.descending else F(self.name).asc()

    def reversed(self):
        return Key(self.name, self.kind, not self.descending)

    def value_of(self, row):
        value = row
        for part in self.name.split("__"):
            value = getattr(value, part)
        return value

    def write(self, value):
        if self.kind is datetime:
            return str((value - _EPOCH) // _MICROSECOND)
        if self.kind is timedelta:
            return str(value // _MICROSECOND)
        if self.kind is date:
            return value.isoformat()
        return str(value)

    def read(self, text):
        try:
            if self.kind is int:
                if not _WHOLE.match(text):
                    raise BadCursor(text)
                return int(text)
            if self.kind is datetime:
                if not _WHOLE.match(text):
                    raise BadCursor(text)
                return _EPOCH + int(text) * _MICROSECOND
            if self.kind is timedelta:
                if not _WHOLE.match(text):
                    raise BadCursor(text)
                return int(text) * _MICROSECOND
            if self.kind is date:
                return date.fromisoformat(text)
        except (ValueError, OverflowError) as error:
            raise BadCursor(text) from error
        if len(text) > _MAX_TEXT or "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text):
            raise BadCursor(text)
        return text


def write_cursor(keys, row):
    """The cursor naming `row`'s position in a list ordered by `keys`."""
    return SEPARATOR.join(key.write(key.value_of(row)) for key in keys)


def read_cursor(keys, text):
    """The sort values a cursor holds; BadCursor unless it has one valid value per key (the last
    one, the id, a database id). A text value comes first and may hold the separator itself."""
    parts = text.rsplit(SEPARATOR, len(keys) - 1)
    if len(parts) != len(keys) or not _ID.match(parts[-1]):
        raise BadCursor(text)
    return [key.read(part) for key, part in zip(keys, parts, strict=True)]


def beyond(keys, values):
    """The rows that come after the row with these values, in the order of `keys`.

    (a, b, c) after (x, y, z) is a beyond x, or a = x and b beyond y, or ...; the first column's
    bound is repeated on its own so that an index on it starts reading at the cursor."""
    first = keys[0]
    bound = Q(**{f"{first.name}__{'lte' if first.descending else 'gte'}": values[0]})
    condition = Q()
    for position, key in enumerate(keys):
        step = Q(**{f"{key.name}__{'lt' if key.descending else 'gt'}": values[position]})
        for earlier, value in zip(keys[:position], values[:position], strict=True):
            step &= Q(**{earlier.name: value})
        condition |= step
    return bound & condition


@dataclass
class KeysetPage:
    """One page of a list read by keyset, and the cursors of the pages either side."""

    object_list: list
    next_cursor: str | None
    previous_cursor: str | None
    is_first: bool

    @property
    def has_next(self):
        return self.next_cursor is not None

    @property
    def has_previous(self):
        return self.previous_cursor is not None


def keyset_page(queryset, keys, size, after=None, before=None):
    """The page of `queryset` (ordered by `keys`, the last of which is unique) after the cursor
    `after`, before the cursor `before`, or from the start. BadCursor for a cursor that cannot be
    read, or both at once."""
    if after and before:
        raise BadCursor(before)
    if before:
        reverse_keys = [key.reversed() for key in keys]
        rows = _rows(queryset.filter(beyond(reverse_keys, read_cursor(keys, before))), reverse_keys, size + 1)
        more_before = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(
            object_list=rows,
            # The row the link came from is still there, or another after it: a next page exists.
            next_cursor=before,
            previous_cursor=write_cursor(keys, rows[0]) if more_before and rows else None,
            is_first=not more_before,
        )
    query = queryset.filter(beyond(keys, read_cursor(keys, after))) if after else queryset
    rows = _rows(query, keys, size + 1)
    more = len(rows) > size
    rows = rows[:size]
    return KeysetPage(
        object_list=rows,
        next_cursor=write_cursor(keys, rows[-1]) if more else None,
        # Came from a page before: back to it, from the first row shown here.
        previous_cursor=write_cursor(keys, rows[0]) if after and rows else None,
        is_first=not after,
    )


def _rows(queryset, keys, limit):
    """The first `limit` rows in the order of `keys`: their ids first, by a query without the joins
    that only show a row (PostgreSQL plans a scope and a sort over a few tables well, over nine not),
    then those rows with everything they show."""
    ids = list(queryset.order_by(*(key.order() for key in keys)).values_list("pk", flat=True)[:limit])
    found = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [found[pk] for pk in ids if pk in found]


def capped_count(queryset, cap):
    """How many rows, counting at most cap + 1 of them: more than `cap` means "more than cap"."""
    return queryset.select_related(None).prefetch_related(None).order_by().values("pk")[: cap + 1].count()
