# convcourse: two commands for everyone, a few more for learners and authors.
#   make book          build the website into _build/html (creates .venv if needed)
#   make test          run every check (ruff, pytest, nbval, book build, browser)
#   make lab           JupyterLab on the chapters
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
STAMP := $(VENV)/.installed
PORT ?= 8000
CHAPTERS := $(sort $(wildcard chapters/*.ipynb))
REQUIREMENTS := requirements.txt requirements-book.txt requirements-test.txt \
                requirements-d2l.txt constraints.txt pyproject.toml

.PHONY: book test lab serve execute clean venv bench bench-grading assignments grade autograder-check

venv: $(STAMP)

# The environment is rebuilt only when a requirements file changes.
$(STAMP): $(REQUIREMENTS)
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is needed, found " + sys.version'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
	    -r requirements.txt -r requirements-book.txt -r requirements-test.txt \
	    -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps \
	    -r requirements-d2l.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

book: $(STAMP)
	$(BIN)/jupyter-book build . --warningiserror --nitpick --keep-going
	@echo
	@echo "The website is built. Open: $(CURDIR)/_build/html/index.html"

# The docstring examples run in a pytest of their own, under matplotlib's Agg backend.
# MPLBACKEND is not exported to the second run: the kernels nbval starts would inherit
# it instead of the inline backend and drop every figure from the chapters' outputs.
test: $(STAMP)
	$(BIN)/ruff check .
	MPLBACKEND=Agg $(BIN)/python -m pytest --doctest-modules convcourse -p no:cacheprovider
	$(BIN)/python -m pytest tests chapters --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
	    -p no:cacheprovider

lab: $(STAMP)
	$(BIN)/jupyter lab chapters

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
