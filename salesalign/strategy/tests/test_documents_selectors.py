"""Who a document is for, who has confirmed, which questions a viewer reads: the selectors."""

from __future__ import annotations

import pytest

from salesalign.organization.models import Person
from salesalign.organization.tests.factories import OrgUnitFactory, PersonFactory
from salesalign.strategy.choices import DocumentKind
from salesalign.strategy.selectors import documents as selectors
from salesalign.strategy.services import documents as services
from salesalign.strategy.tests.documents_fixtures import (
    ask,
    confirm,
    media_in_tmp,  # noqa: F401
    new_document,
)

pytestmark = pytest.mark.django_db


def numbers(people) -> set[str]:
    return {person.employee_number for person in people}


def test_a_unit_targeted_audience_includes_the_units_below_it(cast):
    document = new_document(cast, units=[cast.department])
    assert numbers(selectors.document_audience(document)) == {
        "manager",
        "manager2",
        "sales1",
        "sales2",
        "sales3",
    }


def test_the_audience_follows_the_organisation_new_hires_in_and_leavers_out(cast):
    document = new_document(cast, units=[cast.team])
    newcomer = PersonFactory(unit=cast.team, employee_number="new1")
    Person.objects.filter(pk=cast.salesperson2.pk).update(is_active=False)
    audience = numbers(selectors.document_audience(document))
    assert "new1" in audience
    assert "sales2" not in audience
    assert selectors.is_in_audience(document, newcomer)


def test_documents_for_a_person_carry_their_confirmation_in_one_query(
    cast, django_assert_num_queries
):
    first = new_document(cast, title="First")
    new_document(cast, title="Second", units=[cast.team])
    new_document(cast, title="For the North", units=[cast.other_team])
    confirm(cast.salesperson, first)
    person = Person.objects.select_related("unit").get(pk=cast.salesperson.pk)
    with django_assert_num_queries(1):
        documents = {doc.title: doc.confirmed_at for doc in selectors.documents_for_person(person)}
    assert set(documents) == {"First", "Second"}
    assert documents["First"] is not None
    assert documents["Second"] is None


def test_pending_confirmations_leave_out_confirmed_drafts_and_plain_announcements(cast):
    confirmed = new_document(cast, title="Confirmed")
    new_document(cast, title="Pending")
    new_document(cast, title="Draft", publish=False)
    new_document(cast, title="FYI", kind=DocumentKind.ANNOUNCEMENT, requires_confirmation=False)
    confirm(cast.salesperson, confirmed)
    titles = [doc.title for doc in selectors.pending_confirmations(cast.salesperson)]
    assert titles == ["Pending"]


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"Company", "East", "North", "Draft"}),
        ("executive", {"Company", "East", "North", "Draft"}),
        ("hr", {"Company", "East", "North"}),
        ("manager", {"Company", "East"}),
        ("salesperson", {"Company", "East"}),
        ("other_salesperson", {"Company", "North"}),
        ("outsider", set()),
    ],
)
def test_each_member_of_the_cast_sees_the_documents_meant_for_them(cast, who, expected):
    new_document(cast, title="Company")
    new_document(cast, title="East", units=[cast.team])
    new_document(cast, title="North", units=[cast.other_team])
    new_document(cast, title="Draft", publish=False)
    member = getattr(cast, who)
    user = member if who == "outsider" else member.user
    assert {doc.title for doc in selectors.documents_for_viewer(user)} == expected


def test_a_department_manager_sees_documents_addressed_to_a_team_below_them(cast):
    cast.department.manager = cast.other_manager
    cast.department.save()
    new_document(cast, title="East", units=[cast.team])
    documents = list(selectors.documents_for_viewer(cast.other_manager.user))
    assert [doc.title for doc in documents] == ["East"]
    assert documents[0].in_audience is False


def test_the_status_of_a_manager_covers_their_team_only(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    confirm(cast.other_salesperson, document)
    status = selectors.confirmation_status(document, cast.manager.user)
    assert numbers(status.people) == {"manager", "sales1", "sales2"}
    assert (status.audience, status.confirmed) == (3, 1)
    assert [row.unit for row in status.units] == [cast.team]


def test_the_status_for_an_executive_rolls_units_up_to_the_company(cast):
    document = new_document(cast, units=[cast.department])
    confirm(cast.salesperson, document)
    confirm(cast.other_salesperson, document)
    status = selectors.confirmation_status(document, cast.executive.user)
    rows = {row.unit.code: (row.confirmed, row.audience) for row in status.units}
    assert rows == {"CO": (2, 5), "D1": (2, 5), "T1": (1, 3), "T2": (1, 2)}
    assert [row.level for row in status.units] == [0, 1, 2, 2]


def test_the_status_filters_people_not_yet_confirmed_and_by_unit(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    missing = selectors.confirmation_status(
        document, cast.executive.user, only_missing=True, unit=cast.team
    )
    assert numbers(missing.people) == {"manager", "sales2"}


def test_the_status_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    document = new_document(cast)
    for index in range(3):
        unit = OrgUnitFactory(parent=cast.department, code=f"X{index}")
        for person in PersonFactory.create_batch(10, unit=unit, with_login=True):
            if person.pk % 2:
                confirm(person, document)
    with django_assert_max_num_queries(4):
        status = selectors.confirmation_status(document, cast.executive.user)
        rows = [(row.unit.display_name, row.percent) for row in status.units]
        people = [(p.display_name, p.unit.display_name, p.confirmed_at) for p in status.people]
    assert len(people) == status.audience == 38
    assert len(rows) == 7


def test_team_confirmation_names_who_is_missing_what_in_the_managers_units(cast):
    first = new_document(cast, title="First")
    second = new_document(cast, title="Second", units=[cast.team])
    confirm(cast.salesperson, first)
    confirm(cast.salesperson, second)
    confirm(cast.salesperson2, first)
    confirm(cast.other_salesperson, first)
    teams = selectors.team_confirmation(cast.manager.user)
    assert [team.unit for team in teams] == [cast.team]
    (team,) = teams
    assert (team.confirmed, team.expected) == (3, 4)
    assert [(r.person.employee_number, [d.title for d in r.pending]) for r in team.missing] == [
        ("sales2", ["Second"])
    ]


def test_confirmation_by_department_counts_each_reader_and_document_once(cast):
    document = new_document(cast)
    new_document(cast, title="East only", units=[cast.team])
    confirm(cast.salesperson, document)
    confirm(cast.executive, document)
    rows = {
        row.unit.code: (row.confirmed, row.expected)
        for row in selectors.confirmation_by_department(cast.executive.user)
    }
    # Company level: admin, executive, HR on one document, the admin confirmed by publishing
    # it; department: 5 people + 3 in East.
    assert rows == {"CO": (2, 3), "D1": (1, 8)}


def test_cross_document_overviews_run_a_constant_number_of_queries(
    cast, django_assert_max_num_queries
):
    documents = [new_document(cast, title=f"Doc {n}") for n in range(3)]
    for person in PersonFactory.create_batch(20, unit=cast.team, with_login=True):
        confirm(person, documents[0])
    # Documents, their audience units, the manager's units (scope), people, confirmations.
    with django_assert_max_num_queries(5):
        teams = selectors.team_confirmation(cast.manager.user)
        names = [r.person.display_name for team in teams for r in team.missing]
    with django_assert_max_num_queries(5):
        departments = selectors.confirmation_by_department(cast.executive.user)
    assert len(names) == 22
    assert sum(row.expected for row in departments) == 3 * 28


def test_a_reader_sees_answered_questions_and_their_own_but_not_the_asker_outside_their_scope(
    cast,
):
    document = new_document(cast)
    answered = ask(cast.salesperson2, document, text="Answered one")
    services.question_answer(actor=cast.manager.user, question=answered, answer="Yes")
    ask(cast.salesperson2, document, text="Open one of a colleague")
    ask(cast.salesperson, document, text="My own")
    questions = selectors.questions_for_document(document, cast.salesperson.user)
    assert [(q.text, q.asker_visible) for q in questions] == [
        ("Answered one", False),
        ("My own", True),
    ]
    assert not any(q.can_answer for q in questions)


def test_a_manager_reads_and_may_answer_the_questions_of_their_team_only(cast):
    document = new_document(cast)
    ask(cast.salesperson, document, text="East asks")
    ask(cast.other_salesperson, document, text="North asks")
    questions = selectors.questions_for_document(document, cast.manager.user)
    assert [(q.text, q.can_answer) for q in questions] == [("East asks", True)]
    assert [q.text for q in selectors.open_questions(cast.manager.user)] == ["East asks"]
    assert [q.text for q in selectors.open_questions(cast.hr.user)] == ["East asks", "North asks"]
    assert list(selectors.open_questions(cast.salesperson.user)) == []
