"""Forms of the sales pages. They parse input; the services decide and write.

Choices that carry people's data (customers, salespeople) are limited to what
the user may see; the services check again.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from salesalign.core.roles import person_of, sees_company
from salesalign.core.widgets import DateInput
from salesalign.organization.forms import (
    BootstrapFormMixin,
    PersonChoiceField,
    TreeChoiceField,
)
from salesalign.organization.models import CustomerSegment, Person, ProductLine, Region
from salesalign.sales.choices import OrderStatus, SurveyChannel, SurveyScale
from salesalign.sales.models import SHARE_SCALE, Customer, Order, SatisfactionResponse
from salesalign.sales.rows import CreditRow, LineRow, OrderRow

#: Channels a person may enter by hand (links, imports and the API record themselves).
MANUAL_CHANNELS = [
    (value, label)
    for value, label in SurveyChannel.choices
    if value not in {SurveyChannel.LINK, SurveyChannel.IMPORT, SurveyChannel.API}
]

ACTIVE_ALL = ""
ACTIVE_YES = "yes"
ACTIVE_NO = "no"


def visible_people(user: Any, *, include: Any = None) -> Any:
    """Active people the user may see (plus `include`, e.g. a current owner who has left)."""
    condition = Q(is_active=True)
    if include is not None:
        condition |= Q(pk=include.pk)
    people = Person.objects.visible_to(user).filter(condition)
    return people.select_related("unit").order_by("employee_number")


class CustomerCodeField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A customer typed by code (with suggestions); a select of every customer would not scale."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Customer (code)"))
        super().__init__(
            queryset=Customer.objects.none(),
            to_field_name="code",
            error_messages={"invalid_choice": _("No customer you may see has this code.")},
            widget=forms.TextInput(attrs={"autocomplete": "off", "list": "customer-codes"}),
            **kwargs,
        )

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, Customer):
            return value.code
        return super().prepare_value(value)


def _model_field(model: Any, name: str, **kwargs: Any) -> Any:
    """The model field's own form field: same label, length and validation."""
    return model._meta.get_field(name).formfield(**kwargs)


# --- customers ---------------------------------------------------------------------------


class CustomerForm(BootstrapFormMixin, forms.Form):
    """Create or change a customer."""

    code = _model_field(Customer, "code")
    name = _model_field(Customer, "name")
    name_en = _model_field(Customer, "name_en")
    segment = TreeChoiceField(
        queryset=CustomerSegment.objects.order_by("path"),
        required=False,
        label=_("Customer segment"),
        empty_label=_("— none —"),
    )
    region = TreeChoiceField(
        queryset=Region.objects.order_by("path"),
        required=False,
        label=_("Region"),
        empty_label=_("— none —"),
    )
    owner = PersonChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=_("Owning salesperson"),
        empty_label=_("— nobody —"),
    )
    is_active = _model_field(Customer, "is_active")

    FIELDS = ("code", "name", "name_en", "segment", "region", "owner", "is_active")

    def __init__(self, *args: Any, user: Any, customer: Customer | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        owner = customer.owner if customer is not None else None
        self.fields["owner"].queryset = visible_people(user, include=owner)  # type: ignore[attr-defined]
        # Someone who does not see the whole company would lose sight of an unowned customer.
        self.fields["owner"].required = not sees_company(user)
        if customer is None and not self.is_bound:
            me = person_of(user)
            if me is not None:
                self.initial.setdefault("owner", me.pk)

    @classmethod
    def initial_for(cls, customer: Customer) -> dict[str, Any]:
        initial = {name: getattr(customer, name) for name in cls.FIELDS}
        initial["segment"] = customer.segment_id
        initial["region"] = customer.region_id
        initial["owner"] = customer.owner_id
        return initial


class CustomerFilterForm(BootstrapFormMixin, forms.Form):
    """The search box and filters of the customer list (all optional)."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}),
    )
    segment = TreeChoiceField(
        queryset=CustomerSegment.objects.order_by("path"),
        required=False,
        label=_("Segment (and below)"),
        empty_label=_("All segments"),
    )
    region = TreeChoiceField(
        queryset=Region.objects.order_by("path"),
        required=False,
        label=_("Region (and below)"),
        empty_label=_("All regions"),
    )
    owner = PersonChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=_("Owner"),
        empty_label=_("All owners"),
    )
    active = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[(ACTIVE_YES, _("Active")), (ACTIVE_NO, _("Inactive")), (ACTIVE_ALL, _("All"))],
        initial=ACTIVE_YES,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = visible_people(user)  # type: ignore[attr-defined]

    def search_arguments(self) -> dict[str, Any]:
        """The arguments of `selectors.customer_search`; invalid filters are ignored, not fatal."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        active = data.get("active")
        if "active" not in self.data:
            active = ACTIVE_YES
        return {
            "query": data.get("q") or "",
            "segment": data.get("segment"),
            "region": data.get("region"),
            "owner": data.get("owner"),
            "active": {ACTIVE_YES: True, ACTIVE_NO: False}.get(active or ""),
        }


class SurveyLinkForm(BootstrapFormMixin, forms.Form):
    """Make a single-use survey link for a customer, about one salesperson."""

    salesperson = PersonChoiceField(queryset=Person.objects.none(), label=_("About"))
    scale = forms.ChoiceField(label=_("Scale"), choices=SurveyScale.choices)
    days_valid = forms.IntegerField(
        label=_("Valid for (days)"), min_value=1, max_value=90, initial=14
    )

    def __init__(self, *args: Any, user: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        people = visible_people(user)
        self.fields["salesperson"].queryset = people  # type: ignore[attr-defined]
        if not self.is_bound:
            me = person_of(user)
            default = customer.owner_id or (me.pk if me else None)
            self.initial.setdefault("salesperson", default)


# --- orders ------------------------------------------------------------------------------


class OrderForm(BootstrapFormMixin, forms.Form):
    """The head of an order: who bought, when, and whether it is a return."""

    external_id = forms.CharField(
        label=_("Order ID"),
        max_length=80,
        required=False,
        help_text=_("Leave empty to number it automatically."),
    )
    customer = CustomerCodeField()
    ordered_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    status = forms.ChoiceField(label=_("Status"), choices=OrderStatus.choices)
    original_order = forms.CharField(
        label=_("Original order (for a return)"),
        max_length=80,
        required=False,
        help_text=_("The order ID of the order this return gives back."),
    )
    currency = forms.CharField(label=_("Currency"), max_length=3, initial=settings.COMPANY_CURRENCY)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, order: Order | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)  # type: ignore[attr-defined]
        if order is not None:
            # The order ID is its key in its source; changing it would make another order.
            self.fields["external_id"].disabled = True
            self.fields["external_id"].help_text = ""

    def clean_currency(self) -> str:
        return str(self.cleaned_data["currency"]).strip().upper()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("status") == OrderStatus.RETURNED and not data.get("original_order"):
            self.add_error("original_order", _("A return names the order it gives back."))
        if data.get("status") != OrderStatus.RETURNED and data.get("original_order"):
            self.add_error("original_order", _("Only a return refers to an original order."))
        return data

    @classmethod
    def initial_for(cls, order: Order) -> dict[str, Any]:
        return {
            "external_id": order.external_id,
            "customer": order.customer,
            "ordered_on": order.ordered_on,
            "status": order.status,
            "original_order": order.original_order.external_id if order.original_order else "",
            "currency": order.currency,
            "note": order.note,
        }


class OrderLineForm(BootstrapFormMixin, forms.Form):
    """One line of an order."""

    product_line = TreeChoiceField(
        queryset=ProductLine.objects.order_by("path"), label=_("Product line")
    )
    quantity = forms.DecimalField(
        label=_("Quantity"), max_digits=14, decimal_places=3, initial=Decimal(1)
    )
    amount = forms.DecimalField(
        label=_("Amount"),
        max_digits=16,
        decimal_places=2,
        help_text=_("Negative on a return."),
    )
    cost = forms.DecimalField(label=_("Cost"), max_digits=16, decimal_places=2, required=False)


class OrderCreditForm(BootstrapFormMixin, forms.Form):
    """One credited salesperson and their share in percent."""

    salesperson = forms.CharField(
        label=_("Salesperson (employee number)"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "off", "list": "salesperson-numbers"}),
    )
    share = forms.DecimalField(
        label=_("Share (%)"),
        max_digits=5,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal(100),
        initial=Decimal(100),
    )

    def clean_salesperson(self) -> str:
        return str(self.cleaned_data["salesperson"]).strip()


class BaseRowsFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """A formset whose filled, not deleted forms are the rows; at least one is needed.

    A form counts when one of its `key_fields` has a value (a blank row added
    by mistake is skipped; an unchanged row shown from the order counts).
    """

    empty_message: Any = _("Enter at least one row.")
    key_fields: tuple[str, ...] = ()

    def filled_forms(self) -> list[forms.Form]:
        return [
            form
            for form in self.forms
            if not (self.can_delete and self._should_delete_form(form))  # type: ignore[attr-defined]
            and any(form.cleaned_data.get(name) not in (None, "") for name in self.key_fields)
        ]

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        if not self.filled_forms():
            raise forms.ValidationError(self.empty_message)


class LineFormSet(BaseRowsFormSet):
    empty_message = _("An order needs at least one line.")
    key_fields = ("product_line", "amount")


class CreditFormSet(BaseRowsFormSet):
    empty_message = _("Credit at least one salesperson.")
    key_fields = ("salesperson",)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        numbers = [form.cleaned_data["salesperson"] for form in self.filled_forms()]
        if len(set(numbers)) != len(numbers):
            raise forms.ValidationError(_("Each salesperson is credited once."))


OrderLineFormSet = forms.formset_factory(
    OrderLineForm, formset=LineFormSet, extra=0, can_delete=True, min_num=1
)
OrderCreditFormSet = forms.formset_factory(
    OrderCreditForm, formset=CreditFormSet, extra=0, can_delete=True, min_num=1
)


def percent_to_share(percent: Decimal) -> int:
    """50.00 % → 5,000 basis points."""
    return int((percent * SHARE_SCALE / 100).quantize(Decimal(1)))


def share_to_percent(share: int) -> Decimal:
    """5,000 basis points → 50.00 %."""
    return (Decimal(share) * 100 / SHARE_SCALE).quantize(Decimal("0.01"))


def line_initial(order: Order) -> list[dict[str, Any]]:
    return [
        {
            "product_line": line.product_line_id,
            "quantity": line.quantity,
            "amount": line.amount,
            "cost": line.cost,
        }
        for line in order.lines.all()
    ]


def credit_initial(order: Order) -> list[dict[str, Any]]:
    return [
        {"salesperson": credit.salesperson.employee_number, "share": share_to_percent(credit.share)}
        for credit in order.credits.all()
    ]


def order_row(
    order_form: OrderForm,
    lines: Any,
    credits: Any,
    *,
    external_id: str,
) -> OrderRow:
    """The plain row `orders_upsert` speaks, from a valid order form and its two formsets."""
    data = order_form.cleaned_data
    return OrderRow(
        external_id=external_id,
        customer_code=data["customer"].code,
        ordered_on=data["ordered_on"],
        status=data["status"],
        currency=data["currency"],
        original_external_id=data.get("original_order") or "",
        note=data.get("note") or "",
        lines=tuple(
            LineRow(
                product_line_code=form.cleaned_data["product_line"].code,
                amount=form.cleaned_data["amount"],
                quantity=form.cleaned_data["quantity"],
                cost=form.cleaned_data.get("cost"),
            )
            for form in lines.filled_forms()
        ),
        credits=tuple(
            CreditRow(
                employee_number=form.cleaned_data["salesperson"],
                share=percent_to_share(form.cleaned_data["share"]),
            )
            for form in credits.filled_forms()
        ),
    )


class OrderFilterForm(BootstrapFormMixin, forms.Form):
    """The filters of the order list (all optional)."""

    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *OrderStatus.choices]
    )
    customer = forms.CharField(
        label=_("Customer"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Code or name"), "type": "search"}),
    )
    salesperson = PersonChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=_("Salesperson"),
        empty_label=_("All"),
    )
    product_line = TreeChoiceField(
        queryset=ProductLine.objects.order_by("path"),
        required=False,
        label=_("Product line (and below)"),
        empty_label=_("All"),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = visible_people(user)  # type: ignore[attr-defined]

    def search_arguments(self) -> dict[str, Any]:
        """The arguments of `selectors.order_search`; invalid filters are ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "status": data.get("status") or "",
            "customer": data.get("customer") or "",
            "salesperson": data.get("salesperson"),
            "product_line": data.get("product_line"),
        }


# --- satisfaction ------------------------------------------------------------------------


def _check_score(form: forms.Form, scale: str | None, score: int | None) -> None:
    if scale is None or score is None:
        return
    low, high = (1, 5) if scale == SurveyScale.FIVE_POINT else (0, 10)
    if not low <= score <= high:
        form.add_error(
            "score",
            _("On this scale the score is from %(low)s to %(high)s.") % {"low": low, "high": high},
        )


class SatisfactionForm(BootstrapFormMixin, forms.Form):
    """A satisfaction answer entered by hand, e.g. after a phone call."""

    customer = CustomerCodeField()
    salesperson = PersonChoiceField(queryset=Person.objects.none(), label=_("Salesperson"))
    scale = forms.ChoiceField(label=_("Scale"), choices=SurveyScale.choices)
    score = forms.IntegerField(
        label=pgettext_lazy("a customer's satisfaction score", "Score"), min_value=0, max_value=10
    )
    channel = forms.ChoiceField(
        label=_("Channel"), choices=MANUAL_CHANNELS, initial=SurveyChannel.PHONE
    )
    responded_on = forms.DateField(label=_("Date"), widget=DateInput(), initial=timezone.localdate)
    comment = _model_field(SatisfactionResponse, "comment", widget=forms.Textarea({"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Customer.objects.visible_to(user)  # type: ignore[attr-defined]
        self.fields["salesperson"].queryset = visible_people(user)  # type: ignore[attr-defined]
        me = person_of(user)
        if me is not None and not self.is_bound:
            self.initial.setdefault("salesperson", me.pk)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        _check_score(self, data.get("scale"), data.get("score"))
        if data.get("responded_on") and data["responded_on"] > timezone.localdate():
            self.add_error("responded_on", _("The date is in the future."))
        return data


class SatisfactionFilterForm(BootstrapFormMixin, forms.Form):
    """The filters of the satisfaction list (all optional)."""

    salesperson = PersonChoiceField(
        queryset=Person.objects.none(),
        required=False,
        label=_("Salesperson"),
        empty_label=_("All"),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("To"), required=False, widget=DateInput())
    scale = forms.ChoiceField(
        label=_("Scale"), required=False, choices=[("", _("All")), *SurveyScale.choices]
    )
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *SurveyChannel.choices]
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = visible_people(user)  # type: ignore[attr-defined]

    def search_arguments(self) -> dict[str, Any]:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "salesperson": data.get("salesperson"),
            "date_from": data.get("date_from"),
            "date_to": data.get("date_to"),
            "scale": data.get("scale") or "",
            "channel": data.get("channel") or "",
        }


class SurveyAnswerForm(forms.Form):
    """The customer's answer on the public survey page: a score on the link's scale, a comment."""

    score = forms.TypedChoiceField(
        label=pgettext_lazy("a customer's satisfaction score", "Score"),
        coerce=int,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
    )

    def __init__(self, *args: Any, scale: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        scores = range(1, 6) if scale == SurveyScale.FIVE_POINT else range(0, 11)
        self.fields["score"].choices = [(str(value), str(value)) for value in scores]  # type: ignore[attr-defined]
        self.fields["score"].error_messages["required"] = _("Please choose a score.")


# --- exchange rates ----------------------------------------------------------------------


class ExchangeRateForm(BootstrapFormMixin, forms.Form):
    """Add or change the rate of a currency from a date on (administrators)."""

    currency = forms.CharField(label=_("Currency"), max_length=3)
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput())
    rate = forms.DecimalField(
        label=_("Rate"),
        max_digits=18,
        decimal_places=8,
        help_text=_("What one unit of this currency is worth in the company currency."),
    )
