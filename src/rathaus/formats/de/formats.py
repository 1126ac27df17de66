"""German date, time and number formats (FORMAT_MODULE_PATH in settings).

Templates never write a fixed pattern such as "d.m.Y" or "H:i"; they name a format
(`|date:"SHORT_DATE_FORMAT"`, `|time`, `|localdate:"WEEKDAY_DATE_FORMAT"`), so dates follow the language.
The German module keeps Django's German formats and adds the names the portal uses.
"""

from django.conf.locale.de.formats import *  # noqa: F403

DATE_FORMAT = "j. F Y"  # 6. Dezember 2026
SHORT_DATE_FORMAT = "d.m.Y"  # 06.12.2026
DATETIME_FORMAT = "j. F Y, H:i"
SHORT_DATETIME_FORMAT = "d.m.Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. F"
# Names of our own (rathaus.core.ui.templatetags.kern.localdate); Django's |date only knows the above.
SECONDS_DATETIME_FORMAT = "d.m.Y H:i:s"
WEEKDAY_DATE_FORMAT = "l, j. F Y"  # Sonntag, 6. Dezember 2026
SHORT_WEEKDAY_DATE_FORMAT = "D, d.m.Y"  # So, 06.12.2026
SHORT_WEEKDAY_DATETIME_FORMAT = "D, d.m.Y, H:i"
WEEKDAY_DATETIME_FORMAT = "l, j. F Y, H:i"
MONTH_FORMAT = "m/Y"
MEDIUM_WEEKDAY_DATE_FORMAT = "D, j. F Y"  # So, 6. Dezember 2026
CLOCK_FORMAT = r"H:i \U\h\r"  # a time on its own or at the end of a range: 10:00 Uhr
SHORT_DAY_MONTH_FORMAT = "d.m."  # 06.12.
