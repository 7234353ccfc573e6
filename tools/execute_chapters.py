"""Re-execute chapter notebooks in place, top to bottom, to refresh their stored outputs.

Usage: ``python tools/execute_chapters.py chapters/01-naive-forward.ipynb [...]``
(or ``make execute`` for all of them). nbval then checks that a fresh run reproduces
exactly what is stored.

Stream outputs are stored the way nbval compares them: the pieces a cell printed to
one stream merged into one output, and carriage returns resolved (nbclient's
``coalesce_streams``, the same rules as nbval's). A progress bar that redraws itself
with a carriage return (chapter 6's tqdm bar) is then stored as the last state it showed, as a
terminal would show it, not as hundreds of fragments.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path) -> None:
    """Run every cell of the notebook at ``path`` in a fresh kernel and save it."""
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        record_timing=False,
        coalesce_streams=True,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(notebook, path)
    print(f"executed {path}")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit("usage: python tools/execute_chapters.py NOTEBOOK [NOTEBOOK ...]")
    for argument in sys.argv[1:]:
        execute(Path(argument))
