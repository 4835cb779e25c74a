"""Memoise a solver's parameter parsing: `solve` runs once per student and question with the same parameters."""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

Problem = TypeVar("Problem")

CACHE_SIZE = 256  # distinct parameter sets kept: the rubric's, and a class's variants in a batch worker


def memoised_parse(parse: Callable[[Mapping[str, Any]], Problem]) -> Callable[[Mapping[str, Any]], Problem]:
    """`parse`, remembered by the parameters' canonical JSON; parameters that are not plain data
    (numpy arrays, say) are parsed as they are, every time."""
    parse_canonical = functools.lru_cache(maxsize=CACHE_SIZE)(lambda canonical: parse(json.loads(canonical)))

    def parsed(parameters: Mapping[str, Any]) -> Problem:
        try:
            canonical = json.dumps(parameters, sort_keys=True)
        except (TypeError, ValueError):
            return parse(parameters)
        return parse_canonical(canonical)

    return parsed
