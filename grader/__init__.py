"""An automated grader for written homework.

The parts, from the faces down (each imports only parts below it):
- cli.py, the only place that knows the commands; client.py (with client_http.py, its guarded HTTP), the
  course service's client; serve/, the course service.
- authoring/ (what an author runs), batch/ (a class at once) and export/ (LMS files from its output).
- reports/: Jinja rendering of Results, keys, sheets and the class summary.
- The engine, submission × rubric × solver -> Result: grading.py, rubric.py, solver.py, variants.py,
  submission.py, answers.py, answer_memo.py, results.py (the JSON contract), questions/ (one module
  per question type), expressions/, numbers.py, validation_messages.py, cutting.py (long text cut).
- safe_yaml.py, the one YAML reader; files/, the files users hand in and get back (opened safely,
  written atomically, rosters, CSV cells, which files of an output folder are the grader's); errors.py.
"""

__version__ = "0.1.0"
