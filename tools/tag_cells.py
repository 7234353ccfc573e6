"""Add a tag to chosen code cells of a notebook, changing nothing else in the file.

Usage: ``python -m tools.tag_cells TAG NOTEBOOK "FIRST LINE" ["FIRST LINE" ...]``

Each ``FIRST LINE`` must be the first line of exactly one code cell (surrounding blanks
ignored); that cell gets ``TAG`` in its metadata. Authors use it to mark the cells an
exercise's grading needs (``grading-setup``, see instructors.md), and to re-apply such
tags after a merge. The file is written the way nbformat writes it, so the only change
is the tag (already tagged cells are left alone).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def tag_cells(path: Path, tag: str, first_lines: list[str]) -> list[str]:
    """Tag the code cells starting with ``first_lines``; return the lines newly tagged.

    Raises ``ValueError`` naming the line when a line starts no code cell, or several.
    """
    notebook = json.loads(path.read_text(encoding="utf-8"))
    changed = []
    for line in first_lines:
        cells = [cell for cell in notebook["cells"] if cell["cell_type"] == "code"
                 and "".join(cell["source"]).strip().split("\n")[0].strip() == line.strip()]
        if len(cells) != 1:
            raise ValueError(f"{path}: {len(cells)} code cells start with {line!r}, expected 1")
        tags = cells[0].setdefault("metadata", {}).setdefault("tags", [])
        if tag not in tags:
            tags.append(tag)
            changed.append(line)
    text = json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return changed


def main(argv: list[str]) -> int:
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    tag, notebook, *lines = argv
    for line in tag_cells(Path(notebook), tag, lines):
        print(f"{notebook}: tagged {tag!r}: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
