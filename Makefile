# convcourse: two commands for everyone, a few more for learners and authors.
#   make book          build the website into _build/html (creates .venv with only what
#                      the build needs: no PyTorch)
#   make test          run every check (ruff, pytest, doctests, nbval, book build, browser,
#                      graders) on every core; installs the rest of the environment
#   make lab           JupyterLab on the chapters
#   make student       studying alone: the exercises as stubs in student/ (your answers are
#                      never overwritten), opened in JupyterLab; grader.check runs the tests
#   make serve         serve _build/html on http://127.0.0.1:8000
#   make execute       re-execute the chapters in place (authors: refresh outputs)
#   make bench         time naive, fast and torch convolutions side by side (prints a table)
#   make bench-grading how many submissions make grade grades a minute (chapter 1)
#   make assignments   instructors: student notebooks + autograders in _build/assignments
#   make grade CHAPTER=01-naive-forward SUBMISSIONS=folder [TIMEOUT=60] [JOBS=n] [OUT=dir]
#                      instructors: grade a class into a gradebook (see instructors.md)
#   make autograder-check   prove each autograder zip grades with what it declares alone

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check
# Three layers, each installed on first use, so that nobody waits for what they do not use:
#   BOOK_STAMP  what the book build needs (Jupyter Book and its extensions, ~25 s):
#               a reader who only wants the website never installs PyTorch;
#   STAMP       on top, the chapters' runtime (numpy, torch...) and the checks;
#   LAB_STAMP   on top, JupyterLab. Kept out of the checks: its server brings a JSON
#               schema format checker (rfc3987-syntax) that adds ~2.5 s to every import
#               of nbformat, which every pytest worker, grader and book build pays.
BOOK_STAMP := $(VENV)/.book-installed
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.lab-installed
PORT ?= 8000
# pytest-xdist workers for make test (auto: one per core).
PYTEST_WORKERS ?= auto
CHAPTERS := $(sort $(wildcard chapters/*.ipynb))
REQUIREMENTS := requirements.txt requirements-book.txt requirements-test.txt \
                requirements-d2l.txt constraints.txt pyproject.toml

.PHONY: book test lab student serve execute clean venv bench bench-grading assignments grade \
        autograder-check

venv: $(STAMP)

# Each layer is reinstalled only when one of its requirements files changes.
$(BOOK_STAMP): requirements-book.txt constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(PIP) -r requirements-book.txt -c constraints.txt
	touch $@

$(STAMP): $(BOOK_STAMP) $(REQUIREMENTS)
	$(PIP) -r requirements.txt -r requirements-book.txt -r requirements-test.txt \
	    -c constraints.txt
	$(PIP) --no-deps -r requirements-d2l.txt
	$(PIP) --no-deps -e .
	touch $@

$(LAB_STAMP): $(STAMP) requirements-lab.txt
	$(PIP) -r requirements-lab.txt -c constraints.txt
	touch $@

book: $(BOOK_STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo
	@echo "The website is built. Open: $(CURDIR)/_build/html/index.html"

# One pytest run over both cores (pytest-xdist): the package's tests, its docstring
# examples, nbval on every chapter, the book, the browser and the graders. conftest.py
# keeps together on one worker what shares a set-up (a chapter's cells, the graders).
# The slowest tests are listed at the end, so that a regression shows.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest tests chapters convcourse --doctest-modules \
	    --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    -n $(PYTEST_WORKERS) --durations=15 -p no:cacheprovider

# JupyterLab refuses to run as root unless told; in a container a learner often is root.
lab: $(LAB_STAMP)
	$(BIN)/jupyter lab chapters $(if $(filter 0,$(shell id -u)),--allow-root)

# The student notebooks (otter assign's stubs, public tests inside) copied into student/,
# where a notebook already there is the learner's work and is kept; then JupyterLab on them.
student: $(LAB_STAMP)
	$(BIN)/python -m tools.student $(CHAPTERS)
	$(BIN)/jupyter lab student $(if $(filter 0,$(shell id -u)),--allow-root)

serve:
	@test -f _build/html/index.html || { echo "Build the website first: make book"; exit 1; }
	$(PYTHON) -m http.server $(PORT) --bind 127.0.0.1 --directory _build/html

execute: $(STAMP)
	$(BIN)/python tools/execute_chapters.py $(CHAPTERS)

assignments: $(STAMP)
	$(BIN)/python -m tools.assign $(CHAPTERS)

grade: $(STAMP)
	$(BIN)/python -m tools.grade "$(CHAPTER)" "$(SUBMISSIONS)" $(if $(TIMEOUT),--timeout $(TIMEOUT)) \
	    $(if $(JOBS),--jobs $(JOBS)) $(if $(OUT),--out "$(OUT)")

# Builds (once, cached in _build/autograder-env) an environment from a zip's declarations
# alone and grades a right and a wrong answer with it, as Gradescope would.
autograder-check: $(STAMP)
	$(BIN)/python -m tools.autograder_check $(CHAPTER)

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_conv.py

bench-grading: $(STAMP)
	$(BIN)/python -m benchmarks.bench_grading

clean:
	rm -rf _build
