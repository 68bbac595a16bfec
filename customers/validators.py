import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from pypinyin import lazy_pinyin

# GB 32100-2015: the unified social credit code's 31-character alphabet (no I, O, S, V, Z)
# and the weights of its first 17 characters; the 18th is the check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE_SHAPE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_char(first17):
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight for char, weight in zip(first17, CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(value):
    """Capitals, without the spaces and hyphens people type or paste between groups."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", value or "")).upper()


def customer_name_key(legal_name):
    """What makes two legal names the same company: width (（ vs (), case and spaces do not count."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", legal_name or "")).casefold()


NAME_SORT_KEY_LENGTH = 255


def customer_name_sort_key(legal_name):
    """Where a legal name sorts: by its pinyin, as a Chinese reader looks a company up (北京 < 上海 < 深圳).

    Latin letters and digits stay as they are, in lower case; punctuation and spaces do not count.
    """
    syllables = lazy_pinyin(unicodedata.normalize("NFKC", legal_name or ""))
    return re.sub(r"[^0-9a-z]", "", "".join(syllables).lower())[:NAME_SORT_KEY_LENGTH]


def validate_credit_code(value):
    code = normalize_credit_code(value)
    if len(code) != 18:
        raise ValidationError(
            _("A unified social credit code has 18 characters; this one has %(count)d."),
            code="length",
            params={"count": len(code)},
        )
    if not _CREDIT_CODE_SHAPE.match(code):
        raise ValidationError(
            _(
                "A unified social credit code uses digits and capital letters other than I, O, S, V "
                "and Z, with digits in places 3 to 8."
            ),
            code="format",
        )
    if credit_code_check_char(code[:17]) != code[17]:
        raise ValidationError(
            _("This unified social credit code's check character is wrong: please check it against the licence."),
            code="checksum",
        )


# A mainland mobile (optionally +86), or a landline with area code and optional extension.
_PHONE = re.compile(r"^(?:(?:\+?86[- ]?)?1[3-9]\d{9}|0\d{2,3}-?\d{7,8}(?:-\d{1,6})?)$")


def normalize_phone(value):
    return re.sub(r"[\s()]", "", value or "")


def validate_phone(value):
    if not _PHONE.match(normalize_phone(value)):
        raise ValidationError(
            _("Enter a mobile number such as 13800138000 or a landline such as 021-12345678."),
            code="phone",
        )
