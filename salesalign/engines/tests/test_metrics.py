"""Metrics: sums roll up the tree, satisfaction is a weighted average, periods map exactly."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.metrics import (
    Cell,
    MetricKey,
    Subject,
    Tally,
    roll_up,
    value_of,
)
from salesalign.engines.periods import (
    month_period,
    periods_of_year,
    quarter_period,
    week_period,
    year_period,
)

# company 0001 → department 00010001 → teams 000100010001 (id 3) and 000100010002 (id 4)
PATHS = {1: "0001", 2: "00010001", 3: "000100010001", 4: "000100010002", 9: "0002"}
YEAR = year_period(2026)
MONTHS = periods_of_year("month", 2026)


def test_revenue_is_cents_as_currency_with_two_decimals():
    assert value_of(MetricKey.REVENUE, Tally(123456, 3)) == Decimal("1234.56")


def test_split_order_counts_keep_four_decimals():
    assert value_of(MetricKey.ORDER_COUNT, Tally(3333, 1)) == Decimal("0.3333")


def test_satisfaction_is_the_average_score_and_none_without_answers():
    assert value_of(MetricKey.CUSTOMER_SATISFACTION, Tally(450 + 400 + 300, 3)) == Decimal("3.83")
    assert value_of(MetricKey.CUSTOMER_SATISFACTION, Tally()) is None


def test_a_sum_over_no_facts_is_zero():
    assert value_of(MetricKey.NEW_CUSTOMERS, Tally()) == Decimal("0.0000")


def test_a_department_sums_its_teams_and_a_team_only_itself():
    cells = [
        Cell(202603, 3, 11, Tally(10_000, 1)),
        Cell(202603, 4, 12, Tally(2_550, 1)),
        Cell(202603, 9, 13, Tally(99_999, 1)),  # another company root: counts nowhere here
    ]
    actuals = roll_up(
        metric="revenue", cells=cells, periods=[YEAR], unit_paths=PATHS, units=[2, 3, 4]
    )
    assert actuals.value(Subject.unit(2), "2026") == Decimal("125.50")
    assert actuals.value(Subject.unit(3), "2026") == Decimal("100.00")
    assert actuals.value(Subject.unit(4), "2026") == Decimal("25.50")


def test_a_unit_alone_counts_only_facts_credited_to_it():
    cells = [Cell(202603, 2, 10, Tally(500, 1)), Cell(202603, 3, 11, Tally(10_000, 1))]
    actuals = roll_up(
        metric="revenue",
        cells=cells,
        periods=[YEAR],
        unit_paths=PATHS,
        units=[2],
        include_subtree=False,
    )
    assert actuals.value(Subject.unit(2), "2026") == Decimal("5.00")


def test_satisfaction_of_a_department_weights_every_answer_not_the_team_averages():
    cells = [
        Cell(202603, 3, 11, Tally(500, 1)),  # team 3: one answer of 5
        Cell(202603, 4, 12, Tally(300 * 3, 3)),  # team 4: three answers of 3
    ]
    actuals = roll_up(
        metric="customer_satisfaction",
        cells=cells,
        periods=[YEAR],
        unit_paths=PATHS,
        units=[2, 3, 4],
    )
    assert actuals.value(Subject.unit(3), "2026") == Decimal("5.00")
    assert actuals.value(Subject.unit(4), "2026") == Decimal("3.00")
    assert actuals.value(Subject.unit(2), "2026") == Decimal("3.50")  # not (5 + 3) / 2 = 4
    assert actuals.tally(Subject.unit(2), "2026").count == 4


def test_a_person_counts_everywhere_they_were_credited_and_members_only_inside_the_unit():
    cells = [Cell(202602, 3, 11, Tally(100, 1)), Cell(202605, 4, 11, Tally(200, 1))]
    actuals = roll_up(
        metric="revenue",
        cells=cells,
        periods=[YEAR],
        unit_paths=PATHS,
        people=[11],
        members_within=[4],
    )
    assert actuals.value(Subject.person(11), "2026") == Decimal("3.00")
    assert actuals.value(Subject.person(11, within=4), "2026") == Decimal("2.00")


def test_months_fall_into_every_requested_period_that_covers_them():
    cells = [Cell(202603, 3, 11, Tally(100, 1)), Cell(202604, 3, 11, Tally(1_000, 1))]
    periods = [month_period(2026, 3), quarter_period(2026, 1), YEAR]
    actuals = roll_up(metric="revenue", cells=cells, periods=periods, unit_paths=PATHS, units=[3])
    unit = Subject.unit(3)
    assert actuals.value(unit, "2026-03") == Decimal("1.00")
    assert actuals.value(unit, "2026-Q1") == Decimal("1.00")
    assert actuals.value(unit, "2026") == Decimal("11.00")


def test_day_buckets_answer_weeks():
    cells = [
        Cell(date(2026, 3, 2), 3, 11, Tally(100, 1)),
        Cell(date(2026, 3, 9), 3, 11, Tally(700, 1)),
    ]
    actuals = roll_up(
        metric="revenue", cells=cells, periods=[week_period(2026, 10)], unit_paths=PATHS, units=[3]
    )
    assert actuals.value(Subject.unit(3), "2026-W10") == Decimal("1.00")


def test_splits_have_their_own_values_and_a_total():
    cells = [
        Cell(202603, 3, 11, Tally(100, 1), split=(7,)),
        Cell(202603, 3, 11, Tally(300, 1), split=(8,)),
        Cell(202603, 3, 11, Tally(50, 1), split=(None,)),
    ]
    actuals = roll_up(metric="revenue", cells=cells, periods=[YEAR], unit_paths=PATHS, units=[3])
    unit = Subject.unit(3)
    assert actuals.value(unit, "2026", (8,)) == Decimal("3.00")
    assert actuals.value(unit, "2026") == Decimal("4.50")
    assert actuals.splits() == [(7,), (8,), (None,)]


def test_values_lists_each_slice_once_in_the_requested_period_order():
    cells = [Cell(202602, 3, 11, Tally(100, 1)), Cell(202601, 3, 11, Tally(100, 1))]
    actuals = roll_up(metric="revenue", cells=cells, periods=MONTHS, unit_paths=PATHS, units=[3])
    assert [row.period_key for row in actuals.values()] == ["2026-01", "2026-02"]


cell_strategy = st.builds(
    Cell,
    bucket=st.sampled_from([202601, 202602, 202603, 202607, 202612]),
    unit_id=st.sampled_from([1, 2, 3, 4]),
    person_id=st.sampled_from([11, 12, 13]),
    tally=st.builds(
        Tally,
        total=st.integers(min_value=-(10**9), max_value=10**9),
        count=st.integers(min_value=1, max_value=5),
    ),
    split=st.sampled_from([(1,), (2,), (None,)]),
)


@given(st.lists(cell_strategy, max_size=40), st.sampled_from(list(MetricKey)))
def test_a_parent_tally_is_exactly_the_sum_of_its_own_facts_and_its_childrens(cells, metric):
    actuals = roll_up(
        metric=metric, cells=cells, periods=[YEAR], unit_paths=PATHS, units=[1, 2, 3, 4]
    )
    own_of_1 = sum((c.tally for c in cells if c.unit_id == 1), Tally())
    own_of_2 = sum((c.tally for c in cells if c.unit_id == 2), Tally())
    department = actuals.tally(Subject.unit(2), "2026")
    teams = actuals.tally(Subject.unit(3), "2026") + actuals.tally(Subject.unit(4), "2026")
    assert department == teams + own_of_2
    assert actuals.tally(Subject.unit(1), "2026") == department + own_of_1


@given(st.lists(cell_strategy, max_size=40))
def test_the_months_of_a_year_add_up_to_the_year_and_the_splits_to_the_total(cells):
    actuals = roll_up(
        metric="revenue", cells=cells, periods=[*MONTHS, YEAR], unit_paths=PATHS, units=[1]
    )
    company = Subject.unit(1)
    by_month = sum(actuals.value(company, month.key) for month in MONTHS)
    assert by_month == actuals.value(company, "2026")
    by_split = sum(actuals.value(company, "2026", split) for split in [(1,), (2,), (None,)])
    assert by_split == actuals.value(company, "2026")


@given(st.lists(cell_strategy, max_size=40))
def test_people_add_up_to_the_company_when_everyone_is_inside_it(cells):
    actuals = roll_up(
        metric="order_count",
        cells=cells,
        periods=[YEAR],
        unit_paths=PATHS,
        units=[1],
        people=[11, 12, 13],
    )
    people = sum(actuals.value(Subject.person(p), "2026") for p in (11, 12, 13))
    assert people == actuals.value(Subject.unit(1), "2026")


# Units 1–4 and 9 of PATHS, a unit whose path is unknown (77), and a cell credited to it.
requested_strategy = st.lists(st.sampled_from([1, 2, 3, 4, 9, 77]), min_size=1, max_size=6)
credited_strategy = st.builds(
    Cell,
    bucket=st.just(202603),
    unit_id=st.sampled_from([1, 2, 3, 4, 9, 77]),
    person_id=st.sampled_from([11, 12]),
    tally=st.builds(Tally, total=st.integers(-1000, 1000), count=st.integers(1, 3)),
)


@given(
    st.lists(credited_strategy, max_size=30),
    requested_strategy,
    requested_strategy,
    st.booleans(),
)
def test_every_requested_unit_and_member_table_counts_exactly_the_cells_under_it(
    cells, units, members, subtree
):
    actuals = roll_up(
        metric="revenue",
        cells=cells,
        periods=[YEAR],
        unit_paths=PATHS,
        units=units,
        include_subtree=subtree,
        members_within=members,
    )

    def under(unit_id: int, cell: Cell, *, with_subtree: bool) -> bool:
        if cell.unit_id == unit_id:
            return True
        path, cell_path = PATHS.get(unit_id), PATHS.get(cell.unit_id)
        return with_subtree and path is not None and (cell_path or "").startswith(path)

    for unit_id in units:
        expected = sum(
            (cell.tally for cell in cells if under(unit_id, cell, with_subtree=subtree)), Tally()
        )
        assert actuals.tally(Subject.unit(unit_id), "2026") == expected
    for unit_id in members:
        for person_id in (11, 12):
            expected = sum(
                (
                    cell.tally
                    for cell in cells
                    if cell.person_id == person_id and under(unit_id, cell, with_subtree=True)
                ),
                Tally(),
            )
            subject = Subject.person(person_id, within=unit_id)
            assert actuals.tally(subject, "2026") == expected
