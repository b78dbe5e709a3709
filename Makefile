# Belfry: build, install for the current user, test, demo.
PREFIX ?= $(HOME)/.local
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR ?= $(DATADIR)/man
UNITDIR ?= $(HOME)/.config/systemd/user
SWIFT ?= swift
export SWIFT
# What `make install` and `make deb` install: the release build with the Swift runtime linked in
# statically, stripped, with the git commit in `belfry --version` (scripts/build-release.sh).
RELEASE_BIN := .build/belfry-release/belfry

.PHONY: all build release install uninstall deb test demo bench soak clean

all: build

build:
	$(SWIFT) build -c release --product belfry

release:
	bash scripts/build-release.sh "$(RELEASE_BIN)"

# dist/belfry_<version>_<arch>.deb (docs/packaging.md); `scripts/package-check.sh` checks it. The
# version is written once, in Sources/belfry/BuildInfo.swift (scripts/version.sh reads it).
deb:
	bash scripts/build-deb.sh dist

install: release
	install -Dm755 "$(RELEASE_BIN)" "$(DESTDIR)$(BINDIR)/belfry"
	install -d "$(DESTDIR)$(UNITDIR)"
	sed 's|^ExecStart=.*|ExecStart=$(BINDIR)/belfry run|' systemd/belfry.service > "$(DESTDIR)$(UNITDIR)/belfry.service"
	install -Dm644 share/belfry.desktop "$(DESTDIR)$(DATADIR)/applications/belfry.desktop"
	install -Dm644 share/icons/hicolor/scalable/apps/belfry.svg "$(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/belfry.svg"
	install -Dm644 share/icons/hicolor/symbolic/apps/belfry-symbolic.svg "$(DESTDIR)$(DATADIR)/icons/hicolor/symbolic/apps/belfry-symbolic.svg"
	install -Dm644 config.example.toml "$(DESTDIR)$(DATADIR)/doc/belfry/config.example.toml"
	install -Dm644 README.md "$(DESTDIR)$(DATADIR)/doc/belfry/README.md"
	install -d "$(DESTDIR)$(DATADIR)/bash-completion/completions" "$(DESTDIR)$(DATADIR)/zsh/site-functions" "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d"
	"$(DESTDIR)$(BINDIR)/belfry" --generate-completion-script bash > "$(DESTDIR)$(DATADIR)/bash-completion/completions/belfry"
	"$(DESTDIR)$(BINDIR)/belfry" --generate-completion-script zsh > "$(DESTDIR)$(DATADIR)/zsh/site-functions/_belfry"
	"$(DESTDIR)$(BINDIR)/belfry" --generate-completion-script fish > "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/belfry.fish"
	install -d "$(DESTDIR)$(MANDIR)/man1"
	"$(DESTDIR)$(BINDIR)/belfry" generate-manual > "$(DESTDIR)$(MANDIR)/man1/belfry.1"
	@echo "installed. Next: write ~/.config/belfry/config.toml (see config.example.toml), then"
	@echo "  systemctl --user daemon-reload && systemctl --user enable --now belfry"

uninstall:
	-systemctl --user disable --now belfry 2>/dev/null
	rm -f "$(DESTDIR)$(BINDIR)/belfry" "$(DESTDIR)$(UNITDIR)/belfry.service" "$(DESTDIR)$(DATADIR)/applications/belfry.desktop"
	rm -f "$(DESTDIR)$(DATADIR)/bash-completion/completions/belfry" "$(DESTDIR)$(DATADIR)/zsh/site-functions/_belfry" "$(DESTDIR)$(DATADIR)/fish/vendor_completions.d/belfry.fish"
	rm -f "$(DESTDIR)$(MANDIR)/man1/belfry.1"
	rm -f "$(DESTDIR)$(DATADIR)/icons/hicolor/scalable/apps/belfry.svg" "$(DESTDIR)$(DATADIR)/icons/hicolor/symbolic/apps/belfry-symbolic.svg"
	rm -rf "$(DESTDIR)$(DATADIR)/doc/belfry"

test:
	bash scripts/test.sh

demo:
	bash scripts/demo.sh

# The performance figures of issue 8: a table on stdout and in BENCHMARKS.md (about 3 minutes).
bench:
	bash scripts/bench.sh

# The soak of issue 7: 100,000 items over 10 minutes with faults and restarts; writes docs/soak-result.md
# (BENCHMARKS.md's "Soak" section, put in by the next `make bench`). About 11 minutes.
soak:
	bash scripts/soak.sh

clean:
	rm -rf .build .build-static
