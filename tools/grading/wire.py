"""How the grading processes talk: JSON messages over ``multiprocessing`` pipes, data only.

The student's process runs the student's code; the referee runs the tests. Values cross
between them as *data* (``None``, numbers, strings, numpy arrays and scalars, torch
tensors, and tuples, lists and dicts of those), never as pickles: decoding what a
submission sends cannot run its code, and a number is a number, however the student's
process patched numpy. Anything else a student's function returns stays in the student's
process and crosses as a *handle* (``{"$handle": id}``) that the referee can call.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

MAX_MESSAGE = 64 * 2**20  # bytes: a reply larger than this is a failed case, not a hang


class ChannelClosed(EOFError):
    """The other process closed the channel (it ended or was stopped)."""


class ProtocolError(ValueError):
    """A message that is not valid under this protocol (too large, not JSON, bad tag)."""


# -- values -----------------------------------------------------------------------------

def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text)), allow_pickle=False)


def _is_tensor(value: Any) -> bool:
    return type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach")


def encode(value: Any, handle: Callable[[Any], int] | None = None) -> Any:
    """``value`` as JSON-ready data; what is not data goes through ``handle`` (or fails).

    Raises ``TypeError`` for a value that is not data when no ``handle`` is given.
    """
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, np.ndarray | np.generic) and np.asarray(value).dtype != object:
        key = "$scalar" if isinstance(value, np.generic) else "$array"
        return {key: _npy(np.asarray(value))}
    if isinstance(value, int | float):
        return value
    if isinstance(value, complex):
        return {"$complex": [value.real, value.imag]}
    if _is_tensor(value):
        return {"$tensor": _npy(value.detach().cpu().numpy())}
    if isinstance(value, tuple | list):
        items = [encode(item, handle) for item in value]
        return {"$tuple": items} if isinstance(value, tuple) else items
    if isinstance(value, dict):
        return {"$dict": [[encode(k, handle), encode(v, handle)] for k, v in value.items()]}
    if handle is None:
        raise TypeError(f"a {type(value).__name__} cannot be sent to another process")
    return {"$handle": handle(value), "type": type(value).__name__}


def decode(data: Any, handle: Callable[[int, str], Any] | None = None) -> Any:
    """The value ``data`` stands for; ``handle(id, type_name)`` resolves handles.

    Raises ``ProtocolError`` for anything :func:`encode` does not produce.
    """
    if data is None or isinstance(data, bool | int | float | str):
        return data
    if isinstance(data, list):
        return [decode(item, handle) for item in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise ProtocolError(f"unexpected value {str(data)[:80]!r}")
    (tag, payload), *_ = data.items()
    try:
        if tag == "$complex":
            return complex(float(payload[0]), float(payload[1]))
        if tag == "$array":
            return _from_npy(payload)
        if tag == "$scalar":
            return _from_npy(payload)[()]
        if tag == "$tensor":
            import torch

            return torch.from_numpy(_from_npy(payload))
        if tag == "$tuple":
            return tuple(decode(item, handle) for item in payload)
        if tag == "$dict":
            return {decode(k, handle): decode(v, handle) for k, v in payload}
        if tag == "$handle" and handle is not None and isinstance(payload, int):
            return handle(payload, str(data.get("type", "object")))
    except ProtocolError:
        raise
    except Exception as error:  # a malformed payload: base64, npy header, unhashable key
        raise ProtocolError(f"malformed {tag} value: {error}") from None
    raise ProtocolError(f"unexpected tag {tag!r}")


def encode_error(error: BaseException, traceback_text: str = "") -> dict:
    """An exception as data: the nearest built-in exception type, message and traceback."""
    kind = next((c.__name__ for c in type(error).__mro__
                 if getattr(builtins, c.__name__, None) is c), "Exception")
    return {"type": kind, "name": type(error).__name__, "message": str(error)[:2000],
            "traceback": traceback_text[-4000:]}


def raise_error(data: dict) -> None:
    """Raise the built-in exception that :func:`encode_error` described.

    Exceptions that would stop the caller (``SystemExit``, ``KeyboardInterrupt``) come
    back as ``RuntimeError``.
    """
    kind = getattr(builtins, str(data.get("type")), None)
    if not (isinstance(kind, type) and issubclass(kind, Exception)):
        kind = RuntimeError
    name, message = str(data.get("name", kind.__name__)), str(data.get("message", ""))
    raise kind(message if name == kind.__name__ else f"{name}: {message}")


# -- messages ---------------------------------------------------------------------------

def send(channel: Connection, message: Any) -> None:
    """Send one JSON message (``Connection`` frames it)."""
    channel.send_bytes(json.dumps(message).encode())


def receive(channel: Connection, limit: int = MAX_MESSAGE) -> Any:
    """Receive one JSON message, never longer than ``limit`` bytes; it waits as long as
    it takes (the referee ends a submission at its time limit by closing the channel).

    Raises ``ChannelClosed`` or ``ProtocolError``.
    """
    try:
        data = channel.recv_bytes(limit)
    except EOFError:
        raise ChannelClosed("the other process closed the channel") from None
    except OSError as error:  # "bad message length", or a channel shut down
        raise (ProtocolError if "length" in str(error) else ChannelClosed)(
            f"the channel failed: {error}") from None
    try:
        return json.loads(data)
    except (ValueError, RecursionError) as error:
        raise ProtocolError(f"a message is not valid JSON: {error}") from None
