"""A schedule in words: "every weekday at 06:00" and its five cron fields, both ways.

People choose when the audit runs as one of four forms — every day, every weekday, every week on
a day, every month on a day, each at a time (UTC) — and the schedule is stored as cron, which
beat reads. A stored cron that matches one of the forms reads back in the same words; any other
cron stays cron (the advanced option). Pure: no Django import.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Cron's weekday numbers: 0 and 7 are Sunday.
WEEKDAYS = ("sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday")

FREQUENCIES = {
    "day": "Every day",
    "weekday": "Every weekday (Monday to Friday)",
    "week": "Every week on…",
    "month": "Every month on day…",
}


class ScheduleWordsError(ValueError):
    """Words that look like a schedule in words but are not one; the message says why."""


@dataclass(frozen=True)
class ScheduleChoice:
    """One of the four forms: how often, on which weekday or day of the month, at what time."""

    frequency: str  # one of FREQUENCIES
    hour: int
    minute: int
    weekday: int | None = None  # 0 Sunday … 6 Saturday, for "week"
    day_of_month: int | None = None  # 1–31, for "month"

    @property
    def cron(self) -> str:
        day_of_month = str(self.day_of_month) if self.frequency == "month" else "*"
        day_of_week = {"weekday": "1-5", "week": str(self.weekday)}.get(self.frequency, "*")
        return f"{self.minute} {self.hour} {day_of_month} * {day_of_week}"

    @property
    def words(self) -> str:
        at = f"at {self.hour:02d}:{self.minute:02d}"
        if self.frequency == "weekday":
            return f"every weekday {at}"
        if self.frequency == "week":
            return f"every week on {WEEKDAYS[self.weekday].capitalize()} {at}"
        if self.frequency == "month":
            return f"every month on day {self.day_of_month} {at}"
        return f"every day {at}"


def schedule_choice(
    *, frequency: str, time: str, weekday: int | None = None, day_of_month: int | None = None
) -> ScheduleChoice:
    """The choice made on a form; ScheduleWordsError says what is missing or wrong."""
    if frequency not in FREQUENCIES:
        raise ScheduleWordsError(f"Choose how often: {', '.join(FREQUENCIES)}.")
    hour, minute = _time(time)
    if frequency == "week" and (weekday is None or not 0 <= weekday <= 6):
        raise ScheduleWordsError("Choose the day of the week.")
    if frequency == "month" and (day_of_month is None or not 1 <= day_of_month <= 31):
        raise ScheduleWordsError("Choose a day of the month from 1 to 31.")
    return ScheduleChoice(
        frequency,
        hour,
        minute,
        weekday if frequency == "week" else None,
        day_of_month if frequency == "month" else None,
    )


_TIME = re.compile(r"^(\d{1,2})(?:[:.h](\d{2}))?\s*(am|pm)?$")


def _time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip().lower())
    if not match:
        raise ScheduleWordsError(f"“{text}” is not a time: write it as HH:MM, e.g. 06:00.")
    hour, minute, half = int(match[1]), int(match[2] or 0), match[3]
    if half:
        if not 1 <= hour <= 12:
            raise ScheduleWordsError(f"“{text}” is not a time of day.")
        hour = hour % 12 + (12 if half == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleWordsError(f"“{text}” is not a time of day (00:00 to 23:59).")
    return hour, minute


_PHRASE = re.compile(r"^(?:every|each)\s+(?P<when>.+?)(?:\s+at\s+(?P<time>.+))?$")
_MONTH = re.compile(r"^month\s+on\s+(?:the\s+|day\s+)?(\d{1,2})(?:st|nd|rd|th)?$")
_WEEK = re.compile(r"^(?:week\s+on\s+)?([a-z]+?)s?$")


def schedule_from_words(text: str) -> ScheduleChoice | None:
    """ "every weekday at 06:00", "every monday at 9", "every month on day 1 at 02:00" → the choice;
    None when the text is not words at all (cron, for instance); ScheduleWordsError when it starts
    like a schedule in words but cannot be read."""
    phrase = " ".join(text.strip().lower().split())
    match = _PHRASE.match(phrase)
    if not match:
        return None
    when, time = match["when"], match["time"] or "00:00"
    if when in ("day", "night"):
        return schedule_choice(frequency="day", time=time)
    if when in ("weekday", "working day", "business day"):
        return schedule_choice(frequency="weekday", time=time)
    month = _MONTH.match(when)
    if month:
        return schedule_choice(frequency="month", time=time, day_of_month=int(month[1]))
    week = _WEEK.match(when)
    day = _weekday(week[1]) if week else None
    if day is not None:
        return schedule_choice(frequency="week", time=time, weekday=day)
    raise ScheduleWordsError(
        f"“{text}” is not a schedule: write “every day”, “every weekday”, “every week on Monday” or "
        "“every month on day 1”, then “at HH:MM” (UTC), or five cron fields."
    )


def _weekday(word: str) -> int | None:
    for number, name in enumerate(WEEKDAYS):
        if len(word) >= 3 and name.startswith(word):
            return number
    return None


def schedule_from_cron(cron: str) -> ScheduleChoice | None:
    """The choice a cron matches (as the forms write it, or the same written another way), or None."""
    parts = cron.split()
    if len(parts) != 5 or not all(part.isdigit() for part in parts[:2]) or parts[3] != "*":
        return None
    minute, hour, day_of_month, _, day_of_week = parts
    if int(minute) > 59 or int(hour) > 23:
        return None
    at = f"{hour}:{int(minute):02d}"
    if day_of_month == "*":
        if day_of_week == "*":
            return schedule_choice(frequency="day", time=at)
        if day_of_week.lower() in ("1-5", "mon-fri"):
            return schedule_choice(frequency="weekday", time=at)
        day = _cron_weekday(day_of_week)
        return None if day is None else schedule_choice(frequency="week", time=at, weekday=day)
    if day_of_week == "*" and day_of_month.isdigit() and 1 <= int(day_of_month) <= 31:
        return schedule_choice(frequency="month", time=at, day_of_month=int(day_of_month))
    return None


def _cron_weekday(text: str) -> int | None:
    if text.isdigit():
        return int(text) % 7 if int(text) <= 7 else None
    return _weekday(text.lower()) if len(text) == 3 else None


def cron_of(text: str) -> str:
    """What a person typed, as cron: words become their five fields, anything else stays as typed
    (cron's own checks speak to it). ScheduleWordsError for words that cannot be read."""
    choice = schedule_from_words(text)
    return choice.cron if choice else text.strip()


def cron_in_words(cron: str) -> str:
    """A stored cron as people chose it ("every weekday at 06:00"), or as cron when it matches no form."""
    choice = schedule_from_cron(cron)
    return choice.words if choice else cron
