"""Grade a class: every submission in a folder, in parallel, each within a time limit.

Usage: ``python -m tools.grade CHAPTER SUBMISSIONS [--timeout S] [--jobs N] [--out DIR]``
(``make grade CHAPTER=01-naive-forward SUBMISSIONS=path/to/folder [TIMEOUT=S]``).

``CHAPTER`` is a chapter's file name without ``.ipynb``; ``SUBMISSIONS`` a folder with
one notebook per student, ``<student>.ipynb`` or ``<student>/<anything>.ipynb``. The
chapter's assignment is generated first if it is missing or stale (``make
assignments``). Writes, in ``--out`` (default ``_build/grades/CHAPTER``):

* ``gradebook.csv``: student, the score of each exercise, total, maximum, status;
* ``feedback/<student>.txt``: each failed case with its message and why it failed,
  and the notebook's cells that raised errors;
* ``results/<student>.json``: the whole outcome, which is also the cache: a re-run
  grades only the submissions whose file (or the autograder, or this grader) changed,
  and those whose last grade was an error or a time-out shorter than the new limit;
  only results this grader signed (HMAC, key ``.grader-key``) are reused;
* ``class-report.md`` and ``score-histogram.png``: each test case's failure rate across
  the class with its message, and the scores' histogram.

Each submission runs confined (:mod:`tools.grading.sandbox`); where Linux cannot do
that, nothing is graded and the safer routes are named, unless ``--unisolated``.

Statuses: ``graded``; ``timeout`` (zero); and, never run, ``empty``, ``invalid-json``,
``not-a-notebook``, ``wrong-chapter``, ``too-large``, ``missing``, ``ambiguous`` (zero);
``error`` means the grader failed, not the student (see ``grading.log``; re-run).
How it works and what it protects against: instructors.md and :mod:`tools.grading`.
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from tools import assign
from tools.grading import pool, sandbox
from tools.grading.referee import Assignment, Outcome
from tools.grading.report import GRADED, write_class_report, write_feedback, write_gradebook
from tools.grading.submissions import MAX_BYTES, content_hash, discover, read_notebook

ROOT = assign.ROOT
DEFAULT_TIMEOUT = 60.0  # seconds per submission: the chapters' solutions need well under 1
ERROR = "error"
TIMEOUT = "timeout"


@functools.cache
def grader_version() -> str:
    """A hash of the grader's own code: a new grader regrades every submission."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "tools" / "grading").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def chapter_path(chapter: str) -> Path:
    """``chapters/<chapter>.ipynb``; ``ValueError`` naming CHAPTER if there is none."""
    path = ROOT / "chapters" / f"{chapter}.ipynb"
    if not chapter or "/" in chapter or not path.is_file():
        known = ", ".join(p.stem for p in sorted((ROOT / "chapters").glob("*.ipynb")))
        raise ValueError(f"CHAPTER must be a chapter's file name without .ipynb (one of "
                         f"{known}); got {chapter!r}")
    return path


def _secret(out: Path) -> bytes:
    """This output folder's signing key (made once, readable by the instructor only)."""
    path = out / ".grader-key"
    if not path.is_file():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def _signature(secret: bytes, student: str, key: dict, outcome: dict) -> str:
    text = json.dumps([student, key, outcome], sort_keys=True)
    return hmac.new(secret, text.encode(), hashlib.sha256).hexdigest()


def _cached(results: Path, key: dict, timeout: float, secret: bytes) -> dict | None:
    """The stored outcome of an unchanged submission, if it need not be graded again:
    only one this grader signed (a result written by anyone else is graded again)."""
    try:
        stored = json.loads(results.read_text())
        old_key, outcome = stored["key"], stored["outcome"]
        signed = hmac.compare_digest(str(stored.get("signature")), _signature(
            secret, results.stem, old_key, outcome))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not signed:
        return None
    same = all(old_key.get(k) == key[k] for k in ("content", "assignment", "grader"))
    if not same or outcome.get("status") not in (GRADED, TIMEOUT):
        return None
    if outcome["status"] == TIMEOUT and timeout > old_key.get("timeout", 0):
        return None
    return outcome


def _not_graded(status: str, detail: str) -> dict:
    return Outcome(status, notes=[detail]).to_dict()


def grade_class(chapter: str, submissions: Path, out: Path | None = None,
                timeout: float = DEFAULT_TIMEOUT, jobs: int | None = None,
                max_bytes: int = MAX_BYTES, log: Callable[[str], None] = print,
                isolate: bool = True) -> dict[str, dict]:
    """Grade every submission in ``submissions``; return ``{student: outcome}``.

    ``jobs`` submissions (default: one per core) are graded at once, each by processes
    of its own (:mod:`tools.grading.pool`), and confined
    (:mod:`tools.grading.sandbox`); where that is impossible this raises
    :class:`~tools.grading.sandbox.IsolationUnavailable` before grading anything, unless
    ``isolate`` is false (then it says loudly that submissions run unisolated).
    """
    if timeout <= 0:
        raise ValueError(f"TIMEOUT must be a positive number of seconds, got {timeout}")
    if isolate:
        sandbox.check()
        log(f"isolation: {sandbox.describe()}")
    else:
        log("WARNING: --unisolated: every submission runs with your rights (it can read "
            "your files, the hidden tests and the solutions, write where you can and "
            "reach the network)")
    path = chapter_path(chapter)
    out = Path(out) if out else ROOT / "_build" / "grades" / chapter
    found = discover(Path(submissions), exclude=out)
    folder = assign.assign(path, run_tests=False)
    if folder is None:
        raise ValueError(f"CHAPTER {chapter} has no autograded exercise")
    assignment = Assignment(folder)  # checked against its manifest (changed since assign()?)
    spec = assignment.spec
    (out / "results").mkdir(parents=True, exist_ok=True)
    secret = _secret(out)
    outcomes: dict[str, dict] = {}
    keys: dict[str, dict] = {}
    todo = []
    skipped = 0
    for submission in found:
        student = submission.student
        if submission.status:
            outcomes[student] = _not_graded(submission.status, submission.detail)
            _store(out, student, {}, outcomes[student], secret)
            continue
        data = submission.path.read_bytes()
        keys[student] = {"content": content_hash(data), "assignment": spec.fingerprint,
                         "grader": grader_version(), "timeout": timeout,
                         "file": str(submission.path)}
        cached = _cached(out / "results" / f"{student}.json", keys[student], timeout, secret)
        if cached is not None:
            outcomes[student], skipped = cached, skipped + 1
            continue
        notebook, status, detail = read_notebook(data, chapter, max_bytes)
        if notebook is None:
            outcomes[student] = _not_graded(status, detail)
            _store(out, student, keys[student], outcomes[student], secret)
            continue
        todo.append((student, spec.student_cells(notebook), timeout))
    log(f"{chapter}: {len(found)} submissions in {submissions}: {len(todo)} to grade, "
        f"{skipped} unchanged (already graded), {len(found) - len(todo) - skipped} "
        "that cannot be graded")
    if todo:
        _run(todo, outcomes, keys, out, assignment, jobs, log, secret, isolate)
    write_gradebook(out / "gradebook.csv", spec, outcomes)
    write_feedback(out / "feedback", spec, outcomes)
    write_class_report(out, spec, outcomes)
    counts = ", ".join(f"{n} {status}" for status, n in sorted(
        Counter(o["status"] for o in outcomes.values()).items()))
    log(f"{chapter}: {counts}. Gradebook: {out / 'gradebook.csv'}; feedback: "
        f"{out / 'feedback'}/; class report: {out / 'class-report.md'}")
    return outcomes


def _store(out: Path, student: str, key: dict, outcome: dict, secret: bytes) -> None:
    path = out / "results" / f"{student}.json"
    signature = _signature(secret, student, key, outcome)
    path.write_text(json.dumps({"student": student, "key": key, "outcome": outcome,
                                "signature": signature}, indent=1) + "\n")


def _run(todo: list, outcomes: dict, keys: dict, out: Path, assignment: Assignment,
         jobs: int | None, log: Callable[[str], None], secret: bytes, isolate: bool) -> None:
    """Grade ``todo``, showing progress as grades arrive."""
    start, width = time.monotonic(), len(str(len(todo)))
    done = 0
    maximum = assignment.spec.maximum

    def record(student: str, outcome: dict) -> None:
        nonlocal done
        done += 1
        outcomes[student] = outcome
        if outcome["status"] != ERROR:
            _store(out, student, keys[student], outcome, secret)
        score = sum(q["score"] for q in outcome.get("questions", []))
        log(f"[{done:>{width}}/{len(todo)}] {student}: {score:g}/{maximum:g} "
            f"{outcome['status']} ({outcome.get('seconds', 0):.1f} s)")

    log("starting the grading processes (the first imports torch: seconds)...")
    pool.start(assignment.spec.imports)
    ready = time.monotonic()
    with open(out / "grading.log", "a") as grading_log:
        pool.grade(assignment, todo, record, min(jobs or os.cpu_count() or 1, len(todo)),
                   isolate, lambda line: print(line, file=grading_log, flush=True))
    elapsed = time.monotonic() - ready
    log(f"graded {len(todo)} in {elapsed:.1f} s ({60 * len(todo) / elapsed:.0f} a minute) "
        f"after {ready - start:.1f} s of start-up")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapter", help="e.g. 01-naive-forward")
    parser.add_argument("submissions", type=Path, help="folder of submissions")
    parser.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                        help=f"seconds per submission (default {DEFAULT_TIMEOUT:g})")
    parser.add_argument("--jobs", type=int, default=None,
                        help="submissions graded at once (default: one per core)")
    parser.add_argument("--out", type=Path, default=None,
                        help="where to write (default _build/grades/CHAPTER)")
    parser.add_argument("--unisolated", action="store_true",
                        help="run submissions with your own rights (unsafe; see "
                             "instructors.md)")
    args = parser.parse_args(argv)
    try:
        grade_class(args.chapter, args.submissions, args.out, args.timeout, args.jobs,
                    log=lambda line: print(line, flush=True), isolate=not args.unisolated)
    except (ValueError, sandbox.IsolationUnavailable) as error:
        print(f"make grade: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
