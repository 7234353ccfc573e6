"""Grade one submission: the student's code in its own process, the tests in this one.

The referee (:func:`main`, a process of its own per submission, forked by the fork
server, :mod:`tools.grading.pool`) never runs student code. It sends the student's
process (:mod:`tools.grading.student`) the setup cells and the student's cells, and
meanwhile runs the setup cells itself, from the autograder's copy. Then it binds each
name the tests use (``conv2d_single``...) to a :class:`Remote` that calls into the
student's process, and runs the autograder's own copies of the tests here, with otter's
own OK-test classes (so cases and points follow the rules Gradescope applies). What a
student's function returns crosses as data (:mod:`tools.grading.wire`), so a patched
``numpy.allclose``, ``torch.nn.functional.conv2d`` or ``convcourse.reference`` in the
student's process cannot change what the tests compute; printed text is never read.

One time limit covers the student's process from its start to the last test: when it
passes, the process group is killed and the channel shut, the remaining calls fail at
once, and the submission's status is ``timeout`` with zero points. An exercise whose
answer called a function :mod:`tools.grading.student` refuses (the course's own
implementation of it) scores zero, with the reason in ``QuestionResult.forbidden``.
"""

from __future__ import annotations

import builtins
import contextlib
import gc
import io
import json
import os
import signal
import socket
import threading
import time
import traceback
import zipfile
from dataclasses import asdict, dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from otter.test_files.ok_test import OKTestFile

from tools.grading import wire
from tools.grading.spec import SPEC_FILE, GradingSpec, changed_files
from tools.grading.student import FORBIDDEN


class StudentStopped(RuntimeError):
    """The student's process is gone (time limit, crash or exit): no more calls."""


@dataclass
class CaseResult:
    """One test case of one exercise."""

    name: str
    points: float
    hidden: bool
    passed: bool
    message: str = ""  # the case's failure_message, when it failed
    detail: str = ""  # what went wrong: the exception, or the output that differed


@dataclass
class QuestionResult:
    """One exercise: its score and its cases."""

    name: str
    score: float
    possible: float
    cases: list[CaseResult] = field(default_factory=list)
    forbidden: str = ""  # why the exercise earns nothing: it used a forbidden implementation


@dataclass
class Outcome:
    """The grade of one submission and why."""

    status: str
    questions: list[QuestionResult] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    cell_errors: list[dict] = field(default_factory=list)
    seconds: float = 0.0
    output_bytes: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class Student:
    """The referee's side of one student's process: its channel, its process group
    (``pid``) and its deadline (``time.monotonic``), at which a timer stops it."""

    def __init__(self, channel: Connection, pid: int, deadline: float) -> None:
        self._channel, self.pid, self.deadline, self.stopped = channel, pid, deadline, ""
        self._timer = threading.Timer(max(0.0, deadline - time.monotonic()), self.stop,
                                      ["the submission was stopped at the time limit"])
        self._timer.daemon = True
        self._timer.start()

    def exchange(self, message: Any) -> Any:
        """Send a message (unless None) and return the reply; stop the process on failure."""
        if self.stopped:
            raise StudentStopped(self.stopped)
        try:
            if message is not None:
                wire.send(self._channel, message)
            return wire.receive(self._channel)
        except (wire.ChannelClosed, OSError):
            self.stop("the submission's process ended")
        except wire.ProtocolError as error:
            self.stop(f"the submission's process sent an invalid reply ({error})")
        raise StudentStopped(self.stopped)

    def request(self, op: str, target: int, args: list, kwargs: dict | None = None) -> Any:
        """Call, read or set something in the student's process; return its value."""
        message = {"op": op, "target": target, "args": wire.encode(args, self._handle)}
        if kwargs is not None:
            message["kwargs"] = wire.encode(kwargs, self._handle)
        reply = self.exchange(message)
        if not isinstance(reply, dict):
            raise wire.ProtocolError("the reply is not a message")
        if "error" in reply:
            wire.raise_error(reply["error"])
        return wire.decode(reply.get("value"), self.remote)

    def remote(self, handle: int, type_name: str) -> Remote:
        return Remote(self, handle, type_name)

    @staticmethod
    def _handle(value: Any) -> int:
        if isinstance(value, Remote):
            return object.__getattribute__(value, "_id")
        raise TypeError(f"a {type(value).__name__} cannot be sent to the submission's process")

    def stop(self, reason: str = "stopped") -> None:
        """Kill the student's process group and shut the channel (idempotent): a call
        waiting for a reply ends at once, whoever else holds the channel."""
        if not self.stopped:
            self.stopped = reason
        self._timer.cancel()
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError), socket.socket(
                fileno=os.dup(self._channel.fileno())) as channel:
            channel.shutdown(socket.SHUT_RDWR)


class Remote:
    """A value that lives in the student's process: calls and attributes go there."""

    __slots__ = ("_student", "_id", "_type")

    def __init__(self, student: Student, handle: int, type_name: str) -> None:
        object.__setattr__(self, "_student", student)
        object.__setattr__(self, "_id", handle)
        object.__setattr__(self, "_type", type_name)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self._student.request("call", self._id, list(args), kwargs)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        return self._student.request("getattr", self._id, [name])

    def __setattr__(self, name: str, value: Any) -> None:
        self._student.request("setattr", self._id, [name, value])

    def __repr__(self) -> str:
        return f"<{self._type} of the submission>"


def problem_of(report: str) -> str:
    """The first problem in otter's report of a failed case, as one line: the exception
    an example raised, or what it printed against what was expected."""
    lines = report.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("Exception raised:"):
            block = [text for text in lines[index + 1:] if text.startswith("    ")]
            for text in block:
                if not text.startswith(("    Traceback", "     ")):
                    return text.strip()
        if line.startswith("Failed example:"):
            source, want, got, part = [], [], [], None
            for text in lines[index + 1:]:
                if text.startswith("    "):
                    (source if part is None else part).append(text.strip())
                elif text.startswith("Expected"):
                    part = want
                elif text.startswith("Got"):
                    part = got
                else:
                    break
            if part is not None:
                return (f"{' '.join(source)} gave {' '.join(got)!r}, "
                        f"expected {' '.join(want)!r}")
    return report.strip().splitlines()[-1] if report.strip() else ""


def load_tests(zip_path: Path) -> dict[str, OKTestFile]:
    """The autograder zip's OK-format tests (``tests/*.py``) as otter's own test-file
    objects, by exercise name: they run the cases and count the points as otter does on
    Gradescope."""
    tests = {}
    with zipfile.ZipFile(zip_path) as archive:
        for member in sorted(archive.namelist()):
            if member.startswith("tests/") and member.endswith(".py"):
                scope: dict[str, Any] = {}
                exec(archive.read(member).decode(), scope)  # the autograder's own file
                test = OKTestFile.from_spec(scope["test"], path=member)
                tests[test.name] = test
    return tests


def grade_question(test: OKTestFile, namespace: dict) -> QuestionResult:
    """Run one exercise's test cases with otter; zero if it used a forbidden function."""
    test.run(namespace)
    cases = [CaseResult(r.test_case.name, r.test_case.points, r.test_case.hidden, r.passed,
                        "" if r.passed else r.test_case.failure_message or "",
                        "" if r.passed else problem_of(r.message))
             for r in test.test_case_results]
    result = QuestionResult(test.name, test.score, test.possible, cases)
    used = next((c.detail for c in cases if FORBIDDEN in c.detail), "")
    if used:  # the answer called the course's (or torch's) implementation
        result.score = 0
        result.forbidden = used.split(": ", 1)[-1]
    return result


class Assignment:
    """One chapter's autograder as a referee holds it: spec, tests, and a warm namespace."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        altered = changed_files(self.folder)
        if altered:
            raise ValueError(f"{self.folder}: the assignment differs from its manifest "
                             f"({', '.join(altered[:5])}): regenerate it (make assignments)")
        self.spec = GradingSpec.load(self.folder / "autograder" / SPEC_FILE)
        self.tests = load_tests(self.folder / "autograder" / "autograder.zip")
        missing = [q.name for q in self.spec.questions if q.name not in self.tests]
        if missing:
            raise ValueError(f"{self.folder}: no tests in the autograder zip for {missing}")

    def setup_namespace(self) -> tuple[dict, list[str]]:
        """A fresh namespace after the setup cells; the errors they raised, if any."""
        namespace: dict[str, Any] = {"__name__": "__main__", "__builtins__": builtins}
        errors = []
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            for number, source in enumerate(self.spec.setup, start=1):
                try:
                    exec(compile(source, f"<setup cell {number}>", "exec"), namespace)
                except Exception as error:
                    errors.append(f"setup cell {number}: {type(error).__name__}: {error}")
        return namespace, errors

    def grade(self, cells: list, student: Student) -> Outcome:
        """Grade the student's cells (:meth:`GradingSpec.student_cells`) with the
        ``student``'s process; see the module docstring."""
        outcome = Outcome("graded")
        try:
            report = student.exchange({"setup": self.spec.setup, "cells": cells,
                                       "names": self.spec.names,
                                       "allowed": self.spec.allowed})
            namespace, setup_errors = self.setup_namespace()
            if setup_errors:
                outcome.status = "error"
                outcome.notes += [f"the autograder's {e}" for e in setup_errors]
            self._bind(namespace, report, student, outcome)
            outcome.questions = [grade_question(self.tests[q.name], namespace)
                                 for q in self.spec.questions]
        except StudentStopped:
            pass
        except wire.ProtocolError as error:
            outcome.notes.append(f"the submission's process sent an invalid report ({error})")
            outcome.questions = []
        finally:
            reason = student.stopped
            student.stop()
        if reason.endswith("time limit"):
            outcome.status = "timeout"
            outcome.notes.append(f"{reason}: graded zero")
            outcome.questions = []
        elif reason:
            outcome.notes.append(reason)
        if not outcome.questions:
            outcome.questions = [self._zero(q.name) for q in self.spec.questions]
        return outcome

    def _bind(self, namespace: dict, report: Any, student: Student, outcome: Outcome) -> None:
        """Put the student's values into the tests' namespace; note what is missing."""
        if not isinstance(report, dict):
            raise wire.ProtocolError("the report is not a message")
        errors = report.get("errors", [])
        outcome.cell_errors = [
            {k: str(e.get(k, "")) for k in ("cell", "type", "name", "message")}
            for e in (errors if isinstance(errors, list) else []) if isinstance(e, dict)
        ]
        values = report.get("names", {})
        for name in self.spec.names:
            if isinstance(values, dict) and name in values:
                try:
                    namespace[name] = wire.decode(values[name], student.remote)
                except wire.ProtocolError as error:
                    outcome.notes.append(f"{name}: {error}")
            else:
                outcome.notes.append(f"{name} is not defined by the submission")

    def _zero(self, question: str) -> QuestionResult:
        """Zero points, no case run (the notes say why)."""
        return QuestionResult(question, 0, self.tests[question].possible)


def main(channel: Connection, results: Connection, assignment: Assignment, cells: list,
         pid: int, deadline: float, nonce: str) -> None:
    """The referee process: grade ``cells`` with the student's process ``pid`` (the other
    end of ``channel``), and send the outcome, or the error that stopped it, with
    ``nonce`` as one JSON message on ``results``."""
    gc.freeze()  # what the fork server imported: never scanned, so never copied, here
    try:
        os.chdir(Path(__file__).resolve().parents[2])  # the tests' data paths are relative
        reply = assignment.grade(cells, Student(channel, pid, deadline)).to_dict()
    except Exception as error:
        reply = {"error": f"{type(error).__name__}: {error}",
                 "traceback": traceback.format_exc()}
    results.send_bytes(json.dumps({**reply, "nonce": nonce}).encode())
