"""A warm process that forks one fresh process per submission (fast, and isolated).

Starting Python and importing torch, matplotlib and IPython takes seconds; grading a
chapter-1 submission takes milliseconds. The referee (a grading worker) imports what
the setup cells need, then forks the zygote: a copy of itself that never runs student
code and only forks, one child per submission. The child starts warm, and whatever the
student's code does to its modules stays in the child.

The zygote closes the referee's channels to the manager first (``close_fds``), so that
no student's process inherits a pipe it could write a fake grade into. Each child,
before it runs anything of the student's:

* becomes the leader of a new session and process group (so the referee can stop it
  with one ``killpg``), and asks Linux to kill it if the zygote ends;
* sends its standard output and error to a file in a folder of the referee's, capped by
  ``RLIMIT_FSIZE`` and by :class:`tools.grading.student.CappedText`, and gets an
  address-space limit (``RLIMIT_AS``) a fixed amount above what it inherited;
* unless the job says ``isolate: false``, enters new namespaces and forks the process
  that runs the student's code, confined (:mod:`tools.grading.sandbox`): PID 1 of its
  namespace, so that everything it starts dies with it;
* gets an environment of its own (:func:`student_environment`), none of the grader's.

Protocol: the referee sends, over a Unix socket, a JSON job with one file descriptor
attached (the child's end of a socket pair); the zygote answers with the child's pid.
"""

from __future__ import annotations

import array
import contextlib
import functools
import json
import os
import resource
import signal
import socket
import sys
import traceback
from pathlib import Path

from tools.grading import sandbox, student


def _limit(kind: int, value: int) -> None:
    try:
        resource.setrlimit(kind, (value, value))
    except (ValueError, OSError):  # a lower hard limit is already in place
        pass


def _die_with_parent() -> None:
    """Ask Linux to kill this process when the zygote ends (``PR_SET_PDEATHSIG``)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the referee's killpg still applies
        pass


def _virtual_memory() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def student_environment(work: Path) -> dict[str, str]:
    """The whole environment a submission sees: none of the instructor's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(work),
            "TMPDIR": str(work), "IPYTHONDIR": str(work / ".ipython"),
            "MPLCONFIGDIR": str(work / ".matplotlib"), "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _child(channel: socket.socket, job: dict) -> None:
    """Become the student's process (never returns).

    With ``job["isolate"]``, this process enters new namespaces and forks once more: the
    grandchild, PID 1 there, is confined (:mod:`tools.grading.sandbox`) and runs the
    student's code; this process only waits for it, so that killing this process group
    ends the namespace and everything in it.
    """
    status = 1
    try:
        os.setsid()
        _die_with_parent()
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote ignores it; children must not
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a capped write fails, it does not kill
        folder = Path(job["folder"])
        output = os.open(folder / "output.txt", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(output)
        os.close(null)
        _limit(resource.RLIMIT_FSIZE, job["output_limit"])
        _limit(resource.RLIMIT_AS, _virtual_memory() + job["memory_limit"])
        work = folder
        if job["isolate"]:
            sandbox.enter_namespaces()
            alive, kept = os.pipe()  # at EOF, the waiting process is gone
            if os.fork():  # this process: wait for PID 1 of the namespace, then end
                channel.close()
                os.wait()
                status = 0
                return
            os.close(kept)
            os.setsid()  # a group without the waiting process: kill(0) cannot reach it
            _die_with_parent()  # killing the waiting process kills this one, and the namespace
            os.set_blocking(alive, False)
            with contextlib.suppress(BlockingIOError):
                if os.read(alive, 1) == b"":  # it died before the line above took effect
                    return
            work = sandbox.confine_child(_readable(), int(job["timeout"]) + 2)
        os.chdir(work)
        os.environ.clear()
        os.environ.update(student_environment(work))
        student.serve(channel, job["output_limit"])
        status = 0
    except BaseException:
        traceback.print_exc()  # into the submission's output file
    finally:
        os._exit(status)


@functools.cache
def _readable() -> list[str]:
    return sandbox.readable_paths(hidden=student.COURSE_MODULES)


def _receive_job(sock: socket.socket) -> tuple[dict, int] | None:
    fds = array.array("i")
    data, ancillary, _, _ = sock.recvmsg(2**20, socket.CMSG_SPACE(fds.itemsize))
    if not data:
        return None
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(payload[: len(payload) - len(payload) % fds.itemsize])
    return json.loads(data), fds[0]


def serve(sock: socket.socket) -> None:
    """Answer fork requests until the referee closes the socket."""
    _readable()  # worked out once, before any fork
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped automatically
    while True:
        received = _receive_job(sock)
        if received is None:
            return
        job, fd = received
        pid = os.fork()
        if pid == 0:
            sock.close()
            _child(socket.socket(fileno=fd), job)
        os.close(fd)
        sock.sendall(json.dumps({"pid": pid}).encode())


class Zygote:
    """A zygote forked from this process, and the referee's handle on it.

    ``close_fds`` are closed in the zygote (the referee's pipes to the manager).
    """

    def __init__(self, close_fds: tuple[int, ...] = ()) -> None:
        self._sock, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        sys.stdout.flush()
        sys.stderr.flush()
        self.pid = os.fork()
        if self.pid == 0:  # the zygote
            try:
                self._sock.close()
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)  # the referee's standard input is the manager's pipe
                for fd in (null, *close_fds):
                    with contextlib.suppress(OSError):
                        os.close(fd)
                _die_with_parent()
                serve(theirs)
            finally:
                os._exit(0)
        theirs.close()

    def request(self, job: dict, fd: int) -> int:
        """Send a job with the child's socket ``fd``; return the child's pid."""
        self._sock.sendmsg([json.dumps(job).encode()],
                           [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [fd]))])
        reply = self._sock.recv(2**16)
        if not reply:
            raise RuntimeError("the zygote process ended")
        return json.loads(reply)["pid"]

    def alive(self) -> bool:
        """Whether the zygote still runs (a submission may have killed it)."""
        try:
            return os.waitpid(self.pid, os.WNOHANG) == (0, 0)
        except ChildProcessError:
            return False

    def close(self) -> None:
        """End the zygote (its children die with it) and reap it."""
        self._sock.close()
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
