"""An automated grader for written homework."""

__version__ = "0.1.0"
