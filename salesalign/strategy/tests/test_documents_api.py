"""The documents API at /api/v1/strategy/documents, tried by each member of the cast."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import MEMBERS
from salesalign.core.services import api_token_create
from salesalign.strategy.models import DocumentConfirmation, StrategyDocument
from salesalign.strategy.services import documents as services
from salesalign.strategy.tests.documents_fixtures import (
    answer,
    ask,
    confirm,
    media_in_tmp,  # noqa: F401
    new_document,
    new_version,
)

pytestmark = pytest.mark.django_db

API = "/api/v1/strategy/documents"
EAST_READERS = {"admin", "executive", "hr", "manager", "salesperson", "salesperson2"}


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


@pytest.mark.parametrize("who", MEMBERS)
def test_the_list_holds_the_documents_for_me_with_my_confirmation(cast, who):
    east = new_document(cast, title="East", units=[cast.team])
    new_document(cast, title="North", units=[cast.other_team])
    if who == "salesperson":
        confirm(cast.salesperson, east)
    response = cast.client_for(who).get(API)
    assert response.status_code == 200
    rows = {row["title"]: row for row in response.json()}
    assert ("East" in rows) == (who in EAST_READERS)
    assert ("North" in rows) == (who in {"admin", "executive", "hr", "other_salesperson"})
    if who == "salesperson":
        assert rows["East"]["in_audience"] is True
        assert rows["East"]["my_confirmed_at"] is not None


@pytest.mark.parametrize("who", MEMBERS)
def test_one_document_is_404_outside_its_audience(cast, who):
    document = new_document(cast, units=[cast.team])
    response = cast.client_for(who).get(f"{API}/{document.pk}")
    assert response.status_code == (200 if who in EAST_READERS else 404)
    assert response["Content-Type"].startswith("application/json")


def test_an_executive_writes_updates_and_publishes_through_the_api(cast):
    client = cast.client_for("executive")
    created = post(
        client,
        API,
        {
            "title": "Plan",
            "body": "Text",
            "audience_all": False,
            "audience_unit_ids": [cast.team.pk],
        },
    )
    assert created.status_code == 201
    document_id = created.json()["id"]
    assert created.json()["status"] == "draft"
    updated = client.put(
        f"{API}/{document_id}",
        {"title": "Plan v2", "body": "Text", "audience_all": True},
        content_type="application/json",
    )
    assert updated.json()["title"] == "Plan v2"
    assert updated.json()["audience_unit_ids"] == []
    published = post(client, f"{API}/{document_id}/publish")
    assert published.json()["status"] == "published"
    assert post(client, f"{API}/{document_id}/publish").status_code == 400


@pytest.mark.parametrize("who", ["hr", "manager", "salesperson", "outsider"])
def test_readers_cannot_write_documents(cast, who):
    response = post(cast.client_for(who), API, {"title": "Plan", "body": "Text"})
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not StrategyDocument.objects.exists()


def test_a_bad_unit_is_named_in_the_error(cast):
    response = post(
        cast.client_for("admin"),
        API,
        {"title": "Plan", "body": "Text", "audience_all": False, "audience_unit_ids": [987654]},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "audience_unit_ids"


def test_a_missing_title_is_a_422_naming_the_field(cast):
    response = post(cast.client_for("admin"), API, {"body": "Text"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "title"


def test_confirming_through_the_api_is_idempotent_and_carries_a_question(cast):
    document = new_document(cast)
    client = cast.client_for("salesperson")
    first = post(client, f"{API}/{document.pk}/confirm", {"question_text": "Why East?"})
    second = post(client, f"{API}/{document.pk}/confirm")
    assert first.status_code == second.status_code == 200
    assert first.json()["created"] is True
    assert first.json()["question"]["text"] == "Why East?"
    assert second.json()["created"] is False
    assert second.json()["confirmed_at"] == first.json()["confirmed_at"]
    assert DocumentConfirmation.objects.filter(person=cast.salesperson).count() == 1


def test_confirming_outside_the_audience_is_404(cast):
    document = new_document(cast, units=[cast.team])
    response = post(cast.client_for("other_salesperson"), f"{API}/{document.pk}/confirm")
    assert response.status_code == 404


def test_an_api_token_confirms_and_the_audit_trail_has_the_question(cast):
    document = new_document(cast)
    _token, raw = api_token_create(user=cast.salesperson.user, name="app")
    from django.test import Client

    response = Client().post(
        f"{API}/{document.pk}/questions",
        {"kind": "challenge", "text": "Budget is short"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert response.status_code == 201
    assert response.json()["kind"] == "challenge"
    assert response.json()["person_id"] == cast.salesperson.pk
    assert LogEntry.objects.filter(content_type__model="documentquestion").count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 200),
        ("hr", 200),
        ("executive", 200),
        ("salesperson", 403),
        ("other_salesperson", 404),
        ("outsider", 404),
    ],
)
def test_answering_through_the_api_is_for_the_askers_manager_and_company_wide_roles(
    cast, who, status
):
    question = ask(cast.salesperson, new_document(cast))
    response = post(
        cast.client_for(who), f"{API}/questions/{question.pk}/answer", {"answer": "Yes."}
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["answer"] == "Yes."
        assert response.json()["answered_at"] is not None


def test_the_question_list_hides_unanswered_questions_of_others(cast):
    document = new_document(cast)
    ask(cast.salesperson2, document, text="Colleague's open question")
    mine = ask(cast.salesperson, document, text="Mine")
    texts = [
        q["text"]
        for q in cast.client_for("salesperson").get(f"{API}/{document.pk}/questions").json()
    ]
    assert texts == ["Mine"]
    assert mine.pk


# --- the question list of a later version: its earlier versions' questions too ------------

#: The fields of a question before versions carried questions over; clients may rely on them.
QUESTION_FIELDS = {
    "id",
    "document_id",
    "kind",
    "text",
    "person_id",
    "person_name",
    "answer",
    "answered_by_id",
    "answered_at",
    "created_at",
    "can_answer",
}


def question_rows(cast, who: str, document) -> list[tuple[str, int, int, bool]]:
    """(text, version, document id, asker named) of each row the API lists, in its order."""
    response = cast.client_for(who).get(f"{API}/{document.pk}/questions")
    assert response.status_code == 200
    return [
        (row["text"], row["version"], row["document_id"], row["person_id"] is not None)
        for row in response.json()
    ]


@pytest.fixture
def versions(cast):
    """Version 1 with an answered and an open question of the East team; version 2 with one of
    its own from the North."""
    first = new_document(cast, author=cast.executive)
    answer(ask(cast.salesperson, first, text="Answered on 1"), cast.manager, "Yes.")
    ask(cast.salesperson2, first, text="Open on 1")
    second = new_version(first, author=cast.executive, body="We grow in the South too.")
    answer(ask(cast.other_salesperson, second, text="Asked on 2"), cast.hr, "Also.")
    return first, second


@pytest.mark.parametrize("who", MEMBERS)
def test_the_question_list_gives_the_earlier_versions_questions_like_the_page(cast, versions, who):
    first, second = versions
    if who == "outsider":
        assert cast.client_for(who).get(f"{API}/{second.pk}/questions").status_code == 404
        return
    rows = question_rows(cast, who, second)
    company_wide = who in {"admin", "executive", "hr"}
    expected = [("Asked on 2", 2, second.pk, company_wide or who == "other_salesperson")]
    expected.append(
        ("Answered on 1", 1, first.pk, company_wide or who in {"manager", "salesperson"})
    )
    if company_wide or who in {"manager", "salesperson2"}:
        expected.append(("Open on 1", 1, first.pk, True))
    assert rows == expected
    # The page shows the same questions.
    page = cast.client_for(who).get(f"/strategy/documents/{second.pk}/").content.decode()
    for text in ("Asked on 2", "Answered on 1", "Open on 1"):
        assert (text in page) == (text in [row[0] for row in rows])


def test_a_question_row_keeps_its_fields_and_says_its_version(cast, versions):
    first, second = versions
    rows = cast.client_for("manager").get(f"{API}/{second.pk}/questions").json()
    assert all(QUESTION_FIELDS | {"version"} == set(row) for row in rows)
    open_row = next(row for row in rows if row["text"] == "Open on 1")
    assert (open_row["document_id"], open_row["version"]) == (first.pk, 1)
    assert open_row["can_answer"] is True and open_row["answered_at"] is None
    # The first version lists only its own questions, with their version too.
    assert question_rows(cast, "manager", first) == [
        ("Answered on 1", 1, first.pk, True),
        ("Open on 1", 1, first.pk, True),
    ]


def test_an_earlier_open_question_answered_through_the_api_stays_on_its_version(cast, versions):
    first, second = versions
    open_id = next(
        row["id"]
        for row in cast.client_for("manager").get(f"{API}/{second.pk}/questions").json()
        if row["text"] == "Open on 1"
    )
    response = post(
        cast.client_for("manager"), f"{API}/questions/{open_id}/answer", {"answer": "Soon."}
    )
    assert response.status_code == 200
    assert (response.json()["document_id"], response.json()["version"]) == (first.pk, 1)
    rows = cast.client_for("other_salesperson").get(f"{API}/{second.pk}/questions").json()
    answered = next(row for row in rows if row["text"] == "Open on 1")
    assert (answered["version"], answered["answer"]) == (1, "Soon.")
    assert answered["person_id"] is None, "the asker is not named outside the scope"
    assert cast.client_for("manager").get(f"{API}/questions/open").json() == []


def test_an_earlier_version_the_caller_may_not_read_lends_no_questions_to_the_list(cast):
    first = new_document(cast, units=[cast.team], author=cast.executive)
    answer(ask(cast.salesperson, first, text="Team only"), cast.manager, "Team answer")
    with set_actor(cast.executive.user):
        draft = services.document_new_version(actor=cast.executive.user, document=first)
        draft = services.document_update(
            actor=cast.executive.user,
            document=draft,
            title=draft.title,
            body=draft.body,
            kind=draft.kind,
            edition=None,
            audience_all=True,
            audience_units=[],
            requires_confirmation=True,
        )
        second = services.document_publish(actor=cast.executive.user, document=draft)
    assert question_rows(cast, "other_salesperson", second) == []
    assert question_rows(cast, "salesperson2", second) == [("Team only", 1, first.pk, False)]


def test_the_question_list_takes_as_many_queries_for_five_versions_as_for_two(cast):
    document = new_document(cast, author=cast.executive)
    people = (cast.salesperson, cast.salesperson2, cast.other_salesperson)

    def add_questions_and_a_version(document, number: int):
        for person in people:
            answer(ask(person, document, text=f"{number} {person.name}"), cast.hr, "A.")
        ask(cast.salesperson, document, text=f"{number} open")
        return new_version(document, author=cast.executive, body=f"Text {number}")

    document = add_questions_and_a_version(document, 1)
    client = cast.client_for("manager")
    client.get(f"{API}/{document.pk}/questions")
    with CaptureQueriesContext(connection) as two:
        two_rows = client.get(f"{API}/{document.pk}/questions").json()
    for number in range(2, 5):
        document = add_questions_and_a_version(document, number)
    assert document.version == 5
    with CaptureQueriesContext(connection) as five:
        five_rows = client.get(f"{API}/{document.pk}/questions").json()
    assert (len(two_rows), len(five_rows)) == (4, 16)
    assert [row["version"] for row in five_rows] == [4] * 4 + [3] * 4 + [2] * 4 + [1] * 4
    assert len(five.captured_queries) == len(two.captured_queries)


@pytest.mark.parametrize("who", MEMBERS)
def test_the_status_endpoint_is_scoped_like_the_page(cast, who):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    response = cast.client_for(who).get(f"{API}/{document.pk}/status")
    if who in {"salesperson", "salesperson2", "other_salesperson"}:
        assert response.status_code == 403
        return
    if who == "outsider":
        assert response.status_code == 404
        return
    body = response.json()
    numbers = {row["employee_number"] for row in body["people"]}
    if who == "manager":
        assert numbers == {"manager", "sales1", "sales2"}
        assert (body["audience"], body["confirmed"]) == (3, 1)
    else:
        assert "sales3" in numbers
        assert body["audience"] == 8


def test_the_status_endpoint_filters_missing_people(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    body = cast.client_for("manager").get(f"{API}/{document.pk}/status?only_missing=true").json()
    assert {row["employee_number"] for row in body["people"]} == {"manager", "sales2"}
    assert body["people_count"] == 2


def test_attachments_upload_and_download_through_the_api(cast):
    document = new_document(cast, publish=False, units=[cast.team])
    admin = cast.client_for("admin")
    uploaded = admin.post(
        f"{API}/{document.pk}/attachments",
        {"file": SimpleUploadedFile("规划.pdf", b"%PDF plan")},
    )
    assert uploaded.status_code == 201
    download_url = uploaded.json()["download_url"]
    services.document_publish(actor=cast.admin.user, document=document)
    reader = cast.client_for("salesperson").get(download_url)
    assert reader.status_code == 200
    assert b"".join(reader.streaming_content) == b"%PDF plan"
    assert cast.client_for("other_salesperson").get(download_url).status_code == 404


def test_an_executable_upload_is_a_400_naming_the_file(cast):
    document = new_document(cast, publish=False)
    response = cast.client_for("admin").post(
        f"{API}/{document.pk}/attachments", {"file": SimpleUploadedFile("a.bat", b"echo")}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "file"
