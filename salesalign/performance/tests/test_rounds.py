"""360° feedback: who opens and runs a round, who is invited as what, answering once, and
results that are aggregates only — shown only with at least three answers, never traceable."""

from __future__ import annotations

import datetime
import json
import re
from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.urls import reverse
from django.utils import translation

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.core.models import Notification
from salesalign.performance.choices import Relationship, RoundStatus
from salesalign.performance.models import (
    FeedbackRound,
    RoundAnswer,
    RoundInvitation,
)
from salesalign.performance.selectors import rounds as selectors
from salesalign.performance.services import rounds as services
from salesalign.sales.choices import SurveyScale
from salesalign.sales.services import satisfaction_record
from salesalign.sales.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

QUESTIONS = ["Communicates clearly", "Helps colleagues"]


def open_round(world, actor=None):
    cast = world.cast
    return services.round_open(
        actor=(actor or cast.manager).user,
        person=cast.salesperson,
        period=world.quarter,
        questions=QUESTIONS,
    )


def invite(world, feedback_round, people):
    """Invite (person, relationship) pairs as the manager; the invitations."""
    return [
        services.round_invite(
            actor=world.cast.manager.user,
            feedback_round=feedback_round,
            respondent=person,
            relationship=relationship,
        )
        for person, relationship in people
    ]


def answer(invitation, first, second, comment=""):
    questions = list(invitation.round.questions.order_by("position"))
    services.round_answer(
        actor=invitation.respondent.user,
        invitation=invitation,
        scores={questions[0].pk: first, questions[1].pk: second},
        comment=comment,
    )


def peers(world):
    cast = world.cast
    return [
        (cast.salesperson2, Relationship.PEER),
        (cast.other_salesperson, Relationship.PEER),
        (cast.other_manager, Relationship.PEER),
    ]


def close(world, feedback_round):
    return services.round_close(actor=world.cast.manager.user, feedback_round=feedback_round)


def test_hr_and_the_persons_managers_open_rounds_nobody_else(world):
    cast = world.cast
    for member in (cast.salesperson2, cast.other_manager, cast.executive):
        with pytest.raises(NotAllowed):
            open_round(world, actor=member)
    assert open_round(world, actor=cast.hr).questions.count() == 2
    with pytest.raises(DomainError) as twice:
        open_round(world, actor=world.head)
    assert twice.value.code == "exists"
    response = cast.client_for("salesperson").get(reverse("performance:round_create"))
    assert response.status_code == 403


def test_invitations_check_the_relationship_and_tell_the_respondent(world):
    cast = world.cast
    feedback_round = open_round(world)
    with pytest.raises(DomainError, match="not one of this person's managers"):
        invite(world, feedback_round, [(cast.salesperson2, Relationship.MANAGER)])
    with pytest.raises(DomainError, match="same department"):
        invite(world, feedback_round, [(cast.salesperson2, Relationship.OTHER_DEPARTMENT)])
    with pytest.raises(DomainError, match="not a peer"):
        invite(world, feedback_round, [(cast.hr, Relationship.PEER)])
    with pytest.raises(DomainError, match="themselves"):
        invite(world, feedback_round, [(cast.salesperson, Relationship.PEER)])
    made = invite(
        world,
        feedback_round,
        [
            (world.head, Relationship.MANAGER),
            (cast.hr, Relationship.OTHER_DEPARTMENT),
            (cast.salesperson2, Relationship.PEER),
        ],
    )
    assert len(made) == 3
    told = Notification.objects.get(recipient=cast.salesperson2)
    assert told.url == reverse("performance:invitation_answer", args=[made[2].pk])
    # The subject's name in the reader's language, as everywhere else.
    subject = cast.salesperson
    assert subject.name != subject.name_en and subject.name_en
    with translation.override("en"):
        assert subject.name_en in told.text and subject.name not in told.text
    with translation.override("zh-hans"):
        assert subject.name in told.text
    with pytest.raises(NotAllowed):
        services.round_invite(
            actor=cast.salesperson.user,
            feedback_round=feedback_round,
            respondent=cast.other_salesperson,
            relationship=Relationship.PEER,
        )


def test_how_many_answered_is_never_shown_only_whether_there_are_enough(world):
    cast = world.cast
    feedback_round = open_round(world)
    # Two peers, and one colleague from another department: a group of one.
    invitations = invite(
        world,
        feedback_round,
        [
            (cast.salesperson2, Relationship.PEER),
            (cast.other_salesperson, Relationship.PEER),
            (cast.hr, Relationship.OTHER_DEPARTMENT),
        ],
    )
    page_url = reverse("performance:round_detail", args=[feedback_round.pk])
    api_url = f"/api/v1/performance/rounds/{feedback_round.pk}"

    def without_tokens(response):
        return re.sub(
            r'(X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+',
            r"\1",
            response.content.decode(),
        )

    def shown():
        manager = cast.client_for("manager")
        return (
            without_tokens(manager.get(page_url)),
            without_tokens(manager.get(reverse("performance:round_list"))),
            manager.get(api_url).json(),
            manager.get("/api/v1/performance/rounds").json(),
        )

    before = shown()
    answer(invitations[2], 4, 4)  # the lone colleague answers
    after = shown()
    # Nothing on the page, the list or the API differs: nobody can tell that they answered.
    assert before == after
    page, listing, api, listed = after
    assert 'id="round-enough"' in page and "Fewer than three" in page
    assert "Answered" not in page.split('id="invitations-heading"')[1].split("</section>")[0]
    assert api["enough_answers"] is False and "answered_count" not in api
    assert [r["enough_answers"] for r in listed] == [False]
    assert "Not yet" in listing

    answer(invitations[0], 3, 4)
    answer(invitations[1], 5, 5)
    page, listing, api, listed = shown()
    assert "At least three people have answered" in page
    assert api["enough_answers"] is True and [r["enough_answers"] for r in listed] == [True]
    assert 'id="round-enough"' not in (
        cast.client_for("manager")
        .get(reverse("performance:round_detail", args=[close(world, feedback_round).pk]))
        .content.decode()
    )


def test_two_answers_show_nothing_even_once_closed(world):
    feedback_round = open_round(world)
    invitations = invite(world, feedback_round, peers(world))
    answer(invitations[0], 5, 4, "Always helpful")
    answer(invitations[1], 3, 2, "Sometimes late")
    feedback_round = close(world, feedback_round)
    results = selectors.round_results(user=world.cast.hr.user, feedback_round=feedback_round)
    assert results.closed and not results.shown
    assert results.overall is None and results.groups == [] and results.comments == []
    for member in ("hr", "manager", "salesperson", "admin"):
        page = world.cast.client_for(member).get(
            reverse("performance:round_detail", args=[feedback_round.pk])
        )
        content = page.content.decode()
        assert 'id="results-hidden"' in content
        assert "Always helpful" not in content and "Sometimes late" not in content
        api = world.cast.client_for(member).get(f"/api/v1/performance/rounds/{feedback_round.pk}")
        assert api.json()["results"]["shown"] is False
        assert api.json()["results"]["overall"] is None
        assert "Always helpful" not in api.content.decode()
    assert not Notification.objects.filter(recipient=world.cast.salesperson).exists()
    # Closed with too few answers: the list says there are not enough, not "not yet".
    listing = world.cast.client_for("hr").get(reverse("performance:round_list")).content.decode()
    row = listing[listing.index(f'data-round="{feedback_round.pk}"') :].split("</tr>", 1)[0]
    assert row.rstrip().endswith('<td class="text-end">No</td>')


def test_three_answers_show_the_averages_once_the_round_is_closed(world):
    cast = world.cast
    feedback_round = open_round(world)
    invitations = invite(world, feedback_round, peers(world))
    answer(invitations[0], 5, 4, "Always helpful")
    answer(invitations[1], 3, 2)
    answer(invitations[2], 4, 5, "Knows the products")
    pending = selectors.round_results(user=cast.hr.user, feedback_round=feedback_round)
    assert not pending.shown, "nothing while answers still come in"
    feedback_round = close(world, feedback_round)
    results = selectors.round_results(user=cast.salesperson.user, feedback_round=feedback_round)
    assert results.shown
    assert results.overall.count == 3
    assert [(mean.question, mean.mean) for mean in results.overall.means] == [
        ("Communicates clearly", Decimal("4.00")),
        ("Helps colleagues", Decimal("3.67")),
    ]
    assert [group.relationship for group in results.groups] == ["peer"]
    assert sorted(results.comments) == ["Always helpful", "Knows the products"]
    again = selectors.round_results(user=cast.manager.user, feedback_round=feedback_round)
    assert again.comments == results.comments, "the shuffle is the same every time"
    page = cast.client_for("salesperson").get(
        reverse("performance:round_detail", args=[feedback_round.pk])
    )
    content = page.content.decode()
    assert 'id="results-table"' in content and "3.67" in content
    assert 'Everybody<span class="text-body-secondary small"> (3)</span>' in content
    assert 'id="round-invitees"' not in content, "the person sees averages, not invitees"
    client = cast.client_for("salesperson")
    client.cookies["django_language"] = "zh-hans"
    content = client.get(reverse("performance:round_detail", args=[feedback_round.pk]))
    assert '<span class="text-body-secondary small">（3）</span>' in content.content.decode()
    told = Notification.objects.get(recipient=cast.salesperson, kind=services.NOTIFY_RESULTS)
    assert told.url == reverse("performance:round_detail", args=[feedback_round.pk])


def test_a_group_too_small_is_pooled_for_good_and_cannot_be_subtracted(world):
    cast = world.cast
    feedback_round = open_round(world)
    invitations = invite(
        world, feedback_round, [*peers(world), (cast.manager, Relationship.MANAGER)]
    )
    for invitation in invitations[:3]:
        answer(invitation, 4, 4)
    answer(invitations[3], 1, 1, "From the only manager")
    feedback_round = close(world, feedback_round)
    results = selectors.round_results(user=cast.hr.user, feedback_round=feedback_round)
    assert results.shown and results.overall.count == 4
    # Peers (3) shown next to the overall (4) would give away the manager's answer.
    assert results.groups == []
    stored = set(
        RoundAnswer.objects.filter(round=feedback_round).values_list("relationship", flat=True)
    )
    assert stored == {Relationship.OTHERS}, "the stored rows are no finer than what is shown"


def test_a_respondent_answers_once_only_their_own_invitation_and_only_while_open(world):
    cast = world.cast
    feedback_round = open_round(world)
    mine, theirs, _third = invite(world, feedback_round, peers(world))
    with pytest.raises(NotAllowed):
        answer_as(cast.salesperson2, theirs)
    answer(mine, 4, 4)
    with pytest.raises(DomainError) as twice:
        answer(mine, 1, 1)
    assert twice.value.code == "answered"
    with pytest.raises(DomainError, match="1 to 5"):
        questions = list(feedback_round.questions.order_by("position"))
        services.round_answer(
            actor=cast.other_salesperson.user,
            invitation=theirs,
            scores={questions[0].pk: 6, questions[1].pk: 3},
        )
    with pytest.raises(DomainError, match="1 to 5"):
        services.round_answer(
            actor=cast.other_salesperson.user, invitation=theirs, scores={questions[0].pk: 3}
        )
    close(world, feedback_round)
    with pytest.raises(DomainError, match="closed"):
        answer(theirs, 3, 3)
    client = cast.client_for("salesperson2")
    assert client.get(reverse("performance:invitation_answer", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("performance:invitation_answer", args=[mine.pk])).status_code == 200
    listed = client.get("/api/v1/performance/invitations").json()
    assert [row["id"] for row in listed] == [mine.pk]


def answer_as(person, invitation):
    questions = list(invitation.round.questions.order_by("position"))
    services.round_answer(
        actor=person.user,
        invitation=invitation,
        scores={question.pk: 3 for question in questions},
    )


def test_answering_from_the_page_and_the_api(world):
    cast = world.cast
    feedback_round = open_round(world)
    first, second, _third = invite(world, feedback_round, peers(world))
    questions = list(feedback_round.questions.order_by("position"))
    client = cast.client_for("salesperson2")
    url = reverse("performance:invitation_answer", args=[first.pk])
    missing = client.post(url, {f"question_{questions[0].pk}": "4"})
    assert missing.status_code == 200 and not RoundAnswer.objects.exists()
    done = client.post(
        url,
        {f"question_{questions[0].pk}": "4", f"question_{questions[1].pk}": "5", "comment": "Hi"},
    )
    assert done.status_code == 302
    first.refresh_from_db()
    assert first.answered
    api = cast.client_for("other_salesperson").post(
        f"/api/v1/performance/invitations/{second.pk}/answer",
        {"scores": {str(questions[0].pk): 3, str(questions[1].pk): 2}},
        content_type="application/json",
    )
    assert api.status_code == 201, api.content
    assert api.json() == {"invitation_id": second.pk, "answered": True}
    assert RoundAnswer.objects.count() == 2


def test_nothing_stored_links_an_answer_to_its_respondent(world):
    cast = world.cast
    fields = {field.name: field for field in RoundAnswer._meta.get_fields()}
    related = {
        field.related_model._meta.label
        for field in fields.values()
        if field.is_relation and field.related_model is not None
    }
    assert related == {"performance.FeedbackRound"}
    assert not any(
        isinstance(field, models.DateField | models.DateTimeField) for field in fields.values()
    )
    assert isinstance(fields["id"], models.UUIDField)
    assert not {"updated_at", "answered_at"} & {f.name for f in RoundInvitation._meta.get_fields()}

    feedback_round = open_round(world)
    invitations = invite(world, feedback_round, peers(world))
    for invitation in invitations:
        answer(invitation, 4, 3, f"note {invitation.respondent.employee_number}")
    close(world, feedback_round)
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(RoundAnswer)
    ).exists()
    assert not LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(RoundInvitation)
    ).exists()
    respondent_ids = {str(invitation.respondent_id) for invitation in invitations}
    usernames = {invitation.respondent.user.username for invitation in invitations}
    for member in ("admin", "hr", "manager"):
        body = cast.client_for(member).get(f"/api/v1/performance/rounds/{feedback_round.pk}")
        data = body.json()
        text = json.dumps(data["results"])
        assert not any(f'"{name}"' in text for name in usernames)
        assert "respondent" not in body.content.decode()
        assert data["results"]["shown"] is True
        assert all(
            set(group) == {"relationship", "count", "means"} for group in data["results"]["groups"]
        )
    assert respondent_ids, "the invitations do name the respondents (that they were asked)"
    api_list = cast.client_for("admin").get("/api/v1/performance/rounds").json()
    assert set(api_list[0]) == {
        "id",
        "person_id",
        "period_id",
        "status",
        "invited_count",
        "enough_answers",
    }


def test_invitees_are_shown_only_to_those_who_run_the_round(world):
    cast = world.cast
    feedback_round = open_round(world)
    invite(world, feedback_round, peers(world))
    for member, shown in (
        ("manager", True),
        ("hr", True),
        ("salesperson", False),
        ("executive", False),
    ):
        page = cast.client_for(member).get(
            reverse("performance:round_detail", args=[feedback_round.pk])
        )
        assert page.status_code == 200
        assert ('id="round-invitees"' in page.content.decode()) is shown
    for member in ("salesperson2", "other_salesperson", "outsider"):
        page = cast.client_for(member).get(
            reverse("performance:round_detail", args=[feedback_round.pk])
        )
        assert page.status_code == 404, "a respondent sees their invitation, not the round"


def test_customers_are_the_satisfaction_surveys_of_the_period_with_three_answers(world):
    cast = world.cast
    customer = CustomerFactory(code="ACME", owner=cast.salesperson)
    feedback_round = open_round(world)
    for score, day in ((5, 10), (4, 20)):
        satisfaction_record(
            actor=cast.admin.user,
            customer=customer,
            salesperson=cast.salesperson,
            scale=SurveyScale.FIVE_POINT,
            score=score,
            responded_on=datetime.date(2026, 2, day),
        )
    feedback_round = close(world, feedback_round)
    two = selectors.round_results(user=cast.salesperson.user, feedback_round=feedback_round)
    assert two.customers.count == 2 and not two.customers.shown
    satisfaction_record(
        actor=cast.admin.user,
        customer=customer,
        salesperson=cast.salesperson,
        scale=SurveyScale.FIVE_POINT,
        score=3,
        responded_on=datetime.date(2026, 3, 5),
    )
    satisfaction_record(
        actor=cast.admin.user,
        customer=customer,
        salesperson=cast.salesperson,
        scale=SurveyScale.FIVE_POINT,
        score=1,
        responded_on=datetime.date(2026, 4, 5),
    )
    three = selectors.round_results(user=cast.salesperson.user, feedback_round=feedback_round)
    assert three.customers.shown and three.customers.count == 3
    assert three.customers.mean == Decimal("4.00"), "an answer after the quarter does not count"


def test_the_api_opens_invites_and_closes(world):
    cast = world.cast
    hr = cast.client_for("hr")
    created = hr.post(
        "/api/v1/performance/rounds",
        {"person_id": cast.salesperson.pk, "period_id": world.quarter.pk},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    round_id = created.json()["id"]
    detail = hr.get(f"/api/v1/performance/rounds/{round_id}").json()
    assert len(detail["questions"]) == len(services.default_questions())
    invited = hr.post(
        f"/api/v1/performance/rounds/{round_id}/invitations",
        {"respondent_id": cast.salesperson2.pk, "relationship": "peer"},
        content_type="application/json",
    )
    assert invited.status_code == 201
    refused = cast.client_for("salesperson").post(f"/api/v1/performance/rounds/{round_id}/close")
    assert refused.status_code == 403
    closed = hr.post(f"/api/v1/performance/rounds/{round_id}/close")
    assert closed.json()["status"] == RoundStatus.CLOSED
    assert FeedbackRound.objects.get(pk=round_id).closed_by == cast.hr.user


def test_an_invitation_no_longer_waits_once_answered_or_once_the_round_is_closed(world):
    feedback_round = open_round(world)
    mine, theirs, _third = invite(world, feedback_round, peers(world))

    def waiting(invitation):
        return Notification.objects.unread().filter(
            kind=services.NOTIFY_INVITED, recipient=invitation.respondent
        )

    assert waiting(mine).count() == 1 and waiting(theirs).count() == 1
    answer(mine, 4, 4)
    assert not waiting(mine).exists()
    assert waiting(theirs).count() == 1  # the others still wait for their answers
    close(world, feedback_round)
    assert not waiting(theirs).exists()  # closed: nothing left to answer
