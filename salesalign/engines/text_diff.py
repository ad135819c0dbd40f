"""What changed between two versions of a text: its lines, with the changed words marked.

Built on `difflib.SequenceMatcher`: lines are matched first; where a run of lines was
replaced, each new line is paired with the old line it most resembles (if any), and the words
of a changed line are compared with those of the line it replaces. A word is a run of letters or digits in alphabetic
scripts; Chinese, Japanese and Korean characters, punctuation and spaces are each a token
of their own, since those scripts do not separate words with spaces.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

SegmentKind = Literal["equal", "inserted", "deleted"]
LineKind = Literal["equal", "inserted", "deleted", "changed", "skipped"]

#: Below this share of common characters, a changed line reads better as one line removed
#: and another added than as a patchwork of small changes.
MIN_LINE_SIMILARITY = 0.4

#: A block of replaced lines is paired by similarity when it takes at most this many
#: comparisons of an old line with a new one (30 × 30 paragraphs: a few tenths of a second
#: in the worst case); a larger block is paired in order.
MAX_LINE_COMPARISONS = 900

_CJK = "\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef"
_TOKEN = re.compile(rf"[^\W{_CJK}]+|\s+|.", re.DOTALL)


@dataclass(frozen=True)
class Segment:
    """A piece of a line: kept, added or removed."""

    kind: SegmentKind
    text: str


@dataclass(frozen=True)
class DiffLine:
    """One line of the comparison. A `skipped` line stands for `skipped` unchanged lines."""

    kind: LineKind
    segments: tuple[Segment, ...] = ()
    skipped: int = 0


@dataclass(frozen=True)
class TextDiff:
    """The lines of the newer text, with what was removed from the older one in between."""

    lines: tuple[DiffLine, ...]

    @property
    def changed(self) -> bool:
        """False when both texts have the same lines (spacing and blank lines aside)."""
        return any(line.kind not in ("equal", "skipped") for line in self.lines)

    @property
    def inserted(self) -> int:
        """Lines added or changed."""
        return sum(line.kind in ("inserted", "changed") for line in self.lines)

    @property
    def deleted(self) -> int:
        """Lines removed."""
        return sum(line.kind == "deleted" for line in self.lines)


def split_lines(text: str) -> list[str]:
    """The non-blank lines of `text`, without trailing spaces: blank lines only separate
    paragraphs, and a changed line break alone is not a change of the text."""
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def tokenize(line: str) -> list[str]:
    """Words of alphabetic scripts whole; every other character on its own."""
    return _TOKEN.findall(line)


def _merged(segments: list[Segment]) -> tuple[Segment, ...]:
    merged: list[Segment] = []
    for segment in segments:
        if not segment.text:
            continue
        if merged and merged[-1].kind == segment.kind:
            merged[-1] = Segment(segment.kind, merged[-1].text + segment.text)
        else:
            merged.append(segment)
    return tuple(merged)


def _fold_spaces(segments: list[Segment]) -> list[Segment]:
    """A space kept between two changes joins them: "grow in" → "expand into" reads as one
    phrase replaced, not as two words replaced around a kept space."""
    folded: list[Segment] = []
    for index, segment in enumerate(segments):
        between_changes = (
            segment.kind == "equal"
            and not segment.text.strip()
            and 0 < index < len(segments) - 1
            and segments[index - 1].kind != "equal"
            and segments[index + 1].kind != "equal"
        )
        if between_changes:
            folded += [Segment("deleted", segment.text), Segment("inserted", segment.text)]
        else:
            folded.append(segment)
    # Deleted text first, then inserted, within each run of changes.
    ordered: list[Segment] = []
    run: list[Segment] = []
    for segment in [*folded, Segment("equal", "")]:
        if segment.kind == "equal":
            ordered += [s for s in run if s.kind == "deleted"]
            ordered += [s for s in run if s.kind == "inserted"]
            run = []
            ordered.append(segment)
        else:
            run.append(segment)
    return ordered


def diff_line(old: str, new: str) -> DiffLine:
    """One line against the line it replaces: a `changed` line with the words marked, or,
    when they have too little in common, `deleted` (its segments the old line) — the
    caller then adds the new line as `inserted`."""
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    segments: list[Segment] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("equal", "".join(old_tokens[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("deleted", "".join(old_tokens[i1:i2])))
        if j2 > j1:
            segments.append(Segment("inserted", "".join(new_tokens[j1:j2])))
    kept = sum(len(s.text) for s in segments if s.kind == "equal")
    if 2 * kept < MIN_LINE_SIMILARITY * (len(old) + len(new)):
        return DiffLine("deleted", (Segment("deleted", old),))
    return DiffLine("changed", _merged(_fold_spaces(segments)))


def similarity(old: str, new: str) -> float:
    """The share of the two lines' characters that a word-by-word comparison keeps (0 to 1):
    the measure `diff_line` holds against `MIN_LINE_SIMILARITY`."""
    if not old and not new:
        return 1.0
    old_tokens, new_tokens = tokenize(old), tokenize(new)
    # An upper bound first: the characters of the tokens both lines have, wherever they are.
    # Most pairs of unrelated lines stop here, before the full comparison.
    old_counts, new_counts = Counter(old_tokens), Counter(new_tokens)
    common = sum(len(token) * min(n, new_counts[token]) for token, n in old_counts.items())
    if 2 * common < MIN_LINE_SIMILARITY * (len(old) + len(new)):
        return 2 * common / (len(old) + len(new))
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    kept = sum(
        len("".join(old_tokens[i1:i2]))
        for tag, i1, i2, _j1, _j2 in matcher.get_opcodes()
        if tag == "equal"
    )
    return 2 * kept / (len(old) + len(new))


def pair_similar_lines(old_lines: list[str], new_lines: list[str]) -> list[tuple[int, int]]:
    """Which old line each new line changes, as (old index, new index) pairs in order of both.

    Only lines similar enough to read as one line changed (`MIN_LINE_SIMILARITY`) are
    paired, and among the ways to pair them in order, the one that keeps the most text wins:
    a paragraph added above an edited one does not push the edit onto the added paragraph.
    A block that would take more than `MAX_LINE_COMPARISONS` is paired in order.
    """
    rows, columns = len(old_lines), len(new_lines)
    if rows * columns > MAX_LINE_COMPARISONS:
        return [(index, index) for index in range(min(rows, columns))]
    score = [[similarity(old, new) for new in new_lines] for old in old_lines]
    # best[i][j]: the most similarity pairing old_lines[i:] with new_lines[j:] can keep.
    best = [[0.0] * (columns + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(columns - 1, -1, -1):
            best[i][j] = max(best[i + 1][j], best[i][j + 1])
            if score[i][j] >= MIN_LINE_SIMILARITY:
                best[i][j] = max(best[i][j], score[i][j] + best[i + 1][j + 1])
    pairs: list[tuple[int, int]] = []
    i = j = 0
    while i < rows and j < columns:
        if score[i][j] >= MIN_LINE_SIMILARITY and best[i][j] == score[i][j] + best[i + 1][j + 1]:
            pairs.append((i, j))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return pairs


def _replaced(old_lines: list[str], new_lines: list[str]) -> list[DiffLine]:
    """A block of old lines replaced by new ones: similar lines paired and compared word by
    word, the others removed (first) or added, each side in its own order."""
    lines: list[DiffLine] = []
    done_old = done_new = 0
    for old_index, new_index in [
        *pair_similar_lines(old_lines, new_lines),
        (len(old_lines), len(new_lines)),
    ]:
        lines += [
            DiffLine("deleted", (Segment("deleted", old),)) for old in old_lines[done_old:old_index]
        ]
        lines += [
            DiffLine("inserted", (Segment("inserted", new),))
            for new in new_lines[done_new:new_index]
        ]
        if old_index < len(old_lines) and new_index < len(new_lines):
            line = diff_line(old_lines[old_index], new_lines[new_index])
            lines.append(line)
            if line.kind == "deleted":
                lines.append(DiffLine("inserted", (Segment("inserted", new_lines[new_index]),)))
        done_old, done_new = old_index + 1, new_index + 1
    return lines


def _with_context(lines: list[DiffLine], context: int) -> list[DiffLine]:
    """Keep `context` unchanged lines around each change; count the others as skipped."""
    near = [False] * len(lines)
    for index, line in enumerate(lines):
        if line.kind != "equal":
            for other in range(max(0, index - context), min(len(lines), index + context + 1)):
                near[other] = True
    shown: list[DiffLine] = []
    skipped = 0
    for line, keep in zip(lines, near, strict=True):
        if keep:
            if skipped:
                shown.append(DiffLine("skipped", skipped=skipped))
                skipped = 0
            shown.append(line)
        else:
            skipped += 1
    if skipped:
        shown.append(DiffLine("skipped", skipped=skipped))
    return shown


def diff_text(old: str, new: str, *, context: int | None = None) -> TextDiff:
    """Compare two texts line by line, and the words of each changed line.

    With `context`, unchanged lines further than that from any change are left out and
    counted in `skipped` lines; without it, every line is kept.
    """
    old_lines, new_lines = split_lines(old), split_lines(new)
    matcher = SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    lines: list[DiffLine] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines += [DiffLine("equal", (Segment("equal", line),)) for line in new_lines[j1:j2]]
        elif tag == "delete":
            lines += [DiffLine("deleted", (Segment("deleted", line),)) for line in old_lines[i1:i2]]
        elif tag == "insert":
            lines += [
                DiffLine("inserted", (Segment("inserted", line),)) for line in new_lines[j1:j2]
            ]
        else:
            lines += _replaced(old_lines[i1:i2], new_lines[j1:j2])
    if context is not None:
        lines = _with_context(lines, context)
    return TextDiff(tuple(lines))
