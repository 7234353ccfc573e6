"""Showing the package's own code in the chapters, without repeating its docstring.

The chapters print the functions they teach rather than pasting a second copy of them.
A function's docstring is usually longer than its code and is better read with
:func:`help`, so :func:`source_without_docstring` replaces it by one line pointing there.
Here :func:`show_source` prints itself:

    >>> show_source(show_source)
    def show_source(function: Callable) -> None:
        ...  # docstring: help(convcourse.source.show_source)
        print(source_without_docstring(function), end="")

The ``...`` keeps the printed text valid Python even when the docstring was the
function's whole body. Standard library only.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable

__all__ = ["show_source", "source_without_docstring"]


def _check_function(function: object) -> Callable:
    """Return the plain function behind ``function``, or raise ``TypeError``."""
    if inspect.ismethod(function):
        function = function.__func__
    if not inspect.isfunction(function):
        raise TypeError(
            "function must be a Python function or method defined with def or lambda "
            f"(whose source can be read), got {type(function).__name__}"
        )
    return function


def source_without_docstring(function: Callable) -> str:
    """The source code of ``function`` with its docstring replaced by a pointer to help.

    Parameters
    ----------
    function : function or method
        A Python function (or bound method) whose source file is available, as for
        :func:`inspect.getsource`.

    Returns
    -------
    str
        The source as :func:`inspect.getsource` returns it (decorators included,
        original indentation kept, ending with a newline), except that the lines of
        the docstring are replaced by the single line
        ``...  # docstring: help(<module>.<qualified name>)``, indented like the
        docstring. Every other line is unchanged. A function without a docstring, or
        one whose docstring shares a line with other code (``def f(): "doc"``), is
        returned unchanged.

    Raises
    ------
    TypeError
        If ``function`` is not a Python function or method (a class, a built-in such
        as ``len``, a number, ...).
    OSError
        If the source cannot be found (for example, a function typed at the
        interactive prompt), as raised by :func:`inspect.getsource`.
    """
    function = _check_function(function)
    source = inspect.getsource(function)
    lines = source.splitlines()
    # Line numbers survive dedenting; column offsets refer to the dedented lines.
    dedented = textwrap.dedent(source)
    tree = ast.parse(dedented)
    if not tree.body or not isinstance(tree.body[0], ast.FunctionDef | ast.AsyncFunctionDef):
        return source  # a lambda: no docstring to remove
    body = tree.body[0].body
    first = body[0]
    if not (
        isinstance(first, ast.Expr)
        and isinstance(first.value, ast.Constant)
        and isinstance(first.value.value, str)
    ):
        return source
    plain = dedented.splitlines()
    start, end = first.lineno - 1, first.end_lineno - 1
    before = plain[start][: first.col_offset]
    after = plain[end][first.end_col_offset :].strip()
    if before.strip() or (after and not after.startswith("#")):
        return source  # the docstring shares a line with other code
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    name = f"{function.__module__}.{function.__qualname__}"
    pointer = f"{indent}...  # docstring: help({name})"
    return "\n".join([*lines[:start], pointer, *lines[end + 1 :]]) + "\n"


def show_source(function: Callable) -> None:
    """Print :func:`source_without_docstring` of ``function``.

    Parameters
    ----------
    function : function or method
        As for :func:`source_without_docstring`.

    Raises
    ------
    TypeError
        If ``function`` is not a Python function or method.
    """
    print(source_without_docstring(function), end="")
