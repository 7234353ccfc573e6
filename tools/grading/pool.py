"""Worker processes that grade in parallel, each watched from a thread of this process.

Each worker (:mod:`tools.grading.worker`) is a subprocess in a session of its own, so
that a worker that stops answering can be killed with everything it started and
replaced; the submission it was grading gets the status ``error`` (and is retried by
the next run). Workers never run student code themselves (see
:mod:`tools.grading.referee`).
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import IO, Any

from tools.grading.referee import Outcome

ROOT = Path(__file__).resolve().parents[2]
# Where the workers' Python keeps its bytecode: a folder only the grader writes (no
# submission can reach it, tools.grading.sandbox), so a ``.pyc`` planted next to a
# source file is never read. Compiled once per checkout (seconds), then reused.
BYTECODE = ROOT / "_build" / "grading-bytecode"
GRACE = 120.0  # seconds a worker may take beyond a submission's time limit (its own work)


# The only variables of the instructor's environment a worker gets (no tokens, no keys).
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV")


def worker_environment(bytecode: Path) -> dict[str, str]:
    """The workers' environment: none of the instructor's variables but ``PASSED_ON``;
    one thread each for the numeric libraries, no display; Python reads and writes
    bytecode only in ``bytecode`` (a folder of the grader's), never in a
    ``__pycache__`` that a submission could have planted."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MPLBACKEND="Agg", PYTHONPYCACHEPREFIX=str(bytecode))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


class WorkerProcess:
    """One worker subprocess and a line-based conversation with it.

    Each request carries a random ``nonce`` that its reply must repeat: a reply line
    written by anyone else (a forged grade, garbage) fails that request, and the worker
    is replaced, so no later submission gets an earlier one's reply.
    """

    def __init__(self, log: IO[str] | None, bytecode: Path,
                 command: tuple[str, ...] = ("-m", "tools.grading.worker")) -> None:
        self.process = subprocess.Popen(
            [sys.executable, *command], cwd=ROOT,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log or subprocess.DEVNULL,
            env=worker_environment(bytecode), text=True, start_new_session=True,
        )
        self._selector = selectors.DefaultSelector()
        self._selector.register(self.process.stdout, selectors.EVENT_READ)

    def ask(self, request: dict, timeout: float) -> dict:
        """Send a request; return the reply, or raise ``RuntimeError`` after ``timeout``."""
        nonce = secrets.token_hex(16)
        try:
            self.process.stdin.write(json.dumps({**request, "nonce": nonce}) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError) as error:
            raise RuntimeError(f"the grading worker has ended ({error})") from None
        if not self._selector.select(timeout):
            raise RuntimeError(f"the grading worker did not answer within {timeout:g} s")
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the grading worker ended (exit code {self.process.poll()})")
        try:
            reply = json.loads(line)
        except ValueError:
            raise RuntimeError(f"the grading worker sent a malformed reply: {line[:200]!r}"
                               ) from None
        if not isinstance(reply, dict) or reply.pop("nonce", None) != nonce:
            raise RuntimeError("a reply that does not answer this request arrived in the "
                               f"worker's pipe (forged?): {line[:200]!r}")
        if "error" in reply:
            raise RuntimeError(f"the grading worker failed: {reply['error']}")
        return reply

    def kill(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait()

    def close(self, wait: bool = True) -> None:
        """Ask the worker to end (end of its input); with ``wait``, wait or kill it."""
        with contextlib.suppress(OSError):
            self.process.stdin.close()
        if wait:
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process.stdout.close()


class Pool:
    """``workers`` grading workers; use as a context manager.

    ``log`` receives the workers' standard error (tracebacks of grader failures).
    """

    def __init__(self, workers: int | None = None, log: IO[str] | None = None) -> None:
        self.size = max(1, workers or os.cpu_count() or 1)
        self._log = log
        BYTECODE.mkdir(parents=True, exist_ok=True)
        self._workers = [self._new_worker() for _ in range(self.size)]

    def _new_worker(self) -> WorkerProcess:
        return WorkerProcess(self._log, BYTECODE)

    @property
    def pids(self) -> list[int]:
        """The workers' process ids (a worker replaced after a failure has a new one)."""
        return [worker.process.pid for worker in self._workers]

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def load(self, assignment: Path, timeout: float = 600.0) -> None:
        """Load an assignment in every worker (in parallel) before grading starts."""
        errors: list[str] = []

        def load_one(worker: WorkerProcess) -> None:
            try:
                worker.ask({"op": "load", "assignment": str(assignment)}, timeout)
            except RuntimeError as error:
                errors.append(str(error))

        threads = [threading.Thread(target=load_one, args=(w,)) for w in self._workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise RuntimeError(f"could not load {assignment}: {errors[0]}")

    def grade(self, jobs: Iterable[tuple[Any, Path, list, float]],
              done: Callable[[Any, dict], None], isolate: bool = True) -> None:
        """Grade ``(key, assignment, cells, timeout)`` jobs; ``done(key, outcome)`` each.

        Each submission is confined (:mod:`tools.grading.sandbox`) unless ``isolate``
        is false.

        ``done`` is called from this thread, in the order the grades arrive. A worker
        failure gives that job ``{"status": "error", "notes": [why]}`` and a new worker.
        """
        todo: queue.Queue = queue.Queue()
        results: queue.Queue = queue.Queue()
        count = 0
        for job in jobs:
            todo.put(job)
            count += 1
        threads = [threading.Thread(target=self._serve, args=(i, todo, results, isolate),
                                    daemon=True)
                   for i in range(self.size)]
        for thread in threads:
            thread.start()
        for _ in range(count):
            done(*results.get())
        for thread in threads:
            thread.join()

    def _serve(self, index: int, todo: queue.Queue, results: queue.Queue, isolate: bool
               ) -> None:
        while True:
            try:
                key, assignment, cells, timeout = todo.get_nowait()
            except queue.Empty:
                return
            request = {"op": "grade", "assignment": str(assignment), "cells": cells,
                       "timeout": timeout, "isolate": isolate}
            start = time.monotonic()
            try:
                outcome = self._workers[index].ask(request, timeout + GRACE)
            except RuntimeError as error:
                self._workers[index].kill()
                self._workers[index] = self._new_worker()
                outcome = Outcome("error", notes=[str(error)],
                                  seconds=round(time.monotonic() - start, 3)).to_dict()
            results.put((key, outcome))

    def close(self) -> None:
        """End every worker (all asked first, then each waited for)."""
        for worker in self._workers:
            worker.close(wait=False)
        for worker in self._workers:
            worker.close()
