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

from salesalign.core.widgets import (
    SEARCHABLE,
    SearchableSelect,
    SearchableSelectMultiple,
    more_than,
)


class _SearchedOnTheServer:
    """What `PeopleSelect` and `PeopleSelectMultiple` share: above the limit, only the empty
    choice and the chosen people are rendered, and the server is asked for the rest."""

    choices: Any
    search_url: str | None

    def __init__(
        self, attrs: dict[str, Any] | None = None, *, search_url: str | None = None
    ) -> None:
        super().__init__(attrs)  # type: ignore[call-arg]
        self.searching = False
        self.search_url = search_url  # default: `organization:person_search`

    def optgroups(self, name: str, value: list[str], attrs: dict[str, Any] | None = None) -> Any:
        self.searching = more_than(self.choices, settings.PEOPLE_SELECT_LIMIT)
        if not self.searching:
            return super().optgroups(name, value, attrs)  # type: ignore[misc]
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
            return super().optgroups(name, value, attrs)  # type: ignore[misc]
        finally:
            self.choices = everything

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context: dict[str, Any] = super().get_context(name, value, attrs)  # type: ignore[misc]
        if self.searching:
            context["widget"]["attrs"].pop(SEARCHABLE, None)  # the server searches, not the page
            context["widget"]["attrs"]["data-people-search"] = self.search_url or reverse(
                "organization:person_search"
            )
        return context


class PeopleSelect(_SearchedOnTheServer, SearchableSelect):
    """A `<select>` of people (values are person ids) that searches when there are many."""


class PeopleSelectMultiple(_SearchedOnTheServer, SearchableSelectMultiple):
    """Several people (ids) chosen as tags; above the limit the server is searched, at
    `search_url` (which answers `[{"value": id, "text": label}]` for `q`, like
    `organization:person_search`), e.g. only the people who may be chosen there."""
