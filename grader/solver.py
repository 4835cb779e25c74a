"""Bind a rubric to its reference solver: import it, solve, draw per-student parameters, cache.

The solver module is assignment code (in `reference/`); the engine only knows its contract:
`solve(parameters, given=None) -> {name: value}`, optionally `GIVEN_NAMES` (or
`given_names(parameters)`) for error carried forward, and a parameter generator named by the
rubric's `variants:` for per-student numbers.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import sys
from collections.abc import Callable, Mapping
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.errors import RubricError

SOLVE_CACHE_SIZE = 4096  # distinct (student, given) pairs kept; a class of 400 needs a few thousand


def variant_seed(assignment_id: str, student_id: str) -> int:
    """A stable seed from the assignment and student ids (the same on every machine and run)."""
    digest = hashlib.sha256(f"{assignment_id}\0{student_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Solver:
    """A reference solver module bound to a rubric's parameters."""

    def __init__(self, module_name: str, parameters: Mapping[str, Any], rubric_path: Path,
                 variants: Any = None, assignment_id: str = "") -> None:
        self.module_name = module_name
        self.rubric_path = rubric_path
        self.parameters = parameters
        self.assignment_id = assignment_id
        self.module = _import(module_name, rubric_path)
        solve = getattr(self.module, "solve", None)
        if not callable(solve):
            raise RubricError(f"solver module `{module_name}` has no function solve(parameters, given=None)",
                              path=str(rubric_path), where="solver")
        self._solve: Callable[..., dict[str, Any]] = solve
        self._generator: Callable[..., dict[str, Any]] | None = None
        self._variant_options: dict[str, Any] = {}
        if variants is not None:
            generator = getattr(self.module, variants.generator, None)
            if not callable(generator):
                raise RubricError(f"solver module `{module_name}` has no function `{variants.generator}`",
                                  path=str(rubric_path), where="variants.generator")
            self._generator = generator
            self._variant_options = dict(variants.options)
        self._cached_solve = lru_cache(maxsize=SOLVE_CACHE_SIZE)(self._solve_uncached)

    @property
    def has_variants(self) -> bool:
        return self._generator is not None

    def given_names(self, parameters: Mapping[str, Any]) -> frozenset[str] | None:
        """The names `given` accepts, when the solver says (None: it does not say)."""
        function = getattr(self.module, "given_names", None)
        if callable(function):
            return frozenset(function(parameters))
        names = getattr(self.module, "GIVEN_NAMES", None)
        return frozenset(names) if names is not None else None

    def parameters_for(self, student_id: str | None) -> Mapping[str, Any]:
        """The student's own parameters when the rubric has variants, else the rubric's."""
        if self._generator is None or student_id is None:
            return self.parameters
        rng = np.random.default_rng(variant_seed(self.assignment_id, student_id))
        try:
            return self._generator(copy.deepcopy(dict(self.parameters)), rng, **self._variant_options)
        except Exception as exc:  # a solver bug must name the rubric, not crash with a traceback
            raise RubricError(f"the variant generator failed: {type(exc).__name__}: {exc}",
                              path=str(self.rubric_path), where="variants") from exc

    def solve(self, student_id: str | None = None, given: Mapping[str, float] | None = None) -> dict[str, Any]:
        """The solver's answers for this student (their variant), with `given` values pinned."""
        key = student_id if self._generator is not None else None
        return self._cached_solve(key, tuple(sorted((given or {}).items())))

    def _solve_uncached(self, student_id: str | None, given: tuple[tuple[str, float], ...]) -> dict[str, Any]:
        parameters = self.parameters_for(student_id)
        try:
            return self._solve(parameters, dict(given) if given else None)
        except Exception as exc:
            raise RubricError(f"the solver `{self.module_name}` failed: {type(exc).__name__}: {exc}",
                              path=str(self.rubric_path), where="parameters") from exc


def _import(module_name: str, rubric_path: Path) -> ModuleType:
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as first:
        # A course's own solver may sit beside its rubric (rubrics/../reference/...): look there too.
        for folder in (rubric_path.resolve().parent.parent, rubric_path.resolve().parent):
            if str(folder) not in sys.path:
                sys.path.append(str(folder))
                try:
                    return importlib.import_module(module_name)
                except ModuleNotFoundError:
                    sys.path.remove(str(folder))
        raise RubricError(f"cannot import the solver module `{module_name}` ({first})",
                          path=str(rubric_path), where="solver",
                          hint="install the package that holds it, or put it beside the rubric") from None
    except Exception as exc:
        raise RubricError(f"importing the solver module `{module_name}` failed: {type(exc).__name__}: {exc}",
                          path=str(rubric_path), where="solver") from exc
