"""Answer groups, without a server: normalising, near-duplicates and their threshold, numbers by mistake and value."""

from __future__ import annotations

import pytest

from grader.rubric import load_rubric
from grader.serve.grouping import EXACT_ONLY, Member, group_answers, member_order, normalise
from serve_support import RUBRIC


@pytest.fixture(scope="module")
def rubric():
    return load_rubric(RUBRIC)


def text_members(*answers: str | None) -> list[Member]:
    return [Member(f"s{index:03d}", answer, "needs_review", None, 0.5) for index, answer in enumerate(answers)]


@pytest.mark.parametrize("written, normalised", [
    ("The Gradient  vanishes!", "the gradient vanishes"),          # case, spaces, punctuation
    ("ﬁne — “quoted”, (yes)", "fine quoted yes"),                  # NFKC ligature, dashes, quotes
    ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),                                    # NFKC width
    ("  ", ""), (None, ""),
])
def test_normalise(written, normalised):
    assert normalise(written) == normalised


def test_identical_answers_after_normalising_are_one_group(rubric):
    groups = group_answers(text_members("It depends on h.", "it depends on H", "IT DEPENDS ON H!!"),
                           rubric.questions["p2.a.why"], threshold=EXACT_ONLY)
    assert [group.size for group in groups] == [3]
    assert groups[0].label == "identical after normalising"


def test_a_typo_joins_its_answer_and_the_threshold_decides(rubric):
    answers = ("The gates depend on the previous hidden state.", "The gates depend on the previous hiden state.",
               "The biases keep the gates away from zero.")
    question = rubric.questions["p2.a.why"]
    near = group_answers(text_members(*answers), question, threshold=85)
    assert sorted(group.size for group in near) == [1, 2]
    joined = next(group for group in near if group.size == 2)
    assert len(joined.forms) == 2 and "near-identical" in joined.label  # its two spellings, to split if need be
    assert sorted(group.size for group in group_answers(text_members(*answers), question,
                                                        threshold=EXACT_ONLY)) == [1, 1, 1]


def test_groups_never_chain_unrelated_answers(rubric):
    # each answer is a little further from the first: single linkage would chain them all into one group
    chain = ["a b c d e f g h", "a b c d e f g x", "a b c d e f y x", "a b c d e z y x", "a b c d w z y x"]
    groups = group_answers(text_members(*chain), rubric.questions["p2.a.why"], threshold=85)
    assert max(group.size for group in groups) < len(chain)


def test_the_order_within_a_group_is_stable_and_not_alphabetical(rubric):
    members = text_members(*["same answer"] * 12)
    first = group_answers(members, rubric.questions["p2.a.why"], seed="hw\0p2.a.why")[0]
    again = group_answers(list(reversed(members)), rubric.questions["p2.a.why"], seed="hw\0p2.a.why")[0]
    order = [member.student_id for member in first.members]
    assert order == [member.student_id for member in again.members]
    assert order != sorted(order)
    assert order == sorted(order, key=lambda student: member_order("hw\0p2.a.why", student))


def test_numbers_group_by_mistake_then_by_value_within_the_tolerance(rubric):
    question = rubric.questions["p3.b.h1"]
    members = [Member("a", "0.2174", "correct", None, 2), Member("b", "0.2175", "correct", None, 2),
               Member("c", "0.3012", "incorrect", "mistake.h1_no_tanh", 0),
               Member("d", "0.3", "incorrect", "mistake.h1_no_tanh", 0),
               Member("e", "0.9", "incorrect", None, 0), Member("f", "0.9001", "incorrect", None, 0),
               Member("g", "5", "incorrect", None, 0), Member("h", "x^", "invalid", None, 0)]
    groups = {group.label: sorted(m.student_id for m in group.members) for group in group_answers(members, question)}
    assert groups == {"right (matches the key)": ["a", "b"],
                      "matches the known mistake mistake.h1_no_tanh": ["c", "d"],
                      "incorrect: 0.9": ["e", "f"], "incorrect: 5": ["g"], "could not be read": ["h"]}


def test_an_empty_queue_has_no_groups(rubric):
    assert group_answers([], rubric.questions["p2.a.why"]) == []
