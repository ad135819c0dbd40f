"""Reads for strategy documents: who they are for, who has confirmed, the questions readers
ask, and the versions of a document with what changed between them.

The audience of a document is dynamic: the active people of the chosen units' subtrees (or
of the whole company) at the time of reading, so a new hire sees what was published before.
Every function here runs a fixed number of queries, however many people or units there are.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from salesalign.core.choices import Role
from salesalign.core.roles import person_of, role_of
from salesalign.core.visibility import scope_for
from salesalign.engines.text_diff import TextDiff, diff_text
from salesalign.organization.models import OrgUnit, Person
from salesalign.strategy.choices import DocumentKind, DocumentStatus
from salesalign.strategy.models import (
    DocumentAttachment,
    DocumentConfirmation,
    DocumentQuestion,
    StrategyDocument,
)

AudienceUnit = StrategyDocument.audience_units.through

#: Roles that write documents and therefore also see drafts.
DOCUMENT_WRITERS = frozenset({Role.ADMIN, Role.EXECUTIVE})


# --- the audience -------------------------------------------------------------------------


def unit_path_prefixes(path: str) -> list[str]:
    """The tree paths of a unit and of every unit above it."""
    step = OrgUnit.steplen
    return [path[:end] for end in range(step, len(path) + 1, step)]


def audience_paths(document: StrategyDocument) -> list[str] | None:
    """The tree paths of the audience units, or None when the document is for everyone.

    Uses prefetched `audience_units` when they are there.
    """
    if document.audience_all:
        return None
    return [unit.path for unit in document.audience_units.all()]


def covers(paths: Sequence[str] | None, unit_path: str) -> bool:
    """True when a unit with `unit_path` lies in an audience given by `audience_paths`."""
    return paths is None or any(unit_path.startswith(path) for path in paths)


def is_in_audience(document: StrategyDocument, person: Person) -> bool:
    """True when `person` is one of the document's readers (active, in an audience unit's subtree)."""
    if not person.is_active:
        return False
    return covers(audience_paths(document), person.unit.path)


def document_audience(document: StrategyDocument) -> QuerySet[Person]:
    """The active people the document is for, right now."""
    people = Person.objects.active()
    paths = audience_paths(document)
    if paths is None:
        return people
    condition = Q(pk__in=[])
    for path in paths:
        condition |= Q(unit__path__startswith=path)
    return people.filter(condition)


def _for_unit_path(unit_path: str) -> Q:
    """Documents whose audience includes a unit with this path."""
    return Q(audience_all=True) | Q(
        Exists(
            AudienceUnit.objects.filter(
                strategydocument_id=OuterRef("pk"), orgunit__path__in=unit_path_prefixes(unit_path)
            )
        )
    )


def _reaching_scope(unit_paths: Iterable[str]) -> Q:
    """Documents whose audience overlaps the subtrees a manager looks after."""
    paths = list(unit_paths)
    if not paths:
        return Q(pk__in=[])
    overlap = Q(pk__in=[])
    for path in paths:
        overlap |= Q(orgunit__path__startswith=path) | Q(orgunit__path__in=unit_path_prefixes(path))
    return Q(audience_all=True) | Q(
        Exists(AudienceUnit.objects.filter(overlap, strategydocument_id=OuterRef("pk")))
    )


def _my_confirmation(person: Person | None) -> Any:
    if person is None:  # e.g. the administrator `createsuperuser` made: no one to confirm
        return Value(None, output_field=DateTimeField())
    return Subquery(
        DocumentConfirmation.objects.filter(document=OuterRef("pk"), person=person).values(
            "confirmed_at"
        )[:1]
    )


def may_write_documents(user: Any) -> bool:
    """Admins and executives write, publish and withdraw documents (and see drafts)."""
    return role_of(user) in DOCUMENT_WRITERS


def may_view_status(user: Any) -> bool:
    """Managers (for their units), executives, HR and admins see who has confirmed."""
    scope = scope_for(user)
    return scope.everything or bool(scope.unit_paths)


# --- documents ----------------------------------------------------------------------------


def documents_for_person(person: Person) -> QuerySet[StrategyDocument]:
    """Published documents addressed to `person`, each with `confirmed_at` (theirs, or None). One query."""
    if not person.is_active:
        return StrategyDocument.objects.none()
    return (
        StrategyDocument.objects.filter(status=DocumentStatus.PUBLISHED)
        .filter(_for_unit_path(person.unit.path))
        .annotate(confirmed_at=_my_confirmation(person))
        .order_by("-published_at", "-pk")
    )


def pending_confirmations(person: Person) -> QuerySet[StrategyDocument]:
    """Published documents `person` still has to read and confirm, oldest first."""
    return (
        documents_for_person(person)
        .filter(requires_confirmation=True, confirmed_at__isnull=True)  # type: ignore[misc]
        .order_by("published_at", "pk")
    )


def latest_announcements(person: Person, *, limit: int = 5) -> list[StrategyDocument]:
    """The newest announcements addressed to `person`."""
    return list(documents_for_person(person).filter(kind=DocumentKind.ANNOUNCEMENT)[:limit])


#: What readers open: the published documents and, for the record, the versions they replaced.
READABLE = (DocumentStatus.PUBLISHED, DocumentStatus.SUPERSEDED)


def documents_for_viewer(
    user: Any, *, kind: str | None = None, earlier_versions: bool = True
) -> QuerySet[StrategyDocument]:
    """The documents `user` may open, each with `in_audience`, `my_confirmed_at` and
    `newer_version_id` (the next version, when the viewer may open it).

    Writers (admins, executives) see every document, drafts included; HR every published one;
    a manager those addressed to them or to people in their units; everyone else those
    addressed to them. Superseded versions stay readable to the same people; without
    `earlier_versions` they are left out.
    """
    person = person_of(user)
    scope = scope_for(user)
    documents = StrategyDocument.objects.all()
    newer = StrategyDocument.objects.filter(previous_version=OuterRef("pk"))
    if not earlier_versions:
        documents = documents.exclude(status=DocumentStatus.SUPERSEDED)
    if not may_write_documents(user):
        newer = newer.filter(status__in=READABLE)
        documents = documents.filter(status__in=READABLE)
        if not scope.everything:
            if person is None or not person.is_active:
                return StrategyDocument.objects.none()
            documents = documents.filter(
                _for_unit_path(person.unit.path) | _reaching_scope(scope.unit_paths)
            )
    if kind:
        documents = documents.filter(kind=kind)
    if person is not None and person.is_active:
        in_audience: Any = ExpressionWrapper(
            _for_unit_path(person.unit.path), output_field=BooleanField()
        )
    else:
        in_audience = Value(False, output_field=BooleanField())
    return documents.annotate(
        in_audience=in_audience,
        my_confirmed_at=_my_confirmation(person),
        newer_version_id=Subquery(newer.values("pk")[:1]),
    ).order_by(F("published_at").desc(nulls_first=True), "-pk")


def document_for_viewer(user: Any, pk: int) -> StrategyDocument | None:
    """One document `user` may open (with its attachments and audience units), or None."""
    return (
        documents_for_viewer(user)
        .select_related("edition", "published_by__person")
        .prefetch_related(
            "attachments",
            Prefetch("audience_units", queryset=OrgUnit.objects.order_by("path")),
        )
        .filter(pk=pk)
        .first()
    )


# --- versions -----------------------------------------------------------------------------


@dataclass
class DocumentHistory:
    """The versions of a document the viewer may open, and what changed for them.

    `changes` compares `since` (an earlier version) with the document: for a reader, the
    latest earlier version they confirmed (`since_confirmed`); for a writer, otherwise, the
    version it replaces. None when there is nothing to compare.
    """

    versions: list[StrategyDocument]
    current: StrategyDocument | None = None
    since: StrategyDocument | None = None
    since_confirmed: bool = False
    title_changed: bool = False
    changes: TextDiff | None = None


def document_versions(document: StrategyDocument, viewer: Any) -> QuerySet[StrategyDocument]:
    """Every version of the document the viewer may open, oldest first (one query), each
    annotated as in `documents_for_viewer`."""
    return (
        documents_for_viewer(viewer)
        .filter(Q(pk=document.series_id) | Q(first_version_id=document.series_id))
        .order_by("version")
    )


def version_changes(older: StrategyDocument, newer: StrategyDocument) -> TextDiff:
    """What changed in the text from one version to another, unchanged paragraphs far from a
    change left out."""
    return diff_text(older.body, newer.body, context=1)


def readable_versions(document: StrategyDocument, viewer: Any) -> list[StrategyDocument]:
    """`document_versions` as a list; no query for a first version nothing has replaced yet.

    `document` should come from `documents_for_viewer` (it reads `newer_version_id`).
    """
    if document.version == 1 and document.newer_version_id is None:  # type: ignore[attr-defined]
        return [document]
    return list(document_versions(document, viewer))


def document_history(document: StrategyDocument, viewer: Any) -> DocumentHistory:
    """The versions and, where it helps the viewer, what changed (one query)."""
    versions = readable_versions(document, viewer)
    history = DocumentHistory(versions=versions)
    if len(versions) == 1 and versions[0] is document:  # a first version, never replaced
        return history
    history.current = next(
        (version for version in versions if version.status == DocumentStatus.PUBLISHED), None
    )
    earlier = [version for version in versions if version.version < document.version]
    if document.status == DocumentStatus.PUBLISHED:
        confirmed = [version for version in earlier if version.my_confirmed_at]  # type: ignore[attr-defined]
        if confirmed:
            history.since, history.since_confirmed = confirmed[-1], True
    if history.since is None and may_write_documents(viewer) and earlier:
        history.since = earlier[-1]
    if history.since is not None:
        history.title_changed = history.since.title != document.title
        history.changes = version_changes(history.since, document)
    return history


# --- who has confirmed one document -------------------------------------------------------


@dataclass
class UnitProgress:
    """Confirmed readers out of the audience, for one unit and everything below it."""

    unit: OrgUnit
    audience: int = 0
    confirmed: int = 0
    level: int = 0

    @property
    def missing(self) -> int:
        return self.audience - self.confirmed

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.audience) if self.audience else 0


@dataclass
class ConfirmationStatus:
    """Who in the viewer's scope has confirmed a document: totals per unit, and the people."""

    document: StrategyDocument
    units: list[UnitProgress]
    people: QuerySet[Person]
    audience: int = 0
    confirmed: int = 0
    #: The person who published it, when they are among the people counted: they count as
    #: confirmed (publishing records their confirmation).
    publisher_id: int | None = None

    @property
    def missing(self) -> int:
        return self.audience - self.confirmed

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.audience) if self.audience else 0


def _rollup(
    counts: dict[str, tuple[int, int]], *, scope_paths: Sequence[str] | None
) -> list[UnitProgress]:
    """Sum (audience, confirmed) counts of units up the tree; one extra query for the unit names.

    `counts` maps a unit path to its own people's numbers; with `scope_paths`, only units inside
    those subtrees are listed (a manager does not see totals of units above their own).
    """
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for path, (audience, confirmed) in counts.items():
        for prefix in unit_path_prefixes(path):
            if scope_paths is None or covers(scope_paths, prefix):
                totals[prefix][0] += audience
                totals[prefix][1] += confirmed
    units = OrgUnit.objects.filter(path__in=list(totals)).order_by("path")
    rows = [
        UnitProgress(unit=unit, audience=totals[unit.path][0], confirmed=totals[unit.path][1])
        for unit in units
    ]
    if rows:
        top = min(len(row.unit.path) for row in rows)
        for row in rows:
            row.level = (len(row.unit.path) - top) // OrgUnit.steplen
    return rows


def confirmation_status(
    document: StrategyDocument,
    viewer: Any,
    *,
    only_missing: bool = False,
    unit: OrgUnit | None = None,
) -> ConfirmationStatus:
    """Per unit and per person in the viewer's scope: who is in the audience and who has confirmed.

    A constant number of queries: the audience units, one aggregate per unit, the unit names,
    the publisher among them; `people` is a lazy queryset (unit loaded, `confirmed_at`
    annotated) the caller pages through.
    """
    scope = scope_for(viewer)
    confirmed_by_person = DocumentConfirmation.objects.filter(
        document=document, person=OuterRef("pk")
    )
    audience = document_audience(document).filter(pk__in=Person.objects.visible_to(viewer))
    per_unit = audience.values("unit__path").annotate(
        audience=Count("pk"), confirmed=Count("pk", filter=Q(Exists(confirmed_by_person)))
    )
    counts = {row["unit__path"]: (row["audience"], row["confirmed"]) for row in per_unit}
    scope_paths = None if scope.everything else scope.unit_paths
    units = _rollup(counts, scope_paths=scope_paths) if (scope.everything or scope_paths) else []
    people = audience.annotate(
        confirmed_at=Subquery(confirmed_by_person.values("confirmed_at")[:1])
    ).select_related("unit")
    if only_missing:
        people = people.filter(confirmed_at__isnull=True)
    if unit is not None:
        people = people.filter(unit__path__startswith=unit.path)
    publisher_id = None
    if document.published_by_id is not None and document.requires_confirmation:
        publisher_id = (
            audience.filter(user_id=document.published_by_id).values_list("pk", flat=True).first()
        )
    return ConfirmationStatus(
        document=document,
        units=units,
        people=people.order_by("unit__path", "employee_number"),
        audience=sum(audience_count for audience_count, _ in counts.values()),
        confirmed=sum(confirmed for _, confirmed in counts.values()),
        publisher_id=publisher_id,
    )


# --- confirmation across documents (home pages) -------------------------------------------


def documents_to_confirm() -> list[StrategyDocument]:
    """Published documents that ask for confirmation, with their audience paths (two queries)."""
    return list(
        StrategyDocument.objects.filter(status=DocumentStatus.PUBLISHED, requires_confirmation=True)
        .prefetch_related(Prefetch("audience_units", queryset=OrgUnit.objects.only("path")))
        .order_by("published_at", "pk")
    )


@dataclass
class MissingReader:
    """A person who has not yet confirmed some documents addressed to them."""

    person: Person
    pending: list[StrategyDocument]


@dataclass
class TeamConfirmation:
    """For the people directly in one unit: confirmations given out of those expected, and who is missing."""

    unit: OrgUnit
    expected: int = 0
    confirmed: int = 0
    missing: list[MissingReader] = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.expected) if self.expected else 100


def team_confirmation(viewer: Any) -> list[TeamConfirmation]:
    """For each unit with people in the viewer's scope (the viewer left out): progress and who is missing.

    Meant for managers' scopes; four queries however many people and documents.
    """
    documents = documents_to_confirm()
    me = person_of(viewer)
    people = Person.objects.visible_to(viewer).filter(is_active=True).select_related("unit")
    if me is not None:
        people = people.exclude(pk=me.pk)
    people_list = list(people.order_by("unit__path", "employee_number"))
    if not documents or not people_list:
        return []
    confirmed = set(
        DocumentConfirmation.objects.visible_to(viewer)
        .filter(document__in=documents)
        .values_list("document_id", "person_id")
    )
    paths = {document.pk: audience_paths(document) for document in documents}
    teams: dict[int, TeamConfirmation] = {}
    for person in people_list:
        team = teams.setdefault(person.unit_id, TeamConfirmation(unit=person.unit))
        pending = []
        for document in documents:
            if not covers(paths[document.pk], person.unit.path):
                continue
            team.expected += 1
            if (document.pk, person.pk) in confirmed:
                team.confirmed += 1
            else:
                pending.append(document)
        if pending:
            team.missing.append(MissingReader(person=person, pending=pending))
    return [team for team in teams.values() if team.expected]


@dataclass
class DepartmentConfirmation:
    """Confirmations given out of those expected, for one department (and everything below it)."""

    unit: OrgUnit
    expected: int = 0
    confirmed: int = 0
    company_level: bool = False

    @property
    def percent(self) -> int:
        return round(100 * self.confirmed / self.expected) if self.expected else 100


def confirmation_by_department(
    viewer: Any, documents: list[StrategyDocument] | None = None
) -> list[DepartmentConfirmation]:
    """Company-wide confirmation rate per department (units just below the top); set-based, five
    queries (three when the caller passes `documents_to_confirm()`, which it then shows).

    A person counts once per document addressed to them. People who sit at the top of the tree
    (e.g. the executives) get a row of their own.
    """
    if documents is None:
        documents = documents_to_confirm()
    if not documents:
        return []
    paths = {document.pk: audience_paths(document) for document in documents}
    heads = (
        Person.objects.visible_to(viewer)
        .filter(is_active=True)
        .values("unit__path")
        .annotate(n=Count("pk"))
    )
    given = (
        DocumentConfirmation.objects.visible_to(viewer)
        .filter(document__in=documents, person__is_active=True)
        .values("person__unit__path", "document_id")
        .annotate(n=Count("pk"))
    )
    step = OrgUnit.steplen
    expected: dict[str, int] = defaultdict(int)
    confirmed: dict[str, int] = defaultdict(int)
    for row in heads:
        path = row["unit__path"]
        department = path[: 2 * step]
        expected[department] += row["n"] * sum(
            covers(paths[document.pk], path) for document in documents
        )
    for row in given:
        path = row["person__unit__path"]
        if covers(paths[row["document_id"]], path):
            confirmed[path[: 2 * step]] += row["n"]
    units = {unit.path: unit for unit in OrgUnit.objects.filter(path__in=list(expected))}
    return [
        DepartmentConfirmation(
            unit=units[path],
            expected=expected[path],
            confirmed=confirmed[path],
            company_level=len(path) == step,
        )
        for path in sorted(expected)
        if path in units and expected[path]
    ]


# --- questions ----------------------------------------------------------------------------


def _mark_questions(questions: list[DocumentQuestion], viewer: Any) -> list[DocumentQuestion]:
    """Set `can_answer` and `asker_visible` on each question (no queries: units are loaded)."""
    scope = scope_for(viewer)
    me = person_of(viewer)
    for question in questions:
        own = me is not None and question.person_id == me.pk
        covered = scope.everything or (
            bool(scope.unit_paths) and scope.covers_unit_path(question.person.unit.path)
        )
        question.can_answer = covered and not own  # type: ignore[attr-defined]
        question.asker_visible = covered or own  # type: ignore[attr-defined]
    return questions


def _readable_questions(viewer: Any) -> Q:
    """The questions a reader of their document sees: every answered one, and the open ones of
    the people in their scope (their own among them)."""
    return Q(answered_at__isnull=False) | Q(
        pk__in=DocumentQuestion.objects.visible_to(viewer).values("pk")
    )


@dataclass
class DocumentQuestions:
    """The questions shown with one version of a document, each with `version` (the version it
    was asked on, whose document is loaded as `question.document`), `can_answer` and
    `asker_visible`.

    `own` were asked on this version, oldest first. Those of earlier versions are carried over,
    newest version first and oldest first within a version: `earlier_open` still wait for
    their answer, `earlier_answered` have it.
    """

    own: list[DocumentQuestion]
    earlier_open: list[DocumentQuestion] = field(default_factory=list)
    earlier_answered: list[DocumentQuestion] = field(default_factory=list)

    @property
    def earlier(self) -> list[DocumentQuestion]:
        """The earlier versions' questions, open and answered, newest version first."""
        return sorted(
            self.earlier_open + self.earlier_answered,
            key=lambda question: (
                _newest_version_first(question),
                question.created_at,
                question.pk,
            ),
        )

    @property
    def all(self) -> list[DocumentQuestion]:
        """This version's questions, then the earlier versions' ones."""
        return self.own + self.earlier


def document_questions(
    document: StrategyDocument,
    viewer: Any,
    *,
    versions: Sequence[StrategyDocument] | None = None,
) -> DocumentQuestions:
    """The questions of a document's version and of its earlier versions the viewer may read.

    `versions` are the versions the viewer may open (`readable_versions`, read here unless the
    caller has them): a version left out (its readers were others) lends no questions. On each version the rule of its own page
    holds: every answered question, and the open ones of people in the viewer's scope. An open
    question of a superseded version stays on that version and is answered there; it is shown
    here until then, and among the answered ones after. One query, however many versions (and
    one for the versions when not given and the document has more than one).
    """
    if versions is None:
        versions = readable_versions(document, viewer)
    by_pk = {version.pk: version for version in versions if version.version < document.version}
    by_pk[document.pk] = document
    # The manager is typed for plain models (PersonRecordQuerySet); name the model here.
    questions = cast(
        "list[DocumentQuestion]",
        list(
            DocumentQuestion.objects.filter(document_id__in=list(by_pk))
            .filter(_readable_questions(viewer))
            .select_related("person__unit", "answered_by")
            .order_by("created_at", "pk")
        ),
    )
    result = DocumentQuestions(own=[])
    for question in _mark_questions(questions, viewer):
        # The versions are loaded already: no query for `question.document`.
        question.document = by_pk[question.document_id]
        question.version = question.document.version  # type: ignore[attr-defined]
        if question.document_id == document.pk:
            result.own.append(question)
        elif question.answered_at is None:
            result.earlier_open.append(question)
        else:
            result.earlier_answered.append(question)
    # Sorting is stable: within a version, the questions stay oldest first.
    result.earlier_open.sort(key=_newest_version_first)
    result.earlier_answered.sort(key=_newest_version_first)
    return result


def _newest_version_first(question: DocumentQuestion) -> int:
    return -question.version  # type: ignore[attr-defined,no-any-return]


def questions_for_document(document: StrategyDocument, viewer: Any) -> list[DocumentQuestion]:
    """The questions asked on this version of a document that the viewer may read: all answered
    ones, plus those of people in their scope.

    Each has `can_answer` and `asker_visible` (a reader does not learn who asked outside their scope).
    """
    return document_questions(document, viewer, versions=[document]).own


def open_questions(viewer: Any) -> QuerySet[DocumentQuestion]:
    """Unanswered questions on published (or since superseded) documents that the viewer may
    answer, oldest first."""
    me = person_of(viewer)
    # A question asked about a version that was since superseded still waits for its answer.
    questions = DocumentQuestion.objects.visible_to(viewer).filter(
        answered_at__isnull=True, document__status__in=READABLE
    )
    if me is not None:
        questions = questions.exclude(person=me)
    if not scope_for(viewer).everything and not scope_for(viewer).unit_paths:
        return questions.none()
    return questions.select_related("person__unit", "document").order_by("created_at", "pk")


def open_questions_for_answering(
    viewer: Any, *, limit: int | None = None
) -> list[DocumentQuestion]:
    """`open_questions` as a list, each marked with `can_answer` and `asker_visible`."""
    questions = open_questions(viewer)
    return _mark_questions(list(questions[:limit] if limit else questions), viewer)


def question_for_answering(viewer: Any, pk: int) -> DocumentQuestion | None:
    """One question the viewer may see (in their scope), marked with `can_answer`, or None."""
    question = (
        DocumentQuestion.objects.visible_to(viewer)
        .select_related("person__unit", "document", "answered_by")
        .filter(pk=pk)
        .first()
    )
    if question is None:
        return None
    return _mark_questions([question], viewer)[0]


def attachment_for_viewer(user: Any, pk: int) -> DocumentAttachment | None:
    """An attachment of a document `user` may open (reader of its audience, their manager, or a writer), or None."""
    return (
        DocumentAttachment.objects.filter(
            pk=pk, document__in=documents_for_viewer(user).values("pk")
        )
        .select_related("document")
        .first()
    )
