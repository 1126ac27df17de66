"""English date, time and number formats (FORMAT_MODULE_PATH in settings).

British order (day month year) with the month as a word, so that neither German nor US readers
misread a date; 24-hour times without a suffix. See rathaus/formats/de/formats.py.
"""

from django.conf.locale.en.formats import *  # noqa: F403

DATE_FORMAT = "j F Y"  # 6 December 2026
SHORT_DATE_FORMAT = "j M Y"  # 6 Dec 2026
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SECONDS_DATETIME_FORMAT = "j M Y, H:i:s"
WEEKDAY_DATE_FORMAT = "l, j F Y"  # Sunday, 6 December 2026
SHORT_WEEKDAY_DATE_FORMAT = "D, j M Y"  # Sun, 6 Dec 2026
SHORT_WEEKDAY_DATETIME_FORMAT = "D, j M Y, H:i"
WEEKDAY_DATETIME_FORMAT = "l, j F Y, H:i"
MONTH_FORMAT = "m/Y"
MEDIUM_WEEKDAY_DATE_FORMAT = "D, j F Y"  # Sun, 6 December 2026
CLOCK_FORMAT = "H:i"  # English has no suffix (not "10:00 h")
SHORT_DAY_MONTH_FORMAT = "j M"  # 6 Dec
