"""A grading worker: one referee process that grades submissions one at a time.

Started by :class:`tools.grading.pool.Pool` as ``python -m tools.grading.worker``. It
reads one JSON request a line on standard input and writes one JSON reply a line on
the standard output it had at start (its own prints, and those of the setup cells, go
to standard error instead, so they cannot corrupt the protocol). Requests:

* ``{"op": "load", "assignment": DIR}``: read the assignment's spec and tests, run its
  setup cells once and warm the zygote with their imports, before any student's code
  runs anywhere in this batch; reply ``{"ok": true}``;
* ``{"op": "grade", "assignment": DIR, "cells": [[NUMBER, SOURCE], ...], "timeout":
  SECONDS}``, the student's cells (:meth:`tools.grading.spec.GradingSpec.student_cells`):
  reply with the :class:`tools.grading.referee.Outcome` as a dict.

It runs the tests with otter's own test-file classes; the manager reads the notebooks.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sys
import traceback
from pathlib import Path

from tools.grading.referee import Assignment
from tools.grading.zygote import Zygote

# Imported before the zygote is forked: the student's process runs in IPython.
ALWAYS_IMPORT = ["IPython.core.interactiveshell", "traitlets.config", "numpy"]


class Worker:
    """The state of a worker: its zygote and the assignments it has loaded.

    ``private_fds`` are this process's channels to the manager, which no zygote keeps.
    """

    def __init__(self, private_fds: tuple[int, ...]) -> None:
        self.private_fds = private_fds
        self.zygote: Zygote | None = None
        self.assignments: dict[str, Assignment] = {}

    def _fork_zygote(self) -> None:
        if self.zygote is not None:
            self.zygote.close()
        self.zygote = Zygote(close_fds=self.private_fds)

    def assignment(self, folder: str) -> Assignment:
        """Load an assignment (once): run its setup here, then fork a warm zygote."""
        if folder not in self.assignments:
            assignment = Assignment(Path(folder))
            assignment.setup_namespace()  # imports what the tests need
            for module in ALWAYS_IMPORT + assignment.spec.imports:
                with contextlib.suppress(Exception):  # the student's process reports it
                    importlib.import_module(module)
            self.assignments[folder] = assignment
            self._fork_zygote()
        return self.assignments[folder]

    def handle(self, request: dict) -> dict:
        assignment = self.assignment(request["assignment"])
        if request["op"] == "load":
            return {"ok": True}
        if request["op"] == "grade":
            if not self.zygote.alive():  # a submission may have killed it: fork another
                self._fork_zygote()
            cells = [(int(number), str(source)) for number, source in request["cells"]]
            return assignment.grade(cells, self.zygote, float(request["timeout"]),
                                    bool(request.get("isolate", True))).to_dict()
        raise ValueError(f"unknown op {request['op']!r}")


def main() -> None:
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)  # from now on, print() goes to standard error
    worker = Worker(private_fds=(protocol.fileno(),))  # and stdin, replaced by /dev/null
    for line in sys.stdin:
        nonce = None
        try:
            request = json.loads(line)
            nonce = request.pop("nonce")
            reply = worker.handle(request)
        except Exception as error:
            traceback.print_exc()
            reply = {"error": f"{type(error).__name__}: {error}"}
        protocol.write(json.dumps({**reply, "nonce": nonce}) + "\n")
    if worker.zygote is not None:
        worker.zygote.close()
    protocol.flush()
    os._exit(0)  # skip the interpreter's teardown (torch's takes seconds)


if __name__ == "__main__":
    main()
