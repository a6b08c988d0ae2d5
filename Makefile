# The two commands: `make run` and `make test`. Everything else is a convenience.
BUILD ?= build
SANITIZE_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo
JOBS ?= $(shell nproc)
# Debian's own interpreter: the one apt's python3-pytest, -jwt and -icalendar
# are installed for (another python3 may come first on PATH).
SYSTEM_PYTHON ?= /usr/bin/python3

.PHONY: all bootstrap configure build run demo test test-cpp test-python test-node test-sanitize bench fuzz clean

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

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD) $(TSAN_BUILD)
