# threathub: `make run` starts a demo server on http://127.0.0.1:8080; `make test` runs every test.
# Both install what is missing (Debian packages, npm packages) first.

BUILD ?= build
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)
NPM_STAMP := web/node_modules/.package-lock.json

.PHONY: all run test deps build web bench fuzz format clean

all: build

deps:
	@tools/install-deps.sh

$(NPM_STAMP): web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	@touch $@

web: deps $(NPM_STAMP)
	cd web && npm run build

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

run: build web
	$(BUILD)/threathub serve --demo

# Every test: unit and integration tests on SQLite and on a throwaway PostgreSQL cluster, the
# web application's own tests, and the browser tests against the real server.
test: build web
	tools/run-tests.sh $(BUILD)

bench: build web
	THREATHUB_BENCH=1 tools/install-deps.sh
	bench/run.sh $(BUILD)
	bench/collect_bench.sh $(BUILD)
	bench/detect_text_bench.sh $(BUILD)
	bench/pdq_bench.sh $(BUILD)

format:
	git ls-files '*.cc' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) web/dist

FUZZ_SECONDS ?= 60
fuzz: deps
	THREATHUB_FUZZ=1 tools/install-deps.sh
	cmake -S fuzz -B build-fuzz -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build-fuzz
	for target in json_body target checkpoint bundle collect_jsonl collect_telegram collect_vk \
	    collect_feed collect_warc mandate_evaluate collect_http_url detect_text detect_image \
	    detect_indicators requests_directory; do \
	  mkdir -p build-fuzz/corpus-$$target && \
	  build-fuzz/$${target}_fuzzer -max_total_time=$(FUZZ_SECONDS) build-fuzz/corpus-$$target fuzz/corpus/$$target || exit 1; \
	done
