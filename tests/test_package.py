"""The package itself needs only numpy: torch and matplotlib belong to the course."""

from __future__ import annotations

import subprocess
import sys


def test_importing_convcourse_pulls_in_neither_torch_nor_matplotlib():
    code = (
        "import sys, convcourse; "
        "print(sorted(m for m in ('torch', 'matplotlib', 'scipy') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_public_names_are_exported():
    import convcourse

    for name in convcourse.__all__:
        assert hasattr(convcourse, name), name
    assert callable(convcourse.fast.conv2d_forward)
    assert callable(convcourse.naive.conv2d_backward)
