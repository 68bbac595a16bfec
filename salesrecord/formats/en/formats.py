# One date format per language, everywhere (pages, key-point elements, exports): day, short month and
# year in English, unambiguous on both sides of the Atlantic; times on the 24-hour clock, as in
# Chinese. Anything not set here comes from Django's en.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# A day within its month (the dashboard's weeks): 30 Mar.
MONTH_DAY_FORMAT = "j M"
