"""A select of people that stays light at any size.

Up to `settings.PEOPLE_SELECT_LIMIT` choices it is a `<select>` of them all (searched
in the page when long: `SearchableSelect`). Above, a company of thousands would send
every person to every form: it renders only the empty choice and the chosen people,
and marks itself for `core/selects.js`, which searches the rest on the server
(`organization:person_search`) as the user types. The field validates against all of
its choices either way.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.forms.models import ModelChoiceIterator
from django.urls import reverse

from salesalign.core.widgets import SEARCHABLE, SearchableSelect, more_than


class PeopleSelect(SearchableSelect):
    """A `<select>` of people (values are person ids) that searches when there are many."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.searching = False

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> Any:
        self.searching = more_than(self.choices, settings.PEOPLE_SELECT_LIMIT)
        if not self.searching:
            return super().optgroups(name, value, attrs)
        chosen = {str(item) for item in value if item not in (None, "")}
        everything = self.choices
        if isinstance(everything, ModelChoiceIterator):
            field = everything.field
            kept: list[Any] = [("", field.empty_label)] if field.empty_label is not None else []
            people = everything.queryset.filter(pk__in=chosen) if chosen else []
            kept += [(person.pk, field.label_from_instance(person)) for person in people]
        else:
            kept = [(key, label) for key, label in everything if key == "" or str(key) in chosen]
        self.choices = kept
        try:
            return super().optgroups(name, value, attrs)
        finally:
            self.choices = everything

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        if self.searching:
            context["widget"]["attrs"].pop(SEARCHABLE, None)  # the server searches, not the page
            context["widget"]["attrs"]["data-people-search"] = reverse("organization:person_search")
        return context
