# Lempar — build, run, test. `make help` lists the targets.
SHELL := /bin/bash
GO ?= go
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
LDFLAGS := -X github.com/lempar/lempar/internal/buildinfo.Version=$(VERSION)
BIN := bin

# Debian packages: building the GUI (cgo + OpenGL/X11), and the test suite
# (Xvfb screenshots, network namespaces, avahi interop, packaging checks).
APT_BUILD := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
APT_TEST := $(APT_BUILD) xvfb xauth imagemagick iproute2 nftables avahi-daemon \
	avahi-utils dbus desktop-file-utils xz-utils tmux

.PHONY: help run build cli gui deps deps-test test test-unit test-race lint fuzz bench e2e clean

help:
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

run: deps build ## install build packages (as root), build, start the app
	./$(BIN)/lempar

build: cli gui ## build lempar-cli and the GUI into bin/

cli: ## build the headless CLI (no cgo, no Fyne)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lempar-cli ./cmd/lempar-cli

gui: ## build the desktop app
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lempar .

deps: ## install missing Debian build packages (root only)
	@bash .ci/apt-install.sh $(APT_BUILD)

deps-test:
	@bash .ci/apt-install.sh $(APT_TEST)

test: deps-test lint test-race fuzz ## the whole suite (what CI runs)

lint: ## gofmt, go vet, and the layering rule (no Fyne below ui/)
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if $(GO) list -deps ./transfer/... ./discovery/... ./app/... ./internal/... ./cmd/lempar-cli | grep -q '^fyne.io/'; then \
		echo "layering: a package below ui/ imports Fyne"; exit 1; fi
	@echo "lint: ok"

test-race: ## all tests with the race detector (e2e included; namespaces need root)
	$(GO) test -race -count=1 -timeout 40m ./...

FUZZTIME ?= 10s
fuzz: ## run every fuzz target briefly on top of the committed corpus
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; done

bench: cli ## transfer benchmark: ceilings and Lempar, ratios (see README)
	bash .ci/in-netns.sh ./$(BIN)/lempar-cli bench

clean:
	rm -rf $(BIN) dist
