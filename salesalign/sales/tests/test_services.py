"""Single-record services: customers, orders from a page, satisfaction answers, survey links."""

from __future__ import annotations

import datetime
import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from salesalign.core.exceptions import DomainError, NotAllowed
from salesalign.organization.models import UnitAssignment
from salesalign.organization.tests.factories import ProductLineFactory, RegionFactory
from salesalign.sales import services
from salesalign.sales.models import (
    Customer,
    Order,
    SalesFact,
    SatisfactionResponse,
    SurveyInvitation,
)
from salesalign.sales.rows import LineRow
from salesalign.sales.tests.factories import CustomerFactory, make_order, order_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def product_line(db):
    return ProductLineFactory(code="PL1")


@pytest.fixture
def customer(cast):
    return CustomerFactory(code="ACME", owner=cast.salesperson)


# --- customers ---------------------------------------------------------------------------


def test_a_salesperson_creates_customers_they_own(cast):
    customer = services.customer_create(
        actor=cast.salesperson.user, code=" C-1 ", name=" 新客户 ", region=RegionFactory()
    )
    assert (customer.code, customer.name, customer.owner) == ("C-1", "新客户", cast.salesperson)
    with pytest.raises(NotAllowed):
        services.customer_create(
            actor=cast.salesperson.user, code="C-2", name="x", owner=cast.salesperson2
        )


def test_a_manager_gives_customers_to_their_team_only(cast):
    services.customer_create(actor=cast.manager.user, code="C-1", name="x", owner=cast.salesperson2)
    with pytest.raises(NotAllowed):
        services.customer_create(
            actor=cast.manager.user, code="C-2", name="x", owner=cast.other_salesperson
        )
    with pytest.raises(DomainError) as caught:
        services.customer_create(actor=cast.manager.user, code="C-3", name="x")
    assert caught.value.field == "owner"
    assert list(Customer.objects.values_list("code", flat=True)) == ["C-1"]


def test_a_duplicate_customer_code_is_a_validation_error(cast, customer):
    with pytest.raises(ValidationError) as caught:
        services.customer_create(actor=cast.admin.user, code="ACME", name="again")
    assert "code" in caught.value.message_dict


def test_customers_are_changed_by_those_who_see_them(cast, customer):
    services.customer_update(actor=cast.salesperson.user, customer=customer, name="Acme Ltd")
    customer.refresh_from_db()
    assert customer.name == "Acme Ltd"
    with pytest.raises(NotAllowed):
        services.customer_update(actor=cast.salesperson2.user, customer=customer, name="Mine")
    with pytest.raises(NotAllowed):
        services.customer_update(actor=cast.other_manager.user, customer=customer, name="Ours")
    services.customer_update(
        actor=cast.executive.user, customer=customer, owner=cast.other_salesperson
    )
    customer.refresh_from_db()
    assert customer.owner == cast.other_salesperson


def test_a_new_region_moves_the_customers_facts(cast, customer, product_line):
    make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    north = RegionFactory(code="NORTH")
    services.customer_update(actor=cast.manager.user, customer=customer, region=north)
    assert set(SalesFact.objects.values_list("region_id", flat=True)) == {north.pk}


def test_a_customer_with_orders_cannot_be_deleted(cast, customer, product_line):
    make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    with pytest.raises(NotAllowed):
        services.customer_delete(actor=cast.salesperson.user, customer=customer)
    with pytest.raises(DomainError, match="has orders"):
        services.customer_delete(actor=cast.manager.user, customer=customer)
    empty = CustomerFactory(owner=cast.salesperson)
    services.customer_delete(actor=cast.manager.user, customer=empty)
    assert not Customer.objects.filter(pk=empty.pk).exists()


def test_deleting_what_a_fact_could_name_never_reads_or_deletes_facts(cast, customer, product_line):
    """A fact's customer, person, unit and dimension values are each held by a protected
    reference (its order, credit or line), so a delete is refused before it could reach a
    fact: Django must not scan the facts table (no index on those columns) to cascade."""
    make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    empty = CustomerFactory(owner=cast.salesperson)
    unused_region = RegionFactory(code="UNUSED")
    with CaptureQueriesContext(connection) as queries:
        services.customer_delete(actor=cast.manager.user, customer=empty)
        unused_region.delete()
        with pytest.raises(ProtectedError):
            customer.delete()
    assert not Customer.objects.filter(pk=empty.pk).exists()
    assert not any("sales_salesfact" in query["sql"] for query in queries.captured_queries)
    assert SalesFact.objects.filter(customer=customer).count() == 1


# --- orders from a page ------------------------------------------------------------------


def test_an_order_saved_without_an_id_is_numbered(cast, customer, product_line):
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    order = services.order_save(
        actor=cast.salesperson.user, row=_without_id(row), source=services.MANUAL_SOURCE
    )
    assert order.source == "manual"
    assert order.external_id.startswith("M-20240305-")


def _without_id(row):
    from dataclasses import replace

    return replace(row, external_id="")


def test_a_new_order_may_not_take_an_existing_id(cast, customer, product_line):
    existing = make_order(
        customer=customer, salespeople=cast.salesperson, product_line=product_line
    )
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        external_id=existing.external_id,
        amounts=["1"],
    )
    with pytest.raises(DomainError) as caught:
        services.order_save(actor=cast.salesperson.user, row=row)
    assert caught.value.field == "external_id"
    assert existing.lines.get().amount == Decimal("1000.00")


def test_an_order_is_changed_in_place(cast, customer, product_line):
    order = make_order(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, source="erp"
    )
    row = order_row(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["12.34"],
    )
    saved = services.order_save(actor=cast.salesperson.user, row=_without_id(row), order=order)
    assert (saved.pk, saved.source) == (order.pk, "erp")
    assert sum(SalesFact.objects.values_list("revenue_cents", flat=True)) == 1234
    with pytest.raises(NotAllowed):
        services.order_save(actor=cast.other_salesperson.user, row=_without_id(row), order=order)
    with pytest.raises(DomainError) as caught:
        services.order_save(actor=cast.salesperson.user, row=row, order=order)
    assert caught.value.field == "external_id"


def test_a_bad_order_from_a_page_reports_its_fields(cast, customer, product_line):
    row = order_row(
        customer=customer, salespeople=cast.salesperson, product_line=product_line, amounts=["-1"]
    )
    with pytest.raises(services.SalesRowsInvalid) as caught:
        services.order_save(actor=cast.salesperson.user, row=row)
    assert [error.field for error in caught.value.errors] == ["lines[0].amount"]


def test_orders_are_deleted_by_managers_with_their_facts(cast, customer, product_line):
    first = make_order(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    second = make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        ordered_on=datetime.date(2024, 5, 1),
    )
    with pytest.raises(NotAllowed):
        services.order_delete(actor=cast.salesperson.user, order=first)
    with pytest.raises(NotAllowed):
        services.order_delete(actor=cast.other_manager.user, order=first)
    services.order_delete(actor=cast.manager.user, order=first)
    assert not Order.objects.filter(pk=first.pk).exists()
    assert set(SalesFact.objects.values_list("order_id", flat=True)) == {second.pk}
    customer.refresh_from_db()
    assert customer.first_won_order == second
    assert SalesFact.objects.get().new_customer_share == 10_000


def test_an_order_with_returns_is_not_deleted(cast, customer, product_line):
    original = make_order(
        customer=customer, salespeople=cast.salesperson, product_line=product_line
    )
    make_order(
        customer=customer,
        salespeople=cast.salesperson,
        product_line=product_line,
        amounts=["-1"],
        status="returned",
        original_external_id=original.external_id,
    )
    with pytest.raises(DomainError, match="returns"):
        services.order_delete(actor=cast.admin.user, order=original)


# --- satisfaction ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scale", "score", "normalized"),
    [("five", 1, 100), ("five", 5, 500), ("nps", 0, 100), ("nps", 7, 380), ("nps", 10, 500)],
)
def test_scores_are_normalized_to_the_five_point_scale(cast, customer, scale, score, normalized):
    response = services.satisfaction_record(
        actor=cast.salesperson.user,
        customer=customer,
        salesperson=cast.salesperson,
        scale=scale,
        score=score,
        responded_on=datetime.date(2024, 3, 9),
        channel="phone",
    )
    assert (response.score_normalized, response.month, response.unit) == (
        normalized,
        202403,
        cast.team,
    )


def test_a_score_off_its_scale_is_refused(cast, customer):
    with pytest.raises(DomainError) as caught:
        services.satisfaction_record(
            actor=cast.manager.user,
            customer=customer,
            salesperson=cast.salesperson,
            scale="five",
            score=0,
            responded_on=datetime.date(2024, 3, 9),
        )
    assert caught.value.field == "score"
    assert not SatisfactionResponse.objects.exists()


def test_an_answer_counts_in_the_unit_of_its_date(cast, customer):
    UnitAssignment.objects.filter(person=cast.salesperson).delete()
    UnitAssignment.objects.create(
        person=cast.salesperson, unit=cast.other_team, valid_from=datetime.date(2024, 6, 1)
    )
    UnitAssignment.objects.create(
        person=cast.salesperson, unit=cast.team, valid_from=datetime.date(2023, 1, 1)
    )
    response = services.satisfaction_record(
        actor=None,
        customer=customer,
        salesperson=cast.salesperson,
        scale="five",
        score=4,
        responded_on=datetime.date(2024, 3, 1),
    )
    assert response.unit == cast.team


def test_salespeople_do_not_correct_answers_about_themselves(cast, customer):
    response = services.satisfaction_record(
        actor=cast.salesperson.user,
        customer=customer,
        salesperson=cast.salesperson,
        scale="five",
        score=2,
        responded_on=datetime.date(2024, 3, 1),
    )
    fields = {
        "customer": customer,
        "salesperson": cast.salesperson,
        "scale": "five",
        "score": 5,
        "responded_on": datetime.date(2024, 3, 1),
        "channel": "phone",
    }
    with pytest.raises(NotAllowed):
        services.satisfaction_update(actor=cast.salesperson.user, response=response, **fields)
    with pytest.raises(NotAllowed):
        services.satisfaction_delete(actor=cast.salesperson.user, response=response)
    services.satisfaction_update(actor=cast.manager.user, response=response, **fields)
    response.refresh_from_db()
    assert (response.score, response.score_normalized) == (5, 500)


def test_a_survey_link_is_stored_as_a_hash_and_answers_once(cast, customer):
    token = services.survey_invitation_create(
        actor=cast.salesperson.user, customer=customer, salesperson=cast.salesperson, scale="nps"
    )
    invitation = SurveyInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in invitation.token_hash
    assert invitation.expires_at - timezone.now() > timedelta(days=13)
    response = services.survey_answer(token=token, score=9, comment=" 很好 ")
    assert (response.channel, response.score_normalized, response.comment) == ("link", 460, "很好")
    invitation.refresh_from_db()
    assert invitation.response == response and invitation.used_at is not None
    with pytest.raises(DomainError, match="already been answered"):
        services.survey_answer(token=token, score=3)
    assert SatisfactionResponse.objects.count() == 1


def test_an_expired_or_unknown_survey_link_is_refused(cast, customer):
    token = services.survey_invitation_create(
        actor=cast.manager.user, customer=customer, salesperson=cast.salesperson, days_valid=1
    )
    SurveyInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="expired"):
        services.survey_answer(token=token, score=4)
    with pytest.raises(DomainError) as caught:
        services.survey_answer(token="sa_made_up", score=4)
    assert caught.value.code == "not_found"
    assert not SatisfactionResponse.objects.exists()


def test_survey_links_are_sent_only_about_people_one_manages(cast, customer):
    with pytest.raises(NotAllowed):
        services.survey_invitation_create(
            actor=cast.salesperson2.user, customer=customer, salesperson=cast.salesperson
        )
    with pytest.raises(NotAllowed):
        services.survey_invitation_create(
            actor=cast.hr.user, customer=customer, salesperson=cast.salesperson
        )
    assert not SurveyInvitation.objects.exists()


def test_order_rows_built_by_hand_resolve_like_imports(cast, customer, product_line):
    row = order_row(customer=customer, salespeople=cast.salesperson, product_line=product_line)
    row = type(row)(
        **{
            **row.__dict__,
            "lines": (LineRow(product_line_code=" PL1 ", amount=Decimal("2.50")),),
        }
    )
    order = services.order_save(actor=cast.salesperson.user, row=row)
    assert order.lines.get().product_line == product_line
