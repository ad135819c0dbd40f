"""The document pages, tried by each member of the cast."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from conftest import MEMBERS
from salesalign.organization.tests.factories import OrgUnitFactory, PersonFactory
from salesalign.strategy.choices import PublicationStatus
from salesalign.strategy.models import DocumentConfirmation, DocumentQuestion, StrategyDocument
from salesalign.strategy.services import documents as services
from salesalign.strategy.tests.documents_fixtures import (
    ask,
    confirm,
    media_in_tmp,  # noqa: F401
    new_document,
)

pytestmark = pytest.mark.django_db

#: Who may open a document addressed to team East only.
EAST_READERS = {"admin", "executive", "hr", "manager", "salesperson", "salesperson2"}


def url(name: str, *args) -> str:
    return reverse(f"strategy:{name}", args=args)


# --- the list -----------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_the_list_shows_each_member_the_documents_for_them_and_no_others(cast, who):
    new_document(cast, title="For East", units=[cast.team])
    new_document(cast, title="For North", units=[cast.other_team])
    new_document(cast, title="Unpublished", publish=False)
    page = cast.client_for(who).get(url("document_list")).content.decode()
    assert ("For East" in page) == (who in EAST_READERS)
    assert ("For North" in page) == (who in {"admin", "executive", "hr", "other_salesperson"})
    assert ("Unpublished" in page) == (who in {"admin", "executive"})


def test_an_administrator_without_a_person_sees_every_document(cast, django_user_model, client):
    # The first account of a new installation (`createsuperuser`) is no one in the organisation:
    # it has no confirmation of its own to show, and the list must still open.
    new_document(cast, title="For East", units=[cast.team])
    new_document(cast, title="Unpublished", publish=False)
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(root)
    response = client.get(url("document_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "For East" in page and "Unpublished" in page
    assert "To read and confirm" not in page


def test_the_list_shows_my_confirmation_state_and_filters_by_kind(cast):
    confirmed = new_document(cast, title="Read it")
    new_document(cast, title="Still to read")
    new_document(cast, title="Town hall", kind="announcement", requires_confirmation=False)
    confirm(cast.salesperson, confirmed)
    client = cast.client_for("salesperson")
    page = client.get(url("document_list")).content.decode()
    assert page.count("To read and confirm") == 1
    assert "Confirmed" in page
    announcements = client.get(url("document_list") + "?kind=announcement").content.decode()
    assert "Town hall" in announcements
    assert "Read it" not in announcements


def test_the_list_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    for number in range(30):
        new_document(cast, title=f"Document {number}")
    client = cast.client_for("salesperson")
    client.get(url("document_list"))
    with django_assert_max_num_queries(12):
        response = client.get(url("document_list"))
    assert response.content.decode().count("data-document=") == 30


# --- reading and confirming ---------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_a_unit_targeted_document_opens_for_its_readers_and_their_leaders_only(cast, who):
    document = new_document(cast, title="East plan", units=[cast.team])
    response = cast.client_for(who).get(url("document_detail", document.pk))
    if who in EAST_READERS:
        assert response.status_code == 200
        assert "East plan" in response.content.decode()
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("who", MEMBERS)
def test_a_draft_opens_for_writers_only(cast, who):
    document = new_document(cast, publish=False)
    response = cast.client_for(who).get(url("document_detail", document.pk))
    assert response.status_code == (200 if who in {"admin", "executive"} else 404)


def test_a_reader_confirms_with_the_button_and_then_sees_the_time(cast):
    document = new_document(cast)
    client = cast.client_for("salesperson")
    assert (
        "I have read and understood"
        in client.get(url("document_detail", document.pk)).content.decode()
    )
    response = client.post(url("document_confirm", document.pk), {"question_text": ""}, follow=True)
    page = response.content.decode()
    assert "your confirmation is recorded" in page
    assert 'id="confirmed"' in page
    assert DocumentConfirmation.objects.filter(document=document, person=cast.salesperson).exists()


def test_confirming_twice_keeps_one_confirmation_and_says_so(cast):
    document = new_document(cast)
    client = cast.client_for("salesperson")
    client.post(url("document_confirm", document.pk))
    response = client.post(url("document_confirm", document.pk), follow=True)
    assert "already confirmed" in response.content.decode()
    assert (
        DocumentConfirmation.objects.filter(document=document, person=cast.salesperson).count() == 1
    )


def test_confirming_with_a_challenge_records_both(cast):
    document = new_document(cast)
    cast.client_for("salesperson").post(
        url("document_confirm", document.pk),
        {"question_text": "Price pressure in Q3", "question_kind": "challenge"},
    )
    question = DocumentQuestion.objects.get()
    assert (question.kind, question.text, question.person) == (
        "challenge",
        "Price pressure in Q3",
        cast.salesperson,
    )


def test_someone_outside_the_audience_cannot_confirm(cast):
    document = new_document(cast, units=[cast.team])
    response = cast.client_for("other_salesperson").post(url("document_confirm", document.pk))
    assert response.status_code == 404
    assert not DocumentConfirmation.objects.exists()


def test_a_manager_outside_the_audience_opens_it_but_cannot_confirm_for_themself(cast):
    cast.department.manager = cast.other_manager
    cast.department.save()
    document = new_document(cast, units=[cast.team])
    client = cast.client_for("other_manager")
    page = client.get(url("document_detail", document.pk)).content.decode()
    assert "addressed to people in your units" in page
    assert client.post(url("document_confirm", document.pk)).status_code == 404


# --- questions ----------------------------------------------------------------------------


def test_a_reader_asks_and_only_their_manager_sees_who_asked(cast):
    document = new_document(cast)
    cast.client_for("salesperson").post(
        url("question_ask", document.pk), {"kind": "question", "text": "What about renewals?"}
    )
    manager_page = (
        cast.client_for("manager").get(url("document_detail", document.pk)).content.decode()
    )
    other_page = (
        cast.client_for("other_salesperson")
        .get(url("document_detail", document.pk))
        .content.decode()
    )
    assert "What about renewals?" in manager_page
    assert "What about renewals?" not in other_page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("manager", 302),
        ("executive", 302),
        ("hr", 302),
        ("admin", 302),
        ("salesperson", 403),
        ("salesperson2", 404),
        ("other_salesperson", 404),
        ("outsider", 404),
    ],
)
def test_only_the_askers_manager_and_company_wide_roles_answer(cast, who, status):
    question = ask(cast.salesperson, new_document(cast))
    response = cast.client_for(who).post(url("question_answer", question.pk), {"answer": "Yes."})
    assert response.status_code == status
    question.refresh_from_db()
    assert (question.answer == "Yes.") == (status == 302)


def test_answering_with_htmx_returns_the_answered_question(cast):
    question = ask(cast.salesperson, new_document(cast))
    response = cast.client_for("manager").post(
        url("question_answer", question.pk), {"answer": "Count them."}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith("<li")
    assert "Count them." in body


def test_once_answered_every_reader_sees_the_answer_without_the_askers_name(cast):
    question = ask(cast.salesperson, new_document(cast), text="Renewals?")
    services.question_answer(actor=cast.manager.user, question=question, answer="They count.")
    page = (
        cast.client_for("other_salesperson")
        .get(url("document_detail", question.document_id))
        .content.decode()
    )
    assert "They count." in page
    assert "A colleague" in page
    assert cast.salesperson.name not in page


@pytest.mark.parametrize("who", MEMBERS)
def test_the_open_questions_page_lists_only_questions_from_the_viewers_scope(cast, who):
    document = new_document(cast)
    ask(cast.salesperson, document, text="East question")
    ask(cast.other_salesperson, document, text="North question")
    response = cast.client_for(who).get(url("question_list"))
    if who in {"salesperson", "salesperson2", "other_salesperson", "outsider"}:
        assert response.status_code == 403
        return
    page = response.content.decode()
    assert "East question" in page
    assert ("North question" in page) == (who != "manager")


# --- the managers' status page ------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_the_status_page_shows_each_viewer_their_scope_only(cast, who):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    response = cast.client_for(who).get(url("document_status", document.pk))
    if who in {"salesperson", "salesperson2", "other_salesperson"}:
        assert response.status_code == 403
        return
    if who == "outsider":
        assert response.status_code == 404
        return
    page = response.content.decode()
    assert 'data-person="sales2"' in page
    assert ('data-person="sales3"' in page) == (who != "manager")


def test_the_status_page_filters_people_not_yet_confirmed(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    page = (
        cast.client_for("manager")
        .get(url("document_status", document.pk) + "?missing=1")
        .content.decode()
    )
    assert 'data-person="sales2"' in page
    assert 'data-person="sales1"' not in page
    assert "1 of 3 readers have confirmed" in page


def test_the_status_page_runs_a_constant_number_of_queries(cast, django_assert_max_num_queries):
    document = new_document(cast)
    client = cast.client_for("executive")

    def grow(count: int) -> None:
        unit = OrgUnitFactory(parent=cast.department)
        for person in PersonFactory.create_batch(count, unit=unit, with_login=True):
            confirm(person, document)

    grow(5)
    client.get(url("document_status", document.pk))
    with django_assert_max_num_queries(14):
        small = client.get(url("document_status", document.pk))
    grow(40)
    with django_assert_max_num_queries(14):
        large = client.get(url("document_status", document.pk))
    assert small.content.decode().count("data-person=") == 5 + 8
    assert large.content.decode().count("data-person=") == 45 + 8


# --- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", MEMBERS)
def test_only_writers_open_the_new_document_page(cast, who):
    response = cast.client_for(who).get(url("document_create"))
    assert response.status_code == (200 if who in {"admin", "executive"} else 403)


def test_an_executive_writes_and_publishes_a_document_for_a_team(cast):
    client = cast.client_for("executive")
    response = client.post(
        url("document_create"),
        {
            "kind": "document",
            "title": "East focus",
            "body": "Key accounts first.",
            "audience_units": [cast.team.pk],
            "requires_confirmation": "on",
        },
    )
    document = StrategyDocument.objects.get(title="East focus")
    assert response.status_code == 302
    assert list(document.audience_units.all()) == [cast.team]
    client.post(url("document_publish", document.pk))
    document.refresh_from_db()
    assert document.status == PublicationStatus.PUBLISHED
    history = client.get(url("document_detail", document.pk)).content.decode()
    assert 'id="history-heading"' in history


def test_the_history_names_the_units_a_document_is_for_in_the_readers_language(cast):
    # The link is logged with the unit's name in the writer's language ("East Team");
    # a Chinese reader reads the unit as the rest of the page names it.
    with translation.override("en"):
        document = new_document(cast, units=[cast.team])
    client = cast.client_for("executive")
    for language, name, other in [
        ("zh-hans", "华东组", "East Team"),
        ("en", "East Team", "华东组"),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(url("document_detail", document.pk)).content.decode()
        history = page[page.index('id="history-heading"') :]
        assert f"— → {name}" in history, language
        assert other not in history, language


def test_the_form_asks_for_units_when_not_for_the_whole_company(cast):
    response = cast.client_for("admin").post(
        url("document_create"), {"kind": "document", "title": "T", "body": "B"}
    )
    assert response.status_code == 200
    assert "Choose the units" in response.content.decode()
    assert not StrategyDocument.objects.exists()


@pytest.mark.parametrize("who", ["manager", "salesperson", "hr"])
def test_readers_cannot_edit_publish_or_withdraw(cast, who):
    document = new_document(cast)
    client = cast.client_for(who)
    assert client.get(url("document_update", document.pk)).status_code == 403
    assert client.post(url("document_withdraw", document.pk)).status_code == 403
    document.refresh_from_db()
    assert document.status == PublicationStatus.PUBLISHED


# --- attachments --------------------------------------------------------------------------


def attach(cast, document, name="plan.pdf", content=b"%PDF the plan"):
    return services.attachment_add(
        actor=cast.admin.user, document=document, upload=SimpleUploadedFile(name, content)
    )


def test_the_attachment_limit_reads_in_the_writers_language(cast):
    # Formatted once at import, the help text stayed English on a Chinese page.
    document = new_document(cast, publish=False)
    client = cast.client_for("admin")
    for language, text, other in [
        ("zh-hans", "不接受程序和脚本文件", "Programs and scripts are refused"),
        ("en", "Programs and scripts are refused", "不接受程序和脚本文件"),
    ]:
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
        page = client.get(url("document_detail", document.pk)).content.decode()
        assert text in page and other not in page, language


@pytest.mark.parametrize("who", MEMBERS)
def test_an_attachment_downloads_for_those_who_may_open_the_document_only(cast, who):
    document = new_document(cast, units=[cast.team], publish=False)
    attachment = attach(cast, document, name="东区 plan.pdf")
    services.document_publish(actor=cast.admin.user, document=document)
    response = cast.client_for(who).get(url("attachment_download", attachment.pk))
    if who in EAST_READERS:
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment;")
        assert "plan.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content) == b"%PDF the plan"
    else:
        assert response.status_code == 404


def test_an_executable_upload_is_refused_with_a_message(cast):
    document = new_document(cast, publish=False)
    response = cast.client_for("admin").post(
        url("attachment_add", document.pk),
        {"file": SimpleUploadedFile("tool.exe", b"MZ....")},
        follow=True,
    )
    assert "Programs and scripts cannot be attached" in response.content.decode()
    assert not document.attachments.exists()


def test_media_files_are_not_served_by_a_public_url(cast):
    document = new_document(cast, publish=False)
    attachment = attach(cast, document)
    response = cast.client_for("other_salesperson").get("/media/" + attachment.file.name)
    assert response.status_code == 404


def test_the_form_refuses_units_together_with_whole_company(cast):
    response = cast.client_for("admin").post(
        url("document_create"),
        {
            "kind": "document",
            "title": "T",
            "body": "B",
            "audience_all": "on",
            "audience_units": [cast.team.pk],
        },
    )
    assert response.status_code == 200
    assert "Untick" in response.content.decode()
    assert not StrategyDocument.objects.exists()
