"""360° results that cannot be traced to a respondent: pure Python, numbers in, numbers out.

The rule (MIN_ANSWERS = 3), chosen so that no shown figure, and no difference
between two shown figures, rests on fewer than three answers:

1. Fewer than three answers in the whole round: nothing is shown — no overall
   figure, no group, no comment.
2. A relationship group (peers, managers, other departments) with at least
   three answers is shown under its own name.
3. Groups with one or two answers are pooled into "others".
4. If "others" then holds one or two answers, it could be recovered by
   subtracting the named groups from the overall figure. So the smallest named
   group (fewest answers; ties by name) joins "others", and again, until
   "others" is empty or holds at least three. With no named group left, only
   the overall figure is shown.

Comments are shown only with the overall figure, never per group, without
author, in an order that depends only on the round (not on who answered first).

This module imports nothing from Django (like `salesalign/engines/`), so it can
move there as it is.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

#: The fewest answers any shown figure rests on.
MIN_ANSWERS = 3
#: The name of the pool of groups too small to be shown on their own.
OTHERS = "others"

_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Answer:
    """One answer as the aggregation sees it: a group, a score per question, a comment."""

    key: str
    group: str
    scores: Mapping[int, int]
    comment: str = ""


@dataclass(frozen=True)
class QuestionMean:
    question_id: int
    mean: Decimal
    count: int


@dataclass(frozen=True)
class GroupResult:
    """The means of one shown group (or of everybody, for the overall row)."""

    group: str
    count: int
    means: tuple[QuestionMean, ...]


@dataclass(frozen=True)
class RoundResult:
    """What may be shown of a round: the overall row, the shown groups, the comments."""

    overall: GroupResult
    groups: tuple[GroupResult, ...]
    comments: tuple[str, ...]


def shown_groups(counts: Mapping[str, int], minimum: int = MIN_ANSWERS) -> dict[str, str] | None:
    """Which group each answer is shown under (its own, or OTHERS); None when nothing may be
    shown at all. Groups with no answers are left out."""
    counts = {group: count for group, count in counts.items() if count > 0}
    total = sum(counts.values())
    if total < minimum:
        return None
    named = {group for group, count in counts.items() if count >= minimum and group != OTHERS}
    pool = total - sum(counts[group] for group in named)
    while 0 < pool < minimum and named:
        smallest = min(named, key=lambda group: (counts[group], group))
        named.discard(smallest)
        pool += counts[smallest]
    return {group: group if group in named else OTHERS for group in counts}


def _mean(total: int, count: int) -> Decimal:
    return (Decimal(total) / Decimal(count)).quantize(_CENT, rounding=ROUND_HALF_UP)


def _group_result(
    group: str, answers: Sequence[Answer], question_ids: Sequence[int]
) -> GroupResult:
    means = []
    for question_id in question_ids:
        scores = [answer.scores[question_id] for answer in answers if question_id in answer.scores]
        if scores:
            means.append(QuestionMean(question_id, _mean(sum(scores), len(scores)), len(scores)))
    return GroupResult(group=group, count=len(answers), means=tuple(means))


def comment_order(salt: str, key: str) -> str:
    """A sort key that shuffles comments the same way every time, whoever answered first."""
    return hashlib.sha256(f"{salt}:{key}".encode()).hexdigest()


def aggregate_round(
    answers: Iterable[Answer],
    question_ids: Sequence[int],
    *,
    salt: str,
    group_order: Sequence[str] = (),
    minimum: int = MIN_ANSWERS,
) -> RoundResult | None:
    """The round's results under the rule above, or None when nothing may be shown.

    Every question is expected to be answered by every respondent (the service
    requires it), so all means of a group rest on the same answers.
    """
    answers = list(answers)
    counts: dict[str, int] = {}
    for answer in answers:
        counts[answer.group] = counts.get(answer.group, 0) + 1
    mapping = shown_groups(counts, minimum)
    if mapping is None:
        return None
    by_group: dict[str, list[Answer]] = {}
    for answer in answers:
        by_group.setdefault(mapping[answer.group], []).append(answer)
    order = {group: index for index, group in enumerate([*group_order, OTHERS])}
    groups: tuple[GroupResult, ...] = ()
    if set(by_group) != {OTHERS}:  # a lone pool is the overall row again
        groups = tuple(
            _group_result(group, by_group[group], question_ids)
            for group in sorted(by_group, key=lambda group: (order.get(group, len(order)), group))
        )
    comments = tuple(
        answer.comment.strip()
        for answer in sorted(answers, key=lambda answer: comment_order(salt, answer.key))
        if answer.comment.strip()
    )
    return RoundResult(
        overall=_group_result("", answers, question_ids), groups=groups, comments=comments
    )
