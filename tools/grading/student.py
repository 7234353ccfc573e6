"""The student's side of grading: run the submission's cells, then answer the referee.

This runs in a process of its own (forked by :mod:`tools.grading.zygote`), which holds
nothing but the student's code: whatever that code patches (numpy, torch, the course's
referee, this module) changes only this process. The referee sends the setup cells and
the student's cells; this process runs them in an IPython shell (so magics and
``display`` work), reports the errors and the values of the names the tests use, then
serves calls on those values until the referee closes the channel.
"""

from __future__ import annotations

import contextlib
import io
import socket
import sys
import traceback
import types
import warnings
from collections.abc import Callable
from typing import Any

from tools.grading import wire


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


# The course's implementations of what the exercises ask for, and torch's and scipy's:
# an answer must not call them (tools.grading.referee zeroes an exercise that does).
COURSE_MODULES = ("reference", "naive", "fast", "corr", "pooling", "fast_pooling", "layers",
                  "counting", "linear_map", "network")
TORCH_OPS = ("convolution", "_convolution", "convolution_backward", "im2col", "col2im",
             "max_pool2d_with_indices_backward", "max_pool2d_with_indices")
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
                library.impl(op, _refuse(f"torch's {op}"), "CPU")
        _keep.append(library)
        torch.autograd.backward = torch.autograd.grad = _refuse("torch.autograd")
        torch.Tensor.backward = _refuse("torch's autograd (Tensor.backward)")


def serve(sock: socket.socket, output_limit: int) -> None:
    """Receive the job, run it, report, then answer requests until the channel closes."""
    sys.stdout = CappedText(sys.stdout, output_limit)
    sys.stderr = CappedText(sys.stderr, output_limit)
    job = wire.receive(sock)
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
    wire.send(sock, {"errors": errors, "names": names})
    while True:
        try:
            request = wire.receive(sock)
        except wire.ChannelClosed:
            return
        try:
            reply = {"value": wire.encode(_answer(handles, request), handles.add)}
        except BaseException as error:  # the student's exception goes to the referee
            reply = {"error": wire.encode_error(error, traceback.format_exc())}
        wire.send(sock, reply)
