"""The course service (`grade serve`): the rubric, the solver and every key stay on the course's machine.

One more face on the engine, like `cli.py` (STYLE.md lesson 13): `api` (and `pages`, the web page)
parse requests and call `service`; `service` calls the same grading and report functions as the CLI;
`policy` decides attempts, cooldowns and due dates as pure functions over recorded attempts;
`storage` is the only module that talks to the database; `course` reads course.yaml.
Needs the `serve` extra (FastAPI, uvicorn, SQLAlchemy, psycopg); the student's client does not.
"""
