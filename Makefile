# The two commands: `make run` and `make test`. Everything else is a convenience.
BUILD ?= build
SANITIZE_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS ?= $(shell nproc)
# Debian's own interpreter: the one apt's python3-pytest, -jwt and -icalendar
# are installed for (another python3 may come first on PATH).
SYSTEM_PYTHON ?= /usr/bin/python3

.PHONY: all bootstrap configure build run demo test test-cpp test-python test-node test-php package test-sanitize bench fuzz fuzz-build fuzz-smoke clean

all: build

bootstrap:
	@scripts/bootstrap

configure: bootstrap
	@cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null

build: configure
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	@mkdir -p var
	@if [ -x $(BUILD)/examples/server/livecourse-server ]; then \
	  exec $(BUILD)/examples/server/livecourse-server --demo; \
	else \
	  exec $(BUILD)/examples/livecourse-demo var/livecourse.db; \
	fi

demo: build
	@mkdir -p var
	@$(BUILD)/examples/livecourse-demo var/demo.db

test-cpp: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

test-python: build
	@if [ -d tests/python ]; then \
	  LIVECOURSE_LIBRARY=$(CURDIR)/$(BUILD)/capi/liblivecourse.so PYTHONPATH=$(CURDIR)/bindings/python \
	  $(SYSTEM_PYTHON) -m pytest -q -p no:cacheprovider tests/python; fi

test-node: build
	@if [ -d tests/node ]; then \
	  LIVECOURSE_NODE_ADDON=$(CURDIR)/$(BUILD)/bindings/node/livecourse.node node --test tests/node/; fi

# PHPUnit directly (no ctest in between), Debian's phpunit over the PHP 8.2 CLI.
test-php: build
	@if [ -d bindings/php/tests ]; then \
	  LIVECOURSE_LIBRARY=$(CURDIR)/$(BUILD)/capi/liblivecourse.so phpunit -c bindings/php/phpunit.xml.dist; fi

# A short fuzz smoke run is part of every `make test`; in CI (CI=true) every
# landing is also guarded by the sanitizer builds. They go first so that the
# output ends with the runners' own summaries.
CI_GUARDS := $(if $(filter true,$(CI)),test-sanitize)

test: $(CI_GUARDS) fuzz-smoke test-cpp test-python test-node test-php

# PostgreSQL joins are measured on a throwaway local cluster of their own;
# then the same rush through the Python and Node bindings, beside hand-written
# joins in each language.
bench: build
	@scripts/with-throwaway-postgres $(BUILD)/bench/livecourse-bench
	@scripts/bench-bindings $(BUILD)

# The Debian package of the library and its headers: $(BUILD)/livecourse_<version>_<arch>.deb.
package: build
	@cmake --build $(BUILD) --target package

# ASan+UBSan over every C++ and C suite; TSan over the concurrency tests.
test-sanitize: bootstrap
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLIVECOURSE_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	@cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'valgrind|install_package' -LE package
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIVECOURSE_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target livecourse_tests
	@TSAN_OPTIONS=halt_on_error=1 $(TSAN_BUILD)/tests/livecourse_tests '[concurrency]'

FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 10
FUZZ_HARNESSES = jwt_verifier ical_text capi_json
fuzz-build: bootstrap
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIVECOURSE_FUZZ=ON >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target fuzz_jwt_verifier fuzz_ical_text fuzz_capi_json

# Each harness for FUZZ_SECONDS; new crashes are written to tests/fuzz/crashes/.
fuzz: fuzz-build
	@mkdir -p tests/fuzz/crashes
	@for h in $(FUZZ_HARNESSES); do \
	  $(FUZZ_BUILD)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SECONDS) -artifact_prefix=tests/fuzz/crashes/ \
	    -max_len=4096 $$(mktemp -d) tests/fuzz/corpus/$$h || exit 1; done

# A short run of each harness, from its corpus (which holds past crashes too).
fuzz-smoke: fuzz-build
	@for h in $(FUZZ_HARNESSES); do log=$$(mktemp); \
	  if ! $(FUZZ_BUILD)/tests/fuzz/fuzz_$$h -max_total_time=$(FUZZ_SMOKE_SECONDS) -max_len=4096 \
	      -artifact_prefix=$$(dirname $$log)/ $$(mktemp -d) tests/fuzz/corpus/$$h >$$log 2>&1; then \
	    tail -n 40 $$log; exit 1; fi; echo "fuzz_$$h: $$(tail -n 1 $$log)"; rm -f $$log; done

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD)
