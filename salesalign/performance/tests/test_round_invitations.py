"""Inviting several 360° respondents at once: one list per relationship, each offering only
those who may be invited as such; the rules of a single invitation; everyone or nobody.

The world: the round is about `salesperson` (team A of the department). Their managers are
`manager` (team A) and `head` (the department); their peers are the others of the department
(`salesperson2`, `other_salesperson`, `other_manager`); the executive, HR and the admin sit in
the company unit, outside the department.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.exceptions import DomainError
from salesalign.core.models import Notification
from salesalign.performance.choices import Relationship, RoundStatus
from salesalign.performance.models import RoundInvitation
from salesalign.performance.selectors import rounds as selectors
from salesalign.performance.services import rounds as services

pytestmark = pytest.mark.django_db


@pytest.fixture
def feedback_round(world):
    return services.round_open(
        actor=world.cast.manager.user,
        person=world.cast.salesperson,
        period=world.quarter,
        questions=["Communicates clearly"],
    )


def invite_url(feedback_round):
    return reverse("performance:round_invite", args=[feedback_round.pk])


def invitations(feedback_round):
    return dict(
        RoundInvitation.objects.filter(round=feedback_round).values_list(
            "respondent_id", "relationship"
        )
    )


def invited_notices():
    return Notification.objects.filter(kind=services.NOTIFY_INVITED)


def test_each_list_offers_only_those_who_may_be_invited_as_such_and_nobody_is_chosen(
    world, feedback_round
):
    cast = world.cast
    page = cast.client_for("manager").get(
        reverse("performance:round_detail", args=[feedback_round.pk])
    )
    form = page.context["invite_form"]
    offered = {name: {pk for pk, _label in form.fields[name].choices} for name in form.fields}
    assert offered == {
        "peer": {cast.salesperson2.pk, cast.other_salesperson.pk, cast.other_manager.pk},
        "manager": {cast.manager.pk, world.head.pk},
        "other_department": {cast.admin.pk, cast.executive.pk, cast.hr.pk},
    }
    html = str(form)
    assert "selected" not in html
    assert html.count("multiple") == 3 and html.count("data-searchable") == 3

    services.round_invite(
        actor=cast.manager.user,
        feedback_round=feedback_round,
        respondent=cast.salesperson2,
        relationship=Relationship.PEER,
    )
    groups = selectors.respondent_groups(feedback_round=feedback_round)
    assert cast.salesperson2.pk not in {pk for pk, _label in groups["peer"]}


def test_several_people_are_invited_at_once_and_each_is_told(world, feedback_round):
    cast = world.cast
    response = cast.client_for("manager").post(
        invite_url(feedback_round),
        {
            "peer": [cast.salesperson2.pk, cast.other_salesperson.pk],
            "manager": [world.head.pk],
            "other_department": [cast.hr.pk],
        },
        follow=True,
    )
    assert response.status_code == 200
    assert invitations(feedback_round) == {
        cast.salesperson2.pk: Relationship.PEER,
        cast.other_salesperson.pk: Relationship.PEER,
        world.head.pk: Relationship.MANAGER,
        cast.hr.pk: Relationship.OTHER_DEPARTMENT,
    }
    page = response.content.decode()
    assert "4 people are invited: Sales2, Sales3, Head, Hr." in page
    for name in ("Sales2", "Sales3", "Head", "Hr"):
        assert name in page[page.index('id="round-invitees"') :]
    # Each is told once, with a link to their own invitation.
    by_respondent = {
        invitation.respondent_id: invitation.pk
        for invitation in RoundInvitation.objects.filter(round=feedback_round)
    }
    notices = list(invited_notices())
    assert sorted(notice.recipient_id for notice in notices) == sorted(by_respondent)
    for notice in notices:
        assert notice.url == reverse(
            "performance:invitation_answer", args=[by_respondent[notice.recipient_id]]
        )
        assert notice.params["period"] == world.quarter.key
        assert "Sales1" in notice.text


def test_one_person_alone_is_invited_and_named(world, feedback_round):
    response = world.cast.client_for("hr").post(
        invite_url(feedback_round), {"manager": [world.head.pk]}, follow=True
    )
    assert "Head is invited." in response.content.decode()
    assert invitations(feedback_round) == {world.head.pk: Relationship.MANAGER}


# Each bad choice comes with good ones: nobody at all is invited, and the field it was chosen
# under says why.
BAD_CHOICES = [
    ("peer", "hr", "Hr is not a peer in this person's department."),
    ("manager", "other_salesperson", "Sales3 is not one of this person's managers."),
    ("other_department", "other_manager", "Manager2 works in the same department."),
    ("peer", "salesperson", "Nobody answers a 360° round about themselves."),
    ("peer", "salesperson2", "Sales2 is invited already."),
]


@pytest.mark.parametrize(("field", "who", "message"), BAD_CHOICES)
def test_one_bad_choice_invites_nobody_and_names_its_field_and_reason(
    world, feedback_round, field, who, message
):
    cast = world.cast
    services.round_invite(
        actor=cast.manager.user,
        feedback_round=feedback_round,
        respondent=cast.salesperson2,
        relationship=Relationship.PEER,
    )
    before = (invitations(feedback_round), invited_notices().count())
    data = {"manager": [world.head.pk], "other_department": [cast.executive.pk]}
    data[field] = [*data.get(field, []), getattr(cast, who).pk]
    response = cast.client_for("manager").post(invite_url(feedback_round), data)
    assert response.status_code == 400
    assert response.context["invite_form"].errors == {field: [message]}
    assert message.replace("'", "&#x27;") in response.content.decode()
    assert (invitations(feedback_round), invited_notices().count()) == before


def test_someone_chosen_under_two_relationships_invites_nobody(world, feedback_round):
    cast = world.cast
    response = cast.client_for("manager").post(
        invite_url(feedback_round),
        {"peer": [cast.other_salesperson.pk], "other_department": [cast.other_salesperson.pk]},
    )
    assert response.status_code == 400
    assert response.context["invite_form"].errors == {
        "other_department": ["Sales3 is chosen twice: invite each person once."]
    }
    assert invitations(feedback_round) == {} and not invited_notices().exists()


def test_someone_who_has_left_or_nobody_at_all_is_refused(world, feedback_round):
    cast = world.cast
    cast.other_salesperson.is_active = False
    cast.other_salesperson.save()
    client = cast.client_for("manager")
    left = client.post(
        invite_url(feedback_round),
        {"peer": [cast.salesperson2.pk, cast.other_salesperson.pk]},
    )
    assert left.status_code == 400
    assert left.context["invite_form"].errors == {"peer": ["Sales3 has left."]}
    unknown = client.post(invite_url(feedback_round), {"manager": [world.head.pk, 987654]})
    assert unknown.context["invite_form"].errors == {"manager": ["No such person."]}
    empty = client.post(invite_url(feedback_round), {})
    assert empty.status_code == 400
    assert empty.context["invite_form"].errors == {
        "__all__": ["Choose at least one person to invite."]
    }
    assert "Choose at least one person to invite." in empty.content.decode()
    assert invitations(feedback_round) == {} and not invited_notices().exists()


@pytest.mark.parametrize(("who", "status"), [("executive", 403), ("salesperson", 403)])
def test_only_those_who_run_the_round_invite(world, feedback_round, who, status):
    response = world.cast.client_for(who).post(
        invite_url(feedback_round), {"peer": [world.cast.salesperson2.pk]}
    )
    assert response.status_code == status
    assert invitations(feedback_round) == {}


def test_a_respondent_of_the_round_does_not_even_find_it(world, feedback_round):
    response = world.cast.client_for("salesperson2").post(
        invite_url(feedback_round), {"peer": [world.cast.other_salesperson.pk]}
    )
    assert response.status_code == 404
    assert invitations(feedback_round) == {}


def test_a_closed_round_takes_no_more_invitations(world, feedback_round):
    services.round_close(actor=world.cast.manager.user, feedback_round=feedback_round)
    response = world.cast.client_for("manager").post(
        invite_url(feedback_round), {"peer": [world.cast.salesperson2.pk]}
    )
    assert response.status_code == 400
    assert "This 360° round is closed." in response.content.decode()
    assert invitations(feedback_round) == {}
    feedback_round.refresh_from_db()
    assert feedback_round.status == RoundStatus.CLOSED


def test_the_service_refuses_a_relationship_it_does_not_know(world, feedback_round):
    with pytest.raises(DomainError) as refused:
        services.round_invite_many(
            actor=world.cast.hr.user,
            feedback_round=feedback_round,
            respondents={"others": [world.cast.salesperson2]},
        )
    assert refused.value.field == "others"
    assert invitations(feedback_round) == {}


def test_inviting_many_costs_as_many_queries_as_inviting_one(world, feedback_round):
    cast = world.cast
    client = cast.client_for("manager")

    def queries(data) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.post(invite_url(feedback_round), data).status_code == 302
        return len(captured)

    one = queries({"manager": [world.head.pk]})
    many = queries(
        {
            "peer": [cast.salesperson2.pk, cast.other_salesperson.pk, cast.other_manager.pk],
            "other_department": [cast.hr.pk, cast.executive.pk, cast.admin.pk],
        }
    )
    assert many == one
    assert len(invitations(feedback_round)) == 7


def test_the_api_invites_several_at_once_or_nobody(world, feedback_round):
    cast = world.cast
    hr = cast.client_for("hr")
    url = f"/api/v1/performance/rounds/{feedback_round.pk}/invitations/bulk"
    refused = hr.post(
        url,
        {"peer": [cast.salesperson2.pk], "manager": [cast.salesperson2.pk]},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert refused.json()["errors"] == [
        {"field": "manager", "reason": "Sales2 is chosen twice: invite each person once."}
    ]
    assert invitations(feedback_round) == {} and not invited_notices().exists()
    made = hr.post(
        url,
        {"peer": [cast.salesperson2.pk], "other_department": [cast.executive.pk]},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert sorted((row["respondent_id"], row["relationship"]) for row in made.json()) == sorted(
        [
            (cast.salesperson2.pk, "peer"),
            (cast.executive.pk, "other_department"),
        ]
    )
    assert invited_notices().count() == 2
    forbidden = cast.client_for("salesperson").post(
        url, {"peer": [cast.other_salesperson.pk]}, content_type="application/json"
    )
    assert forbidden.status_code == 403
    assert len(invitations(feedback_round)) == 2


def respondents_url(feedback_round, relationship, query):
    return (
        reverse("performance:round_respondents", args=[feedback_round.pk])
        + f"?relationship={relationship}&q={query}"
    )


def test_a_large_company_searches_each_list_on_the_server(world, feedback_round, settings):
    # With more people than a page should carry, a list renders only those chosen and asks
    # the server, which answers only the people who may be invited as that.
    settings.PEOPLE_SELECT_LIMIT = 2
    cast = world.cast
    client = cast.client_for("manager")
    page = client.get(reverse("performance:round_detail", args=[feedback_round.pk]))
    html = str(page.context["invite_form"])
    assert html.count("data-people-search") == 2  # peers and other departments: 3 each
    assert f'value="{cast.hr.pk}"' not in html and f'value="{world.head.pk}"' in html
    assert (
        f"/performance/360/{feedback_round.pk}/respondents/?relationship=other_department" in html
    )
    found = client.get(respondents_url(feedback_round, "other_department", "hr")).json()
    assert [item["value"] for item in found] == [cast.hr.pk]
    # A peer is not found among the other departments, nor the round's person, nor someone
    # invited already.
    assert client.get(respondents_url(feedback_round, "other_department", "Sales")).json() == []
    peers = {
        item["value"]
        for item in client.get(respondents_url(feedback_round, "peer", "Sales")).json()
    }
    assert {cast.salesperson2.pk, cast.other_salesperson.pk} <= peers
    assert cast.salesperson.pk not in peers  # the round's person
    services.round_invite(
        actor=cast.manager.user,
        feedback_round=feedback_round,
        respondent=cast.salesperson2,
        relationship=Relationship.PEER,
    )
    peers = {
        item["value"]
        for item in client.get(respondents_url(feedback_round, "peer", "Sales")).json()
    }
    assert cast.salesperson2.pk not in peers and cast.salesperson.pk not in peers
    assert cast.other_salesperson.pk in peers
    # A choice found on the server is invited like one offered in the page.
    response = client.post(invite_url(feedback_round), {"other_department": [cast.hr.pk]})
    assert response.status_code == 302
    assert invitations(feedback_round)[cast.hr.pk] == Relationship.OTHER_DEPARTMENT


@pytest.mark.parametrize(("who", "status"), [("executive", 403), ("salesperson", 403)])
def test_only_those_who_run_the_round_search_its_respondents(world, feedback_round, who, status):
    response = world.cast.client_for(who).get(
        respondents_url(feedback_round, "other_department", "hr")
    )
    assert response.status_code == status
