"""Submissions that fight back, graded in one batch with ``make grade``'s tool.

One class folder for chapter 1 holds a correct, an untouched and a wrong submission and
every kind of hostile or broken one, each row of the table in instructors.md among them.
The batch is graded once, in parallel, isolated (tools.grading.sandbox), with a short
time limit; each test then checks the grade one submission got and the proof that the
guarantee held (nothing read or written outside, no connection made, no process left,
the grader's processes untouched), and that the others were not affected.

Needs a Linux that can isolate (user namespaces and Landlock); elsewhere these tests are
skipped (failed with ``CONVCOURSE_REQUIRE_ISOLATION=1``, as in CI) and test_grading_parts
checks that make grade refuses to run.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import socket
import sysconfig
import time
from pathlib import Path

import nbformat
import pytest

from tools import assign, grade
from tools.grading import pool, sandbox
from tools.grading.pool import OUTPUT_LIMIT, PASSED_ON, worker_environment
from tools.grading.referee import load_tests
from tools.grading.sandbox import SCRATCH_BYTES
from tools.grading.spec import SPEC_FILE, GradingSpec, changed_files
from tools.grading.student import student_environment
from tools.planted import SOLUTION_TAG, WRONG, wrong_notebook

pytestmark = pytest.mark.grading


@pytest.fixture(autouse=True, scope="module")
def _isolation_available():
    """Skip where Linux cannot isolate (test_grading_parts checks the refusal there),
    or fail with ``CONVCOURSE_REQUIRE_ISOLATION=1`` (set by ``.ci/run``)."""
    problem = sandbox.probe()
    if not problem:
        return
    reason = (f"no isolation here ({problem}); test_grading_parts::"
              "test_make_grade_refuses_without_isolation covers this system")
    if os.environ.get("CONVCOURSE_REQUIRE_ISOLATION") == "1":
        pytest.fail(f"{reason} (CONVCOURSE_REQUIRE_ISOLATION=1 makes this a failure)")
    pytest.skip(reason)

CHAPTER = "01-naive-forward"
QUESTION = "ex-ch1-single"  # the exercise the submissions attack: conv2d_single
FORWARD = "ex-ch1-forward"  # conv2d_batched, the one answered with the course's code
MISTAKE = (CHAPTER, QUESTION, "padding-ignored")  # the planted wrong answer (tools.planted)
TIMEOUT = 10  # seconds: the chapter-1 solution is graded in well under one (quiet machine)
ESCAPE_HOME = "convcourse-grading-escape-test.txt"

PATCH_THE_REFEREE = """\
import numpy, torch, torch.nn.functional, convcourse, convcourse.gradcheck, convcourse.reference
numpy.allclose = lambda *args, **kwargs: True
numpy.array_equal = lambda *args, **kwargs: True
convcourse.rel_error = convcourse.gradcheck.rel_error = lambda a, b: 0.0
rel_error = lambda a, b: 0.0
_mine = conv2d_single
torch.nn.functional.conv2d = lambda x, w, *args, **kwargs: torch.from_numpy(
    _mine(x.numpy()[0, 0], w.numpy()[0, 0], *args, **kwargs)[None, None])
convcourse.reference.conv2d = lambda x, w, *args, **kwargs: _mine(
    x[0, 0], w[0, 0], *args, **kwargs)[None, None]
"""

PATCH_WHEN_CALLED = """\
_honest = conv2d_single


def conv2d_single(x, k, stride=1, padding=0):
    import builtins
    import convcourse.reference
    import numpy
    numpy.shape = lambda a: (6, 7)
    builtins.AssertionError = type("Swallowed", (Exception,), {})
    convcourse.reference.conv2d = lambda *a, **kw: _honest(x, k, stride, padding)[None, None]
    return _honest(x, k, stride, padding)
"""

FAKE_SCORE = """\
import json
print("Total Score: 6.000 / 6.000 (100.000%)")
print("ex-ch1-single results: All test cases passed!")
for path in ("results.json", "../results/results.json"):
    try:
        with open(path, "w") as f:
            json.dump({"score": 6, "tests": [{"name": "ex-ch1-single", "score": 6,
                                              "max_score": 6}]}, f)
    except OSError:
        pass
"""

FAKE_GRADER = """\
class _AlwaysPasses:
    def check(self, *args):
        print("ex-ch1-single passed! 🎉")

    check_all = check


grader = _AlwaysPasses()
"""

HUGE_OUTPUT = """\
import os
for _ in range(300):
    print("x" * 1_000_000)           # 300 MB through Python's stdout
for _ in range(300):
    os.write(1, b"y" * 1_000_000)     # and 300 MB straight to the file descriptor
"""

# -- attacks on what isolation protects (each cell starts with T = {the paths, ports}) ---

CALLS_THE_REFERENCE = """\
def conv2d_batched(x, weight, bias, stride=1, padding=0):
    return reference.conv2d(x, weight, bias, stride=stride, padding=padding)
"""

CALLS_TORCH = """\
def conv2d_batched(x, weight, bias, stride=1, padding=0):
    out = torch.nn.functional.conv2d(torch.from_numpy(x), torch.from_numpy(weight),
                                     torch.from_numpy(bias), stride=stride, padding=padding)
    return out.numpy()
"""

READS_THE_HIDDEN_TESTS = """\
found = []
for path in (T["zip"], T["chapter"], T["solutions"], T["reference"]):
    try:
        found.append(open(path, "rb").read().decode("latin-1"))
    except OSError as error:
        found.append(f"{type(error).__name__} {path}")
raise RuntimeError(" ".join(found))
"""

SNOOPS = """\
import glob, json, os
own = os.readlink("/proc/self")
seen = {"env": sorted(os.environ),
        "own": sorted(line.split(b"=")[0].decode() for line in open(
            "/proc/self/environ", "rb").read().split(b"\\0") if line)}
for path in (T["classmate"], *glob.glob("/proc/[0-9]*/environ")):
    if path.split("/")[2] in (own, "self"):
        continue
    try:
        seen[path] = open(path, "rb").read().decode("latin-1")[:300]
    except OSError as error:
        pass
try:
    open(os.path.join(T["site_packages"], "planted_by_a_submission.py"), "w").write("x = 1")
    seen["site-packages"] = "writable"
except OSError as error:
    seen["site-packages"] = type(error).__name__
raise RuntimeError("SNOOPED " + json.dumps(seen))
"""

DAEMON = """\
import ctypes, os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        ctypes.CDLL(None).prctl(15, b"cc-hostile-dmn", 0, 0, 0)  # PR_SET_NAME
        for _ in range(600):  # wait for the grader to end, then forge everything
            time.sleep(0.05)
            for path, text in ((T["gradebook"], "student,total\\ndaemon,13\\n"),
                               (T["feedback"], "Score: 0 / 13"),
                               (T["results"], "{}")):
                try:
                    open(path, "w").write(text)
                except OSError:
                    pass
    os._exit(0)
time.sleep(0.2)
"""

MANY_SLEEPS = """\
import os, shutil
started, refused = 0, ""
for _ in range(400):  # the issue tried 200; 400 exceed the bound
    try:
        os.posix_spawn(shutil.which("sleep"), ["sleep", "4217"], {}, setsid=True)
        started += 1
    except OSError as error:
        refused = f"{type(error).__name__}: {error}"
raise RuntimeError(f"STARTED {started} sleeps; then {refused}")
"""

BINDS_A_PORT = """\
import os, socket, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        try:
            server = socket.socket()
            server.bind(("127.0.0.1", T["port"]))
            server.listen()
        except OSError:
            pass
        time.sleep(600)
    os._exit(0)
"""

FILLS_THE_DISK = """\
written = 0
try:
    for i in range(300):
        with open(f"fill-{i}", "wb") as f:
            f.write(b"z" * 2**20)
        written += 1
except OSError as error:
    raise RuntimeError(f"WROTE {written} MB, then {type(error).__name__}")
raise RuntimeError(f"WROTE {written} MB")
"""

CONNECTS_OUT = """\
import socket
results = []
for address in (("127.0.0.1", T["listener"]), ("1.1.1.1", 53)):
    try:
        socket.create_connection(address, timeout=1).close()
        results.append(f"connected to {address}")
    except OSError as error:
        results.append(f"{type(error).__name__}")
try:
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b"hi", ("127.0.0.1", T["udp"]))
    results.append("udp sent")
except OSError as error:
    results.append(type(error).__name__)
raise RuntimeError("NETWORK " + ", ".join(results))
"""

EDITS_FILES = """\
import json
done = []
for path in (T["handout"], T["classmate"], T["zip"]):
    try:
        with open(path, "ab") as f:
            f.write(b"# written by a submission")
        done.append(path)
    except OSError as error:
        pass
raise RuntimeError(f"EDITED {len(done)}")
"""

PLANTS_BYTECODE = """\
import os, importlib.util
planted = 0
for folder in (T["pycache"], "/tmp"):
    try:
        os.makedirs(folder, exist_ok=True)
        with open(os.path.join(folder, "gradcheck.cpython-311.pyc"), "wb") as f:
            f.write(importlib.util.MAGIC_NUMBER + b"\\0" * 12)
        planted += folder != "/tmp"
    except OSError:
        pass
raise RuntimeError(f"PLANTED {planted}")
"""

WRITES_TO_PIPES = """\
import glob, os
written = 0
own = os.readlink("/proc/self")
for fd in glob.glob("/proc/[0-9]*/fd/*"):
    if fd.split("/")[2] == own:
        continue
    try:
        out = os.open(fd, os.O_WRONLY | os.O_NONBLOCK)
        os.write(out, LINE)
        os.close(out)
        written += 1
    except OSError:
        pass
raise RuntimeError(f"FORGED {written}")
"""

FORGED_LINE = ('LINE = b\'{"status": "graded", "questions": [{"name": "ex-ch1-single", '
               '"score": 6, "possible": 6, "cases": []}], "notes": [], "cell_errors": []}\\n\'\n')
GARBAGE_LINE = "LINE = b'}}} not json at all\\n'\n"

DEBUGGER = """\
import ctypes, glob, os, signal
libc = ctypes.CDLL(None, use_errno=True)
attached = signalled = 0
for entry in glob.glob("/proc/[0-9]*"):
    pid = int(entry.split("/")[-1])
    if pid in (1, os.getpid()):  # itself, PID 1 of its own namespace
        continue
    if libc.ptrace(16, pid, None, None) == 0:  # PTRACE_ATTACH
        attached += 1
    try:
        os.kill(pid, 0)
        signalled += 1
    except OSError:
        pass
raise RuntimeError(f"ATTACHED {attached} SIGNALLED {signalled}")
"""

# The fork server that forks the grader's processes: its socket's address is in this
# process's memory; were it reachable, a request could fork an unconfined process.
FORK_SERVER = """\
import multiprocessing.forkserver, os, socket
address = multiprocessing.forkserver._forkserver._forkserver_address
try:
    with socket.socket(socket.AF_UNIX) as client:
        client.connect(address)
    reached = "connected"
except OSError as error:
    reached = type(error).__name__
held = []
for fd in sorted(os.listdir("/proc/self/fd"), key=int):
    try:
        held.append(os.readlink(f"/proc/self/fd/{fd}").split(":")[0])
    except OSError:
        pass
raise RuntimeError(f"FORK SERVER {reached} HOLDS {' '.join(held)}")
"""

# What its process inherited from the one it was forked from: the fork server holds no
# test (the old zygote, forked from a referee, held them all, the hidden ones included).
SEARCHES_ITS_MEMORY = """\
import gc
kinds = ("OKTestFile", "OKTestCase", "TestCase", "Assignment", "GradingSpec")
found = [type(o).__name__ for o in gc.get_objects() if type(o).__name__ in kinds]
raise RuntimeError(f"IN MEMORY {len(found)} {sorted(set(found))}")
"""


EXTRA_CELLS = [
    "def _double(a):\n    return 2 * a",
    "print('my own check:', conv2d_single(np.ones((3, 3)), np.ones((2, 2))))",
    "%timeit -n 1 -r 1 conv2d_single(np.ones((4, 4)), np.ones((2, 2)))",
    "1 / 0  # a scratch cell with an error",
    "print(x.shape)  # a variable of the chapter that grading does not define",
    "assert _double(conv2d_single(np.ones((2, 2)), np.ones((1, 1))))[0, 0] == 2",
]


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _cell(notebook: nbformat.NotebookNode, predicate) -> nbformat.NotebookNode:
    (cell,) = [c for c in notebook.cells if c.cell_type == "code" and predicate(c)]
    return cell


def _answer(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solution cell that defines ``conv2d_single``."""
    return _cell(notebook, lambda c: SOLUTION_TAG in c.metadata.get("tags", [])
                 and "def conv2d_single(" in c.source)


def _forward(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The solution cell that defines ``conv2d_batched``."""
    return _cell(notebook, lambda c: SOLUTION_TAG in c.metadata.get("tags", [])
                 and "def conv2d_batched(" in c.source)


def _add(notebook: nbformat.NotebookNode, *sources: str) -> nbformat.NotebookNode:
    notebook.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    return notebook


def build_class(folder: Path, assignment: Path, outside: Path, out: Path,
                targets: dict | None = None) -> None:
    """Write the class folder: one submission per case of :data:`EXPECTED`; the attacks
    get ``targets`` (paths and ports, see :func:`batch`) as ``T``."""
    solutions = assignment / "autograder" / f"{CHAPTER}.ipynb"

    def correct():
        return _read(solutions)

    def wrong():
        return wrong_notebook(MISTAKE, solutions)

    def save(name: str, notebook: nbformat.NotebookNode) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(notebook, path)

    save("correct.ipynb", correct())
    save("correct-in-a-folder/my work/anything.ipynb", correct())
    save("untouched.ipynb", _read(assignment / "student" / f"{CHAPTER}.ipynb"))
    save("wrong.ipynb", wrong())
    (folder / "not-a-notebook.ipynb").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    (folder / "a-pdf-instead.pdf").write_bytes(b"%PDF-1.4\n")
    (folder / "invalid-json.ipynb").write_text(solutions.read_text()[:2000])
    (folder / "empty.ipynb").write_bytes(b"")
    other = assign.OUT / "02-backward" / "student" / "02-backward.ipynb"
    (folder / "other-chapter").mkdir()
    (folder / "other-chapter" / "02-backward.ipynb").write_bytes(other.read_bytes())

    notebook = correct()
    _answer(notebook).source = _answer(notebook).source.replace("padding=0):", "padding=0)")
    save("syntax-error.ipynb", notebook)

    notebook = correct()
    setup = _cell(notebook, lambda c: c.source.startswith("import warnings"))
    setup.source = "import no_such_module_for_grading\n" + setup.source
    save("exception-at-import.ipynb", notebook)

    notebook = correct()
    _answer(notebook).source = "raise RuntimeError('not finished')\n" + _answer(notebook).source
    save("exception-in-answer-cell.ipynb", notebook)

    notebook = correct()
    notebook.cells = [c for c in notebook.cells if "grader" not in c.source]
    save("grader-cells-deleted.ipynb", notebook)

    notebook = wrong()
    for cell in notebook.cells:
        if "otter.Notebook(" in cell.source:
            cell.source = FAKE_GRADER
        elif "grader.check" in cell.source:
            cell.source = 'print("All tests passed!")'
    save("grader-cells-edited.ipynb", notebook)

    save("infinite-loop.ipynb", _add(correct(), "while True:\n    pass"))
    notebook = correct()
    _answer(notebook).source = _answer(notebook).source.replace(
        "    # BEGIN SOLUTION\n", "    # BEGIN SOLUTION\n    while stride == 2:\n        pass\n")
    save("infinite-loop-in-a-test.ipynb", notebook)
    save("huge-output.ipynb", _add(correct(), HUGE_OUTPUT))
    save("patches-the-referee.ipynb", _add(wrong(), PATCH_THE_REFEREE))
    save("patches-when-called.ipynb", _add(wrong(), PATCH_WHEN_CALLED))
    save("prints-a-fake-score.ipynb", _add(wrong(), FAKE_SCORE))
    save("writes-outside.ipynb", _add(correct(), f"""\
import os
open({str(outside / 'escaped.txt')!r}, "w").write("written by a submission")
open(os.path.expanduser("~/{ESCAPE_HOME}"), "w").write("in the submission's own home")
open("../../{ESCAPE_HOME}", "w").write("relative to its own folder")
for target in ({str(out / 'gradebook.csv')!r}, {str(out / 'feedback' / 'correct.txt')!r}):
    try:
        open(target, "w").write("student,total\\ncorrect,0\\nwrites-outside,100\\n")
    except OSError:
        pass
"""))
    save("memory-hog.ipynb", _add(correct(), "_hog = np.ones(2**30)  # 8 GB of float64"))
    save("kills-its-parent.ipynb", _add(correct(), "import os, signal\n"
                                        "os.kill(os.getppid(), signal.SIGKILL)"))
    given = f"T = {targets!r}\n"

    def attack(name: str, code: str, base=correct) -> None:
        save(f"{name}.ipynb", _add(base(), given + code))

    notebook = correct()
    _forward(notebook).source = CALLS_THE_REFERENCE
    save("calls-the-reference.ipynb", notebook)
    notebook = correct()
    _forward(notebook).source = CALLS_TORCH
    save("calls-torch.ipynb", notebook)
    attack("reads-the-hidden-tests", READS_THE_HIDDEN_TESTS)
    attack("snoops", SNOOPS)
    attack("daemon", DAEMON, wrong)
    attack("many-sleeps", MANY_SLEEPS)
    attack("binds-a-port", BINDS_A_PORT)
    attack("fills-the-disk", FILLS_THE_DISK)
    attack("connects-out", CONNECTS_OUT)
    attack("edits-files", EDITS_FILES)
    attack("plants-bytecode", PLANTS_BYTECODE)
    attack("forges-a-reply", FORGED_LINE + WRITES_TO_PIPES, wrong)
    attack("garbles-the-reply", GARBAGE_LINE + WRITES_TO_PIPES, wrong)
    attack("attaches-a-debugger", DEBUGGER, wrong)
    attack("reaches-the-fork-server", FORK_SERVER)
    attack("searches-its-memory", SEARCHES_ITS_MEMORY)
    notebook = _add(correct(), *EXTRA_CELLS)
    notebook.cells.insert(3, nbformat.v4.new_markdown_cell("My notes: *remember padding*."))
    save("extra-cells.ipynb", notebook)


# submission: (status, score), the score as one of
#   "full": the chapter's maximum; "zero"; "wrong": what the planted wrong answer gets;
#   "full-but-q": full marks except the attacked exercise's points;
#   "full-but-forward": full marks except conv2d_batched's (the course's code called).
EXPECTED = {
    "correct": ("graded", "full"),
    "correct-in-a-folder": ("graded", "full"),
    "untouched": ("graded", "zero"),
    "wrong": ("graded", "wrong"),
    "not-a-notebook": ("not-a-notebook", "zero"),
    "a-pdf-instead": ("not-a-notebook", "zero"),
    "invalid-json": ("invalid-json", "zero"),
    "empty": ("empty", "zero"),
    "other-chapter": ("wrong-chapter", "zero"),
    "syntax-error": ("graded", "full-but-q"),
    "exception-at-import": ("graded", "full"),  # grading runs the autograder's own setup
    "exception-in-answer-cell": ("graded", "full-but-q"),
    "grader-cells-deleted": ("graded", "full"),  # the tests come from the autograder
    "grader-cells-edited": ("graded", "wrong"),
    "infinite-loop": ("timeout", "zero"),
    "infinite-loop-in-a-test": ("timeout", "zero"),
    "huge-output": ("graded", "full"),
    "patches-the-referee": ("graded", "wrong"),
    "patches-when-called": ("graded", "wrong"),
    "prints-a-fake-score": ("graded", "wrong"),
    "writes-outside": ("graded", "full"),
    "memory-hog": ("graded", "full"),
    "kills-its-parent": ("graded", "full"),  # its parent is out of reach (getppid() is 0)
    "extra-cells": ("graded", "full"),
    "calls-the-reference": ("graded", "full-but-forward"),
    "calls-torch": ("graded", "full-but-forward"),
    "reads-the-hidden-tests": ("graded", "full"),
    "snoops": ("graded", "full"),
    "daemon": ("graded", "wrong"),
    "many-sleeps": ("graded", "full"),
    "binds-a-port": ("graded", "full"),
    "fills-the-disk": ("graded", "full"),
    "connects-out": ("graded", "full"),
    "edits-files": ("graded", "full"),
    "plants-bytecode": ("graded", "full"),
    "forges-a-reply": ("graded", "wrong"),
    "garbles-the-reply": ("graded", "wrong"),
    "attaches-a-debugger": ("graded", "wrong"),
    "reaches-the-fork-server": ("graded", "full"),
    "searches-its-memory": ("graded", "full"),
}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _processes(word: str) -> list[str]:
    """The command lines (or names) of the live processes that contain ``word``."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        for name in ("cmdline", "comm"):
            try:
                text = (entry / name).read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            if word in text:
                found.append(f"{entry.name}: {text.strip()}")
    return found


@pytest.fixture(scope="module")
def batch(grading_server, tmp_path_factory):
    """Grade the class once: ``(outcomes, output folder, log lines, outside folder,
    class folder, proofs)``; ``proofs`` holds what was measured around the batch."""
    assignment = assign.assign(assign.ROOT / "chapters" / f"{CHAPTER}.ipynb", run_tests=False)
    other = assign.assign(assign.ROOT / "chapters" / "02-backward.ipynb", run_tests=False)
    folder = tmp_path_factory.mktemp("class")
    out = tmp_path_factory.mktemp("grades")
    outside = tmp_path_factory.mktemp("outside")
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.setblocking(False)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 0))
    udp.setblocking(False)
    targets = {
        "zip": str(assignment / "autograder" / "autograder.zip"),
        "chapter": str(assign.ROOT / "chapters" / f"{CHAPTER}.ipynb"),
        "solutions": str(assignment / "autograder" / f"{CHAPTER}.ipynb"),
        "classmate": str(folder / "correct.ipynb"),
        "site_packages": sysconfig.get_paths()["purelib"],
        "gradebook": str(out / "gradebook.csv"), "feedback": str(out / "feedback" / "correct.txt"),
        "results": str(out / "results" / "daemon.json"), "port": _free_port(),
        "listener": listener.getsockname()[1], "udp": udp.getsockname()[1],
        "handout": str(other / "student" / "02-backward.ipynb"),
        "pycache": str(assign.ROOT / "convcourse" / "__pycache__"),
        "reference": str(assign.ROOT / "convcourse" / "reference.py"),
    }
    build_class(folder, assignment, outside, out, targets)
    (Path.home() / ESCAPE_HOME).unlink(missing_ok=True)
    watched = [Path(targets[k]) for k in ("zip", "solutions", "classmate", "handout")]
    before = {path: _digest(path) for path in watched}
    pycache = Path(targets["pycache"])
    bytecode = sorted(pycache.iterdir()) if pycache.is_dir() else []
    lines: list[str] = []
    outcomes = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT, log=lines.append)
    time.sleep(1)  # time for a survivor to act, if there were one
    try:
        listener.accept()
        accepted = True
    except BlockingIOError:
        accepted = False
    try:
        received = udp.recv(100)
    except BlockingIOError:
        received = b""
    with socket.socket() as again:  # the port a detached grandchild bound is free
        again.bind(("127.0.0.1", targets["port"]))
    proofs = {
        "altered": [p.name for p in watched if _digest(p) != before[p]],
        "assignments": changed_files(assignment) + changed_files(other),
        "bytecode": (sorted(pycache.iterdir()) if pycache.is_dir() else []) == bytecode,
        "server": (grading_server, pool.start()),
        "accepted": accepted, "received": received, "targets": targets,
        "survivors": _processes("cc-hostile") + _processes("sleep 4217"),
        "site-packages": Path(targets["site_packages"], "planted_by_a_submission.py").exists(),
    }
    listener.close()
    udp.close()
    yield outcomes, out, lines, outside, folder, proofs
    (Path.home() / ESCAPE_HOME).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def spec() -> GradingSpec:
    return GradingSpec.load(assign.OUT / CHAPTER / "autograder" / SPEC_FILE)


def _gradebook(out: Path) -> dict[str, dict]:
    rows = csv.DictReader(io.StringIO((out / "gradebook.csv").read_text()))
    return {row["student"]: row for row in rows}


def test_the_planted_wrong_answer_scores_partial_marks(batch, spec):
    total = float(_gradebook(batch[1])["wrong"]["total"])
    assert 0 < total < spec.maximum


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_its_grade(batch, spec, student):
    _, out, *_ = batch
    rows = _gradebook(out)
    points = {q.name: q.points for q in spec.questions}
    status, kind = EXPECTED[student]
    score = {"full": spec.maximum, "zero": 0, "wrong": float(rows["wrong"]["total"]),
             "full-but-q": spec.maximum - points[QUESTION],
             "full-but-forward": spec.maximum - points[FORWARD]}[kind]
    row = rows[student]
    assert (row["status"], float(row["total"]), float(row["maximum"])) == (
        status, score, spec.maximum), (out / "feedback" / f"{student}.txt").read_text()
    if kind == "full-but-q":
        assert float(row[QUESTION]) == 0


def test_the_gradebook_has_one_row_per_student_and_nothing_else(batch, spec):
    _, out, *_ = batch
    assert sorted(_gradebook(out)) == sorted(EXPECTED)
    assert (out / "gradebook.csv").read_text().splitlines()[0] == ",".join(
        ["student", *(q.name for q in spec.questions), "total", "maximum", "status"])
    assert sorted(p.stem for p in (out / "feedback").glob("*.txt")) == sorted(EXPECTED)


@pytest.mark.parametrize("student, words", [
    ("wrong", [f"FAILED {QUESTION} - ", WRONG[MISTAKE][2], "why: AssertionError: shape"]),
    ("syntax-error", ["SyntaxError"]),
    ("exception-at-import", ["ModuleNotFoundError", "no_such_module_for_grading"]),
    ("exception-in-answer-cell", ["RuntimeError: not finished",
                                  "conv2d_single is not defined by the submission"]),
    ("infinite-loop", ["stopped at the time limit"]),
    ("invalid-json", ["not valid JSON"]),
    ("other-chapter", ["notebook of 02-backward"]),
    ("extra-cells", ["ZeroDivisionError", "NameError: name 'x' is not defined"]),
    ("calls-the-reference", ["NOTHING for this exercise: convcourse.reference.conv2d is not "
                             "available to an answer"]),
    ("calls-torch", ["NOTHING for this exercise: torch's convolution is not available"]),
    ("reads-the-hidden-tests", [f"PermissionError {assign.OUT / CHAPTER / 'autograder'}",
                                f"PermissionError {assign.ROOT / 'convcourse'}"]),
    ("many-sleeps", ["BlockingIOError"]),  # at most 300 processes (pid_max, RLIMIT_NPROC)
    ("edits-files", ["EDITED 0"]),
    ("plants-bytecode", ["PLANTED 0"]),
    ("forges-a-reply", ["FORGED 0"]),
    ("garbles-the-reply", ["FORGED 0"]),
    ("attaches-a-debugger", ["ATTACHED 0 SIGNALLED 0"]),
    ("searches-its-memory", ["IN MEMORY 0 []"]),  # no test object in its process
    ("memory-hog", ["MemoryError"]),
])
def test_feedback_says_why(batch, student, words):
    _, out, *_ = batch
    text = (out / "feedback" / f"{student}.txt").read_text()
    for word in words:
        assert word in text, text


def test_huge_output_is_capped(batch):
    outcomes, *_ = batch
    assert outcomes["huge-output"]["output_bytes"] <= OUTPUT_LIMIT + 4096


def test_the_fake_score_and_the_overwritten_gradebook_count_for_nothing(batch, spec):
    _, out, *_ = batch
    rows = _gradebook(out)
    assert rows["prints-a-fake-score"]["total"] == rows["wrong"]["total"]
    assert float(rows["writes-outside"]["total"]) == float(rows["correct"]["total"]) == (
        spec.maximum)
    full = f"Score: {spec.maximum:g} / {spec.maximum:g}"
    assert full in (out / "feedback" / "correct.txt").read_text()


def test_nothing_is_written_outside_the_submissions_scratch(batch):
    _, _, _, outside, _, proofs = batch
    assert not (outside / "escaped.txt").exists()
    assert not (Path.home() / ESCAPE_HOME).exists()
    assert not proofs["site-packages"], "a submission planted a module in site-packages"
    assert proofs["bytecode"], "a submission added bytecode to convcourse/__pycache__"


def test_no_file_of_the_course_or_the_class_was_altered(batch):
    _, _, _, _, _, proofs = batch
    assert proofs["altered"] == [] and proofs["assignments"] == []


def test_the_hidden_tests_and_the_solutions_stay_unread(batch):
    _, out, *_ = batch
    tests = load_tests(assign.OUT / CHAPTER / "autograder" / "autograder.zip")
    hidden = [case.body.strip().splitlines()[-1] for question in tests.values()
              for case in question.test_cases if case.hidden]
    solution = "x_pad = np.pad(x, padding)"
    for path in (out / "feedback").glob("*.txt"):
        text = path.read_text()
        assert solution not in text and not any(line in text for line in hidden), path.name


def test_a_submission_sees_none_of_the_instructors_environment(batch):
    _, out, *_ = batch
    text = (out / "feedback" / "snoops.txt").read_text()
    seen = json.loads(text[text.index("SNOOPED ") + 8:].splitlines()[0])
    assert set(seen["env"]) <= set(student_environment(Path("/tmp")))
    assert seen["site-packages"] == "PermissionError"
    assert [key for key in seen if key not in ("env", "own", "site-packages")] == []
    # its own /proc/self/environ is the fork server's: the few variables it starts with
    passed = {*PASSED_ON, *worker_environment(Path("/tmp"))}
    assert set(seen["own"]) <= passed, set(seen["own"]) - passed


def test_nothing_survives_the_batch(batch):
    _, _, _, _, _, proofs = batch
    assert proofs["survivors"] == []


def test_no_connection_reached_the_listeners(batch):
    _, out, _, _, _, proofs = batch
    assert not proofs["accepted"] and proofs["received"] == b""
    text = (out / "feedback" / "connects-out.txt").read_text()
    assert "NETWORK " in text and "connected" not in text and "udp sent" not in text


def test_the_graders_processes_are_untouched(batch):
    _, _, _, _, _, proofs = batch
    before, after = proofs["server"]
    assert before == after  # the fork server was neither killed nor replaced


def test_the_disk_a_submission_may_fill_is_bounded(batch):
    _, out, *_ = batch
    text = (out / "feedback" / "fills-the-disk.txt").read_text()
    written = int(text[text.index("WROTE ") + 6:].split()[0])
    assert written <= SCRATCH_BYTES // 2**20 and "OSError" in text
    assert not list(Path("/tmp").glob("work/fill-*"))


def test_the_fork_server_and_the_graders_pipes_are_out_of_reach(batch):
    """The address of the fork server's socket is hidden by the submission's mount
    namespace, and it holds no descriptor but its streams, its channel to the referee,
    and the one that listed them (no pipe: not the fork server's, nor multiprocessing's)."""
    _, out, *_ = batch
    text = (out / "feedback" / "reaches-the-fork-server.txt").read_text()
    reached, held = text[text.index("FORK SERVER ") + 12:].splitlines()[0].split(" HOLDS ")
    assert reached in ("FileNotFoundError", "PermissionError", "ConnectionRefusedError"), text
    assert held.split()[0] == "/dev/null" and held.split().count("socket") == 1, held
    assert "pipe" not in held, held


def test_progress_is_shown(batch):
    _, _, lines, *_ = batch
    graded = [line for line in lines if line.startswith("[")]
    assert len(graded) == sum(1 for s, _ in EXPECTED.values()
                              if s in ("graded", "timeout"))
    assert any(line.startswith("[ 1/") or line.startswith("[1/") for line in graded)
    assert "Gradebook:" in lines[-1]


def test_a_rerun_grades_only_what_changed(batch):
    outcomes, out, _, _, folder, _ = batch
    notebook = _add(_read(folder / "untouched.ipynb"), "print('resubmitted')")
    nbformat.write(notebook, folder / "untouched.ipynb")
    lines: list[str] = []
    again = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT, log=lines.append)
    assert [line.split()[1] for line in lines if line.startswith("[")] == ["untouched:"]
    (summary,) = [line for line in lines if "to grade" in line]
    assert "1 to grade" in summary and "unchanged" in summary
    assert {s: o["status"] for s, o in again.items()} == {s: e[0] for s, e in EXPECTED.items()}
    longer = grade.grade_class(CHAPTER, folder, out, timeout=TIMEOUT + 1, log=lines.append)
    assert longer["infinite-loop"]["status"] == "timeout"  # a longer limit grades them again
    assert sum(o.get("seconds", 0) > TIMEOUT for o in longer.values()) == sum(
        status == "timeout" for status, _ in EXPECTED.values())
    assert os.environ.get("HOME") == str(Path.home())


# -- the answers of chapters 7 and 8 by the course's (or torch's) own implementations ----

BN_BY_THE_COURSE = '''\
def my_batch_norm_train(x, gamma, beta, grad_out, running_mean, running_var,
                        momentum=0.1, eps=1e-5):
    layer = BatchNorm2d(x.shape[1], eps=eps, momentum=momentum)
    layer.weight, layer.bias = gamma.copy(), beta.copy()
    layer.running_mean, layer.running_var = running_mean.copy(), running_var.copy()
    out = layer.forward(x)
    grad_x = layer.backward(grad_out)
    return (out, grad_x, layer.grad_weight, layer.grad_bias, layer.running_mean,
            layer.running_var)
'''
BN_OUT = "    out = gamma.reshape(1, -1, 1, 1) * x_hat + beta.reshape(1, -1, 1, 1)\n"
BN_OUT_BY_TORCH = (
    "    out = torch.nn.functional.batch_norm(\n"
    "        torch.from_numpy(x), torch.from_numpy(running_mean.copy()),\n"
    "        torch.from_numpy(running_var.copy()), torch.from_numpy(gamma),\n"
    "        torch.from_numpy(beta), training=True, momentum=momentum, eps=eps).numpy()\n")


def _transposed_by(call: str) -> str:
    return ("def my_conv_transpose2d(x, weight, stride=1, padding=0):\n"
            f"    return {call}\n")


TORCH_CT = ("torch.nn.functional.conv_transpose2d(torch.from_numpy(x), "
            "torch.from_numpy(weight), stride=stride, padding=padding).numpy()")
# (chapter, submission): (the answer's function, the cell's new source or an (old, new)
# replacement in it, the exercise that must earn nothing, what its feedback must name)
CHEATS = {
    ("07-cnn-blocks", "bn-by-the-course"): (
        "def my_batch_norm_train(", BN_BY_THE_COURSE, "ex-ch7-batch-norm",
        "convcourse.normalization.BatchNorm2d.__init__ is not available"),
    ("07-cnn-blocks", "bn-by-torch"): (
        "def my_batch_norm_train(", (BN_OUT, BN_OUT_BY_TORCH), "ex-ch7-batch-norm",
        "torch's"),
    ("08-going-backwards", "ct-by-transposed"): (
        "def my_conv_transpose2d(", _transposed_by(
            "transposed.conv_transpose2d_forward(x, weight, stride=stride, padding=padding)"),
        "ex-ch8-conv-transpose", "convcourse.transposed.conv_transpose2d_forward is not"),
    ("08-going-backwards", "ct-by-fast-transposed"): (
        "def my_conv_transpose2d(", _transposed_by(
            "fast_transposed.conv_transpose2d_forward(x, weight, stride=stride, "
            "padding=padding)"),
        "ex-ch8-conv-transpose", "convcourse.fast_transposed.conv_transpose2d_forward is not"),
    ("08-going-backwards", "ct-by-torch"): (
        "def my_conv_transpose2d(", _transposed_by(TORCH_CT), "ex-ch8-conv-transpose",
        "torch's"),
}


@pytest.fixture(scope="module")
def cheats(grading_server, tmp_path_factory) -> dict[str, tuple[dict, Path, GradingSpec]]:
    """Chapters 7 and 8 graded with their solutions and :data:`CHEATS`, isolated:
    ``{chapter: (outcomes, output folder, spec)}``."""
    graded = {}
    for chapter in sorted({chapter for chapter, _ in CHEATS}):
        assignment = assign.assign(assign.ROOT / "chapters" / f"{chapter}.ipynb",
                                   run_tests=False)
        solutions = assignment / "autograder" / f"{chapter}.ipynb"
        folder = tmp_path_factory.mktemp(f"{chapter}-cheats")
        (folder / "correct.ipynb").write_bytes(solutions.read_bytes())
        for (of, student), (defines, source, *_) in CHEATS.items():
            if of != chapter:
                continue
            notebook = _read(solutions)
            cell = _cell(notebook, lambda c, d=defines: SOLUTION_TAG in c.metadata.get(
                "tags", []) and d in c.source)
            if isinstance(source, tuple):
                assert source[0] in cell.source
                cell.source = cell.source.replace(*source)
            else:
                cell.source = source
            nbformat.write(notebook, folder / f"{student}.ipynb")
        out = tmp_path_factory.mktemp(f"{chapter}-cheats-graded")
        outcomes = grade.grade_class(chapter, folder, out, timeout=60, log=lambda line: None)
        spec = GradingSpec.load(assignment / "autograder" / SPEC_FILE)
        graded[chapter] = (outcomes, out, spec)
    return graded


@pytest.mark.parametrize("chapter", sorted({chapter for chapter, _ in CHEATS}))
def test_the_solutions_keep_full_marks_beside_the_cheats(cheats, chapter):
    outcomes, _, spec = cheats[chapter]
    outcome = outcomes["correct"]
    assert outcome["status"] == "graded", outcome
    assert sum(q["score"] for q in outcome["questions"]) == spec.maximum, outcome


@pytest.mark.parametrize(("chapter", "student"), sorted(CHEATS))
def test_an_answer_by_the_courses_or_torchs_implementation_earns_nothing(cheats, chapter,
                                                                       student):
    outcomes, out, spec = cheats[chapter]
    _, _, question, words = CHEATS[chapter, student]
    scores = {q["name"]: q["score"] for q in outcomes[student]["questions"]}
    points = {q.name: q.points for q in spec.questions}
    assert outcomes[student]["status"] == "graded", outcomes[student]
    assert scores == {**points, question: 0}, outcomes[student]
    feedback = (out / "feedback" / f"{student}.txt").read_text()
    assert f"NOTHING for this exercise: {words}" in feedback, feedback
