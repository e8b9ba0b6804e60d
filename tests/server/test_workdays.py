"""The return date of a dossier, against dates worked out by hand on a paper calendar.

Never computed by server.workdays: each expected date is written out, with the days counted.
Holidays from the `holidays` package, as Vietnam declared them: Tết 2026 Mon 16 - Fri 20 Feb;
Tết 2027 Thu 4 - Wed 10 Feb; Giỗ Tổ 2026 Sun 26 Apr (in lieu Mon 27); 30/4 Thu and 1/5 Fri
2026; 2/9 2026: Mon 31 Aug (off in exchange for Saturday 22 Aug, a làm bù Saturday), Tue 1 and
Wed 2 Sep; Ngày Văn hóa Việt Nam Tue 24 Nov 2026.
"""

from datetime import date, datetime, time

import pytest

from server.workdays import Calendar, cutoff_time, official_holiday

PLAIN = Calendar()
LAM_BU_22_AUG = Calendar.of(working_saturdays=["2026-08-22"])
OFF_27_NOV = Calendar.of(days_off=["2026-11-27"])
CUTOFF = time(16, 30)

CASES = [
    # (calendar, received (local), processing days, cut-off, expected due date, why)
    (PLAIN, datetime(2026, 2, 12, 10, 0), 3, None, date(2026, 2, 24),
     "Thu 12 Feb counts; Fri 13 = 1; Tết Mon 16-Fri 20 and the weekends skipped; Mon 23 = 2, Tue 24 = 3"),
    (PLAIN, datetime(2026, 2, 13, 17, 0), 0, CUTOFF, date(2026, 2, 23),
     "Fri 13 Feb after 16:30: from the next working day, Mon 23 (after Tết); 0 days: that day"),
    (PLAIN, datetime(2026, 2, 13, 16, 29), 0, CUTOFF, date(2026, 2, 13),
     "Fri 13 Feb before the cut-off, 0 days: the same day"),
    (PLAIN, datetime(2027, 2, 3, 9, 0), 2, None, date(2027, 2, 12),
     "Wed 3 Feb 2027 counts; Tết Thu 4-Wed 10 skipped; Thu 11 = 1, Fri 12 = 2"),
    (PLAIN, datetime(2027, 2, 6, 9, 0), 1, None, date(2027, 2, 12),
     "received Sat 6 Feb 2027 (Tết): counts from Thu 11; Fri 12 = 1"),
    (PLAIN, datetime(2026, 4, 29, 8, 0), 2, None, date(2026, 5, 5),
     "Wed 29 Apr counts; Thu 30/4, Fri 1/5 and the weekend skipped; Mon 4 May = 1, Tue 5 = 2"),
    (PLAIN, datetime(2026, 4, 24, 9, 0), 1, None, date(2026, 4, 28),
     "Fri 24 Apr counts; Mon 27 (Giỗ Tổ in lieu) skipped; Tue 28 = 1"),
    (PLAIN, datetime(2026, 8, 28, 9, 0), 2, None, date(2026, 9, 4),
     "Fri 28 Aug counts; Mon 31 Aug, Tue 1 and Wed 2 Sep (2/9) skipped; Thu 3 = 1, Fri 4 = 2"),
    (LAM_BU_22_AUG, datetime(2026, 8, 21, 10, 0), 5, None, date(2026, 8, 27),
     "Fri 21 Aug counts; Sat 22 (làm bù) = 1, Mon 24 = 2, Tue 25 = 3, Wed 26 = 4, Thu 27 = 5"),
    (PLAIN, datetime(2026, 8, 21, 10, 0), 5, None, date(2026, 8, 28),
     "the same without the làm bù Saturday: Mon 24 = 1 ... Fri 28 = 5"),
    (LAM_BU_22_AUG, datetime(2026, 8, 22, 9, 0), 0, None, date(2026, 8, 22),
     "received on the làm bù Saturday 22 Aug, 0 days: that Saturday"),
    (PLAIN, datetime(2026, 8, 22, 9, 0), 0, None, date(2026, 8, 24),
     "received on an ordinary Saturday: counts from Mon 24"),
    (OFF_27_NOV, datetime(2026, 11, 25, 9, 0), 2, None, date(2026, 11, 30),
     "Wed 25 Nov counts; Thu 26 = 1; Fri 27 the center's day off; Mon 30 = 2"),
    (PLAIN, datetime(2026, 11, 23, 16, 29), 1, CUTOFF, date(2026, 11, 25),
     "Mon 23 Nov before 16:30 counts; Tue 24 (Ngày Văn hóa) skipped; Wed 25 = 1"),
    (PLAIN, datetime(2026, 11, 23, 16, 30), 1, CUTOFF, date(2026, 11, 26),
     "Mon 23 Nov at 16:30: from the next working day, Wed 25 (24 is a holiday); Thu 26 = 1"),
]


@pytest.mark.parametrize(("calendar", "received", "days", "cutoff", "expected", "why"), CASES, ids=[c[5][:40] for c in CASES])
def test_due_date(calendar, received, days, cutoff, expected, why):
    assert calendar.due(received, days, cutoff) == expected, why


def test_days_in_needs_more_push_the_due_date():
    # Received Mon 9 Feb 2026, 3 days: Tue 10 = 1, Wed 11 = 2, Thu 12 = 3.
    assert PLAIN.due(datetime(2026, 2, 9, 9, 0), 3) == date(2026, 2, 12)
    # Asked for more documents on Tue 10, brought on Tue 24: the clock stood still on Wed 11,
    # Thu 12, Fri 13, Mon 23 and Tue 24 (Tết and weekends are no working days): 5 days.
    assert PLAIN.between(date(2026, 2, 10), date(2026, 2, 24)) == 5
    # 3 + 5 = 8 working days after Mon 9: Tue 10, Wed 11, Thu 12, Fri 13, Mon 23, Tue 24,
    # Wed 25, Thu 26.
    assert PLAIN.due(datetime(2026, 2, 9, 9, 0), 3, stood_still=5) == date(2026, 2, 26)
    assert PLAIN.between(date(2026, 2, 10), date(2026, 2, 10)) == 0  # back the same day


def test_the_calendar_itself():
    assert official_holiday(date(2026, 2, 17)) and official_holiday(date(2026, 9, 2))
    assert not official_holiday(date(2026, 2, 23))
    assert not PLAIN.is_working_day(date(2026, 8, 23))  # a Sunday
    assert Calendar.of(working_saturdays=["2026-08-22"], days_off=["2026-08-22"]).is_working_day(date(2026, 8, 22)) is False
    assert cutoff_time("16:30") == time(16, 30) and cutoff_time(None) is None
