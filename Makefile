# pam-s4u: GNU make build.
#
#   make                  build pam_s4u.so, pam_s4u_helper and s4uctl in build/
#   make check            install test packages if missing, then run every test
#   make install          install (honours DESTDIR, PREFIX, PAMDIR, LIBEXECDIR,
#                         SYSTEMDUNITDIR; the refresh timer stays disabled)
#   make demo             the double hop, end to end
#   make fuzz             the fuzzers, FUZZ_SECONDS each (default 60)
#   make soak             500 logins in one process under valgrind
#   make clean
#
# Warnings are errors, with gcc and with clang (make CC=clang).

PREFIX     ?= /usr
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
PAMDIR     ?= /lib/$(if $(MULTIARCH),$(MULTIARCH)/,)security
LIBEXECDIR ?= $(PREFIX)/libexec
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DOCDIR     ?= $(PREFIX)/share/doc/pam-s4u
SYSTEMDUNITDIR ?= /lib/systemd/system
HELPER_PATH = $(LIBEXECDIR)/pam-s4u/pam_s4u_helper

B ?= build

PKGS        = krb5 krb5-gssapi
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS))
KRB5_LIBS   = $(shell pkg-config --libs krb5)

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
            -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wvla
HARDEN    = -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
            -fno-strict-aliasing -ffunction-sections -fdata-sections
# One include root: every include names its directory ("lib/s4u.h").
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -MMD -MP $(WARN) $(HARDEN) $(CFLAGS) $(PKG_CFLAGS) \
             -I. -DS4U_HELPER_PATH='"$(HELPER_PATH)"'
LDHARDEN  = -Wl,-z,relro,-z,now -Wl,--as-needed

# The four parts, one directory each (docs/design.md):
#   lib/         shared by the programs: status and catalog, names, the
#                wire protocol, the request, options, PAM files, keyrings
#   gss_helper/  the privileged helper and the Kerberos engine it runs
#   pam_module/  the PAM module
#   s4uctl/      the admin's tool
# Each part is an archive, so a program links only the objects it uses.
LIB_OBJS    = $(patsubst %,$(B)/obj/lib/%.o,s4u_status s4u_catalog s4u_names \
                s4u_request s4u_wire s4u_options s4u_file s4u_nss s4u_pamfile \
                s4u_keyring \
                s4u_policy s4u_policy_file s4u_rootpath s4u_session \
                s4u_session_file s4u_spawn \
                s4u_escape)
ENGINE_OBJS = $(patsubst %,$(B)/obj/gss_helper/%.o,s4u_host s4u_self s4u_proxy \
                s4u_proxy_all s4u_host_cache \
                s4u_engine s4u_cache s4u_privsep)
MODULE_OBJS = $(patsubst %,$(B)/obj/pam_module/%.o,logging session pam_s4u)
CTL_OBJS    = $(patsubst %,$(B)/obj/s4uctl/%.o,s4u_diag s4u_inspect s4u_json \
                s4uctl_check s4uctl_list s4uctl_report s4uctl_policy \
                s4uctl_refresh)

LIB_TESTS    = test_names test_wire test_options test_catalog test_escape \
               test_pamfile test_keyring test_pamcut test_policy test_records
CTL_TESTS    = test_json test_diag test_inspect
MODULE_TESTS = test_session test_spawn
UNIT_TESTS   = $(addprefix lib/,$(LIB_TESTS)) $(addprefix s4uctl/,$(CTL_TESTS)) \
               $(addprefix pam_module/,$(MODULE_TESTS))
TOOLS        = pam_driver pam_loop ccdump syslog_sink pid_reuse delay_proxy \
               lingering_helper

# The sanitizer build (asan-build) links its options into every program it
# makes (tests/tools/sanitizer_options.c) and leaves the module's sanitizer
# symbols to the program that loads it; other builds leave these as here.
SAN_OBJ        ?=
SAN_HELPER_OBJ ?=
MODULE_LDFLAGS ?= -Wl,--no-undefined

all: $(B)/pam_s4u.so $(B)/pam_s4u_helper $(B)/s4uctl

$(B)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libs4u.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(B)/libs4u_engine.a: $(ENGINE_OBJS)
	$(AR) rcs $@ $^

$(B)/libs4uctl.a: $(CTL_OBJS)
	$(AR) rcs $@ $^

$(B)/pam_s4u.so: $(MODULE_OBJS) $(B)/libs4u.a pam_module/pam_s4u.map
	$(CC) $(CFLAGS) -shared $(LDHARDEN) -Wl,--gc-sections $(MODULE_LDFLAGS) -Wl,--version-script=pam_module/pam_s4u.map \
	    -o $@ $(MODULE_OBJS) $(B)/libs4u.a -lpam $(KRB5_LIBS)

$(B)/pam_s4u_helper: $(B)/obj/gss_helper/s4u_helper.o $(B)/libs4u_engine.a $(B)/libs4u.a $(SAN_HELPER_OBJ)
	$(CC) $(CFLAGS) -pie $(LDHARDEN) -pthread -o $@ $^ $(PKG_LIBS)

$(B)/s4uctl: $(B)/obj/s4uctl/s4uctl.o $(B)/libs4uctl.a $(B)/libs4u_engine.a $(B)/libs4u.a $(SAN_OBJ)
	$(CC) $(CFLAGS) -pie $(LDHARDEN) -pthread -o $@ $^ $(PKG_LIBS)

# Unit tests mirror the tree: tests/lib/test_x.c tests lib/, and so on.
$(B)/tests/lib/%: tests/lib/%.c tests/tap.h $(B)/libs4u.a $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libs4u.a $(SAN_OBJ) $(PKG_LIBS)

$(B)/tests/s4uctl/%: tests/s4uctl/%.c tests/tap.h $(B)/libs4uctl.a $(B)/libs4u_engine.a $(B)/libs4u.a $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/libs4uctl.a $(B)/libs4u_engine.a $(B)/libs4u.a $(SAN_OBJ) $(PKG_LIBS)

# The module's tests link its objects against a fake libpam (no -lpam, so
# a libpam call the fake lacks fails the link); test_session also puts a
# scripted helper in place of lib/s4u_spawn.o (tests/pam_module/fake.h).
FAKE_OBJS    = $(B)/obj/tests/pam_module/fakepam.o \
               $(B)/obj/tests/pam_module/fakehelper.o
SESSION_OBJS = $(MODULE_OBJS)

$(B)/tests/pam_module/test_session: tests/pam_module/test_session.c tests/tap.h \
    $(FAKE_OBJS) $(SESSION_OBJS) $(B)/libs4u.a $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(FAKE_OBJS) $(SESSION_OBJS) $(B)/libs4u.a $(SAN_OBJ) $(PKG_LIBS)

# test_spawn runs the real lib/s4u_spawn.o against a stand-in helper.
$(B)/tests/pam_module/test_spawn: tests/pam_module/test_spawn.c tests/tap.h \
    $(B)/obj/lib/s4u_spawn.o $(B)/libs4u.a $(B)/tools/helper_standin $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(B)/obj/lib/s4u_spawn.o $(B)/libs4u.a $(SAN_OBJ) $(PKG_LIBS)

$(B)/tools/%: tests/tools/%.c $(SAN_OBJ)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(SAN_OBJ) -lpam $(PKG_LIBS)

# The helper's sanitizer options, without leak checking (see the file).
$(B)/obj/tests/tools/sanitizer_options_noleaks.o: tests/tools/sanitizer_options.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DS4U_SAN_NO_LEAKS -c -o $@ $<

# An LD_PRELOAD shim that fails one allocation (tests/s4uctl/alloc.t).
$(B)/tools/failalloc.so: tests/tools/failalloc.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -shared -o $@ $<

test-programs: all $(addprefix $(B)/tests/,$(UNIT_TESTS)) $(addprefix $(B)/tools/,$(TOOLS)) \
	    $(B)/tools/failalloc.so

# --- tests -------------------------------------------------------------
# `make check` is the one test command (README, .ci/run).  It installs the
# Debian packages it needs, then re-reads this Makefile so pkg-config sees
# them, then runs every layer.
check:
	bash tests/install-deps.sh
	$(MAKE) check-run

check-run: lint
	$(MAKE) B=build-clang CC=clang all test-programs
	$(MAKE) asan-build
	$(MAKE) test-programs
	$(MAKE) fuzz-build
	S4U_BUILD=$(CURDIR)/$(B) S4U_ASAN_BUILD=$(CURDIR)/$(ASAN_B) \
	    S4U_FUZZ_BUILD=$(CURDIR)/$(FUZZ_B) \
	    prove -v tests/unit.t tests/fuzz.t tests/install.t tests/integration/*.t \
	    tests/s4uctl/*.t tests/scenario/*.t tests/scenario/kcm/*.t tests/ad/*.t
	S4U_BUILD=$(CURDIR)/$(ASAN_B) S4U_SANITIZED=1 prove -v $(ASAN_TESTS)

# --- sanitizers --------------------------------------------------------
# build-asan holds every program built with clang, ASan and UBSan, each
# error fatal: the module, the helper, s4uctl, the test tools (pam_driver
# among them, so the module it loads finds the runtime there) and the unit
# tests.  tests/unit.t runs the unit tests from it; check-run then runs
# ASAN_TESTS a second time on it (S4U_BUILD=build-asan S4U_SANITIZED=1).
# There a report from any program, the helper the module runs included,
# lands in a directory of the test's namespace, and any report fails the
# test (tests/harness/s4u.sh, tests/tools/sanitizer_options.c).
#
# ASAN_TESTS: tests/integration/*.t, which drive the module through
# tests/tools/pam_driver and pam_loop (built with ASan, so the module they
# load finds the runtime there) and run s4uctl directly, except
#   00-realm.t         the harness and the realm only, no code of ours;
#   30-memory.t        it runs the helper under valgrind and ASan itself;
#   50-setuid-env.t, 55-session-keyring.t, 55-signals.t
#                      the real su(1) loads the module: su is setuid, the
#                      dynamic loader ignores LD_PRELOAD for it, so nothing
#                      can give it the ASan runtime a sanitized module needs.
# tests/scenario/*.t stay on the normal build: there the real sshd loads
# the module, and sshd (OpenSSH 9.2) with the ASan runtime preloaded does
# not finish even a plain public-key login, pam_s4u or not: seen here, it
# stops after "Accepted publickey" and the session never starts.
# tests/s4uctl/alloc.t stays out too: its failalloc.so replaces malloc,
# which is ASan's.  The module's code runs in pam_driver in every test
# here, the helper's and s4uctl's likewise; the pass adds about a minute.
ASAN_B      = build-asan
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
ASAN_SKIP   = 00-realm.t 30-memory.t 50-setuid-env.t 55-session-keyring.t \
              55-signals.t
ASAN_TESTS  = $(filter-out $(addprefix tests/integration/,$(ASAN_SKIP)), \
                $(wildcard tests/integration/*.t))

asan-build:
	$(MAKE) B=$(ASAN_B) CC=clang CFLAGS='$(ASAN_CFLAGS)' MODULE_LDFLAGS= \
	    SAN_OBJ=$(ASAN_B)/obj/tests/tools/sanitizer_options.o \
	    SAN_HELPER_OBJ=$(ASAN_B)/obj/tests/tools/sanitizer_options_noleaks.o \
	    all test-programs

SOURCES = $(wildcard lib/*.[ch] gss_helper/*.[ch] pam_module/*.[ch] s4uctl/*.[ch])

lint:
	@if command -v clang-format >/dev/null; then \
	    clang-format --dry-run --Werror $(SOURCES) tests/*/*.[ch] tests/*.h; fi
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --suppress=missingIncludeSystem -I. \
	    lib gss_helper pam_module s4uctl

# --- fuzzing -----------------------------------------------------------
# libFuzzer harnesses for the parsers of untrusted text, one per parser
# (tests/fuzz/fuzz_<name>.c, seeds in tests/fuzz/corpus/<name>/; a new
# file is a new target).  They build with clang in their own tree, the
# libraries instrumented for coverage, ASan and UBSan:
#
#   make fuzz                   run each for FUZZ_SECONDS, report executions
#                               and crashes per target; fails on any crash
#   make fuzz FUZZ_SECONDS=600 FUZZ_FLAGS='-max_len=65536'   longer, with
#                               more libFuzzer flags
#
# check-run runs each briefly from its seeds (tests/fuzz.t).  Inputs found
# go to build-fuzz/fuzz-corpus/<name>/, crashes to build-fuzz/fuzz-crashes/.
FUZZ_B       = build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FUZZ_TARGETS = $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_CFLAGS  = -O1 -g -fsanitize=fuzzer-no-link,address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=all
FUZZ_LIBS    = $(B)/libs4uctl.a $(B)/libs4u_engine.a $(B)/libs4u.a

$(B)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ_LIBS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIBS) $(PKG_LIBS)

fuzz-programs: $(addprefix $(B)/fuzz/fuzz_,$(FUZZ_TARGETS))

# The fuzz tree is a build tree like the others: keep it out of git.
fuzz-build:
	$(MAKE) B=$(FUZZ_B) CC=clang CFLAGS='$(FUZZ_CFLAGS)' fuzz-programs
	@echo '*' >$(FUZZ_B)/.gitignore

fuzz: fuzz-build
	S4U_FUZZ_BUILD=$(CURDIR)/$(FUZZ_B) bash tests/fuzz/run.sh \
	    $(FUZZ_SECONDS) '$(FUZZ_FLAGS)' $(FUZZ_TARGETS)

# Figures, not tests: one table of login costs against the test realm,
# at RTT 0 and 10 ms, versus baselines measured in the same run
# (tests/bench/bench.sh, docs/performance.md).  It raises the machine's
# kernel.keys quotas for its run and restores them: run it alone.
bench: all test-programs
	S4U_BUILD=$(CURDIR)/$(B) bash tests/bench/bench.sh

# The long run of tests/integration/32-logins.t: 500 logins in one process
# under valgrind (make check runs 50 there, and 500 without valgrind).
SOAK_LOGINS ?= 500
soak: all test-programs
	S4U_BUILD=$(CURDIR)/$(B) S4U_VALGRIND_LOGINS=$(SOAK_LOGINS) \
	    prove -v tests/integration/32-logins.t

# The double hop over real sshd and Apache, narrated (tests/demo/demo.sh).
# bash, not sh: install-deps.sh uses bash features (pipefail, arrays).
demo:
	bash tests/install-deps.sh
	$(MAKE) all test-programs
	S4U_BUILD=$(CURDIR)/$(B) bash tests/demo/demo.sh

# --- install -----------------------------------------------------------
install: all
	install -d $(DESTDIR)$(PAMDIR) $(DESTDIR)$(LIBEXECDIR)/pam-s4u \
	    $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(DOCDIR)/examples/pam.d \
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5
	install -m 0644 $(B)/pam_s4u.so $(DESTDIR)$(PAMDIR)/pam_s4u.so
	install -m 0755 $(B)/pam_s4u_helper $(DESTDIR)$(HELPER_PATH)
	install -m 0644 docs/pam_s4u.8 $(DESTDIR)$(MANDIR)/man8/pam_s4u.8
	install -m 0755 $(B)/s4uctl $(DESTDIR)$(BINDIR)/s4uctl
	install -m 0644 docs/s4uctl.1 $(DESTDIR)$(MANDIR)/man1/s4uctl.1
	install -m 0644 docs/pam_s4u.conf.5 $(DESTDIR)$(MANDIR)/man5/pam_s4u.conf.5
	install -m 0644 docs/troubleshooting.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/kdc-setup.md docs/security.md docs/active-directory.md \
	    README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 examples/pam.d/sshd $(DESTDIR)$(DOCDIR)/examples/pam.d/sshd
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	sed 's|@BINDIR@|$(BINDIR)|g' systemd/pam-s4u-refresh.service.in \
	    >$(DESTDIR)$(SYSTEMDUNITDIR)/pam-s4u-refresh.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/pam-s4u-refresh.service
	install -m 0644 systemd/pam-s4u-refresh.timer $(DESTDIR)$(SYSTEMDUNITDIR)/

uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_s4u.so $(DESTDIR)$(HELPER_PATH) \
	    $(DESTDIR)$(MANDIR)/man8/pam_s4u.8 $(DESTDIR)$(BINDIR)/s4uctl \
	    $(DESTDIR)$(MANDIR)/man1/s4uctl.1 $(DESTDIR)$(MANDIR)/man5/pam_s4u.conf.5 \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/pam-s4u-refresh.service \
	    $(DESTDIR)$(SYSTEMDUNITDIR)/pam-s4u-refresh.timer
	-rmdir $(DESTDIR)$(LIBEXECDIR)/pam-s4u
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-clang build-asan $(FUZZ_B)

# Header dependencies, written by the compiler (-MMD -MP).
-include $(wildcard $(B)/obj/*/*.d $(B)/obj/tests/*/*.d $(B)/tests/*/*.d $(B)/fuzz/*.d)

.PHONY: all check check-run lint install uninstall clean test-programs bench demo \
        fuzz fuzz-build fuzz-programs asan-build soak
.SECONDARY:
