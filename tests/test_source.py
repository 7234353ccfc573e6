"""convcourse.source: the package's code as the chapters print it, docstring removed."""

from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

import convcourse.source
from convcourse import naive
from convcourse.source import show_source, source_without_docstring


def documented(a: int, b: int = 2) -> int:
    """Add two numbers.

    A second paragraph, so that the docstring spans several lines.
    """
    total = a + b  # a comment that must survive
    return total


def undocumented(a):
    return a + 1


def only_docstring():
    """Nothing else."""


def docstring_on_def_line(): "A docstring sharing its line with the def."  # noqa: E704


class Holder:
    def method(self, x):
        """A method's docstring."""
        return 2 * x


def pointer(function) -> str:
    return f"...  # docstring: help({function.__module__}.{function.__qualname__})"


def test_small_function():
    result = source_without_docstring(documented)
    assert result == (
        "def documented(a: int, b: int = 2) -> int:\n"
        f"    {pointer(documented)}\n"
        "    total = a + b  # a comment that must survive\n"
        "    return total\n"
    )
    assert "Add two numbers" not in result and '"""' not in result
    namespace: dict = {}
    exec(compile(result, "<test>", "exec"), namespace)
    assert namespace["documented"](3, 4) == 7


def test_naive_conv2d_forward():
    original = inspect.getsource(naive.conv2d_forward)
    result = source_without_docstring(naive.conv2d_forward)
    docstring = inspect.getdoc(naive.conv2d_forward)
    assert docstring and docstring.splitlines()[0] not in result
    assert '"""' not in result
    assert result.count("\n") < original.count("\n")
    lines = result.splitlines()
    assert lines.count(f"    {pointer(naive.conv2d_forward)}") == 1
    assert "help(convcourse.naive.conv2d_forward)" in result
    # Every line outside the docstring is there, in order.
    function = ast.parse(original).body[0]
    first, last = function.body[0].lineno, function.body[0].end_lineno
    original_lines = original.splitlines()
    kept = original_lines[: first - 1] + original_lines[last:]
    assert [line for line in lines if "# docstring: help(" not in line] == kept
    assert "return out" in lines[-1]
    tree = ast.parse(textwrap.dedent(result))
    assert isinstance(tree.body[0], ast.FunctionDef)
    assert tree.body[0].name == "conv2d_forward"


def test_without_docstring_unchanged():
    assert source_without_docstring(undocumented) == inspect.getsource(undocumented)
    assert source_without_docstring(docstring_on_def_line) == inspect.getsource(
        docstring_on_def_line
    )
    square = lambda v: v * v  # noqa: E731
    assert source_without_docstring(square) == inspect.getsource(square)


def test_docstring_only_body_still_compiles():
    result = source_without_docstring(only_docstring)
    assert result == f"def only_docstring():\n    {pointer(only_docstring)}\n"
    ast.parse(result)


def test_method_keeps_indentation():
    for function in (Holder.method, Holder().method):
        result = source_without_docstring(function)
        assert result.splitlines() == [
            "    def method(self, x):",
            f"        {pointer(Holder.method)}",
            "        return 2 * x",
        ]
        assert "help(tests.test_source.Holder.method)" in result or (
            "help(test_source.Holder.method)" in result
        )
        ast.parse(textwrap.dedent(result))


def test_show_source_prints(capsys):
    assert show_source(documented) is None
    assert capsys.readouterr().out == source_without_docstring(documented)


@pytest.mark.parametrize("bad", [len, 3, "documented", Holder, None])
def test_bad_argument(bad):
    for function in (source_without_docstring, show_source):
        with pytest.raises(TypeError, match=r"^function must be a Python function"):
            function(bad)
    with pytest.raises(TypeError, match=type(bad).__name__):
        source_without_docstring(bad)


def test_standard_library_only():
    tree = ast.parse(inspect.getsource(convcourse.source))
    imported = {
        alias.name.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
    } | {
        node.module.split(".")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert imported <= {"__future__", "ast", "inspect", "textwrap", "collections"}
