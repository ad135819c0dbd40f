"""Two versions of a document's text compared line by line and word by word."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from salesalign.engines.text_diff import DiffLine, diff_text, similarity, split_lines, tokenize


def marked(line: DiffLine) -> str:
    """A line as `kept [-removed-]{+added+}` text."""
    wrap = {"equal": "{}", "deleted": "[-{}-]", "inserted": "{{+{}+}}"}
    return "".join(wrap[segment.kind].format(segment.text) for segment in line.segments)


def side(lines: tuple[DiffLine, ...], kind: str) -> list[str]:
    """The lines of one side rebuilt from a diff: "deleted" for the old text, "inserted" the new."""
    rebuilt = []
    for line in lines:
        text = "".join(s.text for s in line.segments if s.kind in ("equal", kind))
        if text:
            rebuilt.append(text)
    return rebuilt


def test_a_changed_phrase_is_marked_inside_its_line_and_the_rest_is_kept():
    diff = diff_text(
        "We grow in the East.\n\nKey accounts first.",
        "We expand into the East and South.\n\nKey accounts first.",
    )
    assert [(line.kind, marked(line)) for line in diff.lines] == [
        ("changed", "We [-grow in-]{+expand into+} the East{+ and South+}."),
        ("equal", "Key accounts first."),
    ]
    assert diff.changed and (diff.inserted, diff.deleted) == (1, 0)


def test_chinese_is_compared_character_by_character():
    diff = diff_text("深耕华东市场，新增大客户 20 家。", "深耕华南市场，新增大客户 30 家。")
    assert marked(diff.lines[0]) == "深耕华[-东-]{+南+}市场，新增大客户 [-20-]{+30+} 家。"


def test_a_line_rewritten_entirely_reads_as_removed_and_added():
    diff = diff_text("Completely different.", "Nothing in common here at all")
    assert [(line.kind, marked(line)) for line in diff.lines] == [
        ("deleted", "[-Completely different.-]"),
        ("inserted", "{+Nothing in common here at all+}"),
    ]


def test_added_and_removed_paragraphs_keep_their_place():
    diff = diff_text("One\nTwo\nThree", "One\nOne and a half\nThree\nFour")
    assert [(line.kind, marked(line)) for line in diff.lines] == [
        ("equal", "One"),
        ("deleted", "[-Two-]"),
        ("inserted", "{+One and a half+}"),
        ("equal", "Three"),
        ("inserted", "{+Four+}"),
    ]


def test_blank_lines_and_trailing_spaces_are_not_changes():
    assert not diff_text("A\n\nB", "A  \nB\n\n\n").changed


def test_with_context_far_unchanged_lines_are_counted_not_shown():
    old = "\n".join(f"Line {n}" for n in range(10))
    new = old.replace("Line 5", "Line five")
    diff = diff_text(old, new, context=1)
    assert [(line.kind, line.skipped) for line in diff.lines] == [
        ("skipped", 4),
        ("equal", 0),
        ("changed", 0),
        ("equal", 0),
        ("skipped", 3),
    ]


def test_words_of_alphabetic_scripts_stay_whole_and_other_characters_stand_alone():
    assert tokenize("Grow 20% in 华东!") == [
        "Grow",
        " ",
        "20",
        "%",
        " ",
        "in",
        " ",
        "华",
        "东",
        "!",
    ]
    assert split_lines("a \n\n  \nb") == ["a", "b"]


lines_of_text = st.lists(
    st.text(alphabet="ab 华东,.", min_size=1, max_size=12).filter(str.strip), max_size=8
)


@given(old=lines_of_text, new=lines_of_text)
def test_each_side_of_the_diff_rebuilds_its_own_text(old, new):
    diff = diff_text("\n".join(old), "\n".join(new))
    assert side(diff.lines, "deleted") == split_lines("\n".join(old))
    assert side(diff.lines, "inserted") == split_lines("\n".join(new))
    assert diff.changed == (split_lines("\n".join(old)) != split_lines("\n".join(new)))


def test_a_paragraph_edited_a_little_is_marked_inside_even_after_a_paragraph_added_above_it():
    old = "各位同事：\n第三，客户满意度是底线。\n销售副总裁"
    new = "各位同事：\n新增一段：华南重点突破新能源行业。\n第四，客户满意度是底线。\n销售副总裁"
    diff = diff_text(old, new)
    assert [(line.kind, marked(line)) for line in diff.lines] == [
        ("equal", "各位同事："),
        ("inserted", "{+新增一段：华南重点突破新能源行业。+}"),
        ("changed", "第[-三-]{+四+}，客户满意度是底线。"),
        ("equal", "销售副总裁"),
    ]
    assert (diff.inserted, diff.deleted) == (2, 0)


def test_each_edited_line_is_paired_with_the_line_it_resembles_and_the_rest_stand_alone():
    diff = diff_text(
        "Intro\nWe grow in the East.\nA paragraph that goes.\nKey accounts first.\nEnd",
        "Intro\nWe grow in the South.\nKey accounts come first.\nA new closing remark here.\nEnd",
    )
    assert [(line.kind, marked(line)) for line in diff.lines] == [
        ("equal", "Intro"),
        ("changed", "We grow in the [-East-]{+South+}."),
        ("deleted", "[-A paragraph that goes.-]"),
        ("changed", "Key accounts {+come +}first."),
        ("inserted", "{+A new closing remark here.+}"),
        ("equal", "End"),
    ]


def test_similarity_is_the_share_of_characters_kept():
    assert similarity("第三季度", "第四季度") == 0.75
    assert similarity("abc", "xyz") == 0.0
    assert similarity("same", "same") == 1.0


def test_a_block_too_large_to_compare_every_pair_is_paired_in_order_and_keeps_both_texts():
    old = "\n".join(f"Old paragraph number {n}" for n in range(31))
    new = "\n".join(f"New paragraph number {n}" for n in range(31))
    diff = diff_text(old, new)
    assert [line.kind for line in diff.lines] == ["changed"] * 31
    assert side(diff.lines, "deleted") == split_lines(old)
    assert side(diff.lines, "inserted") == split_lines(new)
