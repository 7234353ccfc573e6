"""The grading processes: a warm fork server, and a referee and a student per submission.

Importing torch, IPython and otter takes seconds; grading a chapter-1 submission takes
milliseconds. So the standard library's ``multiprocessing`` fork server imports them once
(:func:`preload`: modules only, no test, solution or grade) and forks, per submission,
the student's process (:func:`tools.grading.student.main`, confined) and the referee
(:func:`tools.grading.referee.main`, which tests it through a data-only channel and
stops it at its time limit). This process, the manager, grades ``workers`` submissions
at once (a thread each) and reads each outcome as one JSON message (:mod:`.wire`) that
must carry its submission's random nonce: a forged or garbled message, or a referee that
dies or does not answer within the time limit plus ``GRACE``, is an ``error`` of that
submission alone (graded again next run), and the batch goes on.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.util
import os
import pkgutil
import secrets
import shutil
import signal
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tools.grading import referee, student, wire
from tools.grading.referee import Assignment, Outcome

CONTEXT = multiprocessing.get_context("forkserver")
ROOT = Path(__file__).resolve().parents[2]
# Where the grading processes keep their bytecode: a folder no submission can reach
# (tools.grading.sandbox), so a ``.pyc`` planted next to a source file is never read.
BYTECODE = ROOT / "_build" / "grading-bytecode"
GRACE = 120.0  # seconds a referee may take beyond a submission's time limit (its own work)
OUTPUT_LIMIT = 2**20  # bytes a submission may print (the rest is dropped)
MEMORY_LIMIT = 4 * 2**30  # bytes of address space a submission may add
# The only variables of the instructor's environment the fork server gets (no tokens).
PASSED_ON = ("PATH", "HOME", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV")


def worker_environment(bytecode: Path) -> dict[str, str]:
    """The fork server's environment, which every grading process inherits: none of the
    instructor's variables but ``PASSED_ON``; one thread each for the numeric libraries,
    no display; Python reads and writes bytecode only in ``bytecode`` (a folder of the
    grader's), never in a ``__pycache__`` that a submission could have planted."""
    env = {name: os.environ[name] for name in PASSED_ON if name in os.environ}
    env.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MPLBACKEND="Agg", PYTHONPYCACHEPREFIX=str(bytecode))
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def preload(imports: Iterable[str] = ()) -> list[str]:
    """What the fork server imports once: the grading code, every module of the course
    (so a confined process never reads their files) and ``imports`` (a setup's)."""
    import convcourse

    course = [m.name for m in pkgutil.walk_packages(convcourse.__path__, "convcourse.")]
    return ["__main__", "numpy", "torch", "IPython.core.interactiveshell", "traitlets.config",
            "otter.test_files.ok_test", "tools.grading.referee", *course, *imports,
            "torch.fx.experimental.symbolic_shapes"]  # what autograd's first backward imports


@contextlib.contextmanager
def _environment(env: dict[str, str]) -> Iterator[None]:
    """Run with ``env`` as the whole environment, the C library's too (a library may have
    set variables there that ``os.environ`` does not list: readline's ``COLUMNS``)."""
    saved = dict(os.environ)
    os.environ.clear()
    with contextlib.suppress(AttributeError, OSError):  # glibc and musl have clearenv
        ctypes.CDLL(None).clearenv()
    os.environ.update(env)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


def _send_parent(channel: Connection) -> None:
    channel.send_bytes(str(os.getppid()).encode())  # bytes: this process unpickles nothing


def start(imports: Iterable[str] = ()) -> int:
    """Start the fork server unless it runs (it imports :func:`preload`, seconds), wait
    until it forks warm processes, and return its pid.

    It starts with :func:`worker_environment` alone, so that no grading process, nor its
    ``/proc/<pid>/environ``, holds the instructor's variables.
    """
    BYTECODE.mkdir(parents=True, exist_ok=True)
    CONTEXT.set_forkserver_preload(preload(imports))
    with _environment(worker_environment(BYTECODE)):
        multiprocessing.forkserver.ensure_running()
    ours, theirs = CONTEXT.Pipe(duplex=False)
    probe = CONTEXT.Process(target=_send_parent, args=(theirs,))
    probe.start()
    theirs.close()
    try:
        return int(ours.recv_bytes(32))
    finally:
        ours.close()
        probe.join()


def read_outcome(results: Connection, nonce: str, timeout: float) -> dict:
    """The referee's outcome from ``results``; ``RuntimeError`` if none arrives within
    ``timeout`` seconds, if it is garbled or lacks ``nonce`` (forged), or if the referee
    itself failed (its traceback in the message)."""
    if not results.poll(timeout):
        raise RuntimeError(f"the referee did not answer within {timeout:g} s")
    try:
        reply = wire.receive(results)
    except (wire.ChannelClosed, wire.ProtocolError) as error:
        raise RuntimeError(f"the referee sent no valid outcome ({error})") from None
    if not isinstance(reply, dict) or reply.pop("nonce", None) != nonce:
        raise RuntimeError("an outcome that does not answer this submission arrived "
                           f"(forged?): {str(reply)[:200]!r}")
    if "error" in reply:
        raise RuntimeError(f"the referee failed: {reply['error']}\n{reply.get('traceback')}")
    return reply


def grade_one(assignment: Assignment, cells: list, timeout: float, isolate: bool = True,
              log: Callable[[str], Any] = print) -> dict:
    """Grade one submission's ``cells`` within ``timeout`` seconds, confined unless
    ``isolate`` is false; return its outcome (:class:`Outcome` as a dict). A failure of
    the grader's own is ``log``-ged and gives the status ``error``."""
    start = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="convcourse-submission-"))
    nonce = secrets.token_hex(16)
    job = {"folder": str(folder), "output_limit": OUTPUT_LIMIT, "isolate": isolate,
           "memory_limit": MEMORY_LIMIT, "timeout": timeout,
           "hide": [multiprocessing.util.get_temp_dir()]}  # where the fork server listens
    referee_end, student_end = CONTEXT.Pipe()
    results, results_end = CONTEXT.Pipe(duplex=False)
    pupil = CONTEXT.Process(target=student.main, args=(student_end, job), name="student")
    processes = [pupil]
    try:
        pupil.start()
        processes.append(CONTEXT.Process(target=referee.main, name="referee", args=(
            referee_end, results_end, assignment, cells, pupil.pid, start + timeout, nonce)))
        processes[1].start()
        for end in (referee_end, student_end, results_end):
            end.close()
        outcome = read_outcome(results, nonce, timeout + GRACE)
    except (RuntimeError, OSError) as error:
        log(f"grading failed: {error}")
        outcome = Outcome("error", notes=[str(error).splitlines()[0]]).to_dict()
    finally:
        if pupil.pid is not None and pupil.exitcode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pupil.pid, signal.SIGKILL)
        for process in processes:
            if process.pid is not None:
                if process.exitcode is None:
                    process.kill()
                process.join()
        for end in (referee_end, student_end, results, results_end):
            end.close()
    outcome["seconds"] = round(time.monotonic() - start, 3)
    with contextlib.suppress(OSError):
        outcome["output_bytes"] = (folder / "output.txt").stat().st_size
    shutil.rmtree(folder, ignore_errors=True)
    return outcome


def grade(assignment: Assignment, jobs: Iterable[tuple[Any, list, float]],
          done: Callable[[Any, dict], None], workers: int, isolate: bool = True,
          log: Callable[[str], Any] = print) -> None:
    """Grade ``(key, cells, timeout)`` jobs, ``workers`` at once; ``done(key, outcome)``
    for each, from this thread, in the order the grades arrive (see :func:`grade_one`)."""
    with ThreadPoolExecutor(max(1, workers)) as threads:
        futures = {threads.submit(grade_one, assignment, cells, timeout, isolate, log): key
                   for key, cells, timeout in jobs}
        for future in as_completed(futures):
            done(futures[future], future.result())
