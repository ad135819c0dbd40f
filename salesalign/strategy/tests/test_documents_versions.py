"""New versions of a published document: started, published, superseding, compared, refused.

Also: whoever publishes a document counts as having confirmed it.
"""

from __future__ import annotations

import re

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.models import Person
from salesalign.strategy.choices import DocumentStatus
from salesalign.strategy.models import (
    DocumentAttachment,
    DocumentConfirmation,
    DocumentQuestion,
    StrategyDocument,
)
from salesalign.strategy.selectors import documents as selectors
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
OLD_BODY = "We grow in the East.\n\nKey accounts first."
NEW_BODY = "We grow in the East and the South.\n\nKey accounts first."


def url(name: str, *args) -> str:
    return reverse(f"strategy:{name}", args=args)


def everything() -> tuple:
    """What a refused request must leave as it was: documents, confirmations, files, audit."""
    return (
        list(
            StrategyDocument.objects.order_by("pk").values_list(
                "pk", "status", "version", "title", "body", "published_at", "superseded_at"
            )
        ),
        sorted(DocumentConfirmation.objects.values_list("document_id", "person_id")),
        DocumentAttachment.objects.count(),
        LogEntry.objects.count(),
    )


def pending_titles(person) -> list[tuple[str, int]]:
    fresh = Person.objects.select_related("unit").get(pk=person.pk)
    return [(doc.title, doc.version) for doc in selectors.pending_confirmations(fresh)]


@pytest.fixture
def first(cast):
    """Version 1, by the executive, for the whole company; sales1 has confirmed it."""
    document = new_document(cast, title="Strategy", body=OLD_BODY, author=cast.executive)
    confirm(cast.salesperson, document)
    return document


# --- starting a new version ---------------------------------------------------------------


def test_a_new_version_is_a_draft_with_the_text_readers_and_files_of_the_published_one(cast):
    document = new_document(cast, units=[cast.team], publish=False, author=cast.executive)
    services.attachment_add(
        actor=cast.executive.user,
        document=document,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.7 the plan"),
    )
    services.document_publish(actor=cast.executive.user, document=document)

    version = services.document_new_version(actor=cast.executive.user, document=document)

    assert (version.status, version.version) == (DocumentStatus.DRAFT, 2)
    assert (version.previous_version, version.first_version) == (document, document)
    assert (version.title, version.body, version.kind) == (
        document.title,
        document.body,
        document.kind,
    )
    assert list(version.audience_units.all()) == [cast.team]
    (copy,) = version.attachments.all()
    (original,) = document.attachments.all()
    assert copy.name == "plan.pdf"
    assert copy.file.name != original.file.name, "each version owns its file"
    assert copy.file.read() == b"%PDF-1.7 the plan"
    document.refresh_from_db()
    assert document.status == DocumentStatus.PUBLISHED, "the old version stays in force until then"


def test_removing_a_file_from_the_new_draft_keeps_it_in_the_published_version(
    cast, django_capture_on_commit_callbacks
):
    document = new_document(cast, publish=False)
    services.attachment_add(
        actor=cast.admin.user,
        document=document,
        upload=SimpleUploadedFile("plan.pdf", b"%PDF-1.7 the plan"),
    )
    services.document_publish(actor=cast.admin.user, document=document)
    version = services.document_new_version(actor=cast.admin.user, document=document)
    with django_capture_on_commit_callbacks(execute=True):
        services.attachment_remove(actor=cast.admin.user, attachment=version.attachments.get())
    original = document.attachments.get()
    assert original.file.storage.exists(original.file.name)
    assert original.file.read() == b"%PDF-1.7 the plan"


@pytest.mark.parametrize("who", ["hr", "manager", "salesperson"])
def test_only_writers_start_a_new_version(cast, first, who):
    before = everything()
    with pytest.raises(NotAllowed):
        services.document_new_version(actor=getattr(cast, who).user, document=first)
    assert everything() == before


def test_a_draft_gets_no_new_version_and_nothing_is_written(cast):
    draft = new_document(cast, publish=False)
    before = everything()
    with pytest.raises(DomainError) as error:
        services.document_new_version(actor=cast.admin.user, document=draft)
    assert "Only a published document gets a new version" in error.value.message
    assert "draft" in error.value.message
    assert everything() == before


def test_a_withdrawn_document_gets_no_new_version_and_nothing_is_written(cast, first):
    services.document_withdraw(actor=cast.executive.user, document=first)
    before = everything()
    with pytest.raises(DomainError, match="Only a published document gets a new version"):
        services.document_new_version(actor=cast.executive.user, document=first)
    assert everything() == before


def test_a_superseded_version_gets_no_new_version_and_nothing_is_written(cast, first):
    new_version(first, author=cast.executive, body=NEW_BODY)
    first.refresh_from_db()
    before = everything()
    with pytest.raises(DomainError) as error:
        services.document_new_version(actor=cast.executive.user, document=first)
    assert error.value.message == (
        "Version 1 is superseded. Start the new version from the current one."
    )
    assert everything() == before


def test_a_second_new_version_is_refused_while_one_is_being_written(cast, first):
    new_version(first, author=cast.executive, publish=False)
    before = everything()
    with pytest.raises(DomainError) as error:
        services.document_new_version(actor=cast.admin.user, document=first)
    assert error.value.message == (
        "Version 2 of this document is already being written. Continue it."
    )
    assert everything() == before


# --- publishing it ------------------------------------------------------------------------


def test_publishing_a_new_version_supersedes_the_old_one_and_asks_everyone_again(cast, first):
    assert pending_titles(cast.salesperson) == []
    assert pending_titles(cast.salesperson2) == [("Strategy", 1)]

    second = new_version(first, author=cast.executive, body=NEW_BODY, title="Strategy, again")

    first.refresh_from_db()
    assert first.status == DocumentStatus.SUPERSEDED
    assert first.superseded_at == second.published_at
    assert second.status == DocumentStatus.PUBLISHED
    # The old version stops asking; everyone (who confirmed it or not) is asked for the new one.
    assert pending_titles(cast.salesperson) == [("Strategy, again", 2)]
    assert pending_titles(cast.salesperson2) == [("Strategy, again", 2)]
    assert pending_titles(cast.executive) == [], "who published it counts as confirmed"
    # The confirmations of version 1 stay on record.
    assert DocumentConfirmation.objects.filter(document=first, person=cast.salesperson).exists()


def test_the_cross_document_overviews_count_the_new_version_only(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    assert [doc.pk for doc in selectors.documents_to_confirm()] == [second.pk]
    (team,) = selectors.team_confirmation(cast.manager.user)
    assert (team.confirmed, team.expected) == (0, 2)
    assert {r.person.employee_number: [d.pk for d in r.pending] for r in team.missing} == {
        "sales1": [second.pk],
        "sales2": [second.pk],
    }


def test_a_third_version_belongs_to_the_same_series(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    third = new_version(second, author=cast.admin, body=NEW_BODY + "\n\nA third line.")
    assert (third.version, third.previous_version, third.first_version) == (3, second, first)
    versions = selectors.document_versions(third, cast.salesperson.user)
    assert [(v.version, v.status) for v in versions] == [
        (1, DocumentStatus.SUPERSEDED),
        (2, DocumentStatus.SUPERSEDED),
        (3, DocumentStatus.PUBLISHED),
    ]
    assert [v.newer_version_id for v in versions] == [second.pk, third.pk, None]


def test_publishing_is_refused_when_the_old_version_was_withdrawn_meanwhile(cast, first):
    draft = new_version(first, author=cast.executive, body=NEW_BODY, publish=False)
    services.document_withdraw(actor=cast.admin.user, document=first)
    before = everything()
    with pytest.raises(DomainError) as error:
        services.document_publish(actor=cast.executive.user, document=draft)
    assert error.value.message == (
        "Version 1, which this draft replaces, was withdrawn meanwhile. "
        "Publish version 1 again first, then this one."
    )
    assert everything() == before


def test_publishing_is_refused_when_the_old_version_was_superseded_meanwhile(cast, first):
    draft = new_version(first, author=cast.executive, body=NEW_BODY, publish=False)
    # As if another process had superseded it between the page and the click.
    StrategyDocument.objects.filter(pk=first.pk).update(
        status=DocumentStatus.SUPERSEDED, superseded_at=first.published_at
    )
    before = everything()
    with pytest.raises(DomainError) as error:
        services.document_publish(actor=cast.executive.user, document=draft)
    assert error.value.message == "Version 1, which this draft replaces, was superseded meanwhile."
    assert error.value.field == "previous_version"
    assert everything() == before


def test_withdrawing_the_new_version_puts_the_old_one_back_in_force(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    services.document_withdraw(actor=cast.executive.user, document=second)
    first.refresh_from_db()
    assert (first.status, first.superseded_at) == (DocumentStatus.PUBLISHED, None)
    assert pending_titles(cast.salesperson) == [], "their confirmation of version 1 still holds"
    assert pending_titles(cast.salesperson2) == [("Strategy", 1)]
    # Published again, it supersedes version 1 again.
    services.document_publish(actor=cast.executive.user, document=second)
    first.refresh_from_db()
    assert first.status == DocumentStatus.SUPERSEDED


def test_a_superseded_version_is_neither_edited_nor_withdrawn_nor_confirmed(cast, first):
    new_version(first, author=cast.executive, body=NEW_BODY)
    first.refresh_from_db()
    before = everything()
    with pytest.raises(DomainError, match="An earlier version stays as it was published"):
        services.document_withdraw(actor=cast.executive.user, document=first)
    with pytest.raises(DomainError, match="An earlier version stays as it was published"):
        services.document_update(
            actor=cast.executive.user,
            document=first,
            title="Changed",
            body="Changed",
            kind=first.kind,
            edition=None,
            audience_all=True,
            audience_units=[],
            requires_confirmation=True,
        )
    with pytest.raises(DomainError) as error:
        confirm(cast.salesperson2, first)
    assert error.value.message == (
        "Version 1 was superseded by a newer version. "
        "Read, confirm and ask about the current version."
    )
    assert everything() == before


def test_an_open_question_on_a_superseded_version_still_waits_for_its_answer(cast, first):
    ask(cast.salesperson, first, text="What about the North?")
    new_version(first, author=cast.executive, body=NEW_BODY)
    assert [q.text for q in selectors.open_questions(cast.manager.user)] == [
        "What about the North?"
    ]


# --- who published it counts as confirmed -------------------------------------------------


def test_the_publisher_counts_as_confirmed_in_the_status(cast):
    document = new_document(cast, author=cast.executive)
    status = selectors.confirmation_status(document, cast.hr.user)
    confirmed = {p.employee_number for p in status.people if p.confirmed_at}
    assert confirmed == {"exec"}
    assert (status.confirmed, status.audience) == (1, 8)
    assert status.publisher_id == cast.executive.pk
    assert pending_titles(cast.executive) == []


def test_a_publisher_outside_the_audience_is_not_counted(cast):
    document = new_document(cast, units=[cast.team], author=cast.executive)
    status = selectors.confirmation_status(document, cast.hr.user)
    assert (status.confirmed, status.audience, status.publisher_id) == (0, 3, None)
    assert not DocumentConfirmation.objects.filter(person=cast.executive).exists()


def test_a_publisher_without_an_employee_record_confirms_nothing(cast, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.com", "x")
    with set_actor(root):
        document = services.document_create(actor=root, title="T", body="B")
        services.document_publish(actor=root, document=document)
    assert not DocumentConfirmation.objects.exists()


# --- the pages ----------------------------------------------------------------------------


def test_an_executive_starts_a_new_version_from_the_page_and_edits_it(cast, first):
    client = cast.client_for("executive")
    page = client.get(url("document_detail", first.pk)).content.decode()
    assert 'id="new-version"' in page
    response = client.post(url("document_new_version", first.pk), follow=True)
    draft = StrategyDocument.objects.get(previous_version=first)
    assert response.redirect_chain[-1][0] == url("document_update", draft.pk)
    text = response.content.decode()
    assert "Version 2 is a draft with the text, readers and files of version 1." in text
    assert OLD_BODY.splitlines()[0] in text, "the form is prefilled"
    # The published version now leads to the draft instead of offering another start.
    page = client.get(url("document_detail", first.pk)).content.decode()
    assert 'id="new-version"' not in page
    assert url("document_detail", draft.pk) in page and "Continue version 2 (draft)" in page


@pytest.mark.parametrize("who", ["hr", "manager", "salesperson"])
def test_readers_cannot_start_a_new_version(cast, first, who):
    client = cast.client_for(who)
    assert 'id="new-version"' not in client.get(url("document_detail", first.pk)).content.decode()
    before = everything()
    assert client.post(url("document_new_version", first.pk)).status_code == 403
    assert everything() == before


def test_a_refused_new_version_says_why_on_the_page_and_writes_nothing(cast):
    draft = new_document(cast, publish=False)
    before = everything()
    response = cast.client_for("admin").post(url("document_new_version", draft.pk), follow=True)
    assert "Only a published document gets a new version." in response.content.decode()
    assert everything() == before


def test_the_superseded_version_says_so_and_links_to_the_newer_one(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    page = cast.client_for("salesperson2").get(url("document_detail", first.pk)).content.decode()
    assert 'id="superseded-notice"' in page
    assert f'href="{url("document_detail", second.pk)}" id="newer-version-link"' in page
    assert 'id="confirm-form"' not in page
    assert 'id="no-longer-asked"' in page
    assert 'id="question-form"' not in page
    assert OLD_BODY.splitlines()[0] in page, "the old text stays readable"


def test_a_reader_who_confirmed_the_old_version_sees_what_changed(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    page = cast.client_for("salesperson").get(url("document_detail", second.pk)).content.decode()
    assert "What changed since version 1, which you confirmed" in page
    assert '<ins class="bg-success-subtle text-success-emphasis"> and the South</ins>' in page
    assert 'id="confirm-form"' in page, "and is asked to confirm the new version"
    # Who never confirmed version 1 reads the new text whole, without the comparison.
    other = cast.client_for("salesperson2").get(url("document_detail", second.pk)).content.decode()
    assert 'id="changes"' not in other
    assert 'id="confirm-form"' in other


def test_the_changes_read_in_chinese(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("salesperson")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url("document_detail", second.pk)).content.decode()
    assert "自您确认的第 1 版以来的改动" in page
    assert "第 2 版" in page


def test_a_writer_sees_the_changes_of_a_draft_before_publishing_it(cast, first):
    draft = new_version(first, author=cast.executive, body=NEW_BODY, publish=False)
    page = cast.client_for("admin").get(url("document_detail", draft.pk)).content.decode()
    assert "What changed from version 1" in page
    assert 'id="replaces-notice"' in page
    assert "Publish version 2? It replaces version 1" in page


def test_the_list_shows_current_versions_and_earlier_ones_on_request(cast, first):
    new_version(first, author=cast.executive, body=NEW_BODY, title="Strategy, again")
    client = cast.client_for("salesperson")
    page = client.get(url("document_list")).content.decode()
    assert f'data-document="{first.pk}"' not in page
    assert "Strategy, again" in page
    with_earlier = client.get(url("document_list"), {"earlier": "on"}).content.decode()
    assert f'data-document="{first.pk}"' in with_earlier
    assert "Superseded" in with_earlier


def test_the_page_lists_every_version_with_a_constant_number_of_queries(
    cast, first, django_assert_max_num_queries
):
    document = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("salesperson")
    client.get(url("document_detail", document.pk))
    with django_assert_max_num_queries(30) as two:
        client.get(url("document_detail", document.pk))
    for number in range(3):
        document = new_version(document, author=cast.executive, body=f"{NEW_BODY}\n\n{number}")
        confirm(cast.salesperson, document)
    document = new_version(document, author=cast.executive, body=NEW_BODY)
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = client.get(url("document_detail", document.pk)).content.decode()
    assert page.count("data-version=") == 6
    assert "What changed since version 5, which you confirmed" in page


def test_the_status_page_says_the_publisher_counts_as_confirmed(cast):
    document = new_document(cast, author=cast.executive)
    page = cast.client_for("hr").get(url("document_status", document.pk)).content.decode()
    assert "1 of 8 readers have confirmed" in page
    assert 'id="publisher-note"' in page
    assert 'data-person="exec" class="confirmed"' in page
    assert page.count('id="published-it"') == 1


def test_the_home_page_asks_for_the_new_version_only(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY, title="Strategy, again")
    for who in ("salesperson", "salesperson2"):
        page = cast.client_for(who).get(reverse("home")).content.decode()
        to_confirm = page.split('id="to-confirm"', 1)[1].split("</section>", 1)[0]
        assert url("document_detail", second.pk) in to_confirm
        assert url("document_detail", first.pk) not in to_confirm
    executive = cast.client_for("executive").get(reverse("home")).content.decode()
    assert 'id="all-confirmed"' in executive, "who published it has nothing to confirm"
    rates = executive.split('id="department-confirmation"', 1)[1]
    assert url("document_status", second.pk) in rates
    assert url("document_status", first.pk) not in rates
    assert 'id="confirmation-rules"' in rates


def test_the_form_of_a_new_version_says_what_publishing_it_does(cast, first):
    draft = new_version(first, author=cast.executive, publish=False)
    page = cast.client_for("executive").get(url("document_update", draft.pk)).content.decode()
    assert 'id="replaces-note"' in page
    assert "Publishing this draft replaces version 1" in page
    assert "asks everyone who already confirmed to confirm again" not in page


def test_the_publisher_reads_that_publishing_was_their_confirmation(cast, first):
    page = cast.client_for("executive").get(url("document_detail", first.pk)).content.decode()
    assert "You published it, which counts as your confirmation." in page
    assert 'id="confirm-form"' not in page


def test_the_status_of_a_superseded_version_lists_who_confirmed_it_and_asks_no_one(cast, first):
    new_version(first, author=cast.executive, body=NEW_BODY)
    page = cast.client_for("hr").get(url("document_status", first.pk)).content.decode()
    assert 'id="superseded-status"' in page
    assert "2 of 8 readers have confirmed" in page  # the executive (publisher) and sales1
    assert 'badge text-bg-danger">Not yet<' not in page
    assert 'data-person="sales1" class="confirmed"' in page
    assert 'data-person="sales2" class="missing"' in page


# --- the API ------------------------------------------------------------------------------


def post(client, path, data=None):
    return client.post(path, data or {}, content_type="application/json")


def test_the_api_starts_publishes_and_links_versions(cast, first):
    client = cast.client_for("executive")
    started = post(client, f"{API}/{first.pk}/versions")
    assert started.status_code == 201
    draft = started.json()
    assert (draft["status"], draft["version"], draft["previous_version_id"]) == (
        "draft",
        2,
        first.pk,
    )
    assert client.get(f"{API}/{first.pk}").json()["next_version_id"] == draft["id"]
    # A reader does not learn of the draft.
    reader = cast.client_for("salesperson")
    assert reader.get(f"{API}/{first.pk}").json()["next_version_id"] is None
    assert [v["version"] for v in reader.get(f"{API}/{first.pk}/versions").json()] == [1]

    post(client, f"{API}/{draft['id']}/publish")
    old = reader.get(f"{API}/{first.pk}").json()
    assert (old["status"], old["next_version_id"]) == ("superseded", draft["id"])
    assert old["superseded_at"] is not None
    assert [v["version"] for v in reader.get(f"{API}/{draft['id']}/versions").json()] == [1, 2]


def test_the_api_refuses_a_new_version_of_a_draft_with_the_reason(cast):
    draft = new_document(cast, publish=False)
    before = everything()
    response = post(cast.client_for("admin"), f"{API}/{draft.pk}/versions")
    assert response.status_code == 400
    assert "Only a published document gets a new version" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "status"
    assert everything() == before


def test_the_api_refuses_a_new_version_to_a_reader(cast, first):
    before = everything()
    assert post(cast.client_for("salesperson"), f"{API}/{first.pk}/versions").status_code == 403
    assert everything() == before


def test_the_api_tells_what_changed_since_the_version_i_confirmed(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    changes = cast.client_for("salesperson").get(f"{API}/{second.pk}/changes").json()
    assert (changes["since_id"], changes["since_confirmed"], changes["changed"]) == (
        first.pk,
        True,
        True,
    )
    assert {"kind": "inserted", "text": " and the South"} in changes["lines"][0]["segments"]
    # Someone who did not confirm version 1 is compared with the previous version.
    other = cast.client_for("salesperson2").get(f"{API}/{second.pk}/changes").json()
    assert (other["since_id"], other["since_confirmed"]) == (first.pk, False)


def test_the_api_has_no_changes_for_a_first_version(cast, first):
    response = cast.client_for("salesperson").get(f"{API}/{first.pk}/changes")
    assert response.status_code == 400
    assert "first version" in response.json()["detail"]


def test_the_api_compares_only_with_an_earlier_version_of_the_same_document(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    unrelated = new_document(cast, title="Other")
    client = cast.client_for("salesperson")
    response = client.get(f"{API}/{second.pk}/changes", {"since_id": unrelated.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "since_id"
    assert client.get(f"{API}/{second.pk}/changes", {"since_id": first.pk}).status_code == 200


def test_a_question_on_the_superseded_version_is_refused_with_the_reason(cast, first):
    new_version(first, author=cast.executive, body=NEW_BODY)
    before = everything()
    response = post(cast.client_for("salesperson"), f"{API}/{first.pk}/questions", {"text": "Hm?"})
    assert response.status_code == 400
    assert "superseded by a newer version" in response.json()["detail"]
    assert everything() == before
    assert not DocumentQuestion.objects.exists()


# --- questions asked on earlier versions ----------------------------------------------------


def earlier_part(page: str) -> str:
    """The questions of earlier versions on a document's page ("" when there are none)."""
    if 'id="earlier-questions"' not in page:
        return ""
    return page.split('id="earlier-questions"', 1)[1].split("</section>", 1)[0]


def test_the_new_version_shows_the_answered_questions_of_earlier_ones_labelled_by_version(
    cast, first
):
    answer(ask(cast.salesperson, first, text="Do renewals count?"), cast.manager, "They do.")
    ask(cast.salesperson2, first, text="Still waiting on version 1")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    answer(ask(cast.salesperson, second, text="And the South?"), cast.manager, "From May.")
    third = new_version(second, author=cast.executive, body=OLD_BODY)

    page = cast.client_for("other_salesperson").get(url("document_detail", third.pk))
    earlier = earlier_part(page.content.decode())
    assert [part.split('"', 1)[0] for part in earlier.split('data-asked-on="')[1:]] == ["2", "1"]
    assert "Asked on version 2" in earlier and "Asked on version 1" in earlier
    assert earlier.index("And the South?") < earlier.index("Asked on version 1")
    assert earlier.index("Asked on version 1") < earlier.index("Do renewals count?")
    assert "They do." in earlier and "From May." in earlier
    # An open question is for its asker and those who answer for them, as on version 1's page.
    assert "Still waiting on version 1" not in page.content.decode()
    assert "A colleague" in earlier and cast.salesperson.name not in earlier
    assert "No questions on version 3 yet." in page.content.decode()
    # Their manager sees who asked, as on the version it was asked on.
    manager = cast.client_for("manager").get(url("document_detail", third.pk)).content.decode()
    assert cast.salesperson.display_name in earlier_part(manager)


def test_earlier_questions_read_in_chinese(cast, first):
    answer(ask(cast.salesperson, first, text="续约算吗？"), cast.manager, "算。")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("salesperson2")
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url("document_detail", second.pk)).content.decode()
    assert "在第 1 版提出" in earlier_part(page)
    assert "第 2 版暂无问题。" in page


def test_a_first_version_and_its_own_questions_are_shown_as_before(cast, first):
    answer(ask(cast.salesperson, first, text="Do renewals count?"), cast.manager, "They do.")
    page = cast.client_for("salesperson2").get(url("document_detail", first.pk)).content.decode()
    assert 'id="earlier-questions"' not in page
    assert "Do renewals count?" in page.split('id="question-list"', 1)[1]


def test_an_earlier_version_the_reader_may_not_open_lends_no_questions(cast):
    first = new_document(cast, units=[cast.team], title="Team plan", author=cast.executive)
    answer(ask(cast.salesperson, first, text="Team-only question"), cast.manager, "Team answer")
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
    outside = cast.client_for("other_salesperson").get(url("document_detail", second.pk))
    assert outside.status_code == 200
    assert "Team answer" not in outside.content.decode()
    inside = cast.client_for("salesperson2").get(url("document_detail", second.pk))
    assert "Team answer" in earlier_part(inside.content.decode())


def test_earlier_questions_take_a_constant_number_of_queries(
    cast, first, django_assert_max_num_queries
):
    answer(ask(cast.salesperson, first), cast.manager, "Yes.")
    document = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("other_salesperson")
    client.get(url("document_detail", document.pk))
    with django_assert_max_num_queries(30) as two:
        client.get(url("document_detail", document.pk))
    for number in range(3):
        for person in (cast.salesperson, cast.salesperson2, cast.other_salesperson):
            answer(ask(person, document, text=f"Q{number} {person.name}"), cast.hr, "A.")
        document = new_version(document, author=cast.executive, body=f"{NEW_BODY}\n\n{number}")
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = client.get(url("document_detail", document.pk)).content.decode()
    assert earlier_part(page).count("data-question=") == 10


# --- questions still open from earlier versions --------------------------------------------


def earlier_open_part(page: str) -> str:
    """The earlier versions' open questions on a document's page ("" when there are none)."""
    if 'id="earlier-open-questions"' not in page:
        return ""
    part = page.split('id="earlier-open-questions"', 1)[1]
    return part.split('id="earlier-questions"', 1)[0].split("</section>", 1)[0]


@pytest.mark.parametrize(
    ("who", "sees", "answers"),
    [
        ("admin", True, True),
        ("executive", True, True),
        ("hr", True, True),
        ("manager", True, True),
        ("salesperson", True, False),  # the asker: waits for the answer, does not answer
        ("salesperson2", False, False),
        ("other_salesperson", False, False),
        ("other_manager", False, False),
    ],
)
def test_an_open_question_of_an_earlier_version_shows_on_the_new_one_to_those_it_is_for(
    cast, first, who, sees, answers
):
    question = ask(cast.salesperson, first, text="What about the North?")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    response = cast.client_for(who).get(url("document_detail", second.pk))
    assert response.status_code == 200
    page = response.content.decode()
    part = earlier_open_part(page)
    assert ("What about the North?" in part) == sees
    assert ("What about the North?" in page) == sees, "nowhere else on the page"
    assert ("Still open from earlier versions" in part) == sees
    assert ('data-carried-over-from="1"' in part) == sees
    assert ("Asked on version 1, still open" in part) == sees
    assert (url("question_answer", question.pk) in part) == answers
    assert (cast.salesperson.display_name in part) == sees, "named to those whose scope covers"
    assert "No questions on version 2 yet." in page if sees else "No questions yet." in page
    assert 'id="earlier-questions"' not in page, "no answered question to carry over"


def test_the_outsider_does_not_open_the_new_version(cast, first):
    ask(cast.salesperson, first, text="What about the North?")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    assert cast.client_for("outsider").get(url("document_detail", second.pk)).status_code == 404


def test_open_questions_of_earlier_versions_come_newest_version_first_before_the_answered(
    cast, first
):
    ask(cast.salesperson, first, text="Open on 1")
    answer(ask(cast.salesperson2, first, text="Answered on 1"), cast.manager, "Yes.")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    ask(cast.salesperson2, second, text="Open on 2")
    third = new_version(second, author=cast.executive, body=OLD_BODY)
    ask(cast.salesperson, third, text="Open on 3")

    page = cast.client_for("manager").get(url("document_detail", third.pk)).content.decode()
    assert "Open on 3" in page.split('id="question-list"', 1)[1].split("</ul>", 1)[0]
    part = earlier_open_part(page)
    assert part.index("Open on 2") < part.index("Open on 1")
    assert re.findall(r'data-carried-over-from="(\d+)"', part) == ["2", "1"]
    assert "Answered on 1" not in part
    assert "Answered on 1" in earlier_part(page)
    assert page.index('id="earlier-open-questions"') < page.index('id="earlier-questions"')


def test_a_manager_answers_an_earlier_versions_open_question_from_the_new_version(cast, first):
    question = ask(cast.salesperson, first, text="What about the North?")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("manager")
    here = url("document_detail", second.pk)
    response = client.post(
        url("question_answer", question.pk),
        {"answer": "From May.", "next": here, "carried_over": "1"},
    )
    assert response.status_code == 302 and response["Location"] == here

    question.refresh_from_db()
    assert question.document_id == first.pk, "answered on the version it was asked on"
    assert (question.answer, question.answered_by) == ("From May.", cast.manager)
    # On the new version it moves from the open ones to the answered ones of version 1 …
    page = client.get(here).content.decode()
    assert earlier_open_part(page) == ""
    answered = earlier_part(page)
    assert 'data-asked-on="1"' in answered and "From May." in answered
    # … for every reader of the new version, as any answered question …
    colleague = cast.client_for("other_salesperson").get(here).content.decode()
    assert "From May." in earlier_part(colleague)
    # … it reads answered on version 1's own page, and leaves the open questions.
    old_page = client.get(url("document_detail", first.pk)).content.decode()
    assert "From May." in old_page.split('id="question-list"', 1)[1]
    assert list(selectors.open_questions(cast.manager.user)) == []
    open_list = client.get(url("question_list")).content.decode()
    assert 'id="no-questions"' in open_list and "What about the North?" not in open_list


def test_answering_it_inline_keeps_it_marked_with_its_version(cast, first):
    question = ask(cast.salesperson, first, text="What about the North?")
    new_version(first, author=cast.executive, body=NEW_BODY)
    response = cast.client_for("hr").post(
        url("question_answer", question.pk),
        {"answer": "From May.", "carried_over": "1"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    item = response.content.decode()
    assert 'data-carried-over-from="1"' in item
    assert "Asked on version 1" in item and "still open" not in item
    assert "From May." in item and "Saved" in item
    plain = cast.client_for("hr").post(
        url("question_answer", question.pk), {"answer": "From June."}, HTTP_HX_REQUEST="true"
    )
    assert "data-carried-over-from" not in plain.content.decode(), "as before elsewhere"


@pytest.mark.parametrize(("who", "status"), [("other_manager", 404), ("salesperson", 403)])
def test_an_earlier_versions_open_question_is_answered_only_by_those_who_may(
    cast, first, who, status
):
    question = ask(cast.salesperson, first, text="What about the North?")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    response = cast.client_for(who).post(
        url("question_answer", question.pk),
        {"answer": "Me.", "next": url("document_detail", second.pk), "carried_over": "1"},
    )
    assert response.status_code == status
    question.refresh_from_db()
    assert (question.answer, question.answered_at) == ("", None)


def test_still_open_questions_read_in_chinese(cast, first):
    ask(cast.salesperson, first, text="华南怎么算？")
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("manager")
    client.cookies["django_language"] = "zh-hans"
    part = earlier_open_part(client.get(url("document_detail", second.pk)).content.decode())
    assert "早前版本尚未回答的问题" in part
    assert "在第 1 版提出，尚未回答" in part


def test_open_questions_of_earlier_versions_take_a_constant_number_of_queries(
    cast, first, django_assert_max_num_queries
):
    ask(cast.salesperson, first)
    document = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("manager")
    client.get(url("document_detail", document.pk))
    with django_assert_max_num_queries(40) as two:
        client.get(url("document_detail", document.pk))
    for number in range(3):
        for person in (cast.salesperson, cast.salesperson2, cast.other_salesperson):
            ask(person, document, text=f"Q{number} {person.name}")
        document = new_version(document, author=cast.executive, body=f"{NEW_BODY}\n\n{number}")
    with django_assert_max_num_queries(len(two.captured_queries)):
        page = client.get(url("document_detail", document.pk)).content.decode()
    assert earlier_open_part(page).count("data-question=") == 7, "the team's: 1 + 3 × 2"


# --- after confirming the new version ----------------------------------------------------


def test_the_changes_fold_away_once_the_reader_confirmed_the_new_version(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    client = cast.client_for("salesperson")
    before = client.get(url("document_detail", second.pk)).content.decode()
    assert '<section class="card mb-4 border-info-subtle" id="changes"' in before
    client.post(url("document_confirm", second.pk))
    after = client.get(url("document_detail", second.pk)).content.decode()
    tag = re.search(r'<(\w+)([^>]*) id="changes"([^>]*)>', after)
    assert tag is not None and tag.group(1) == "details"
    assert "open" not in tag.group(2) + tag.group(3), "closed until the reader opens it"
    assert "What changed since version 1, which you confirmed" in after
    assert after.index('id="changes"') < after.index('id="document-body"')


# --- wording of the versions and the audience ---------------------------------------------


def test_the_versions_list_separates_publication_and_supersession(cast, first):
    second = new_version(first, author=cast.executive, body=NEW_BODY)
    first.refresh_from_db()
    published = timezone.localdate(first.published_at).isoformat()
    superseded = timezone.localdate(first.superseded_at).isoformat()
    client = cast.client_for("salesperson")
    page = client.get(url("document_detail", second.pk)).content.decode()
    assert f"Published on {published}, superseded on {superseded}" in page
    assert "For: the whole company" in page
    client.cookies["django_language"] = "zh-hans"
    page = client.get(url("document_detail", second.pk)).content.decode()
    assert f"发布于 {published}，{superseded} 被取代" in page
    assert "发送对象：全公司" in page
