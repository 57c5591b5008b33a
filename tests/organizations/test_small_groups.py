"""The small-group rule (organizations.privacy.suppress_small_groups), as a pure function."""

import itertools

import pytest

from organizations.privacy import suppress_small_groups


def test_nothing_hidden_when_every_group_is_large_or_empty():
    assert suppress_small_groups({"kinh": 12, "muong": 7, "thai": 0}, 5) == ({"kinh": 12, "muong": 7, "thai": 0}, [])


def test_a_handful_of_people_hides_every_group_zeros_included():
    shown, hidden = suppress_small_groups({"kinh": 0, "thai": 1, "tay": 0}, 5)
    assert shown == {"kinh": None, "thai": None, "tay": None}
    assert hidden == ["kinh", "thai", "tay"]


def test_a_small_group_is_hidden_with_the_smallest_other_one():
    # thai alone hidden: 12 − 10 would give it back; the smallest visible group goes with it.
    shown, hidden = suppress_small_groups({"kinh": 10, "muong": 6, "thai": 2, "dao": 0}, 5)
    assert shown == {"kinh": 10, "muong": None, "thai": None, "dao": 0}
    assert hidden == ["muong", "thai"]


def test_two_small_groups_together_still_below_the_minimum_take_a_third():
    shown, hidden = suppress_small_groups({"kinh": 20, "muong": 9, "thai": 1, "tay": 2}, 5)
    assert hidden == ["muong", "thai", "tay"]
    assert shown["kinh"] == 20


def test_people_without_a_value_count_as_a_hidden_group():
    shown, hidden = suppress_small_groups({"kinh": 10, "thai": 8}, 5, total=20)  # two with nothing recorded
    assert hidden == ["thai"]  # 20 − 10 would give the 2 unrecorded
    assert shown == {"kinh": 10, "thai": None}


def test_a_minimum_of_one_hides_nothing():
    assert suppress_small_groups({"kinh": 1}, 1) == ({"kinh": 1}, [])


@pytest.mark.parametrize("minimum", [2, 3, 5])
def test_no_hidden_group_can_be_worked_out(minimum):
    """For every small table: hidden groups are none, or at least two holding ``minimum`` people
    together (or the whole table is under the minimum and all of it is hidden)."""
    for values in itertools.product(range(8), repeat=3):
        counts = dict(zip("abc", values, strict=True))
        shown, hidden = suppress_small_groups(counts, minimum)
        total = sum(values)
        if 0 < total < minimum:
            assert hidden == list(counts)
            continue
        assert all(v == 0 or v >= minimum for k, v in counts.items() if k not in hidden), counts
        if hidden:
            assert len(hidden) >= 2 and sum(counts[k] for k in hidden) >= minimum, counts
        assert all((shown[k] is None) == (k in hidden) for k in counts)
