"""Import of satisfaction answers: bad inputs with nothing written, no duplicates, pages, tasks."""

from __future__ import annotations

import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from salesalign.core.exceptions import DomainError
from salesalign.core.models import ImportBatch
from salesalign.core.spreadsheets import read_xlsx
from salesalign.organization import services as organization_services
from salesalign.sales import importing_records
from salesalign.sales.choices import SurveyChannel, SurveyScale
from salesalign.sales.models import Customer, ImportMapping, SatisfactionResponse
from salesalign.sales.tests.import_helpers import csv_file, reasons, xlsx_file
from salesalign.sales.upserts import SatisfactionRow, satisfaction_upsert

pytestmark = pytest.mark.django_db

KIND = importing_records.KIND_SATISFACTION
HEADER = "客户编号,销售员,评分,量表,日期,渠道,评语,外部编号"
GOOD = (
    "C001,sales1,5,,2024-03-05,电话,很满意,S-1",
    "C001,销售二,9,NPS,2024/3/6,visit,,S-2",
    "甲公司,sales1,4,1-5,2024年3月7日,,送货慢,",  # the customer by its name, no external ID
)


def answers_csv(*rows: str, header: str = HEADER, encoding: str = "utf-8") -> bytes:
    return csv_file(*rows, header=header, encoding=encoding)


def check(world, content: bytes, *, file_name: str = "answers.csv", source: str = "Survey"):
    return importing_records.import_check(
        user=world.cast.admin.user, kind=KIND, file_name=file_name, content=content, source=source
    )


def commit(world, batch: ImportBatch) -> ImportBatch:
    return importing_records.import_commit(user=world.cast.admin.user, batch_id=batch.pk)


def snapshot() -> tuple[list[tuple], int]:
    """Every answer as stored, and the audit entries: what an import could write."""
    return (
        list(
            SatisfactionResponse.objects.order_by("pk").values_list(
                "customer_id",
                "salesperson_id",
                "unit_id",
                "scale",
                "score",
                "comment",
                "responded_on",
                "channel",
                "external_id",
                "updated_at",
            )
        ),
        LogEntry.objects.count(),
    )


def assert_refused_and_nothing_written(world, batch: ImportBatch, before) -> None:
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.error_count > 0
    with pytest.raises(DomainError):
        commit(world, batch)
    assert snapshot() == before
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED


# ---------------------------------------------------------------- a good file


def test_a_good_file_is_checked_then_committed(world):
    cast = world.cast
    batch = check(world, answers_csv(*GOOD))
    assert batch.errors == []
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (3, 0, 0)
    assert not SatisfactionResponse.objects.exists()  # the check writes nothing
    batch = commit(world, batch)
    assert batch.status == ImportBatch.Status.COMMITTED
    first = SatisfactionResponse.objects.get(external_id="S-1")
    assert (first.customer, first.salesperson, first.unit) == (
        world.customer,
        cast.salesperson,
        cast.team,
    )
    assert (first.scale, first.score, first.score_normalized) == (SurveyScale.FIVE_POINT, 5, 500)
    assert (first.channel, first.comment, first.month) == (SurveyChannel.PHONE, "很满意", 202403)
    nps = SatisfactionResponse.objects.get(external_id="S-2")
    assert (nps.scale, nps.score, nps.score_normalized) == (SurveyScale.NPS, 9, 460)
    assert (nps.salesperson, nps.channel) == (cast.salesperson2, SurveyChannel.VISIT)
    third = SatisfactionResponse.objects.get(external_id="")
    assert (third.responded_on, third.channel) == (dt.date(2024, 3, 7), SurveyChannel.IMPORT)
    entries = LogEntry.objects.get_for_model(SatisfactionResponse)
    assert entries.count() == 3
    assert {entry.additional_data["import_batch"] for entry in entries} == {batch.pk}
    assert {entry.actor for entry in entries} == {cast.admin.user}
    assert {entry.object_id for entry in entries} == set(
        SatisfactionResponse.objects.values_list("pk", flat=True)
    )


def test_an_answer_counts_in_the_salespersons_unit_on_its_date(world):
    cast = world.cast
    organization_services.person_update(
        actor=cast.admin.user, person=cast.salesperson, unit=cast.other_team
    )
    past = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    today = dt.date.today().isoformat()
    commit(
        world,
        check(world, answers_csv(f"C001,sales1,4,,{past},,,OLD", f"C001,sales1,4,,{today},,,NEW")),
    )
    units = dict(SatisfactionResponse.objects.values_list("external_id", "unit_id"))
    assert units == {"OLD": cast.team.pk, "NEW": cast.other_team.pk}


def test_reimporting_the_same_file_changes_nothing(world):
    commit(world, check(world, answers_csv(*GOOD)))
    before = snapshot()
    again = check(world, answers_csv(*GOOD))
    assert (again.new_count, again.changed_count, again.unchanged_count) == (0, 0, 3)
    again = commit(world, again)
    assert again.status == ImportBatch.Status.COMMITTED
    assert snapshot() == before


def test_a_corrected_answer_with_an_external_id_is_updated_in_place(world):
    commit(world, check(world, answers_csv(*GOOD)))
    corrected = list(GOOD)
    corrected[1] = "C001,销售二,7,NPS,2024/3/6,visit,回访后改分,S-2"
    batch = check(world, answers_csv(*corrected))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 1, 2)
    assert batch.summary["changes"] == [{"row": 3, "record": "S-2", "action": "updated"}]
    commit(world, batch)
    assert SatisfactionResponse.objects.count() == 3
    answer = SatisfactionResponse.objects.get(external_id="S-2")
    assert (answer.score, answer.score_normalized, answer.comment) == (7, 380, "回访后改分")


def test_an_answer_without_an_id_is_matched_by_its_content_and_only_its_channel_changes(world):
    row = "C001,sales1,4,,2024-03-07,,送货慢,"
    commit(world, check(world, answers_csv(row)))
    batch = check(world, answers_csv(row.replace(",,送货慢", ",phone,送货慢")))
    assert (batch.new_count, batch.changed_count, batch.unchanged_count) == (0, 1, 0)
    commit(world, batch)
    assert SatisfactionResponse.objects.get().channel == SurveyChannel.PHONE
    # Another score is another answer: without an ID nothing says it corrects the first.
    batch = check(world, answers_csv(row.replace(",4,", ",3,")))
    assert batch.new_count == 1


def test_an_answer_imported_without_an_id_takes_the_id_it_is_sent_with_later(world):
    commit(world, check(world, answers_csv("C001,sales1,4,,2024-03-07,,送货慢,")))
    batch = check(world, answers_csv("C001,sales1,4,,2024-03-07,,送货慢,S-9"))
    assert (batch.new_count, batch.changed_count) == (0, 1)
    commit(world, batch)
    assert list(SatisfactionResponse.objects.values_list("external_id", flat=True)) == ["S-9"]


def test_an_xlsx_file_with_english_headers_and_typed_cells_is_read(world):
    content = xlsx_file(
        [
            ["Customer code", "Salesperson", "Score", "Scale", "Date", "Response ID"],
            ["C001", "sales1", 4, "five", dt.datetime(2024, 3, 5), "X-1"],
            ["C001", "Sales2", 10.0, "0-10", 45357, "X-2"],  # 45357 = 2024-03-06
        ]
    )
    batch = check(world, content, file_name="answers.xlsx")
    assert batch.errors == []
    commit(world, batch)
    assert SatisfactionResponse.objects.get(external_id="X-2").responded_on == dt.date(2024, 3, 6)


def test_a_gbk_csv_is_read(world):
    assert check(world, answers_csv(*GOOD, encoding="gbk")).errors == []


# ---------------------------------------------------------------- bad files, nothing written


def test_a_file_in_a_foreign_encoding_is_refused_with_a_hint(world):
    before = snapshot()
    batch = check(world, answers_csv(*GOOD, encoding="utf-16"))
    assert "UTF-16" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_an_empty_file_is_refused(world):
    before = snapshot()
    batch = check(world, b"")
    assert "The file is empty." in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_file_with_only_a_header_is_refused(world):
    before = snapshot()
    batch = check(world, answers_csv())
    assert "header row but no data rows" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


def test_a_missing_score_column_is_named(world):
    before = snapshot()
    batch = check(world, answers_csv("C001,sales1,2024-03-05", header="客户编号,销售员,日期"))
    assert [error["column"] for error in batch.errors] == ["Score"]
    assert "no “Score” column (e.g. “评分 / Score”)" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


def test_an_unknown_customer_is_listed_once_and_can_be_mapped(world):
    before = snapshot()
    rows = ("C999,sales1,5,,2024-03-05,,,A", "C999,sales1,4,,2024-03-06,,,B")
    batch = check(world, answers_csv(*rows))
    unknown = [e for e in batch.errors if e.get("unknown") == "customer"]
    assert len(unknown) == 1
    assert (unknown[0]["row"], unknown[0]["column"]) == (2, "客户编号")
    assert "Unknown customer “C999” (used in 2 rows)" in unknown[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)
    key = batch.summary["unknown"]["customer"][0]["key"]
    batch = importing_records.import_remap(
        user=world.cast.admin.user,
        batch=batch,
        columns={},
        values={"customer": {key: world.customer.pk}},
    )
    assert batch.errors == []
    commit(world, batch)
    assert set(SatisfactionResponse.objects.values_list("customer_id", flat=True)) == {
        world.customer.pk
    }
    assert ImportMapping.objects.get(kind=KIND, source="Survey").values["customer"] == {
        key: world.customer.pk
    }


def test_an_unknown_salesperson_is_listed_once(world):
    before = snapshot()
    batch = check(world, answers_csv("C001,张无忌,5,,2024-03-05,,,"))
    assert "Unknown salesperson “张无忌” (used in 1 row)" in reasons(batch)
    assert batch.errors[0]["column"] == "销售员"
    assert_refused_and_nothing_written(world, batch, before)


@pytest.mark.parametrize(
    ("score", "scale", "message"),
    [
        ("6", "", "On this scale the score is from 1 to 5."),
        ("0", "1-5", "On this scale the score is from 1 to 5."),
        ("11", "NPS", "On this scale the score is from 0 to 10."),
        ("-1", "nps", "On this scale the score is from 0 to 10."),
        ("4.5", "", "Not a score; write a whole number"),
        ("good", "", "Not a score; write a whole number"),
        ("", "", "A value is required."),
    ],
)
def test_a_score_off_its_scale_is_refused(world, score, scale, message):
    before = snapshot()
    batch = check(world, answers_csv(f"C001,sales1,{score},{scale},2024-03-05,,,"))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, "评分")]
    assert message in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        ("C001,sales1,4,percent,2024-03-05,,,", "量表", "Unknown scale; write 1–5 or NPS (0–10)."),
        ("C001,sales1,4,,05.03.24,,,", "日期", "Not a date"),
        ("C001,sales1,4,,,,,", "日期", "A value is required."),
        ("C001,sales1,4,,2024-03-05,pigeon,,", "渠道", "Unknown channel; write one of: link"),
        ("C001,sales1,4,,2024-03-05,,," + "X" * 81, "外部编号", "Too long: at most 80"),
        (",sales1,4,,2024-03-05,,,", "客户编号", "A value is required."),
    ],
)
def test_other_bad_cells_are_refused_with_their_column(world, row, column, message):
    before = snapshot()
    batch = check(world, answers_csv(row))
    assert [(e["row"], e["column"]) for e in batch.errors] == [(2, column)]
    assert message in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


def test_an_external_id_twice_in_one_file_is_refused(world):
    before = snapshot()
    batch = check(
        world, answers_csv("C001,sales1,4,,2024-03-05,,,S-1", "C001,sales2,5,,2024-03-06,,,S-1")
    )
    assert [(e["row"], e["column"]) for e in batch.errors] == [(3, "外部编号")]
    assert "S-1 appears more than once (first in row 2)" in batch.errors[0]["reason"]
    assert_refused_and_nothing_written(world, batch, before)


def test_the_same_answer_twice_without_an_id_is_refused(world):
    before = snapshot()
    row = "C001,sales1,4,,2024-03-05,,送货慢,"
    batch = check(world, answers_csv(row, row))
    assert [e["row"] for e in batch.errors] == [3]
    assert "The same answer appears more than once (first in row 2)" in reasons(batch)
    assert_refused_and_nothing_written(world, batch, before)


# ---------------------------------------------------------------- the service on its own


def test_a_salesperson_may_record_answers_about_themselves_only(world):
    cast = world.cast
    row = SatisfactionRow("C001", "sales2", 4, dt.date(2024, 3, 5), row=1)
    result = satisfaction_upsert(actor=cast.salesperson.user, rows=[row], dry_run=True)
    assert [error.reason for error in result.errors] == ["You may not record answers about 销售二."]
    mine = SatisfactionRow("C001", "sales1", 4, dt.date(2024, 3, 5), row=1)
    assert satisfaction_upsert(actor=cast.salesperson.user, rows=[mine]).created == 1


def test_a_manager_may_not_record_answers_for_customers_they_do_not_see(world):
    Customer.objects.create(code="C900", name="壬公司", owner=world.cast.other_salesperson)
    row = SatisfactionRow("C900", "sales1", 4, dt.date(2024, 3, 5), row=1)
    result = satisfaction_upsert(actor=world.cast.manager.user, rows=[row], dry_run=True)
    assert [error.reason for error in result.errors] == ["You may not change this customer."]


# ---------------------------------------------------------------- scale


def _rows(count: int) -> bytes:
    return answers_csv(
        *(f"C001,sales1,{n % 5 + 1},,2024-03-{n % 28 + 1:02d},,,R-{n}" for n in range(count))
    )


@pytest.mark.parametrize("phase", ["check", "commit"])
def test_1000_answers_take_as_many_queries_as_100(world, phase):
    ContentType.objects.get_for_model(SatisfactionResponse)  # cached once, for the audit trail
    counts = []
    for size in (100, 1000):
        SatisfactionResponse.objects.all().delete()
        batch = None
        with CaptureQueriesContext(connection) as queries:
            batch = check(world, _rows(size), source=f"S{size}")
        if phase == "commit":
            with CaptureQueriesContext(connection) as queries:
                batch = commit(world, batch)
        assert batch.new_count == size
        counts.append(len(queries))
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- the background path


def test_a_large_file_is_checked_and_committed_in_the_background(
    world, settings, immediate_tasks, django_capture_on_commit_callbacks
):
    settings.IMPORT_BACKGROUND_ROWS = 10
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        batch = check(world, _rows(30))
    assert len(callbacks) == 1  # the check went to the queue
    batch.refresh_from_db()
    assert (batch.status, batch.new_count) == (ImportBatch.Status.PREVIEWED, 30)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        commit(world, batch)
    assert len(callbacks) == 1
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert SatisfactionResponse.objects.count() == 30


def test_a_queued_file_shows_a_progress_bar_until_the_worker_is_done(world, settings):
    settings.IMPORT_BACKGROUND_ROWS = 10
    batch = check(world, _rows(30))  # no worker runs: it stays queued
    assert batch.status == ImportBatch.Status.QUEUED
    client = world.cast.client_for("admin")
    page = client.get(reverse("sales:import_preview", args=[batch.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and 'id="import-commit"' not in page
    importing_records.run_phase(batch.pk, "check", world.cast.admin.user.pk)  # the worker
    done = client.get(reverse("sales:import_progress", args=[batch.pk]), HTTP_HX_REQUEST="true")
    assert done["HX-Refresh"] == "true"
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED


# ---------------------------------------------------------------- pages


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_the_pages_take_an_answers_file_from_upload_to_commit(world):
    client = world.cast.client_for("admin")
    page = client.get(reverse("sales:import_start"), {"kind": "satisfaction"}).content.decode()
    assert "Import satisfaction answers" in page and "评分 / Score" in page
    upload = client.post(
        reverse("sales:import_start"),
        {"kind": "satisfaction", "file": _upload("answers.csv", answers_csv(*GOOD)), "source": ""},
    )
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.source) == (KIND, "import")
    preview = client.get(upload.url).content.decode()
    assert 'name="column__score"' in preview and 'id="import-commit" disabled' not in preview
    response = client.post(reverse("sales:import_commit", args=[batch.pk]), follow=True)
    html = response.content.decode()
    assert "Imported: 3 new, 0 changed, 0 unchanged satisfaction answers." in html
    assert reverse("sales:satisfaction_list") in html
    assert SatisfactionResponse.objects.count() == 3


def test_the_template_lists_the_answer_columns(world):
    client = world.cast.client_for("admin")
    sheets = read_xlsx(
        client.get(reverse("sales:import_template", args=["satisfaction", "xlsx"])).content
    )
    assert list(sheets[0].header) == [c.header for c in importing_records.SATISFACTION_COLUMNS]
    assert [row.cells[:2] for row in sheets[1].rows][:3] == [
        ("客户编号 / Customer code", "required"),
        ("销售员 / Salesperson", "required"),
        ("评分 / Score", "required"),
    ]


@pytest.mark.parametrize(
    ("name", "method", "args"),
    [
        ("sales:import_start", "get", []),
        ("sales:import_history", "get", []),
        ("sales:import_template", "get", ["satisfaction", "csv"]),
        ("sales:import_preview", "get", ["batch"]),
        ("sales:import_mapping", "post", ["batch"]),
        ("sales:import_commit", "post", ["batch"]),
        ("sales:import_progress", "get", ["batch"]),
        ("sales:import_download", "get", ["batch"]),
        ("sales:import_errors_download", "get", ["batch", "xlsx"]),
    ],
)
def test_only_administrators_may_use_the_satisfaction_import_pages(world, name, method, args):
    batch = check(world, answers_csv(*GOOD))
    assert batch.can_commit
    url = reverse(name, args=[batch.pk if arg == "batch" else arg for arg in args])
    if name == "sales:import_start":
        url += "?kind=satisfaction"
    for who in ("executive", "hr", "manager", "salesperson", "other_salesperson", "outsider"):
        response = getattr(world.cast.client_for(who), method)(url)
        assert response.status_code == 403, who
    assert not SatisfactionResponse.objects.exists()  # a refused commit wrote nothing
    admin = getattr(world.cast.client_for("admin"), method)(url)
    assert admin.status_code in (200, 302)
