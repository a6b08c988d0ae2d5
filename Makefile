# The two commands: `make run` and `make test`. Everything else is a convenience.
BUILD ?= build
SANITIZE_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS ?= $(shell nproc)
# Debian's own interpreter: the one apt's python3-pytest, -jwt and -icalendar
# are installed for (another python3 may come first on PATH).
SYSTEM_PYTHON ?= /usr/bin/python3

.PHONY: all bootstrap configure build run demo test test-cpp test-python test-node test-sanitize bench clean

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

test: test-cpp test-python test-node

bench: build
	@$(BUILD)/bench/livecourse-bench

# ASan+UBSan over every C++ and C suite; TSan over the concurrency tests.
test-sanitize: bootstrap
	@cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DLIVECOURSE_SANITIZE=ON >/dev/null
	@cmake --build $(SANITIZE_BUILD) -j $(JOBS) --target livecourse_tests livecourse_capi
	@cd $(SANITIZE_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E 'valgrind|e2e' 
	@cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLIVECOURSE_TSAN=ON >/dev/null
	@cmake --build $(TSAN_BUILD) -j $(JOBS) --target livecourse_tests
	@TSAN_OPTIONS=halt_on_error=1 $(TSAN_BUILD)/tests/livecourse_tests '[concurrency]'

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD)
