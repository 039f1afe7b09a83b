# Shortcuts; each target prepares .venv as needed (see scripts/setup-env).
.PHONY: run test lint bench bench-small screenshots

run:
	./scripts/run

test:
	./scripts/test

lint:
	./scripts/setup-env test
	.venv/bin/ruff check annotator tests scripts

bench:
	./scripts/setup-env test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.bench --json bench-results/latest.json

bench-small:
	./scripts/setup-env test
	QT_QPA_PLATFORM=offscreen .venv/bin/python -m tests.bench --small --json bench-results/small.json

screenshots:
	./scripts/screenshots
