# The README's commands. Needs only python3 (>= 3.11), pip and make: uv is installed if missing.
PYTHON ?= python3
UV := $(PYTHON) -m uv
SOURCES := core/src $(wildcard plugins/*/src) tests/fakemail-plugin/src tests/kit-example-plugin/src
# The plugins `make install` adds (directory names under plugins/): PLUGINS="sitecore-send" for one.
PLUGINS ?= $(notdir $(wildcard plugins/*))

.PHONY: setup demo test lint typecheck check wheels install tool-install bench clean

# Byte-code compiled once at set-up (uv does not by default): the tests start the CLI as a process
# hundreds of times, and where PYTHONDONTWRITEBYTECODE=1 nothing is ever cached otherwise.
setup:
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	@$(UV) sync --all-packages --frozen --quiet --compile-bytecode
	@$(UV) run --frozen --quiet python -m compileall -q -j 0 $(SOURCES)

demo: setup  ## run every provider against its built-in sandbox
	@$(UV) run --frozen linkreport demo

test: setup  ## the whole test suite
	$(UV) run --frozen pytest -n 4 --dist worksteal  # (4 workers on 2 cores: most tests wait on sandboxes)

lint: setup
	$(UV) run --frozen ruff check .
	$(UV) run --frozen ruff format --check .

typecheck: setup
	$(UV) run --frozen mypy --strict $(SOURCES)

check: lint typecheck test

wheels: setup  ## build every distribution's wheel into dist/
	rm -rf dist
	for dir in core $(wildcard plugins/*); do $(UV) build "$$dir" --wheel --out-dir dist --quiet || exit 1; done

install: wheels  ## linkreport on the PATH as a uv tool, from the wheels, with PLUGINS
	@$(MAKE) --no-print-directory tool-install

tool-install:  ## install dist/'s wheels (built already) as the uv tool linkreport
	@with=""; for plugin in $(PLUGINS); do \
	  name=$$(echo "$${plugin#linkreport-}" | tr - _); \
	  wheel=$$(ls dist/linkreport_$$name-*.whl 2>/dev/null | head -1); \
	  [ -n "$$wheel" ] || { echo "no plugin $$plugin (plugins: $(notdir $(wildcard plugins/*)))"; exit 1; }; \
	  with="$$with --with $$wheel"; \
	done; \
	$(UV) tool install --quiet --force --reinstall --python $(PYTHON) $$(ls dist/linkreport-*.whl) $$with
	@echo "linkreport installed in $$($(UV) tool dir --bin) (not on your PATH? run: $(UV) tool update-shell)"

bench: setup  ## benchmarks side by side; writes docs/performance.md
	$(UV) run --frozen python -m benchmarks

clean:
	rm -rf .venv dist .bench .mypy_cache .ruff_cache
