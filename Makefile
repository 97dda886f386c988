# Lempar — build, run, test. `make help` lists the targets.
SHELL := /bin/bash
# sudo resets PATH; the Go toolchain of a fresh Debian machine lives here.
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
GO ?= go
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.1.0)
LDFLAGS := -X github.com/lempar/lempar/internal/buildinfo.Version=$(VERSION)
BIN := bin

# Debian packages: building the GUI (cgo + OpenGL/X11), and the test suite
# (Xvfb screenshots, network namespaces, avahi interop, packaging checks,
# chromium for the share-by-link browser test).
APT_BUILD := gcc libc6-dev pkg-config libgl1-mesa-dev libx11-dev libxcursor-dev \
	libxrandr-dev libxinerama-dev libxi-dev libxxf86vm-dev
APT_TEST := $(APT_BUILD) xvfb xauth imagemagick iproute2 nftables avahi-daemon \
	avahi-utils dbus desktop-file-utils xz-utils tmux xdotool chromium

.PHONY: help run build cli gui deps deps-test deps-localsend test test-race lint fuzz bench screenshots clean

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

deps-localsend: ## install localsend@0.1.2 (npm, pinned lock) into .cache/localsend for the LocalSend interop tests
	@bash .ci/install-localsend.sh

test: deps-test deps-localsend lint test-race fuzz lan check-packages ## the whole suite (what CI runs)

# staticcheck, pinned; installed into bin/tools like the fyne tool, so a fresh
# machine gets it through make lint (and so make test).
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(CURDIR)/$(BIN)/tools/staticcheck-$(STATICCHECK_VERSION)/staticcheck

$(STATICCHECK):
	GOBIN=$(dir $(STATICCHECK)) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

lint: $(STATICCHECK) ## gofmt, go vet, the layering rule (no Fyne below ui/), staticcheck, go.mod tidy
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@if $(GO) list -deps ./transfer/... ./savedir/... ./discovery/... ./app/... ./internal/... ./ui/backend ./ui/uitest ./cmd/lempar-cli ./cmd/lempar-bench | grep -q '^fyne.io/'; then \
		echo "layering: a package below ui/ imports Fyne"; exit 1; fi
	$(STATICCHECK) ./...
	@$(GO) mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	@echo "lint: ok"

test-race: ## all tests with the race detector (e2e included; namespaces need root)
	$(GO) test -race -count=1 -timeout 40m ./...

# A count, not a duration: with a duration Go 1.26's fuzz coordinator can race its own
# deadline and report "context deadline exceeded" with no failing input (golang/go#75804).
FUZZTIME ?= 100000x
fuzz: ## run every fuzz target briefly on top of the committed corpus
	@set -e; for pkg in $$($(GO) list ./...); do \
		for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz' || true); do \
			echo "fuzz $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg; \
		done; done

# Extra flags for lempar-bench, e.g. BENCH_ARGS='--runs 5 --tmp /dev/shm'.
BENCH_ARGS ?=
bench: cli ## transfer benchmark (cmd/lempar-bench): ceilings, primitives, Lempar against a bare TLS copy (see README)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/lempar-bench ./cmd/lempar-bench
	bash .ci/in-netns.sh ./$(BIN)/lempar-bench --cli ./$(BIN)/lempar-cli $(BENCH_ARGS)

screenshots: ## regenerate docs/screenshots (Xvfb, in a network namespace; the share page with chromium)
	bash .ci/in-netns.sh xvfb-run -a -s "-screen 0 2560x1600x24" $(GO) run ./cmd/lempar-shots
	LEMPAR_SHARE_SHOTS=$(CURDIR)/docs/screenshots $(GO) test -count=1 -run TestBrowserDownloads ./share

clean:
	rm -rf $(BIN) dist

# --- Packages: Linux .tar.xz and .deb, Windows .zip, release archives ---
# Debian packages for building and checking them (on top of APT_BUILD): nsis
# builds the Windows installer, wine/wine64 run it (64-bit only, no i386),
# python3-jsonschema/yaml validate the winget manifests.
APT_PACKAGE := $(APT_BUILD) gcc-mingw-w64-x86-64 librsvg2-bin dpkg-dev binutils \
	desktop-file-utils xz-utils zip unzip icoutils file xvfb xauth x11-utils \
	nsis wine wine64 python3-jsonschema python3-yaml
FYNE_TOOL_VERSION := v1.7.4
FYNE := $(CURDIR)/$(BIN)/tools/fyne-$(FYNE_TOOL_VERSION)/fyne
ICON_SIZES := 16 24 32 48 64 128 256 512

.PHONY: icons version-sync deps-package package-linux package-windows release check-packages

icons: ## render assets/icons/lempar-N.png from assets/icon.svg (commit them)
	@for s in $(ICON_SIZES); do rsvg-convert -w $$s -h $$s assets/icon.svg -o assets/icons/lempar-$$s.png; done
	rsvg-convert -w 512 -h 512 assets/icon.svg -o assets/icon.png

version-sync: ## write VERSION into FyneApp.toml
	sed -i -E 's/^([[:space:]]*Version[[:space:]]*=[[:space:]]*).*/\1"$(VERSION)"/' FyneApp.toml

deps-package: ## install missing Debian packages for packaging (root only)
	@bash .ci/apt-install.sh $(APT_PACKAGE)

$(FYNE):
	GOBIN=$(dir $(FYNE)) $(GO) install fyne.io/tools/cmd/fyne@$(FYNE_TOOL_VERSION)

package-linux: $(FYNE) ## dist/lempar-VER-linux-amd64.tar.xz and dist/lempar_VER_amd64.deb
	GO=$(GO) FYNE=$(FYNE) bash packaging/package-linux.sh

package-windows: $(FYNE) ## dist/lempar-VER-windows-amd64.zip (lempar.exe, lempar-cli.exe) and -setup.exe (NSIS installer)
	GO=$(GO) FYNE=$(FYNE) bash packaging/package-windows.sh

release: package-linux package-windows ## packages, lempar-cli for every OS, winget manifests (WINGET_URL, {version} replaced), dist/SHA256SUMS
	GO=$(GO) FYNE=$(FYNE) bash packaging/release.sh

check-packages: deps-package ## build the packages, inspect them, install the .deb (root)
	GO=$(GO) FYNE=$(FYNE) MAKE=$(MAKE) bash .ci/check-packages.sh

# --- Emulated LAN (root): namespaces, tc, nftables, tmpfs; see lan/main_test.go ---
.PHONY: lan soak discovery-bench swarm-bench
LAN_SIZE ?= 1GiB
LAN_RUN ?= .

lan: ## emulated-LAN suite: Wi-Fi-like link, 10 s drop, 8 senders, full disk, floods (root, ~6 min)
	@[ "$$(id -u)" = 0 ] || { echo "make lan needs root (ip netns, tc, nft, mount)"; exit 1; }
	LEMPAR_LAN=1 LEMPAR_LAN_SIZE=$(LAN_SIZE) $(GO) test -race -count=1 -timeout 30m -v -run '$(LAN_RUN)' ./lan

DISCOVERY_SIZES ?= 10,20,40
DISCOVERY_RUNS ?= 3
discovery-bench: ## issue 17's table: rooms of 10, 20, 40 devices, medians of 3 (root, ~20 min; DISCOVERY_SIZES, DISCOVERY_RUNS)
	@[ "$$(id -u)" = 0 ] || { echo "make discovery-bench needs root (ip netns, nft)"; exit 1; }
	LEMPAR_DISCOVERY_BENCH=1 LEMPAR_DISCOVERY_BENCH_SIZES=$(DISCOVERY_SIZES) LEMPAR_DISCOVERY_BENCH_RUNS=$(DISCOVERY_RUNS) \
		$(GO) test -count=1 -timeout 90m -v -run TestDiscoveryBench ./lan/discovery

soak: ## the LAN soak: repeated transfers for SOAK (10m), then memory/threads/files/goroutines back to baseline (root)
	@[ "$$(id -u)" = 0 ] || { echo "make soak needs root (ip netns, tc)"; exit 1; }
	LEMPAR_LAN=1 LEMPAR_SOAK=1 LEMPAR_SOAK_DURATION=$(or $(SOAK),10m) $(GO) test -race -count=1 -timeout 60m -v -run TestSoak ./lan

SWARM_N ?= 8,30
SWARM_SIZE ?= 64MiB
SWARM_RUNS ?= 3
SWARM_RATE ?= 100mbit
SWARM_NAIVE ?= 1
swarm-bench: ## swarm benchmark, links SWARM_RATE (100mbit) each way: one receiver, SWARM_N (8,30) with swarm and --no-swarm, medians of SWARM_RUNS (3), uplink, peak RSS (root, ~20 min)
	@[ "$$(id -u)" = 0 ] || { echo "make swarm-bench needs root (ip netns, tc)"; exit 1; }
	LEMPAR_LAN=1 LEMPAR_SWARM_BENCH=1 LEMPAR_SWARM_N=$(SWARM_N) LEMPAR_SWARM_SIZE=$(SWARM_SIZE) LEMPAR_SWARM_RUNS=$(SWARM_RUNS) LEMPAR_SWARM_RATE=$(SWARM_RATE) LEMPAR_SWARM_NAIVE=$(SWARM_NAIVE) \
		$(GO) test -count=1 -timeout 150m -v -run '^TestSwarmBench$$' ./lan
