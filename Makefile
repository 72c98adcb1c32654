# dvcg: the two commands of the README are `make run` and `make test`.
SWIFT ?= swift

# Installation (make install PREFIX=/usr/local DESTDIR=/tmp/stage). SYSCONFDIR, STATEDIR and RUNDIR
# are where the unit's ConfigurationDirectory=, StateDirectory= and RuntimeDirectory= point; change
# them only together with the unit.
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/dvcg
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/dvcg
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR ?= $(PREFIX)/share/zsh/site-functions
SYSCONFDIR ?= /etc
STATEDIR ?= /var/lib/dvcg
RUNDIR ?= /run/dvcg
# Where the binaries to install come from: release (make run) or debug (the operations test).
CONFIGURATION ?= release
BUILDDIR = .build/$(CONFIGURATION)
# Programs that run with Debian's libraries only (make install, make deb): the Swift runtime,
# Foundation and Dispatch linked in with --static-swift-stdlib. That changes how every module is
# compiled (against the toolchain's static modules), so it is a build of its own, in .build/static.
STATIC_CONFIGURATION ?= release
STATIC_BUILDDIR = .build/static/$(STATIC_CONFIGURATION)
# The package's version: the first line of debian/changelog.
VERSION := $(shell dpkg-parsechangelog -S Version 2>/dev/null)
DEB = .build/deb/dvcg_$(VERSION)_amd64.deb
STAGE = .build/install
PROGRAMS = dvcgd dvcgctl dvcg
MANPAGES = man/dvcg.1 man/dvcgd.yaml.5 man/dvcgd.8 man/dvcgctl.8

.PHONY: deps build test run bench bench-peer bench-instructions clean release static install install-files uninstall ops-test systemd-test deb

deps:
	scripts/install-deps

build: deps
	$(SWIFT) build

# One debug build, then every test (unit, numerical references, end-to-end runs of the binaries),
# then the operations test on an installation of that build into a temporary root, then the
# systemd test (the installed unit under systemd 254 as PID 1 in a container; skipped without root
# or systemd-nspawn). Every test is Swift Testing: --disable-xctest spares the empty XCTest run and its
# "Executed 0 tests" line.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest
	scripts/ops-test
	scripts/systemd-test

ops-test:
	scripts/ops-test

systemd-test:
	scripts/systemd-test

# The main job: dvcgd on the default testbed (the paper's 10-VSP scenario, seed 1) with the shipped
# policy; ledger and control socket under state/. Ctrl-C stops it gracefully. All three programs
# are built, so that the README's tour can use .build/release/dvcgctl and dvcg.
run: deps
	$(SWIFT) build -c release
	.build/release/dvcgd --config etc/dvcgd.yaml

bench: deps
	$(SWIFT) build -c release --product dvcg
	.build/release/dvcg bench optimum

# dvcg and PyTorch (installed on demand into .build/bench-peer) on the same round work, side by side.
bench-peer: deps
	$(SWIFT) build -c release --product dvcg
	scripts/bench-peer

# Instructions per round under callgrind (machine-independent); valgrind needs the static build.
bench-instructions: static
	scripts/bench-instructions

release: deps
	$(SWIFT) build -c release

static: deps
	$(SWIFT) build -c $(STATIC_CONFIGURATION) --static-swift-stdlib --scratch-path .build/static

# Release build without the Swift toolchain at run time, then every file into $(DESTDIR)$(PREFIX)
# and $(DESTDIR)$(SYSCONFDIR).
install: static
	$(MAKE) install-files BUILDDIR=$(STATIC_BUILDDIR)

# .build/deb/dvcg_$(VERSION)_amd64.deb (debhelper, debian/): the static build and install-files with
# PREFIX=/usr, then lintian (errors fail; warnings are printed). STATIC_CONFIGURATION=debug packages a
# debug build instead (larger, slower; for tests).
deb: deps
	rm -rf .build/deb && mkdir -p .build/deb
	STATIC_CONFIGURATION=$(STATIC_CONFIGURATION) dpkg-buildpackage --rules-target=binary --no-sign
	dh_clean
	test -s $(DEB)
	lintian --fail-on error $(DEB)
	@echo "built $(DEB)"

# The files only, from an existing build in $(BUILDDIR). An existing $(SYSCONFDIR)/dvcg/dvcgd.yaml
# is never overwritten; the shipped one is always at $(DATADIR)/dvcgd.yaml.example.
install-files:
	@for p in $(PROGRAMS); do test -x $(BUILDDIR)/$$p || { echo "make: $(BUILDDIR)/$$p is missing; run make install (or swift build -c $(CONFIGURATION))" >&2; exit 1; }; done
	rm -rf $(STAGE) && mkdir -p $(STAGE)
	sed -e 's,@BINDIR@,$(BINDIR),g' -e 's,@SYSCONFDIR@,$(SYSCONFDIR),g' systemd/dvcgd.service.in > $(STAGE)/dvcgd.service
	sed -e 's,^policy: .*,policy: $(DATADIR)/policy/default.safetensors,' \
	    -e 's,^state_directory: .*,state_directory: $(STATEDIR),' \
	    -e 's,^  socket: .*,  socket: $(RUNDIR)/dvcgd.sock,' \
	    -e 's,^  mode: "0660".*,&\n  reader_groups: [dvcg]    # members of group dvcg may read; admin_groups or principals for more,' \
	    -e 's,^# Relative paths resolve.*,# Installed by make install; the unit dvcgd.service uses these paths. Schema: dvcgd.yaml(5).,' \
	    etc/dvcgd.yaml > $(STAGE)/dvcgd.yaml
	grep -q '^policy: $(DATADIR)/policy/default.safetensors$$' $(STAGE)/dvcgd.yaml
	grep -q '^state_directory: $(STATEDIR)$$' $(STAGE)/dvcgd.yaml
	grep -q '^  socket: $(RUNDIR)/dvcgd.sock$$' $(STAGE)/dvcgd.yaml
	grep -q '^  reader_groups: \[dvcg\]' $(STAGE)/dvcgd.yaml
	for p in dvcgctl dvcg dvcgd; do \
	    $(BUILDDIR)/$$p --generate-completion-script bash > $(STAGE)/$$p.bash && sed -i '1{/^#!/d}' $(STAGE)/$$p.bash && \
	    $(BUILDDIR)/$$p --generate-completion-script zsh > $(STAGE)/_$$p || exit 1; done
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/policy $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR) $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(SYSCONFDIR)/dvcg
	for p in $(PROGRAMS); do install -m 0755 $(BUILDDIR)/$$p $(DESTDIR)$(BINDIR)/$$p || exit 1; done
	install -m 0644 etc/policy/default.safetensors etc/policy/mfmarl-n10s1.safetensors $(DESTDIR)$(DATADIR)/policy/
	install -m 0644 $(STAGE)/dvcgd.yaml $(DESTDIR)$(DATADIR)/dvcgd.yaml.example
	install -m 0644 systemd/metrics.conf etc/grafana/dvcgd-dashboard.json $(DESTDIR)$(DATADIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml || install -m 0644 $(STAGE)/dvcgd.yaml $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml
	install -m 0644 $(STAGE)/dvcgd.service $(DESTDIR)$(UNITDIR)/dvcgd.service
	install -m 0644 systemd/dvcg.sysusers $(DESTDIR)$(SYSUSERSDIR)/dvcg.conf
	install -m 0644 man/dvcg.1 $(DESTDIR)$(MANDIR)/man1/dvcg.1
	install -m 0644 man/dvcgd.yaml.5 $(DESTDIR)$(MANDIR)/man5/dvcgd.yaml.5
	install -m 0644 man/dvcgd.8 man/dvcgctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 README.md docs/*.md $(DESTDIR)$(DOCDIR)/
	for p in $(PROGRAMS); do \
	    install -m 0644 $(STAGE)/$$p.bash $(DESTDIR)$(BASHCOMPDIR)/$$p && \
	    install -m 0644 $(STAGE)/_$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p || exit 1; done
	@echo "installed into $(DESTDIR)$(PREFIX); next, as root: systemd-sysusers && systemctl daemon-reload && systemctl enable --now dvcgd"

# Removes what install-files wrote. $(SYSCONFDIR)/dvcg/dvcgd.yaml goes only when it is unchanged
# from the shipped example; the ledger in $(STATEDIR) and the user dvcg always stay.
uninstall:
	for p in $(PROGRAMS); do rm -f $(DESTDIR)$(BINDIR)/$$p $(DESTDIR)$(BASHCOMPDIR)/$$p $(DESTDIR)$(ZSHCOMPDIR)/_$$p; done
	if cmp -s $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml $(DESTDIR)$(DATADIR)/dvcgd.yaml.example; then \
	    rm -f $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml; rmdir $(DESTDIR)$(SYSCONFDIR)/dvcg 2>/dev/null || true; \
	elif test -e $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml; then \
	    echo "make: keeping the edited $(DESTDIR)$(SYSCONFDIR)/dvcg/dvcgd.yaml" >&2; fi
	rm -rf $(DESTDIR)$(DATADIR) $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(UNITDIR)/dvcgd.service $(DESTDIR)$(SYSUSERSDIR)/dvcg.conf
	rm -f $(DESTDIR)$(MANDIR)/man1/dvcg.1 $(DESTDIR)$(MANDIR)/man5/dvcgd.yaml.5 \
	    $(DESTDIR)$(MANDIR)/man8/dvcgd.8 $(DESTDIR)$(MANDIR)/man8/dvcgctl.8
	@echo "uninstalled from $(DESTDIR)$(PREFIX); $(STATEDIR) (the ledger) and the user dvcg are kept"

clean:
	rm -rf .build
