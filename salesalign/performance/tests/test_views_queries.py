"""Every performance list page reads the same number of queries when the rows grow."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.organization.tests.factories import OrgUnitFactory, PersonFactory
from salesalign.performance.choices import FeedbackKind, PeriodKind, Relationship
from salesalign.performance.services import actions, feedback, periods, retrospectives, rounds
from salesalign.performance.tests.conftest import TODAY, YEAR

pytestmark = pytest.mark.django_db

PAGES = [
    ("executive", "performance:period_list"),
    ("hr", "performance:feedback_list"),
    ("manager", "performance:feedback_list"),
    ("hr", "performance:round_list"),
    ("salesperson", "performance:round_list"),
    ("manager", "performance:action_list"),
    ("salesperson", "performance:action_list"),
    ("executive", "performance:retrospective_list"),
    ("manager", "performance:retrospective_list"),
]


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def _grow(world, start: int, size: int) -> None:
    """`size` more salespeople in the team, each with feedback, a 360° round with answers,
    an action; one more closed month and a retrospective of one more team."""
    cast = world.cast
    for number in range(start, start + size):
        person = PersonFactory(unit=cast.team, employee_number=f"NEW{number:02d}", with_login=True)
        written = feedback.feedback_save(
            actor=cast.manager.user,
            period=world.quarter,
            person=person,
            kind=FeedbackKind.MANAGER,
            rating=3,
            went_well="ok",
            submit=True,
        )
        actions.action_create(
            actor=cast.manager.user,
            title=f"Action {number}",
            owner=person,
            due_on=TODAY,
            feedback=written,
        )
        feedback_round = rounds.round_open(
            actor=cast.hr.user, person=person, period=world.quarter, questions=["Q1", "Q2"]
        )
        invitation = rounds.round_invite(
            actor=cast.hr.user,
            feedback_round=feedback_round,
            respondent=cast.salesperson,
            relationship=Relationship.PEER,
        )
        questions = list(feedback_round.questions.values_list("pk", flat=True))
        rounds.round_answer(
            actor=cast.salesperson.user,
            invitation=invitation,
            scores={pk: 4 for pk in questions},
        )
        team = OrgUnitFactory(parent=cast.department, code=f"TX{number:02d}")
        team.manager = cast.manager
        team.save()
        retrospectives.retrospective_save(
            actor=cast.executive.user, unit=team, period=world.quarter, what_worked="x"
        )
        month = periods.period_open(
            actor=cast.hr.user,
            kind=PeriodKind.MONTHLY,
            fiscal_year=YEAR - 1,
            number=number % 12 + 1,
        )
        periods.period_close(actor=cast.hr.user, period=month, today=TODAY)


def test_no_list_page_reads_more_when_rows_grow(world, django_assert_num_queries):
    cast = world.cast
    _grow(world, 0, 1)
    clients = {who: cast.client_for(who) for who in {who for who, _name in PAGES}}
    before = {(who, name): _count(clients[who], reverse(name)) for who, name in PAGES}
    cast.department.refresh_from_db()
    _grow(world, 1, 6)
    for (who, name), expected in before.items():
        with django_assert_num_queries(expected):
            response = clients[who].get(reverse(name))
        assert response.status_code == 200


def test_a_rounds_page_reads_a_fixed_number_of_queries(world, django_assert_num_queries):
    cast = world.cast
    people = [
        PersonFactory(unit=cast.team, employee_number=f"R{n:02d}", with_login=True)
        for n in range(8)
    ]

    def closed_round(person, respondents):
        feedback_round = rounds.round_open(
            actor=cast.hr.user, person=person, period=world.quarter, questions=["Q1", "Q2"]
        )
        for respondent in respondents:
            invitation = rounds.round_invite(
                actor=cast.hr.user,
                feedback_round=feedback_round,
                respondent=respondent,
                relationship=Relationship.PEER,
            )
            rounds.round_answer(
                actor=respondent.user,
                invitation=invitation,
                scores={pk: 3 for pk in feedback_round.questions.values_list("pk", flat=True)},
                comment=f"comment {respondent.employee_number}",
            )
        return rounds.round_close(actor=cast.hr.user, feedback_round=feedback_round)

    small = closed_round(cast.salesperson, people[:3])
    large = closed_round(cast.salesperson2, people)
    client = cast.client_for("hr")
    expected = _count(client, reverse("performance:round_detail", args=[small.pk]))
    with django_assert_num_queries(expected):
        response = client.get(reverse("performance:round_detail", args=[large.pk]))
    assert response.context["results"].overall.count == 8
