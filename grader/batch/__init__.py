"""`grade batch`: a whole class at once -> results, reports, review queue, gradebook, class summary.

The package is a small pipeline (DESIGN.md: I/O at the edges, pure grading in the middle):
`runner` finds the files and grades them in worker processes, `records` is what a worker hands
back, `overrides` reads and applies a TA's decisions, `review` writes the review queue,
`summary` and `gradebook` turn the compact records into the class summary and the CSV,
`staging` makes the output folder appear atomically, and `pipeline` ties them together.
"""

from grader.batch.pipeline import BatchOptions, BatchOutcome, run_batch

__all__ = ["BatchOptions", "BatchOutcome", "run_batch"]
