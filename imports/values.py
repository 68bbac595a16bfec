"""A spreadsheet's cells read as the values our records hold, in the spellings Chinese teams type.

Each reader takes a cell (str, int, float, datetime, date or None, as imports/reading.py gives it) and
returns the value, or raises ``ValueError`` with a message for the person (in their language) that says
what was expected. An empty cell is ``None`` for every reader; whether a value is required is the
form's concern, not the reader's.
"""

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from salesrecord.spreadsheet import FORMULA_STARTS

# Excel's day numbers: 1 is 1900-01-01 (with its 1900 leap-year bug: day 60 does not exist), so that day
# 0 is 1899-12-30. Numbers in this range are dates when a date is expected (1954 to 2119).
EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
EXCEL_DAYS = (20_000, 80_000)

_DATE = re.compile(
    r"^\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?"
    r"(?:\s*[T ]?\s*(\d{1,2})\s*[:：时点]\s*(\d{1,2})(?:\s*[:：分]\s*(\d{1,2}))?\s*[分秒]?)?\s*$"
)
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")
# Our English export's dates: 15 Mar 2024, 15 Mar 2024 14:30.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ENGLISH_DATE = re.compile(
    r"^\s*(\d{1,2})\s+([a-z]{3})[a-z]*\.?,?\s+(\d{4})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$", re.I
)
_UNITS = {"": 1, "元": 1, "千": 1_000, "k": 1_000, "万": 10_000, "w": 10_000, "万元": 10_000, "亿": 100_000_000}
_NUMBER = r"(\d+(?:\.\d+)?)"
_UNIT = r"(千|k|万元|万|w|亿|元)?"
_AMOUNT = re.compile(rf"^{_NUMBER}\s*{_UNIT}\s*(?:元|人民币|rmb|cny)?$")
_RANGE = re.compile(rf"^{_NUMBER}\s*{_UNIT}\s*(?:-|~|～|—|–|至|到)\s*{_NUMBER}\s*{_UNIT}\s*(?:元)?$")


def text(value):
    """A cell as text: None when empty. A leading apostrophe that our own CSV export put before text
    that could run as a formula is taken off again."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime):
        value = value.strftime("%Y-%m-%d %H:%M") if value.time() != datetime.time() else value.date().isoformat()
    elif isinstance(value, datetime.date):
        value = value.isoformat()
    value = str(value).strip()
    if value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        value = value[1:]
    return value or None


def date(value):
    """2024-03-15, 2024/3/15, 2024.3.15, 2024年3月15日, 20240315, a date cell or Excel's day number."""
    moment = _moment(value)
    return None if moment is None else moment.date()


def moment(value):
    """A date with an optional time (2024-03-15 14:30, 2024年3月15日 14时30分), in the site's time zone.
    A date alone is that day at 00:00."""
    found = _moment(value)
    if found is None:
        return None
    return timezone.make_aware(found, timezone.get_default_timezone()) if timezone.is_naive(found) else found


def _moment(value):
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value
    if isinstance(value, datetime.date):
        return datetime.datetime.combine(value, datetime.time())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if EXCEL_DAYS[0] <= value <= EXCEL_DAYS[1]:
            return EXCEL_EPOCH + datetime.timedelta(days=float(value))
        raise ValueError(_date_message())
    raw = text(value)
    if raw is None:
        return None
    match = _DATE.match(raw) or _COMPACT_DATE.match(raw)
    if match:
        parts = [int(part) if part else 0 for part in match.groups()]
    else:
        match = _ENGLISH_DATE.match(raw)
        if not match or match.group(2).lower() not in _MONTHS:
            raise ValueError(_date_message())
        day, month, year, *time = match.groups()
        parts = [int(year), _MONTHS.index(month.lower()) + 1, int(day), *(int(part) if part else 0 for part in time)]
    parts += [0] * (6 - len(parts))
    try:
        return datetime.datetime(*parts[:6])
    except ValueError:
        raise ValueError(_("“%(value)s” is not a date that exists.") % {"value": raw}) from None


def _date_message():
    return _("Write dates as 2024-03-15, 2024/3/15 or 2024年3月15日.")


def amount(value):
    """Yuan: 600000, 600,000.00, ¥600000, 60万, 60万元, 0.6亿, 600k."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(_amount_message())
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
    else:
        raw = _plain_number(text(value))
        if raw is None:
            return None
        match = _AMOUNT.match(raw)
        if not match:
            raise ValueError(_amount_message())
        number = _scaled(match.group(1), match.group(2))
    if number < 0:
        raise ValueError(_amount_message())
    return number.quantize(Decimal("0.01"))


def amount_range(value):
    """A budget: one amount, or a range such as 50-80万, 50万~80万, 500000至800000 (the unit written once
    applies to both ends). Returns (low, high)."""
    if value is None or value == "":
        return None, None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        single = amount(value)
        return single, single
    raw = _plain_number(text(value))
    if raw is None:
        return None, None
    match = _RANGE.match(raw)
    if not match:
        try:
            single = amount(raw)
        except ValueError:
            raise ValueError(_("Write a budget as 60万, 600000 or a range such as 50-80万.")) from None
        return single, single
    low_number, low_unit, high_number, high_unit = match.groups()
    low = _scaled(low_number, low_unit or high_unit).quantize(Decimal("0.01"))
    high = _scaled(high_number, high_unit or low_unit).quantize(Decimal("0.01"))
    if low > high:
        raise ValueError(_("The budget's lower end is above its upper end."))
    return low, high


def _plain_number(raw):
    if raw is None:
        return None
    raw = raw.lower().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "")
    return raw.replace("人民币", "").strip() or None


def _scaled(number, unit):
    try:
        return Decimal(number) * _UNITS[unit or ""]
    except (InvalidOperation, KeyError):
        raise ValueError(_amount_message()) from None


def _amount_message():
    return _("Write amounts in yuan or 万, such as 600000, 600,000.00 or 60万.")


_YES = {"是", "有", "需要", "yes", "y", "true", "1", "√", "✓"}
_NO = {"否", "无", "不需要", "no", "n", "false", "0", "×"}


def yes_no(value):
    """是/否, Yes/No (our export's words), true/false, 1/0."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    raw = (text(value) or "").casefold()
    if raw in _YES:
        return True
    if raw in _NO:
        return False
    raise ValueError(_("Write 是 or 否 (yes or no)."))


# Between the names of a list: 、 (our Chinese export), commas (our English one), semicolons, slashes.
_LIST = re.compile(r"\s*[、,，;；/]\s*")


def names(value):
    """A list of names as one cell: 张三、李四 or "Zhang San, Li Si"."""
    raw = text(value)
    if raw is None:
        return []
    return [name for name in _LIST.split(raw) if name]


def whole_number(value):
    if value is None or value == "":
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raw = _plain_number(text(value))
    if raw is None:
        return None
    if raw.isdigit():
        return int(raw)
    raise ValueError(_("Write a whole number, such as 120."))


def _normal(label):
    """A label as compared: no spaces or punctuation, case folded, full-width digits made half-width."""
    label = str(label).casefold()
    return re.sub(r"[\s\-_:：·,，.。()（）/、]+", "", label.translate(_FULL_WIDTH))


_FULL_WIDTH = str.maketrans("０１２３４５６７８９", "0123456789")


def labels_in_both_languages(label):
    """A lazy label's Chinese and English wording."""
    found = []
    for language in ("zh-hans", "en"):
        with translation.override(language):
            found.append(str(label))
    return found


class Choices:
    """Reads a choice by its stored value, or its label in Chinese or English, or a synonym; ignores
    spaces, punctuation and case. ``synonyms`` maps a value to more spellings teams use."""

    def __init__(self, choices, *, synonyms=None, name=""):
        self.name = name
        self.lookup = {}
        self.labels = []
        for value, label in choices:
            spellings = [value, *labels_in_both_languages(label), *(synonyms or {}).get(value, ())]
            for spelling in spellings:
                self.lookup.setdefault(_normal(spelling), value)
            self.labels.append(label)

    def __call__(self, value):
        raw = text(value)
        if raw is None:
            return None
        found = self.lookup.get(_normal(raw))
        if found is None:
            raise ValueError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": raw, "choices": " / ".join(str(label) for label in self.labels)}
            )
        return found
