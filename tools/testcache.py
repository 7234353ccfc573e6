"""Remember, on this machine, the checks that passed, by a hash of every input they read.

A check whose result depends only on its inputs (nbval on a chapter, the browser tests
of a page of the website) need not run again when none of its inputs changed since it
last passed here, the way build systems cache test results. Its *key* is a SHA-256 of

- its own files: their paths relative to the repository and their bytes (a file that
  appears or disappears changes the key too). Some are known in advance (a chapter, the
  package's source); others are found while the check runs (every file the browser
  loaded for a page: its stylesheets, scripts, images, fonts) and remembered with the
  pass;
- its own parameters (nbval's options, the browser's build...);
- :func:`environment`: Python and the operating system, every installed distribution
  by name and version (the auditing library, nbval, numpy, torch, the kernel...), the
  locked requirements, the ``PYTHONPATH`` and ``CONVCOURSE_*`` variables, and this
  caching code itself.

A pass is stored in ``_build/test-cache/`` (never committed) and a later run that finds
the same key reports the check as *skipped* with a reason that says when it passed on
identical inputs. The cache is off when ``CI`` is set (a CI run starts from a clean
clone anyway and runs everything) or when ``CONVCOURSE_TEST_CACHE=0``; ``make clean``
empties it.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CACHE_DIR = ROOT / "_build" / "test-cache"
#: Set to 0 to run every check.
SWITCH = "CONVCOURSE_TEST_CACHE"
#: Where the root conftest keeps a test's reports by phase (``{"call": report}``).
REPORTS = pytest.StashKey[dict]()
#: The files whose versions every check depends on: the locked requirements.
LOCKED = ("requirements.txt", "requirements-book.txt", "requirements-test.txt",
          "requirements-d2l.txt", "constraints.txt", "pyproject.toml")


def enabled() -> bool:
    """Whether passes are looked up and recorded (not under CI, nor with the switch off)."""
    if os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}:
        return False
    return os.environ.get(SWITCH, "1").strip() != "0"


def installed_distributions() -> list[str]:
    """``name==version`` of every distribution installed in this environment, sorted."""
    return sorted({f"{d.metadata['Name']}=={d.version}"
                   for d in importlib.metadata.distributions()})


@functools.cache
def environment() -> bytes:
    """What every check's result may depend on besides its own inputs (see the module)."""
    variables = {name: value for name, value in os.environ.items()
                 if name == "PYTHONPATH" or (name.startswith("CONVCOURSE_") and name != SWITCH)}
    parts = {
        "python": f"{sys.version} {sys.executable}",
        "platform": platform.platform(),
        "distributions": "\n".join(installed_distributions()),
        "variables": json.dumps(variables, sort_keys=True),
        "locked": files_digest(ROOT / name for name in LOCKED),
        "cache code": files_digest([Path(__file__)]),
    }
    return json.dumps(parts, sort_keys=True).encode()


def files_digest(paths: Iterable[Path]) -> str:
    """A hash of the files' paths (relative to the repository) and contents."""
    digest = hashlib.sha256()
    for path in sorted({Path(p).resolve() for p in paths}):
        name = str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)
        digest.update(name.encode() + b"\0")
        if path.is_file():
            digest.update(hashlib.sha256(path.read_bytes()).digest())
        else:
            digest.update(b"missing")
    return digest.hexdigest()


@dataclass
class Check:
    """A check and its inputs.

    Parameters
    ----------
    name : str
        Names the check uniquely, e.g. ``"nbval chapters/01-naive-forward.ipynb"``.
    files : list of Path
        The files it reads that are known before it runs.
    parameters : mapping of str to str
        Anything else its result depends on (options, versions of programs).
    found : list of Path
        Files found to be read while it ran (set before :meth:`record`).
    """

    name: str
    files: list[Path]
    parameters: Mapping[str, str] = field(default_factory=dict)
    found: list[Path] = field(default_factory=list)
    _known: str | None = field(default=None, repr=False)

    def key(self, found: Iterable[Path] = ()) -> str:
        """The hash of every input (the known files, ``found`` ones, the parameters and
        :func:`environment`)."""
        digest = hashlib.sha256(environment())
        digest.update(json.dumps({"name": self.name, **self.parameters}, sort_keys=True)
                      .encode())
        if self._known is None:  # read once: the inputs as the check starts
            self._known = files_digest(self.files)
        digest.update(self._known.encode())
        digest.update(files_digest(found).encode())
        return digest.hexdigest()

    @property
    def _record(self) -> Path:
        return CACHE_DIR / (hashlib.sha256(self.name.encode()).hexdigest()[:24] + ".json")

    def cached_pass(self) -> str | None:
        """Why the check need not run (a pass on identical inputs), or None if it must."""
        if not enabled() or not self._record.is_file():
            return None
        try:
            data = json.loads(self._record.read_text())
            found = [ROOT / p for p in data["found"]]
            if data["name"] != self.name or data["key"] != self.key(found):
                return None
        except (ValueError, KeyError, TypeError):
            return None
        return (f"cached pass: {self.name} passed here on {data['passed']} with identical "
                f"inputs (key {data['key'][:12]}); {SWITCH}=0 runs it again")

    def record(self) -> None:
        """Remember that the check passed with its current inputs (and ``found`` files)."""
        if not enabled():
            return
        found = sorted({str(Path(p).resolve().relative_to(ROOT)) for p in self.found
                        if Path(p).resolve().is_relative_to(ROOT)})
        data = {"name": self.name, "key": self.key([ROOT / p for p in found]), "found": found,
                "passed": time.strftime("%Y-%m-%d %H:%M:%S")}
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        temporary = self._record.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(json.dumps(data, indent=1))
        temporary.replace(self._record)


def notebook_check(notebook: Path, options: Mapping[str, str], sanitize: Path | None) -> Check:
    """nbval on ``notebook`` as a check: it reads the notebook, every file of the
    ``convcourse`` package (the kernel imports it) and the sanitising rules, and depends
    on nbval's ``options`` and the root ``conftest.py`` that runs it."""
    package = [p for p in (ROOT / "convcourse").rglob("*")
               if p.is_file() and "__pycache__" not in p.parts]
    files = [Path(notebook), *package, ROOT / "conftest.py"]
    if sanitize is not None:
        files.append(Path(sanitize))
    path = Path(notebook).resolve()  # a notebook outside the repository keeps its path
    name = f"nbval {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
    return Check(name, files, dict(options))
