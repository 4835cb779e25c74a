"""Reading a free-text answer a little more like a TA: a mention under "not" is no claim, and a list of
words is no explanation. Provisional scoring only; a TA reads every free-text answer.

A concept's pattern match is *negated* when, in the same clause and at most MAX_REACH words before
it, stands a negation or a contradiction ("not", "no", "never", "isn't", "cannot", "instead of",
"rather than", …), or when such a word falls inside the match itself ("does not reach" for the
pattern `gradient.{0,40}reach`). A clause ends at . ; : , and at words that start a new one
(because, but, so, if, …); a subject (it, they, that, …) also ends a negation's reach: in "if D is
not updated it becomes stale" the "not" is about the update, not about "stale". A pattern that
holds a negation itself (`do not sum to 1`) keeps the ones inside its match.

An answer is a *keyword list* when it has no verb, subject, connective or relation sign that
would make it a sentence, and it is a few short items (`sigmoid, bias, hidden state`).
"""

from __future__ import annotations

import re

__all__ = ["MAX_REACH", "is_keyword_list", "negated", "pattern_negates"]

MAX_REACH = 4  # words between a negation and what it negates: "not really a standard sigmoid" is 3
MAX_ITEM_WORDS = 4  # an item of a keyword list: "vanishing gradient", "the input gate"
MAX_LONE_ITEM_WORDS = 3  # a lone phrase without a verb: "sigmoid range"

_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_CUE = re.compile(r"\b(?:not(?! only)|no(?! matter)|never|none|nothing|neither|nor|cannot|\w+n['’]t|instead of"
                  r"|rather than|as opposed to|unlike)\b", re.IGNORECASE)
_NEGATING_PATTERN = re.compile(r"\b(?:not|no|never|cannot|neither|nor|instead|rather|unlike)\b|n['’]\??t\b",
                               re.IGNORECASE)
_CLAUSE_END = re.compile(r"[.!?](?=\s|$)|[;:,\n—–]|\b(?:but|because|since|so|while|whereas|although|though"
                         r"|however|yet|thus|therefore|hence|if|when|unless|then)\b", re.IGNORECASE)
_NOT_COUNTED = frozenset({"or", "nor", "either", "even"})  # "not cause mode collapse or instability"
_SUBJECTS = frozenset({"i", "we", "you", "it", "they", "he", "she", "this", "these", "those", "there", "which",
                       "who", "that"})
_SENTENCE_WORDS = _SUBJECTS | frozenset({
    # be, have, do, the modals and contractions
    "is", "are", "was", "were", "be", "been", "being", "am", "it's", "that's", "there's", "they're", "we're",
    "has", "have", "had", "do", "does", "did", "can", "could", "will", "would", "shall", "should", "may",
    "might", "must", "need", "needs",
    # connectives that only join clauses
    "because", "since", "so", "therefore", "thus", "hence", "if", "when", "while", "whereas", "although",
    "though", "unless", "then",
    # verbs these answers use (nouns as well, such as "sum" or "collapse", are left out)
    "gets", "get", "makes", "make", "becomes", "become", "gives", "give", "takes", "take", "goes", "go",
    "comes", "come", "sees", "see", "uses", "use", "means", "mean", "depends", "depend", "flows", "flow",
    "reaches", "reach", "keeps", "keep", "stays", "stay", "remains", "remain", "lies", "lie", "learns",
    "learn", "collapses", "ignores", "ignore", "exploits", "exploit", "fools", "fool", "rejects", "reject",
    "tells", "tell", "produces", "produce", "squashes", "squash", "acts", "act", "applies", "apply", "adds",
    "changes", "vanishes", "vanish", "saturates", "saturate", "dominates", "dominate", "carries", "carry",
    "contains", "contain", "shows", "show", "follows", "follow", "holds", "hold", "works", "work", "leads",
    "lead", "causes", "cause", "allows", "allow", "prevents", "prevent", "converges", "diverges", "requires",
    "require", "pick", "choose", "chose", "think",
})
_RELATION = re.compile(r"[=<>≤≥≈≠∈→⇒]")
_ITEM_SEPARATOR = re.compile(r"[,;/\n•·|&]+|\b(?:and|or)\b", re.IGNORECASE)


def pattern_negates(source: str) -> bool:
    """Whether a concept's pattern holds a negation of its own (`do not sum to 1`, `no information`)."""
    return _NEGATING_PATTERN.search(source) is not None


def negated(text: str, start: int, end: int, *, inside: bool) -> bool:
    """Whether the match text[start:end] is negated (module doc); `inside`: cues within it count too."""
    if inside and _CUE.search(text, start, end):
        return True
    clause = 0
    for boundary in _CLAUSE_END.finditer(text, 0, start):
        clause = boundary.end()
    cues = list(_CUE.finditer(text, clause, start))
    if not cues:
        return False
    between = [word.lower() for word in _WORD.findall(text, cues[-1].end(), start)]
    counted = [word for word in between if word not in _NOT_COUNTED]
    return len(counted) <= MAX_REACH and not any(word in _SUBJECTS for word in counted)


def is_keyword_list(text: str) -> bool:
    """Whether the answer is a few words or short items without anything that makes a sentence."""
    words = [word.lower() for word in _WORD.findall(text)]
    if _RELATION.search(text) or any(word in _SENTENCE_WORDS or word.endswith(("n't", "n’t")) for word in words):
        return False
    items = [len(_WORD.findall(item)) for item in _ITEM_SEPARATOR.split(text) if item.strip()]
    if len(items) >= 2:
        return all(count <= MAX_ITEM_WORDS for count in items)
    return not items or items[0] <= MAX_LONE_ITEM_WORDS
