"""Build the book once per test session (shared by tests/test_book.py and tests/test_website.py).

``build()`` runs ``jupyter-book build . --warningiserror --nitpick --keep-going --all``
into the repository's ``_build`` and records the exit code and the full log in
``_build/convcourse-build.json``. A later session reuses that build when it is fresh:
the record exists and is newer than every file the book is made from. ``make test``
therefore builds at most once, and a re-run with nothing changed does not rebuild.
Set ``CONVCOURSE_REBUILD=1`` to force a build.

``make test`` runs on several pytest-xdist workers, each a process of its own: a lock
file (``_build/convcourse-build.lock``) lets one worker build while the others wait,
and the record names the test run (``PYTEST_XDIST_TESTRUNUID``) so that they then reuse
that build, even under ``CONVCOURSE_REBUILD=1``.
"""

from __future__ import annotations

import fcntl
import functools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR = ROOT / "_build"
HTML_DIR = BUILD_DIR / "html"
RECORD = BUILD_DIR / "convcourse-build.json"
LOCK = BUILD_DIR / "convcourse-build.lock"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"


@dataclass(frozen=True)
class BuildResult:
    returncode: int
    log: str
    seconds: float
    reused: bool

    @property
    def warnings(self) -> list[str]:
        """Every line of the log that reports a Sphinx warning or error."""
        return [
            line
            for line in self.log.splitlines()
            if "WARNING:" in line or "ERROR:" in line or "CRITICAL:" in line
        ]


def sources() -> list[Path]:
    """The files the website is made from (changing any of them makes a build stale)."""
    files = [ROOT / "_config.yml", ROOT / "_toc.yml", *ROOT.glob("*.md"), *ROOT.glob("_ext/*.py"),
             *ROOT.glob("_static/*"), *ROOT.glob("_templates/*")]
    files += [p for p in (ROOT / "chapters").rglob("*") if p.suffix in {".ipynb", ".md", ".png"}]
    return [p for p in files if p.is_file() and p.name != "README.md"]


#: Pages that are in the book but not in ``_toc.yml``, and that a reader reaches.
EXTRA_PAGES = ["genindex.html"]


def toc_pages() -> list[str]:
    """The HTML page of every document in ``_toc.yml``, in reading order."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries: list[dict]) -> None:
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))

    for part in toc.get("parts", []):
        walk(part.get("chapters", []))
    walk(toc.get("chapters", []))
    return [str(Path(f).with_suffix("")) + ".html" for f in files]


def _test_run() -> str | None:
    """The id pytest-xdist gives every worker of one test run (None outside xdist)."""
    return os.environ.get("PYTEST_XDIST_TESTRUNUID")


def _fresh_record() -> BuildResult | None:
    if not RECORD.is_file() or not (HTML_DIR / "index.html").is_file():
        return None
    data = json.loads(RECORD.read_text())
    same_run = _test_run() is not None and data.get("run") == _test_run()
    if os.environ.get("CONVCOURSE_REBUILD") == "1" and not same_run:
        return None
    built_at = RECORD.stat().st_mtime
    if any(p.stat().st_mtime >= built_at for p in sources()):
        return None
    return BuildResult(data["returncode"], data["log"], data["seconds"], reused=True)


def run(root: Path) -> BuildResult:
    """Build the book whose ``_config.yml`` is in ``root`` into ``root/_build/html``.

    Always builds (no reuse); the course's own book is built by :func:`build`, and the
    tests use this for small books of their own.
    """
    start = time.perf_counter()
    process = subprocess.run(
        [str(JUPYTER_BOOK), "build", ".", "--warningiserror", "--nitpick", "--keep-going",
         "--all"],
        cwd=root,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )
    seconds = time.perf_counter() - start
    return BuildResult(process.returncode, process.stdout + process.stderr, seconds,
                       reused=False)


@functools.cache
def build() -> BuildResult:
    """Build the website (or reuse a fresh build) and return what happened.

    Processes that call this at once build once: the first holds the lock while it
    builds, the others wait for it and reuse its build.
    """
    BUILD_DIR.mkdir(exist_ok=True)
    with LOCK.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        previous = _fresh_record()
        if previous is not None:
            return previous
        result = run(ROOT)
        RECORD.write_text(json.dumps({"returncode": result.returncode, "log": result.log,
                                      "seconds": result.seconds, "run": _test_run()}))
        return result
