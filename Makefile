# verifyd: `make run` starts a dev instance, `make test` runs the whole suite. Both install what is missing.
SWIFT ?= swift

.PHONY: run test build release deps clean bench microbench profile chaos stack stack-down fuzz docs format

run:
	scripts/run-dev.sh

test:
	scripts/install-deps.sh python3 py:aiosmtpd py:redis nginx docker-compose
	docker-compose -f docker/compose.yaml config --quiet
	docker-compose -f docker/compose.yaml --profile cluster config --quiet
	scripts/format.sh --check
	$(SWIFT) build --build-tests
	# At most 24 tests at a time: started all at once, their Redis servers, sinks and child processes crowd two cores
	# in the first seconds and timing-bound tests fail now and then; 24 also finishes sooner (39-43 s against 44-50).
	SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH=$${SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH:-24} $(SWIFT) test --skip-build
	scripts/chaos.sh --short

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product verifyd

deps:
	scripts/install-deps.sh

clean:
	rm -rf .build

bench:
	scripts/bench.sh

microbench:
	scripts/microbench.sh

profile:
	scripts/profile.sh

chaos:
	scripts/chaos.sh

stack:
	CLUSTER=$(CLUSTER) scripts/stack.sh up

stack-down:
	scripts/stack.sh down

fuzz:
	scripts/fuzz.sh

docs:
	scripts/update-config-docs.sh

format:
	scripts/format.sh
