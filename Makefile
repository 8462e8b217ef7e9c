# Trillian Server Admin — the README's two commands and their helpers.
#   make run    set everything up on a fresh Debian/Ubuntu machine, then start the app on the sandbox
#   make test   the same set-up, then every test: Rust (all crates), UI unit tests, the end-to-end suite
#   make lint   rustfmt, clippy -D warnings, svelte-check, cargo deny (bans, licenses, sources)
#   make bench  the benchmarks (figures go into the README's performance section)
SHELL := /bin/bash
CARGO ?= cargo
APP_FEATURES := --features trillian-admin/custom-protocol
export PATH := $(HOME)/.cargo/bin:$(PATH)

.PHONY: all setup ui app run sandbox test test-rust test-ui lint bench clean-e2e

all: app

setup:
	bash scripts/setup.sh

ui: setup
	npm run build -w ui

# The app with its UI embedded (a plain `cargo build` would load the Vite dev server instead).
app: ui
	$(CARGO) build -p trillian-admin --features custom-protocol

run: app
	./target/debug/trillian-admin --sandbox

# The reference server alone, with the demo domain, on a fixed local port.
sandbox:
	$(CARGO) run -p trillian-sandbox -- serve --listen 127.0.0.1:8088 --db :memory: --domain example.com --demo

test: ui test-ui test-rust

test-ui: setup
	npm test -w ui

# Everything Rust, including the WebDriver end-to-end suite (#[ignore]d outside this session),
# inside a private D-Bus session with an unlocked keyring and an Xvfb display.
test-rust: ui
	$(CARGO) build -p trillian-admin --features custom-protocol
	scripts/test-env.sh $(CARGO) test --workspace $(APP_FEATURES) -- --include-ignored

lint: ui
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets $(APP_FEATURES) -- -D warnings
	npm run check -w ui
	bash scripts/deny.sh

bench: setup
	bash scripts/bench.sh
