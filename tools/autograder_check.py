"""Prove that each autograder zip is self-contained: grade with what the zip declares alone.

Usage: ``python -m tools.autograder_check [CHAPTER ...]`` (``make autograder-check
[CHAPTER=01-naive-forward]``; every chapter with an exercise by default).

Gradescope (and ``otter grade``) builds a machine from the zip: ``setup.sh`` creates a
conda environment from ``environment.yml`` (a Python version and pip packages), then
installs the zip's ``files/requirements-nodeps.txt`` with ``--no-deps`` (the convcourse
wheel and d2l). For every submission it unpacks the zip in ``/autograder/source``, puts
the submission in ``/autograder/submission`` and runs ``run_otter.py``, which calls
otter's ``run_autograder`` entry point; the grade lands in
``/autograder/results/results.json``. This check does the same without conda or root:

1. it builds a virtual environment with the Python version the zip names, installing
   exactly the zip's pip list (and its conda packages, by the same names, unpinned as
   the zip leaves them), then the ``--no-deps`` list from the zip's own files; the
   environment is cached under ``_build/autograder-env/<hash of what the zip declares>``
   so that a second run takes seconds (the first takes minutes: PyTorch is large);
2. for the instructor's solutions and a planted wrong answer (:mod:`tools.planted`), it
   lays the zip out in a temporary folder standing for ``/autograder`` and runs the
   zip's ``run_otter.py`` (pointed at that folder) with that environment's Python, from
   a folder outside the course, with an empty home and nothing of the course's on
   ``PYTHONPATH``;
3. it requires full marks for the solutions, and partial marks for the wrong answer
   with the planted mistake's failing case named.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import yaml

from tools import assign
from tools.grade import chapter_path
from tools.planted import WRONG, mistakes, wrong_notebook

ROOT = assign.ROOT
ENVS = ROOT / "_build" / "autograder-env"
RUN_TIMEOUT = 900  # seconds for one otter run (the whole chapter executes)


def declared(zip_path: Path) -> dict:
    """What the zip declares: ``python`` version, ``pip`` and ``conda`` packages, ``nodeps``."""
    with zipfile.ZipFile(zip_path) as archive:
        environment = yaml.safe_load(archive.read("environment.yml"))
        nodeps = archive.read(f"files/{assign.NODEPS}").decode()
        setup = archive.read("setup.sh").decode()
    if assign.NODEPS not in setup:
        raise ValueError(f"{zip_path}: setup.sh does not install files/{assign.NODEPS}")
    python, conda, pip = None, [], []
    for dependency in environment["dependencies"]:
        if isinstance(dependency, dict):
            pip += dependency.get("pip", [])
        elif dependency.startswith("python="):
            python = dependency.split("=", 1)[1]
        elif dependency != "pip":
            conda.append(dependency)
    if python is None:
        raise ValueError(f"{zip_path}: environment.yml names no Python version")
    return {"python": python, "pip": pip, "conda": conda, "nodeps": nodeps}


def environment(spec: dict, log=print) -> Path:
    """A virtual environment with what ``spec`` (see :func:`declared`) declares; cached."""
    key = hashlib.sha256(json.dumps([spec["python"], spec["pip"], spec["conda"]])
                         .encode()).hexdigest()[:16]
    env = ENVS / key
    if not (env / ".complete").is_file():
        shutil.rmtree(env, ignore_errors=True)
        python = shutil.which(f"python{spec['python']}")
        if python is None:
            raise RuntimeError(f"the zip asks for Python {spec['python']}: "
                               f"python{spec['python']} is not on PATH")
        log(f"building {env.relative_to(ROOT)} from the zip's environment.yml "
            f"(Python {spec['python']}, {len(spec['pip'])} pinned packages): minutes...")
        start = time.monotonic()
        subprocess.run([python, "-m", "venv", str(env)], check=True)
        requirements = env / "zip-requirements.txt"
        requirements.write_text("\n".join(spec["pip"] + spec["conda"]) + "\n")
        _pip(env, ["-r", str(requirements)], cwd=env)
        (env / ".complete").write_text(f"built in {time.monotonic() - start:.0f} s\n")
    return env


def _pip(env: Path, arguments: list[str], cwd: Path) -> None:
    """``pip install`` into ``env``; its output goes to ``env/pip.log``, shown on failure."""
    log = env / "pip.log"
    with open(log, "a") as handle:
        completed = subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", "install", "--disable-pip-version-check",
             *arguments], cwd=cwd, stdout=handle, stderr=subprocess.STDOUT)
    if completed.returncode:
        raise RuntimeError(f"pip install {' '.join(arguments)} failed:\n"
                           f"{log.read_text()[-4000:]}")


def install_nodeps(env: Path, zip_path: Path) -> None:
    """Install the zip's ``files/requirements-nodeps.txt`` as ``setup.sh`` does."""
    with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(zip_path) as archive:
        for member in archive.namelist():
            if member.startswith("files/"):
                archive.extract(member, tmp)
        _pip(env, ["--no-deps", "--force-reinstall", "-r", assign.NODEPS],
             cwd=Path(tmp) / "files")


def run_autograder(env: Path, zip_path: Path, submission: Path) -> dict:
    """Grade ``submission`` as Gradescope would; return ``results.json``."""
    with tempfile.TemporaryDirectory(prefix="autograder-check-") as tmp:
        root = Path(tmp) / "autograder"
        for sub in ("source", "submission", "results"):
            (root / sub).mkdir(parents=True)
        (root / "submission_metadata.json").write_text("{}")
        with zipfile.ZipFile(zip_path) as archive:
            archive.extractall(root / "source")
        shutil.copy(submission, root / "submission")
        script = (root / "source" / "run_otter.py").read_text()
        if '"/autograder"' not in script:
            raise ValueError(f"{zip_path}: run_otter.py does not grade in /autograder")
        (root / "source" / "run_otter.py").write_text(script.replace('"/autograder"',
                                                                     repr(str(root))))
        home = Path(tmp) / "home"
        home.mkdir()
        clean = {"PATH": f"{env / 'bin'}:/usr/bin:/bin", "HOME": str(home),
                 "PYTHONNOUSERSITE": "1", "MPLBACKEND": "Agg", "LANG": "C.UTF-8"}
        completed = subprocess.run(
            [str(env / "bin" / "python"), str(root / "source" / "run_otter.py")], cwd=home,
            env=clean, capture_output=True, text=True, timeout=RUN_TIMEOUT)
        results = root / "results" / "results.json"
        if not results.is_file():
            raise RuntimeError(f"no results.json for {submission.name}:\n"
                               f"{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}")
        return json.loads(results.read_text())


def verdict(results: dict) -> tuple[float, float, str]:
    """``(score, maximum, output of the tests)`` of a ``results.json``."""
    tests = [t for t in results["tests"] if "max_score" in t]
    return (sum(t["score"] for t in tests), sum(t["max_score"] for t in tests),
            "\n".join(t.get("output", "") for t in tests))


def check_chapter(chapter: str, env: Path, zip_path: Path, work: Path) -> list[str]:
    """Grade the solutions and the planted wrong answer; return the problems found."""
    folder = zip_path.parent.parent
    solutions = folder / "autograder" / f"{chapter}.ipynb"
    submissions = {"solutions": solutions}
    planted = mistakes(chapter)[:1]  # one is enough to show partial marks (whole-chapter runs)
    for key in planted:
        wrong = work / chapter / "wrong" / solutions.name
        wrong.parent.mkdir(parents=True)
        nbformat.write(wrong_notebook(key, solutions), wrong)
        submissions["wrong answer"] = wrong
    problems = []
    for kind, path in submissions.items():
        score, maximum, output = verdict(run_autograder(env, zip_path, path))
        print(f"{chapter}: {kind}: {score:g} / {maximum:g}", flush=True)
        if kind == "solutions" and not (maximum > 0 and score == maximum):
            problems.append(f"{chapter}: the solutions scored {score:g} / {maximum:g}\n{output}")
        if kind == "wrong answer":
            words = WRONG[planted[0]][2]
            named = any(words in line for line in output.splitlines() if " message: " in line)
            if not (0 < score < maximum and named):
                problems.append(f"{chapter}: the wrong answer scored {score:g} / {maximum:g}"
                                f" (failing case named: {named})\n{output}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("chapters", nargs="*", help="chapter names (default: all)")
    args = parser.parse_args(argv)
    names = args.chapters or [p.stem for p in sorted((ROOT / "chapters").glob("*.ipynb"))]
    start = time.monotonic()
    zips = {}
    for name in names:
        folder = assign.assign(chapter_path(name), run_tests=False)
        if folder is not None:
            zips[name] = folder / "autograder" / "autograder.zip"
    specs = {name: declared(path) for name, path in zips.items()}
    envs = {name: environment(spec) for name, spec in specs.items()}
    for nodeps in {specs[n]["nodeps"] for n in zips}:
        name = next(n for n in zips if specs[n]["nodeps"] == nodeps)
        install_nodeps(envs[name], zips[name])
    ready = time.monotonic()
    with tempfile.TemporaryDirectory() as work, ThreadPoolExecutor(os.cpu_count()) as pool:
        futures = [pool.submit(check_chapter, n, envs[n], zips[n], Path(work)) for n in zips]
        problems = [p for future in futures for p in future.result()]
    print(f"autograder check: environment ready in {ready - start:.0f} s, "
          f"{len(zips)} chapters graded in {time.monotonic() - ready:.0f} s")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
