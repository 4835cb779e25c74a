"""`grade batch`: a whole class at once -> results, reports, review queue, gradebook, class summary.

A small pipeline (DESIGN.md: I/O at the edges, pure grading in the middle): `pipeline` ties it
together; `runner` finds the files and grades them in worker processes, taking what did not change
from `result_cache`; `records` is what a worker hands back and `collect` what the parent keeps of
it; `overrides` reads and applies a TA's decisions and `review` writes the review queue; `summary`,
`histogram` and `gradebook` turn the compact rows into the class summary and the CSV; `staging`
makes the output folder appear atomically. Which files of OUT are the grader's, and the lock, are
grader.files.out_folder's (grade export follows the same rules).
"""

from grader.batch.pipeline import BatchOptions, BatchOutcome, run_batch

__all__ = ["BatchOptions", "BatchOutcome", "run_batch"]
