"""Calendar arithmetic against dates worked out by hand from a printed calendar.

Each expected date below was counted by hand; the comment shows the count.
"""

from datetime import date

import pytest

from reviewrules._calendar import add_months, bank_holiday_name, is_working_day, shift


def due(start: str, amount: int, unit: str, direction: str = "after") -> date:
    return shift(date.fromisoformat(start), amount, unit, direction).end


def test_initial_review_skips_christmas_and_new_year():
    # From Mon 2024-12-16: 17,18,19,20 (4), 23,24 (6), [25,26], 27 (7), 30,31 (9),
    # [1 Jan], 2,3 (11), 6-10 (16), 13,14,15,16 (20).
    assert due("2024-12-16", 20, "working_days") == date(2025, 1, 16)


def test_working_days_skip_good_friday_and_easter_monday():
    # From Mon 2025-04-14: 15,16,17 (3), [18 Good Friday], [21 Easter Monday], 22,23 (5).
    assert due("2025-04-14", 5, "working_days") == date(2025, 4, 23)


def test_working_days_skip_the_2022_spring_bank_holiday_and_platinum_jubilee():
    # From Mon 2022-05-30: 31 May, 1 Jun (2), [2 Jun spring bank holiday], [3 Jun jubilee], 6,7,8 (5).
    assert due("2022-05-30", 5, "working_days") == date(2022, 6, 8)


def test_working_days_skip_the_queens_state_funeral():
    # Fri 2022-09-16 + 1: Mon 19 September 2022 was a bank holiday.
    assert due("2022-09-16", 1, "working_days") == date(2022, 9, 20)


def test_working_days_skip_may_day_and_the_coronation_in_2023():
    # From Fri 2023-04-28: [1 May], 2,3,4,5 (4), [8 May coronation], 9 (5).
    assert due("2023-04-28", 5, "working_days") == date(2023, 5, 9)


def test_working_days_skip_substitute_christmas_holidays():
    # Christmas 2021 fell on a Saturday: Mon 27 and Tue 28 December were bank holidays.
    assert due("2021-12-24", 1, "working_days") == date(2021, 12, 29)


def test_counting_from_a_weekend_starts_with_the_next_working_day():
    # Easter Saturday 2025-04-19: [20 Sun], [21 Easter Monday], 22 is day 1.
    assert due("2025-04-19", 1, "working_days") == date(2025, 4, 22)


def test_working_days_before_a_meeting_across_easter():
    # The contract's worked example: 20 working days before Mon 2025-05-19 is 2025-04-16.
    assert due("2025-05-19", 20, "working_days", "before") == date(2025, 4, 16)


def test_working_days_before_a_meeting_across_the_may_bank_holiday():
    # 16,15,14,13,12 (5), 9,8,7,6 (9), [5 May], 2 (10).
    assert due("2025-05-19", 10, "working_days", "before") == date(2025, 5, 2)


def test_calendar_days_are_not_working_days():
    # "within 20 days" is calendar days, even across Christmas.
    assert due("2024-12-16", 20, "days") == date(2025, 1, 5)


def test_a_due_date_on_a_weekend_is_not_moved():
    assert due("2025-02-27", 2, "days") == date(2025, 3, 1)  # a Saturday


def test_ninety_one_days_from_york_worked_example():
    assert due("2025-02-27", 91, "days") == date(2025, 5, 29)


def test_ninety_one_days_in_a_leap_year_counts_29_february():
    assert due("2024-02-27", 91, "days") == date(2024, 5, 28)


def test_weeks_are_seven_calendar_days():
    assert due("2025-02-03", 4, "weeks") == date(2025, 3, 3)


@pytest.mark.parametrize(
    "start, months, expected",
    [
        ("2025-01-31", 1, "2025-02-28"),  # clamped to the month end
        ("2024-01-31", 1, "2024-02-29"),  # leap year
        ("2024-02-29", 6, "2024-08-29"),
        ("2024-02-29", 12, "2025-02-28"),  # no 29 February in 2025
        ("2024-08-31", 6, "2025-02-28"),
        ("2023-11-30", 3, "2024-02-29"),
        ("2025-02-27", 3, "2025-05-27"),
    ],
)
def test_months_land_on_the_same_day_clamped_to_month_end(start, months, expected):
    assert due(start, months, "months") == date.fromisoformat(expected)


def test_months_before_clamp_too():
    assert due("2025-05-31", 3, "months", "before") == date(2025, 2, 28)


def test_bank_holidays_include_christmas_day_and_good_friday():
    assert bank_holiday_name(date(2024, 12, 25)) is not None
    assert bank_holiday_name(date(2024, 3, 29)) is not None  # Good Friday
    assert not is_working_day(date(2024, 3, 29))
    assert is_working_day(date(2024, 3, 28))


def test_shift_lists_the_bank_holidays_it_skipped():
    counted = shift(date(2025, 4, 14), 5, "working_days", "after")
    assert [d.isoformat() for d, _ in counted.holidays_skipped] == ["2025-04-18", "2025-04-21"]
    assert counted.arithmetic().startswith("2025-04-14 + 5 working days = 2025-04-23 (bank holidays skipped: 2025-04-18")


@pytest.mark.parametrize("amount", [0, -3])
def test_an_offset_of_zero_or_less_is_refused_rather_than_returning_the_input(amount):
    with pytest.raises(ValueError):
        shift(date(2025, 1, 1), amount, "days", "after")


def test_unknown_unit_is_refused():
    with pytest.raises(ValueError, match="unit must be one of"):
        shift(date(2025, 1, 1), 3, "fortnights", "after")


def test_add_months_returns_a_new_date():
    assert add_months(date(2025, 1, 15), 1).end == date(2025, 2, 15)


def test_today_is_the_date_in_england_not_on_kiritimati():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from reviewrules._calendar import date_in_england

    # 00:30 on 2 December on Kiritimati (UTC+14) is 10:30 GMT on 1 December.
    assert date_in_england(datetime(2026, 12, 2, 0, 30, tzinfo=ZoneInfo("Pacific/Kiritimati"))) == date(2026, 12, 1)
    # 23:30 UTC on 30 June is 00:30 BST on 1 July.
    assert date_in_england(datetime(2025, 6, 30, 23, 30, tzinfo=ZoneInfo("UTC"))) == date(2025, 7, 1)


def test_a_moment_without_a_time_zone_is_refused_not_guessed():
    from datetime import datetime

    from reviewrules._calendar import date_in_england

    with pytest.raises(ValueError, match="needs a time zone"):
        date_in_england(datetime(2025, 6, 30, 23, 30))
