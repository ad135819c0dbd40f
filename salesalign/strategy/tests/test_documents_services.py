"""Writing, publishing, confirming and questioning strategy documents, through the services."""

from __future__ import annotations

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.strategy.choices import PublicationStatus, QuestionKind
from salesalign.strategy.models import DocumentAttachment, DocumentConfirmation, DocumentQuestion
from salesalign.strategy.services import documents as services
from salesalign.strategy.tests.documents_fixtures import (
    ask,
    confirm,
    media_in_tmp,  # noqa: F401
    new_document,
)

pytestmark = pytest.mark.django_db


def upload(name: str = "plan.pdf", content: bytes = b"%PDF-1.7 the plan") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


# --- writing ------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["hr", "manager", "salesperson"])
def test_only_admins_and_executives_write_documents(cast, who):
    with pytest.raises(NotAllowed):
        services.document_create(actor=getattr(cast, who).user, title="T", body="B")


def test_an_executive_writes_a_draft_for_chosen_units(cast):
    document = new_document(cast, units=[cast.team], publish=False, author=cast.executive)
    assert document.status == PublicationStatus.DRAFT
    assert document.audience_all is False
    assert list(document.audience_units.all()) == [cast.team]


def test_a_document_for_no_unit_and_not_for_everyone_is_refused(cast):
    with pytest.raises(DomainError) as error:
        services.document_create(
            actor=cast.admin.user, title="T", body="B", audience_all=False, audience_units=[]
        )
    assert error.value.field == "audience_units"


def test_an_empty_title_is_refused_by_the_model_validation(cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.document_create(actor=cast.admin.user, title="  ", body="B")
    assert "title" in error.value.message_dict


def test_a_published_document_is_not_edited(cast):
    document = new_document(cast)
    with pytest.raises(DomainError):
        services.document_update(
            actor=cast.admin.user,
            document=document,
            title="New",
            body="B",
            kind=document.kind,
            edition=None,
            audience_all=True,
            audience_units=[],
            requires_confirmation=True,
        )


def test_changing_the_text_of_a_withdrawn_document_asks_everyone_to_confirm_again(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    services.document_withdraw(actor=cast.admin.user, document=document)
    services.document_update(
        actor=cast.admin.user,
        document=document,
        title=document.title,
        body="A corrected text.",
        kind=document.kind,
        edition=None,
        audience_all=True,
        audience_units=[],
        requires_confirmation=True,
    )
    assert not DocumentConfirmation.objects.filter(document=document).exists()


def test_withdrawing_and_republishing_without_change_keeps_confirmations(cast):
    document = new_document(cast)
    confirm(cast.salesperson, document)
    services.document_withdraw(actor=cast.admin.user, document=document)
    services.document_publish(actor=cast.admin.user, document=document)
    confirmed = DocumentConfirmation.objects.filter(document=document)
    assert set(confirmed.values_list("person__employee_number", flat=True)) == {
        cast.admin.employee_number,  # who published it counts as confirmed
        cast.salesperson.employee_number,
    }


def test_publishing_records_who_and_when(cast):
    document = new_document(cast, publish=False)
    published = services.document_publish(actor=cast.executive.user, document=document)
    assert published.status == PublicationStatus.PUBLISHED
    assert published.published_by == cast.executive.user
    assert published.published_at is not None


def test_publishing_twice_is_refused(cast):
    document = new_document(cast)
    with pytest.raises(DomainError):
        services.document_publish(actor=cast.admin.user, document=document)


# --- attachments --------------------------------------------------------------------------


def test_an_attachment_keeps_its_original_name(cast):
    document = new_document(cast, publish=False)
    attachment = services.attachment_add(
        actor=cast.admin.user, document=document, upload=upload("2026 战略 plan.pdf")
    )
    assert attachment.name == "2026 战略 plan.pdf"
    assert attachment.file.read() == b"%PDF-1.7 the plan"


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("setup.exe", b"anything"),
        ("run.sh", b"echo hi"),
        ("report.pdf", b"MZ\x90\x00 a windows program"),
        ("notes.txt", b"#!/bin/sh\nrm -rf /"),
        ("tool.bin", b"\x7fELF...."),
    ],
)
def test_programs_and_scripts_are_refused_by_name_or_content(cast, name, content):
    document = new_document(cast, publish=False)
    with pytest.raises(DomainError) as error:
        services.attachment_add(
            actor=cast.admin.user, document=document, upload=upload(name, content)
        )
    assert error.value.field == "file"
    assert not DocumentAttachment.objects.exists()


def test_a_file_over_the_size_limit_is_refused(cast, monkeypatch):
    monkeypatch.setattr(services, "ATTACHMENT_MAX_BYTES", 10)
    document = new_document(cast, publish=False)
    with pytest.raises(DomainError, match="larger"):
        services.attachment_add(actor=cast.admin.user, document=document, upload=upload())


def test_files_are_attached_to_drafts_only(cast):
    document = new_document(cast)
    with pytest.raises(DomainError):
        services.attachment_add(actor=cast.admin.user, document=document, upload=upload())


def test_removing_an_attachment_deletes_the_stored_file(cast, django_capture_on_commit_callbacks):
    document = new_document(cast, publish=False)
    attachment = services.attachment_add(actor=cast.admin.user, document=document, upload=upload())
    storage, stored = attachment.file.storage, attachment.file.name
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=cast.admin.user, attachment=attachment)
    assert not storage.exists(stored)
    assert not DocumentAttachment.objects.exists()


# --- confirming ---------------------------------------------------------------------------


def test_a_reader_confirms_once_and_confirming_again_keeps_the_first_time(cast):
    document = new_document(cast)
    first = confirm(cast.salesperson, document)
    second = confirm(cast.salesperson, document)
    assert first.created is True
    assert second.created is False
    assert second.confirmation.pk == first.confirmation.pk
    assert (
        DocumentConfirmation.objects.filter(document=document, person=cast.salesperson).count() == 1
    )


def test_a_confirmation_can_carry_a_challenge_in_the_same_step(cast):
    document = new_document(cast)
    result = confirm(
        cast.salesperson,
        document,
        question_text="Our region lacks presales engineers.",
        question_kind=QuestionKind.CHALLENGE,
    )
    assert result.question is not None
    assert result.question.kind == QuestionKind.CHALLENGE
    assert result.question.person == cast.salesperson


def test_someone_outside_a_unit_targeted_audience_cannot_confirm(cast):
    document = new_document(cast, units=[cast.team])
    with pytest.raises(DomainError) as error:
        confirm(cast.other_salesperson, document)
    assert error.value.code == "not_found"


def test_a_draft_cannot_be_confirmed(cast):
    document = new_document(cast, publish=False)
    with pytest.raises(DomainError):
        confirm(cast.salesperson, document)


def test_an_announcement_without_confirmation_is_not_confirmed(cast):
    document = new_document(cast, requires_confirmation=False)
    with pytest.raises(DomainError, match="does not ask"):
        confirm(cast.salesperson, document)


def test_a_login_without_a_person_cannot_confirm(cast):
    document = new_document(cast)
    with pytest.raises(NotAllowed):
        services.document_confirm(actor=cast.outsider, document=document)


def test_a_new_hire_in_an_audience_unit_can_confirm_what_was_published_before(cast):
    from salesalign.organization.tests.factories import PersonFactory

    document = new_document(cast, units=[cast.department])
    newcomer = PersonFactory(unit=cast.other_team, with_login=True)
    assert confirm(newcomer, document).created is True


# --- questions ----------------------------------------------------------------------------


def test_the_manager_of_the_asker_answers_and_it_is_recorded(cast):
    document = new_document(cast)
    question = ask(cast.salesperson, document)
    answered = services.question_answer(
        actor=cast.manager.user, question=question, answer="Renewals count as revenue."
    )
    assert answered.answered_by == cast.manager
    assert answered.answered_at is not None
    # The asker is told, once: a corrected answer does not tell them again.
    from django.utils import translation

    from salesalign.core.models import Notification

    [told] = Notification.objects.filter(recipient=cast.salesperson, kind=services.NOTIFY_ANSWER)
    assert told.url == f"/strategy/documents/{document.pk}/#question-{question.pk}"
    assert told.text == f"Your question about “{document.title}” was answered."
    with translation.override("zh-hans"):
        assert told.text == f"您对“{document.title}”提出的问题已得到回复。"
    services.question_answer(
        actor=cast.manager.user, question=question, answer="Renewals count as revenue, net."
    )
    assert Notification.objects.filter(kind=services.NOTIFY_ANSWER).count() == 1


@pytest.mark.parametrize("who", ["executive", "hr", "admin"])
def test_company_wide_roles_answer_any_question(cast, who):
    question = ask(cast.other_salesperson, new_document(cast))
    services.question_answer(actor=getattr(cast, who).user, question=question, answer="Yes.")
    question.refresh_from_db()
    assert question.answer == "Yes."


@pytest.mark.parametrize("who", ["other_manager", "salesperson2", "salesperson"])
def test_others_cannot_answer(cast, who):
    question = ask(cast.salesperson, new_document(cast))
    with pytest.raises(NotAllowed):
        services.question_answer(actor=getattr(cast, who).user, question=question, answer="No.")
    question.refresh_from_db()
    assert question.answer == ""


def test_an_empty_question_is_refused(cast):
    with pytest.raises(DomainError) as error:
        ask(cast.salesperson, new_document(cast), text="   ")
    assert error.value.field == "text"


# --- audit --------------------------------------------------------------------------------


def test_writing_publishing_and_answering_leave_an_audit_trail_with_the_actor(cast):
    document = new_document(cast, publish=False)
    with set_actor(cast.executive.user):
        services.document_publish(actor=cast.executive.user, document=document)
    question = ask(cast.salesperson, document)
    with set_actor(cast.manager.user):
        services.question_answer(actor=cast.manager.user, question=question, answer="Yes.")
    document_entries = LogEntry.objects.get_for_object(document)
    assert document_entries.filter(actor=cast.admin.user, action=LogEntry.Action.CREATE).exists()
    assert document_entries.filter(
        actor=cast.executive.user, action=LogEntry.Action.UPDATE
    ).exists()
    question_entries = LogEntry.objects.get_for_object(DocumentQuestion.objects.get())
    assert question_entries.filter(actor=cast.manager.user, action=LogEntry.Action.UPDATE).exists()
