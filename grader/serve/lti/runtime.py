"""One process's LTI state: the tool's keys, the platforms' key sets, service tokens, the score sender.

Made by the app when course.yaml has `lti:` (and by the `grade lti` commands that call platforms).
A missing key, or a key file others can read, stops `grade serve` at start with the fix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from grader.serve.course import Course
from grader.serve.lti.ags import AgsClient
from grader.serve.lti.config import LtiConfig
from grader.serve.lti.http import PlatformHttp
from grader.serve.lti.keys import ToolKey, load_keys, signing_key
from grader.serve.lti.outbox import OutboxWorker, ScoreSender
from grader.serve.lti.platform_keys import PlatformKeys
from grader.serve.lti.service_token import ServiceTokens
from grader.serve.storage import Storage


class LtiRuntime:
    def __init__(self, course: Course, storage: Storage, clock: Callable[[], dt.datetime]) -> None:
        if course.config.lti is None:
            raise ValueError("the course has no `lti:` section")
        self.config: LtiConfig = course.config.lti
        self.course = course
        self.storage = storage
        self.clock = clock
        self.keys: list[ToolKey] = load_keys(course.folder)
        signing_key(self.keys)  # refuse to start without one
        self.http = PlatformHttp()
        self.platform_keys = PlatformKeys(self.http, clock)
        self.tokens = ServiceTokens(self.http, self.signing_key, clock)
        self.ags = AgsClient(self.tokens)
        self.sender = ScoreSender(course, storage, self.ags, clock)
        self.worker: OutboxWorker | None = None

    def signing_key(self) -> ToolKey:
        return signing_key(self.keys)

    def start_worker(self) -> None:
        self.worker = OutboxWorker(self.sender)
        self.worker.start()

    def close(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        self.http.close()
