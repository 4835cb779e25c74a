"""Bind a rubric to its reference solver: find and import it, solve, draw per-student parameters, cache.

The solver module is assignment code (the grader's own in `reference/`, a course's wherever the
course keeps it); the engine only knows its contract: `solve(parameters, given=None) -> {name: value}`,
optionally `GIVEN_NAMES` (or `given_names(parameters)`) for error carried forward, and a parameter
generator named by the rubric's `variants:` for per-student numbers.

Every command finds the module by the one rule of `find_solver` (README, "Where the grader looks").
A course's modules are loaded from their files under a private, unique module name, so a course's
own `reference` package never collides with the solvers shipped with the grader.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.machinery
import importlib.util
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import grader
from grader.errors import RubricError
from grader.variants import Variants, variant_seed  # noqa: F401  variant_seed: re-exported

SOLVE_CACHE_SIZE = 4096  # distinct (student, given) pairs kept; a class of 400 needs a few thousand


class Solver:
    """A reference solver module bound to a rubric's parameters."""

    def __init__(self, module_name: str, parameters: Mapping[str, Any], rubric_path: Path,
                 variants: Any = None, assignment_id: str = "") -> None:
        self.module_name = module_name
        self.rubric_path = rubric_path
        self.parameters = parameters
        self.assignment_id = assignment_id
        self.module = import_solver(module_name, rubric_path)
        solve = getattr(self.module, "solve", None)
        if not callable(solve):
            raise RubricError(f"solver module `{module_name}` has no function solve(parameters, given=None)",
                              path=str(rubric_path), where="solver")
        self._solve: Callable[..., dict[str, Any]] = solve
        self.variants = (Variants(self.module, module_name, variants, parameters, rubric_path, assignment_id)
                         if variants is not None else None)
        self._cached_solve = lru_cache(maxsize=SOLVE_CACHE_SIZE)(self._solve_uncached)

    @property
    def has_variants(self) -> bool:
        return self.variants is not None

    def given_names(self, parameters: Mapping[str, Any]) -> frozenset[str] | None:
        """The names `given` accepts, when the solver says (None: it does not say)."""
        function = getattr(self.module, "given_names", None)
        if callable(function):
            return frozenset(function(parameters))
        names = getattr(self.module, "GIVEN_NAMES", None)
        return frozenset(names) if names is not None else None

    def parameters_for(self, student_id: str | None) -> Mapping[str, Any]:
        """The student's own parameters when the rubric has variants (grader/variants.py), else the rubric's."""
        if self.variants is None or student_id is None:
            return self.parameters
        return self.variants.parameters_for(student_id)  # a frozen table's numbers, else the generator's

    def solve(self, student_id: str | None = None, given: Mapping[str, float] | None = None) -> dict[str, Any]:
        """The solver's answers for this student (their variant), with `given` values pinned."""
        key = student_id if self.variants is not None else None
        return self._cached_solve(key, tuple(sorted((name, _frozen(value)) for name, value in (given or {}).items())))

    def _solve_uncached(self, student_id: str | None, given: tuple[tuple[str, float], ...]) -> dict[str, Any]:
        parameters = self.parameters_for(student_id)
        try:
            return self._solve(parameters, {name: _thawed(value) for name, value in given} if given else None)
        except Exception as exc:
            raise RubricError(f"the solver `{self.module_name}` failed: {type(exc).__name__}: {exc}",
                              path=str(self.rubric_path), where="parameters") from exc


# --- Finding and importing the solver module -------------------------------------------------------

BUNDLED_NAME = "reference"  # `solver: reference.X` may name a solver shipped with the grader
PRIVATE_PREFIX = "_grader_solver_"  # course modules live under these names in sys.modules, never as `reference`
MODULE_NAME = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")
FoundBy = Literal["path", "course", "bundled", "installed"]


@dataclass(frozen=True)
class SolverLocation:
    """Where a rubric's `solver:` was found: the top module (`root`, a .py file or a package folder)
    and the submodule path inside it (`inner`); `found_by` names the rule that found it."""

    name: str
    found_by: FoundBy
    root: Path
    inner: tuple[str, ...] = ()

    @property
    def file(self) -> Path:
        """The module's own source file."""
        return _module_file(self.root, self.inner) or self.root


def find_solver(name: str, rubric_path: str | Path) -> SolverLocation:
    """Find the module a rubric's `solver:` names. The one search rule every command uses:

    1. a path (it ends in `.py` or holds a `/`): a .py file or a package folder, relative to the rubric;
    2. a module name `top.sub`: the first of the rubric's folder and each folder above it (stopping at
       the folder the grader is installed in) that holds `top/sub.py` or `top/sub/__init__.py`
       (`top.py` for a one-part name);
    3. `reference.X`: the solvers shipped with the grader;
    4. a module of the installed Python packages (`import top.sub`).
    """
    rubric_path = Path(rubric_path)
    rubric_folder = rubric_path.resolve().parent
    if _is_path(name):
        return _find_by_path(name, rubric_path, rubric_folder)
    if not MODULE_NAME.match(name):
        raise RubricError(f"`{name}` is neither a module name (like `reference.hw_x`) nor a path to a .py file",
                          path=str(rubric_path), where="solver",
                          hint="write a dotted module name, or a path relative to the rubric ending in .py")
    top, *inner = name.split(".")
    folders = course_folders(rubric_folder)
    for folder in folders:
        for root in (folder / top, folder / f"{top}.py"):
            if _module_file(root, inner):
                return SolverLocation(name, "course", root, tuple(inner))
    bundled = bundled_solvers()
    if top == BUNDLED_NAME and bundled is not None and _module_file(bundled, inner):
        return SolverLocation(name, "bundled", bundled, tuple(inner))
    installed = _installed_root(name, rubric_path)
    if installed is not None:
        return SolverLocation(name, "installed", installed, tuple(inner))
    looked = [f"the rubric's folder and those above it ({', '.join(str(folder) for folder in folders)})"]
    if top == BUNDLED_NAME:
        looked.append(f"the solvers shipped with the grader ({bundled or 'none installed'})")
    looked.append("the installed Python packages")
    wanted = "/".join((top, *inner)) + ".py"
    raise RubricError(f"cannot import the solver module `{name}`: no {wanted} in " + "; ".join(looked),
                      path=str(rubric_path), where="solver",
                      hint=f"put {wanted} into one of those folders (a course's own `{top}/` package beside the "
                           "rubric's folder works), or give its file: `solver: ../solvers/hw_x.py`, relative to "
                           "the rubric")


def import_solver(name: str, rubric_path: str | Path) -> ModuleType:
    """Find (as `find_solver` says) and import the solver module a rubric names."""
    location = find_solver(name, rubric_path)
    try:
        if location.found_by == "installed":
            return importlib.import_module(name)
        return _load_private(location)
    except Exception as exc:  # the solver's own code failed while importing: name the file, not a traceback
        raise RubricError(f"importing the solver module `{name}` ({location.file}) failed: "
                          f"{type(exc).__name__}: {exc}", path=str(rubric_path), where="solver",
                          hint="a course's package imports its own modules relatively (`from . import x`)"
                          if isinstance(exc, ImportError) else None) from exc


def grader_home() -> Path:
    """The folder the grader package sits in (site-packages, or the checkout it runs from)."""
    return Path(grader.__file__).resolve().parent.parent


def bundled_solvers() -> Path | None:
    """The solvers shipped with the grader: grader/_reference in a wheel, else the checkout's reference/."""
    shipped = Path(grader.__file__).resolve().parent / "_reference"
    if (shipped / "__init__.py").is_file():
        return shipped
    checkout = grader_home()
    if (checkout / "pyproject.toml").is_file() and (checkout / BUNDLED_NAME / "__init__.py").is_file():
        return checkout / BUNDLED_NAME
    return None


def course_folders(rubric_folder: Path) -> list[Path]:
    """The rubric's folder and every folder above it, stopping before the grader's own installation."""
    home = grader_home()
    folders = []
    for folder in (rubric_folder, *rubric_folder.parents):
        if folder == home:
            break
        folders.append(folder)
    return folders


def _is_path(name: str) -> bool:
    return name.endswith(".py") or "/" in name or "\\" in name


def _find_by_path(name: str, rubric_path: Path, rubric_folder: Path) -> SolverLocation:
    root = (rubric_folder / name).resolve()
    if _module_file(root, ()):
        return SolverLocation(name, "path", root)
    what = "a .py file" if name.endswith(".py") else "a .py file or a package folder (with __init__.py)"
    raise RubricError(f"cannot import the solver `{name}`: {root} is not {what}", path=str(rubric_path),
                      where="solver", hint=f"the path is relative to the rubric's folder, {rubric_folder}")


def _module_file(root: Path, inner: Sequence[str]) -> Path | None:
    """The source file of module `inner` inside the top module `root` (None: it is not there)."""
    if root.suffix == ".py":
        return root if not inner and root.is_file() else None
    if not inner:  # the package itself: its solve() lives in __init__.py
        return root / "__init__.py" if (root / "__init__.py").is_file() else None
    folder = root.joinpath(*inner[:-1])  # folders without __init__.py work too, as namespace packages
    for candidate in (folder / f"{inner[-1]}.py", folder / inner[-1] / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _installed_root(name: str, rubric_path: Path) -> Path | None:
    """The top module's file or folder when `name` is importable from the installed packages."""
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None
    except Exception as exc:
        raise RubricError(f"importing the solver module `{name}` failed: {type(exc).__name__}: {exc}",
                          path=str(rubric_path), where="solver") from exc
    if spec is None:
        return None
    top = importlib.util.find_spec(name.split(".")[0])
    if top is not None and top.submodule_search_locations:
        return Path(list(top.submodule_search_locations)[0])
    return Path(top.origin) if top is not None and top.origin else Path(spec.origin or name)


def _load_private(location: SolverLocation) -> ModuleType:
    """Load a course module from its file under a private name unique to its location; a package keeps
    its relative imports (`from . import helpers`) and is loaded once per process."""
    root = location.root.resolve()
    digest = hashlib.sha256(str(root).encode()).hexdigest()[:12]
    top_name = f"{PRIVATE_PREFIX}{re.sub(r'[^0-9A-Za-z_]', '_', root.stem)}_{digest}"
    if top_name not in sys.modules:
        if root.suffix == ".py":
            spec = importlib.util.spec_from_file_location(top_name, root)
        elif (root / "__init__.py").is_file():
            spec = importlib.util.spec_from_file_location(top_name, root / "__init__.py",
                                                          submodule_search_locations=[str(root)])
        else:  # a plain folder of modules: a namespace package
            spec = importlib.machinery.ModuleSpec(top_name, None, is_package=True)
            spec.submodule_search_locations = [str(root)]
        assert spec is not None  # `find_solver` saw the file
        module = importlib.util.module_from_spec(spec)
        sys.modules[top_name] = module
        try:
            if spec.loader is not None:
                spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[top_name]
            raise
    return importlib.import_module(".".join((top_name, *location.inner)))


def _frozen(value: Any) -> Any:
    """A `given` value as a cache key: a vector's (nested) lists as tuples."""
    return tuple(_frozen(item) for item in value) if isinstance(value, (list, tuple)) else value


def _thawed(value: Any) -> Any:
    """A cached `given` value as the solver receives it: numbers, or (nested) lists of numbers."""
    return [_thawed(item) for item in value] if isinstance(value, tuple) else value
