# One date format per language, everywhere (pages, key-point elements, exports): ISO order in Chinese,
# as the sales guide writes its dates (2024-03-15). Anything not set here comes from Django's zh_Hans.
DATE_FORMAT = "Y-m-d"
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
# A day within its month (the dashboard's weeks): 3月30日, without Django's leading zero.
MONTH_DAY_FORMAT = "n月j日"
