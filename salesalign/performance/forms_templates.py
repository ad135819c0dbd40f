"""Forms of the scorecard template editor: they read what was typed into the shapes
`services.scorecards.template_save` takes (lines with their rule JSON, rating bands, a forced
distribution); the service and the scoring engine decide whether the template is allowed.

A line without a KPI is left out, so a few spare rows let a user add KPIs without
JavaScript. The service numbers only the lines it is given; `TemplateEditor.line_forms`
says which row of the table each of them came from.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from salesalign.core.choices import Role
from salesalign.core.numbers import plain_text, typed_decimal
from salesalign.engines import scoring
from salesalign.organization.forms import BootstrapFormMixin, TreeChoiceField
from salesalign.organization.models import OrgUnit
from salesalign.performance.choices import KpiDirection
from salesalign.performance.models import Kpi, ScorecardTemplate

LINEAR, BANDS = "linear", "bands"
RATIO, MIRROR = scoring.InverseAttainment.RATIO.value, scoring.InverseAttainment.MIRROR.value
NO_DISTRIBUTION = ""

RULE_CHOICES = [(LINEAR, gettext_lazy("Linear")), (BANDS, gettext_lazy("Bands"))]
MISSING_CHOICES = [
    (
        scoring.MissingPolicy.EXCLUDE.value,
        gettext_lazy("Left out: the other KPIs share its weight"),
    ),
    (scoring.MissingPolicy.SCORE_ZERO.value, gettext_lazy("Scores 0 and keeps its weight")),
]
SCOPE_CHOICES = [
    (NO_DISTRIBUTION, gettext_lazy("None: the minimum scores alone decide")),
    (scoring.DistributionScope.ALL.value, gettext_lazy("Among everyone on this template")),
    (scoring.DistributionScope.DEPARTMENT.value, gettext_lazy("Within each department")),
    (scoring.DistributionScope.TEAM.value, gettext_lazy("Within each team")),
]
INVERSE_CHOICES = [
    (RATIO, gettext_lazy("target ÷ actual")),
    (MIRROR, gettext_lazy("2 − actual ÷ target")),
]

#: Rows a new template starts with, and spare rows an existing one gets below its lines.
FIRST_LINES = 6
SPARE_LINES = 3
SPARE_RATINGS = 2

# --- numbers as typed ----------------------------------------------------------------------

#: Digits with an optional point, once the thousands commas are gone: no exponents.
_PLAIN = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_LONGEST = 40


def _not_a_number(text: str) -> forms.ValidationError:
    return forms.ValidationError(
        gettext_lazy("“%(value)s” is not a number."), code="not_a_number", params={"value": text}
    )


def parse_number(text: str) -> Decimal | None:
    """A number as typed (120, 80.5, 1,000, 30 %, full-width digits); None when empty."""
    typed = text.strip()
    value = typed.removesuffix("%").removesuffix("％").strip()
    if not typed:
        return None
    if len(value) > _LONGEST or not _PLAIN.fullmatch(value.replace(",", "")):
        raise _not_a_number(typed)
    try:
        return typed_decimal(value)
    except ValueError:
        raise _not_a_number(typed) from None


#: A number as the rule JSON keeps it and the editor shows it: 120, not 120.00 or 1.2E+2.
number_text = plain_text


class NumberField(forms.CharField):
    """An optional number typed in a table cell; its value is a Decimal or None."""

    def __init__(self, *, placeholder: str = "", **kwargs: Any) -> None:
        attrs = {"inputmode": "decimal", "class": "form-control-sm text-end", "size": 6}
        if placeholder:
            attrs["placeholder"] = placeholder
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", forms.TextInput(attrs=attrs))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        return parse_number(str(super().to_python(value)))


# --- a KPI line ----------------------------------------------------------------------------

_BETWEEN_PAIRS = re.compile(r"[;；,，\r\n]+")
_INSIDE_PAIR = re.compile(r"[=＝:：]")


def parse_bands(text: str) -> list[dict[str, str]]:
    """`80=60; 100=100; 120=120` (from attainment % = score, lowest first) as the rule's
    bands; pairs apart by ; , or a new line (full-width too), a pair's numbers by = or :."""
    bands = []
    for pair in (part.strip() for part in _BETWEEN_PAIRS.split(text)):
        if not pair:
            continue
        parts = [part.strip() for part in _INSIDE_PAIR.split(pair)]
        if len(parts) != 2 or not all(parts):
            raise forms.ValidationError(
                gettext_lazy("“%(pair)s” is not “attainment = score”, e.g. 100=100."),
                code="bad_pair",
                params={"pair": pair},
            )
        numbers = []
        for part in parts:
            try:
                numbers.append(parse_number(part))
            except forms.ValidationError:
                raise forms.ValidationError(
                    gettext_lazy("In “%(pair)s”, “%(value)s” is not a number."),
                    code="not_a_number",
                    params={"pair": pair, "value": part},
                ) from None
        start, score = numbers
        bands.append({"from": number_text(start), "score": number_text(score)})
    return bands


def bands_text(bands: Any) -> str:
    """A rule's bands as the editor's text box shows them: `80=60; 100=100`."""
    if not isinstance(bands, list):
        return ""
    return "; ".join(
        f"{number_text(band.get('from'))}={number_text(band.get('score'))}"
        for band in bands
        if isinstance(band, Mapping)
    )


class TemplateLineForm(BootstrapFormMixin, forms.Form):
    """One KPI of the template: its weight and its scoring rule (`TemplateKpi.rule`)."""

    kpi = forms.ChoiceField(label=gettext_lazy("KPI"), required=False)
    weight = NumberField(label=gettext_lazy("Weight (%)"))
    kind = forms.ChoiceField(
        label=gettext_lazy("Scoring rule"),
        choices=RULE_CHOICES,
        initial=LINEAR,
        widget=forms.Select(attrs={"class": "form-select-sm"}),
    )
    floor = NumberField(label=gettext_lazy("Floor (points)"), placeholder="0")
    cap = NumberField(label=gettext_lazy("Cap (points)"), placeholder="120")
    zero_below = NumberField(label=gettext_lazy("0 points below (attainment %)"))
    bands = forms.CharField(
        label=gettext_lazy("Bands (attainment % = score)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(
            attrs={"rows": 2, "cols": 16, "class": "form-control-sm", "spellcheck": "false"}
        ),
    )
    target = NumberField(label=gettext_lazy("Target for everyone"))
    inverse = forms.ChoiceField(
        label=gettext_lazy("Attainment"),
        choices=INVERSE_CHOICES,
        initial=RATIO,
        required=False,
        widget=forms.Select(attrs={"class": "form-select-sm"}),
    )
    max_attainment = NumberField(label=gettext_lazy("At most (attainment %)"), placeholder="200")

    def __init__(
        self,
        *args: Any,
        kpis: Mapping[str, Kpi],
        kpi_choices: Sequence[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.kpis = kpis
        kpi_field = self.fields["kpi"]
        assert isinstance(kpi_field, forms.ChoiceField)
        kpi_field.choices = kpi_choices
        self.fields["kpi"].widget.attrs["class"] += " form-select-sm"

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == BANDS and "bands" in data:
            try:
                data["band_list"] = parse_bands(data["bands"])
            except forms.ValidationError as error:
                self.add_error("bands", error)
        return data

    def line(self) -> dict[str, Any] | None:
        """The line as `template_save` takes it; None for a row without a KPI (left out).
        Only what was typed goes into the rule: the engine's defaults fill the rest."""
        data = self.cleaned_data
        key = data.get("kpi")
        if not key:
            return None
        kind = data.get("kind") or LINEAR
        rule: dict[str, Any] = {"kind": kind}
        if kind == BANDS:
            rule["bands"] = data.get("band_list", [])
        else:
            for name in ("floor", "cap", "zero_below"):
                if data.get(name) is not None:
                    rule[name] = number_text(data[name])
        if data.get("target") is not None:
            rule["target"] = number_text(data["target"])
        kpi = self.kpis.get(key)
        if kpi is not None and kpi.direction == KpiDirection.LOWER:
            rule["inverse"] = data.get("inverse") or RATIO
            if data.get("max_attainment") is not None:
                rule["max_attainment"] = number_text(data["max_attainment"])
        weight = data.get("weight")
        return {"kpi": key, "weight": None if weight is None else number_text(weight), "rule": rule}


# --- rating bands --------------------------------------------------------------------------


class RatingBandForm(BootstrapFormMixin, forms.Form):
    """One rating: its code, the lowest score that earns it (none for the worst), and the most
    people who may get it under a forced distribution."""

    code = forms.CharField(
        label=gettext_lazy("Rating"),
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control-sm", "size": 4, "maxlength": 10}),
    )
    min_score = NumberField(label=gettext_lazy("From score"))
    max_percent = NumberField(label=gettext_lazy("At most (% of people)"))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        typed = data.get("min_score") is not None or data.get("max_percent") is not None
        if typed and not data.get("code"):
            self.add_error("code", _("Give this rating a code, or clear its row."))
        return data


class RatingBandFormSet(forms.BaseFormSet):  # type: ignore[type-arg]
    """The ratings, best first; rows without a code are left out."""

    def filled(self) -> list[dict[str, Any]]:
        return [form.cleaned_data for form in self.forms if form.cleaned_data.get("code")]

    def rating_bands(self) -> list[dict[str, Any]] | None:
        """As `ScorecardTemplate.rating_bands` keeps them; None (the default bands) when all
        rows are empty."""
        bands = [
            {
                "code": row["code"],
                "min_score": None if row["min_score"] is None else number_text(row["min_score"]),
            }
            for row in self.filled()
        ]
        return bands or None

    def max_percent(self) -> dict[str, str]:
        return {
            row["code"]: number_text(row["max_percent"])
            for row in self.filled()
            if row["max_percent"] is not None
        }


# --- the template --------------------------------------------------------------------------


class TemplateForm(BootstrapFormMixin, forms.Form):
    """Who the template scores and how a KPI without numbers counts. The name is not required
    here: the service says so when it is missing, as it does to the API."""

    name = forms.CharField(
        label=gettext_lazy("Name (Chinese)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )
    name_en = forms.CharField(
        label=gettext_lazy("Name (English)"),
        required=False,
        widget=forms.TextInput(attrs={"maxlength": 200}),
    )
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=[("", "—"), *Role.choices],
        required=False,
        help_text=gettext_lazy("Without a role, the template scores salespeople."),
    )
    unit = TreeChoiceField(
        queryset=OrgUnit.objects.order_by("path"),
        required=False,
        label=gettext_lazy("Unit"),
        empty_label=gettext_lazy("— the whole company"),
        help_text=gettext_lazy("Applies to the people of this unit and the units below it."),
    )
    missing = forms.ChoiceField(
        label=gettext_lazy("A KPI without a target or an actual"),
        choices=MISSING_CHOICES,
        initial=scoring.MissingPolicy.EXCLUDE.value,
    )
    distribution_scope = forms.ChoiceField(
        label=gettext_lazy("Forced distribution"),
        choices=SCOPE_CHOICES,
        required=False,
        help_text=gettext_lazy(
            "Where the “at most” shares apply. When a rating is full, the lower scores move down."
        ),
    )
    is_active = forms.BooleanField(
        label=gettext_lazy("Active"),
        required=False,
        initial=True,
        help_text=gettext_lazy("An inactive template scores nobody from the next close on."),
    )

    def __init__(self, *args: Any, editing: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not editing:
            del self.fields["is_active"]  # a new template is active


def _kpi_label(kpi: Kpi) -> str:
    label = kpi.display_name
    if kpi.direction == KpiDirection.LOWER:
        label = _("%(kpi)s (lower is better)") % {"kpi": label}
    if not kpi.is_active:
        label = _("%(kpi)s (inactive)") % {"kpi": label}
    return label


def _line_initial(template: ScorecardTemplate) -> list[dict[str, Any]]:
    lines = sorted(template.lines.all(), key=lambda line: (line.position, line.pk))
    initial = []
    for line in lines:
        rule = line.rule if isinstance(line.rule, Mapping) else {}
        initial.append(
            {
                "kpi": line.kpi.key,
                "weight": number_text(line.weight),
                "kind": rule.get("kind") or LINEAR,
                "floor": number_text(rule.get("floor")),
                "cap": number_text(rule.get("cap")),
                "zero_below": number_text(rule.get("zero_below")),
                "bands": bands_text(rule.get("bands")),
                "target": number_text(rule.get("target")),
                "inverse": rule.get("inverse") or RATIO,
                "max_attainment": number_text(rule.get("max_attainment")),
            }
        )
    return initial


def _rating_initial(template: ScorecardTemplate | None) -> list[dict[str, str]]:
    if template is None or not template.rating_bands:
        return [
            {"code": band.code, "min_score": number_text(band.min_score), "max_percent": ""}
            for band in scoring.DEFAULT_RATING_BANDS
        ]
    distribution = template.forced_distribution or {}
    caps = distribution.get("max_percent") if isinstance(distribution, Mapping) else None
    caps = caps if isinstance(caps, Mapping) else {}
    return [
        {
            "code": str(band.get("code", "")),
            "min_score": number_text(band.get("min_score")),
            "max_percent": number_text(caps.get(band.get("code"))),
        }
        for band in template.rating_bands
        if isinstance(band, Mapping)
    ]


def _template_initial(template: ScorecardTemplate) -> dict[str, Any]:
    distribution = template.forced_distribution
    scope = NO_DISTRIBUTION
    if isinstance(distribution, Mapping) and distribution:
        scope = distribution.get("scope") or scoring.DistributionScope.ALL.value
    return {
        "name": template.name,
        "name_en": template.name_en,
        "role": template.role,
        "unit": template.unit,
        "missing": template.missing,
        "distribution_scope": scope,
        "is_active": template.is_active,
    }


class TemplateEditor:
    """The template form, its KPI lines and its ratings, read together into what
    `template_save` takes."""

    def __init__(
        self, data: Mapping[str, Any] | None = None, *, template: ScorecardTemplate | None
    ) -> None:
        self.template = template
        # The active KPIs, and those the template uses (so that one made inactive since is
        # still shown on its line, where the service then says it is inactive).
        used = [line.kpi_id for line in template.lines.all()] if template else []
        kpis = {kpi.key: kpi for kpi in Kpi.objects.filter(Q(is_active=True) | Q(pk__in=used))}
        kpi_choices = [("", "—"), *((key, _kpi_label(kpi)) for key, kpi in kpis.items())]
        lines = _line_initial(template) if template else []
        line_formset = forms.formset_factory(
            TemplateLineForm,
            extra=max(SPARE_LINES, FIRST_LINES - len(lines)),
            max_num=50,
            absolute_max=60,
            validate_max=True,
        )
        rating_formset = forms.formset_factory(
            RatingBandForm,
            formset=RatingBandFormSet,
            extra=SPARE_RATINGS,
            max_num=20,
            absolute_max=30,
            validate_max=True,
        )
        self.form = TemplateForm(
            data,
            initial=_template_initial(template) if template else None,
            editing=template is not None,
        )
        self.lines: forms.BaseFormSet[TemplateLineForm] = line_formset(
            data,
            initial=lines,
            prefix="lines",
            form_kwargs={"kpis": kpis, "kpi_choices": kpi_choices},
        )
        self.ratings = cast(
            RatingBandFormSet,
            rating_formset(data, initial=_rating_initial(template), prefix="ratings"),
        )
        self.line_forms: list[int] = []

    def is_valid(self) -> bool:
        """Everything typed can be read (whether it is allowed is the service's to say)."""
        valid = [self.form.is_valid(), self.lines.is_valid(), self.ratings.is_valid()]
        if not all(valid):
            return False
        scope = self.form.cleaned_data.get("distribution_scope") or NO_DISTRIBUTION
        shares = self.ratings.max_percent()
        if shares and scope == NO_DISTRIBUTION:
            self.form.add_error(
                "distribution_scope",
                _("Choose where the “at most” shares apply, or clear them."),
            )
        elif scope != NO_DISTRIBUTION and not shares:
            self.form.add_error(
                "distribution_scope", _("Give an “at most” share for at least one rating.")
            )
        return not self.form.errors

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments of `template_save`, from a valid editor; `line_forms[i]` is
        then the row of the table that the service's `lines[i]` came from."""
        data = self.form.cleaned_data
        lines = []
        self.line_forms = []
        for index, form in enumerate(self.lines.forms):
            line = form.line()
            if line is not None:
                lines.append(line)
                self.line_forms.append(index)
        scope = data.get("distribution_scope") or NO_DISTRIBUTION
        return {
            "name": data["name"],
            "name_en": data["name_en"],
            "role": data["role"],
            "unit": data["unit"],
            "missing": data["missing"],
            "is_active": data.get("is_active", True),
            "lines": lines,
            "rating_bands": self.ratings.rating_bands(),
            "forced_distribution": (
                None
                if scope == NO_DISTRIBUTION
                else {"max_percent": self.ratings.max_percent(), "scope": scope}
            ),
        }

    def errors_in_words(self) -> list[str]:
        """Every error of the editor, each naming its place, for the summary above the form."""
        words: list[str] = []

        def named(form: forms.BaseForm, row: str | None = None, number: int = 0) -> None:
            for name, errors in form.errors.items():
                field = form.fields.get(name)
                for message in errors:
                    if field is None:
                        words.append(str(message))
                    elif row is None:
                        words.append(
                            _("%(field)s: %(message)s") % {"field": field.label, "message": message}
                        )
                    else:
                        words.append(
                            row % {"number": number, "field": field.label, "message": message}
                        )

        named(self.form)
        words += [
            _("KPIs: %(message)s") % {"message": message}
            for message in self.lines.non_form_errors()
        ]
        for number, form in enumerate(self.lines.forms, start=1):
            named(form, _("KPI line %(number)s, %(field)s: %(message)s"), number)
        words += [
            _("Ratings: %(message)s") % {"message": message}
            for message in self.ratings.non_form_errors()
        ]
        for number, form in enumerate(self.ratings.forms, start=1):
            named(form, _("Rating row %(number)s, %(field)s: %(message)s"), number)
        return words
