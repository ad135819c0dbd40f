"""The anonymity rule of 360° results, without a database: no shown figure — and no difference
of two shown figures — rests on fewer than three answers."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesalign.performance.anonymity import (
    MIN_ANSWERS,
    OTHERS,
    Answer,
    aggregate_round,
    shown_groups,
)

GROUPS = ("peer", "manager", "other_department")


def test_fewer_than_three_answers_show_nothing():
    assert shown_groups({"peer": 2}) is None
    assert shown_groups({"peer": 1, "manager": 1}) is None
    assert (
        aggregate_round([Answer("a", "peer", {1: 5}), Answer("b", "peer", {1: 4})], [1], salt="r")
        is None
    )


def test_three_answers_in_one_group_show_that_group():
    assert shown_groups({"peer": 3}) == {"peer": "peer"}


def test_small_groups_are_pooled_into_others():
    assert shown_groups({"peer": 4, "manager": 1, "other_department": 2}) == {
        "peer": "peer",
        "manager": OTHERS,
        "other_department": OTHERS,
    }


def test_a_pool_of_one_or_two_takes_the_smallest_named_group_with_it():
    # 3 peers and 1 manager: peers next to the overall would give the manager's answer away.
    assert shown_groups({"peer": 3, "manager": 1}) == {"peer": OTHERS, "manager": OTHERS}
    # 5 peers, 3 from other departments and 1 manager: the 3 join the manager in "others".
    assert shown_groups({"peer": 5, "other_department": 3, "manager": 1}) == {
        "peer": "peer",
        "other_department": OTHERS,
        "manager": OTHERS,
    }


@given(st.dictionaries(st.sampled_from(GROUPS), st.integers(min_value=0, max_value=12)))
def test_every_shown_figure_and_every_difference_rests_on_three_answers_or_more(counts):
    mapping = shown_groups(counts)
    total = sum(counts.values())
    if mapping is None:
        assert total < MIN_ANSWERS
        return
    assert total >= MIN_ANSWERS
    shown: dict[str, int] = {}
    for group, count in counts.items():
        if count:
            shown[mapping[group]] = shown.get(mapping[group], 0) + count
    assert all(count >= MIN_ANSWERS for count in shown.values())
    assert sum(shown.values()) == total, "the shown groups cover every answer: nothing left over"


def test_the_aggregate_has_means_per_question_and_shuffled_anonymous_comments():
    answers = [
        Answer("k1", "peer", {1: 5, 2: 4}, "first"),
        Answer("k2", "peer", {1: 3, 2: 2}, ""),
        Answer("k3", "peer", {1: 4, 2: 5}, "third"),
        Answer("k4", "other_department", {1: 2, 2: 2}, "fourth"),
        Answer("k5", "other_department", {1: 2, 2: 3}, ""),
        Answer("k6", "other_department", {1: 1, 2: 1}, ""),
    ]
    result = aggregate_round(answers, [1, 2], salt="round:7", group_order=GROUPS)
    assert result is not None
    assert result.overall.count == 6
    assert [mean.mean for mean in result.overall.means] == [Decimal("2.83"), Decimal("2.83")]
    assert [group.group for group in result.groups] == ["peer", "other_department"]
    assert [mean.mean for mean in result.groups[0].means] == [Decimal("4.00"), Decimal("3.67")]
    assert sorted(result.comments) == ["first", "fourth", "third"]
    reversed_input = aggregate_round(list(reversed(answers)), [1, 2], salt="round:7")
    assert reversed_input.comments == result.comments, "the order does not follow who came first"
