"""The files users hand the grader and get back, below every command: safe_files (the one way to open
a user's file), output (the one atomic writer), roster and canvas_roster (a class list: plain CSV or
Canvas's gradebook export), csv_cells (CSV cells no spreadsheet runs)."""
