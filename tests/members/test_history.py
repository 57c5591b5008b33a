import datetime
from types import SimpleNamespace as E

from members.history import Period, periods_from_events

D = datetime.date


def test_recognition_takes_effect_from_the_end_of_probation_even_after_a_transfer():
    events = [
        E(cell_id=1, status_after="probationary", effective_date=D(2021, 1, 1), status_from=None),
        E(cell_id=2, status_after="probationary", effective_date=D(2022, 2, 10), status_from=None),  # moved
        E(cell_id=2, status_after="official", effective_date=D(2022, 3, 1), status_from=D(2022, 1, 11)),
    ]
    assert periods_from_events(events) == [
        Period(1, "probationary", D(2021, 1, 1), D(2022, 1, 11)),
        Period(1, "official", D(2022, 1, 11), D(2022, 2, 10)),
        Period(2, "official", D(2022, 2, 10), None),
    ]


def test_exit_closes_the_last_period_and_same_day_moves_leave_no_empty_period():
    events = [
        E(cell_id=1, status_after="official", effective_date=D(2000, 1, 1), status_from=None),
        E(cell_id=1, status_after="official", effective_date=D(2010, 1, 1), status_from=None),  # out (in system)
        E(cell_id=3, status_after="official", effective_date=D(2010, 1, 1), status_from=None),  # in
        E(cell_id=3, status_after="died", effective_date=D(2020, 1, 1), status_from=None),
    ]
    assert periods_from_events(events) == [
        Period(1, "official", D(2000, 1, 1), D(2010, 1, 1)),
        Period(3, "official", D(2010, 1, 1), D(2020, 1, 1)),
    ]
