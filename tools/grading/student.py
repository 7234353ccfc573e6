"""The student's side of grading: run the submission's cells, then answer the referee.

:func:`main` runs in a process of its own, forked by the ``multiprocessing`` fork
server (:mod:`tools.grading.pool`), which has imported numpy, torch, IPython and the
course's package once and holds no test, solution or grade. Whatever the student's code
patches (numpy, torch, the course's referee, this module) changes only this process.
Before it runs anything of the student's, the process

* closes every file descriptor it inherited but its standard streams and its channel to
  the referee (the fork server's and ``multiprocessing``'s own pipes among them);
* becomes the leader of a new session and process group (the referee and the manager
  stop it with one ``killpg``), and asks Linux to kill it if the fork server ends;
* sends its output to a file of the manager's, capped by ``RLIMIT_FSIZE`` and by
  :class:`CappedText`, and gets an address-space limit above what it inherited;
* unless the job says ``isolate: false``, enters new namespaces and forks the process
  that runs the student's code, confined (:mod:`tools.grading.sandbox`): PID 1 of its
  namespace, so that everything it starts dies with it;
* gets an environment of its own (:func:`student_environment`), none of the grader's.

The referee sends the setup cells and the student's cells; this process runs them in an
IPython shell (so magics and ``display`` work), reports the errors and the values of the
names the tests use, then serves calls on those values until the channel closes.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import pkgutil
import resource
import signal
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import convcourse
from tools.grading import sandbox, wire


class CappedText(io.TextIOBase):
    """A text stream that writes at most ``limit`` characters, then drops the rest."""

    def __init__(self, stream: io.TextIOBase, limit: int) -> None:
        self._stream, self._left = stream, limit
        self.dropped = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        kept = text[: max(self._left, 0)]
        self._left -= len(kept)
        self.dropped += len(text) - len(kept)
        if kept:
            try:
                self._stream.write(kept)
                self._stream.flush()
            except OSError:  # the file size limit (RLIMIT_FSIZE) was reached
                self._left = 0
        return len(text)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError:
            pass


class Handles:
    """The student-side objects the referee holds handles to."""

    def __init__(self) -> None:
        self._objects: dict[int, Any] = {}

    def add(self, value: Any) -> int:
        self._objects[len(self._objects) + 1] = value
        return len(self._objects)

    def get(self, handle: int, _type: str = "") -> Any:
        try:
            return self._objects[handle]
        except KeyError:
            raise wire.ProtocolError(f"no object with handle {handle}") from None


def _shell():
    """A fresh IPython shell without history (nothing written to the home folder)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    return InteractiveShell.instance(config=config)


def run_cells(shell, cells: list[tuple[Any, str]]) -> list[dict]:
    """Run each cell like Jupyter does (an error stops its cell only); return the errors."""
    errors = []
    for number, source in cells:
        result = shell.run_cell(source, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        if error is not None:
            errors.append({"cell": number, **wire.encode_error(error)})
    return errors


def _answer(handles: Handles, request: dict) -> Any:
    target = handles.get(request["target"])
    args = wire.decode(request.get("args", []), handles.get)
    if request["op"] == "call":
        kwargs = wire.decode(request.get("kwargs", {"$dict": []}), handles.get)
        return target(*args, **kwargs)
    if request["op"] == "getattr":
        return getattr(target, args[0])
    if request["op"] == "setattr":
        setattr(target, args[0], args[1])
        return None
    raise wire.ProtocolError(f"unknown operation {request['op']!r}")


# The course's modules that implement nothing an exercise asks for (helpers an answer may
# use); every other module of the package, a new one included, holds implementations
# that an answer must not call (tools.grading.referee zeroes an exercise that does).
HELPERS = frozenset({"canvas", "data", "geometry", "gradcheck", "kernels", "layer_protocol",
                     "modes", "optim", "plot", "pool_geometry", "receptive_field",
                     "remembered", "source", "timing", "training", "transposed_geometry",
                     "validation", "window"})
COURSE_MODULES = tuple(sorted(module.name for module in pkgutil.iter_modules(convcourse.__path__)
                              if module.name not in HELPERS))
# torch's CPU kernels of the same (its convolutions, transposed ones included, pooling
# and batch normalisation, with their gradients); a name this torch lacks is skipped
TORCH_OPS = ("convolution", "_convolution", "convolution_backward", "im2col", "col2im",
             "max_pool2d_with_indices_backward", "max_pool2d_with_indices", "avg_pool2d",
             "avg_pool2d_backward", "_adaptive_avg_pool2d", "_adaptive_avg_pool2d_backward",
             "native_batch_norm", "native_batch_norm_backward", "_native_batch_norm_legit",
             "_native_batch_norm_legit_no_training", "_batch_norm_with_update",
             "_batch_norm_no_update", "batch_norm_backward")
FORBIDDEN = "is not available to an answer"  # the referee looks for these words
_keep: list = []  # torch's overriding kernels live as long as this process


def _refuse(what: str, name: str = "refused") -> Callable:
    """A function that raises, saying ``what`` is forbidden; its code has no closure, so
    it can replace the code of any plain function."""
    message = (f"{what} {FORBIDDEN}: the exercise asks you to write it yourself, so an "
               "answer that uses it earns nothing for that exercise")
    namespace: dict[str, Any] = {}
    exec(f"def {name}(*args, **kwargs):\n    raise RuntimeError({message!r})", namespace)
    return namespace[name]


def forbid_implementations(allowed: list[Any] = ()) -> None:
    """Make the course's, torch's and scipy's implementations raise when called.

    Done after the setup cells and before the student's: the course's functions get a
    body that raises (their code is gone from this process; their files and bytecode
    are unreadable under Landlock), and torch's convolution and pooling-gradient kernels
    (CPU) and its autograd entry points are replaced by ones that raise. The ``allowed``
    objects (those the chapter's solutions use, say ``corr2d`` in chapter 3) are kept;
    an allowed module is kept whole (chapter 6's network exercise calls
    ``fast.conv2d_forward``, which calls the rest of ``fast``).
    """
    keep = {id(value) for value in allowed}
    kept_modules = {value.__name__ for value in allowed if isinstance(value, types.ModuleType)}
    targets = [sys.modules.get(f"convcourse.{name}") for name in COURSE_MODULES
               if f"convcourse.{name}" not in kept_modules]
    scipy_signal = sys.modules.get("scipy.signal")
    for module in filter(None, targets):
        for value in list(vars(module).values()):
            members = vars(value).values() if isinstance(value, type) else [value]
            for member in members:
                member = getattr(member, "__func__", member)
                if (isinstance(member, types.FunctionType) and member.__closure__ is None
                        and member.__module__ == module.__name__ and id(member) not in keep):
                    name = member.__name__ if member.__name__.isidentifier() else "refused"
                    member.__code__ = _refuse(f"{module.__name__}.{member.__qualname__}",
                                              name).__code__
                    member.__defaults__ = member.__kwdefaults__ = None
    if scipy_signal is not None:
        for name in ("convolve", "convolve2d", "correlate", "correlate2d", "fftconvolve",
                     "oaconvolve"):
            if hasattr(scipy_signal, name):
                setattr(scipy_signal, name, _refuse(f"scipy.signal.{name}"))
    torch = sys.modules.get("torch")
    if torch is not None:
        library = torch.library.Library("aten", "IMPL")
        with contextlib.redirect_stderr(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for op in TORCH_OPS:
                with contextlib.suppress(RuntimeError):  # not an operator of this torch
                    library.impl(op, _refuse(f"torch's {op}"), "CPU")
        _keep.append(library)
        torch.autograd.backward = torch.autograd.grad = _refuse("torch.autograd")
        torch.Tensor.backward = _refuse("torch's autograd (Tensor.backward)")


def serve(channel: Connection, output_limit: int) -> None:
    """Receive the job, run it, report, then answer requests until the channel closes."""
    sys.stdout = CappedText(sys.stdout, output_limit)
    sys.stderr = CappedText(sys.stderr, output_limit)
    job = wire.receive(channel)
    shell = _shell()
    setup_errors = run_cells(shell, [("setup", source) for source in job["setup"]])
    forbid_implementations([shell.user_ns[name] for name in job.get("allowed", [])
                            if name in shell.user_ns])
    errors = setup_errors + run_cells(shell, [tuple(cell) for cell in job["cells"]])
    handles = Handles()
    names = {}
    for name in job["names"]:
        if name in shell.user_ns:
            try:
                names[name] = wire.encode(shell.user_ns[name], handles.add)
            except Exception:  # data that cannot be encoded (an object array...)
                names[name] = {"$handle": handles.add(shell.user_ns[name]), "type": "object"}
    wire.send(channel, {"errors": errors, "names": names})
    while True:
        try:
            request = wire.receive(channel)
        except wire.ChannelClosed:
            return
        try:
            reply = {"value": wire.encode(_answer(handles, request), handles.add)}
        except BaseException as error:  # the student's exception goes to the referee
            reply = {"error": wire.encode_error(error, traceback.format_exc())}
        wire.send(channel, reply)


# -- the process ------------------------------------------------------------------------

def student_environment(work: Path) -> dict[str, str]:
    """The whole environment a submission sees: none of the instructor's variables."""
    return {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": str(work),
            "TMPDIR": str(work), "IPYTHONDIR": str(work / ".ipython"),
            "MPLCONFIGDIR": str(work / ".matplotlib"), "MPLBACKEND": "Agg",
            "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1"}


def _limit(kind: int, value: int) -> None:
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit is in place
        resource.setrlimit(kind, (value, value))


def _virtual_memory() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def main(channel: Connection, job: dict) -> None:
    """The student's process (see the module docstring); never returns.

    With ``job["isolate"]``, it enters new namespaces and forks once more: the child, PID
    1 there, is confined and runs the student's code; this process only waits for it, so
    that killing this process group ends the namespace and everything in it.
    """
    gc.freeze()  # what the fork server imported: never scanned, so never copied, here
    status = 1
    try:
        fd = channel.fileno()
        os.closerange(3, fd)  # the fork server's, multiprocessing's and the manager's
        os.closerange(fd + 1, os.sysconf("SC_OPEN_MAX"))
        os.setsid()
        sandbox.die_with_parent()
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a capped write fails, it does not kill
        output = os.open(Path(job["folder"]) / "output.txt",
                         os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        null = os.open(os.devnull, os.O_RDONLY)
        for source, target in ((null, 0), (output, 1), (output, 2)):
            os.dup2(source, target)
        os.close(output)
        os.close(null)
        _limit(resource.RLIMIT_FSIZE, job["output_limit"])
        _limit(resource.RLIMIT_AS, _virtual_memory() + job["memory_limit"])
        work = Path(job["folder"])
        if job["isolate"]:
            work = sandbox.confined(sandbox.readable_paths(hidden=COURSE_MODULES),
                                    int(job["timeout"]) + 2, job["hide"])
            if work is None:  # the process that waited for PID 1 of the namespace
                status = 0
                return
        os.chdir(work)
        os.environ.clear()
        os.environ.update(student_environment(work))
        serve(channel, job["output_limit"])
        status = 0
    except BaseException:
        traceback.print_exc()  # into the submission's output file
    finally:
        os._exit(status)
