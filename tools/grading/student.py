"""The student's side of grading: run the submission's cells, then answer the referee.

This runs in a process of its own (forked by :mod:`tools.grading.zygote`), which holds
nothing but the student's code: whatever that code patches (numpy, torch, the course's
referee, this module) changes only this process. The referee sends the setup cells and
the student's cells; this process runs them in an IPython shell (so magics and
``display`` work), reports the errors and the values of the names the tests use, then
serves calls on those values until the referee closes the channel.
"""

from __future__ import annotations

import io
import socket
import sys
import traceback
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


def serve(sock: socket.socket, output_limit: int) -> None:
    """Receive the job, run it, report, then answer requests until the channel closes."""
    sys.stdout = CappedText(sys.stdout, output_limit)
    sys.stderr = CappedText(sys.stderr, output_limit)
    job = wire.receive(sock)
    shell = _shell()
    setup_errors = run_cells(shell, [("setup", source) for source in job["setup"]])
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
