# pam-s4u: GNU make build.
#
#   make                  build pam_s4u.so, pam_s4u_helper and s4uctl in build/
#   make check            install test packages if missing, then run every test
#   make install          install (honours DESTDIR, PREFIX, PAMDIR, LIBEXECDIR)
#   make demo             the double hop, end to end
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
HELPER_PATH = $(LIBEXECDIR)/pam-s4u/pam_s4u_helper

B ?= build

PKGS        = krb5 krb5-gssapi libkeyutils
PKG_CFLAGS  = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS    = $(shell pkg-config --libs $(PKGS))
KRB5_LIBS   = $(shell pkg-config --libs krb5)

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Werror -Wformat=2 -Wshadow -Wpointer-arith \
            -Wstrict-prototypes -Wmissing-prototypes -Wundef -Wvla
HARDEN    = -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 \
            -fno-strict-aliasing
ALL_CFLAGS = -std=gnu11 -D_GNU_SOURCE -MMD -MP $(WARN) $(HARDEN) $(CFLAGS) $(PKG_CFLAGS) \
             -Igss_helper -Ipam_module \
             -DS4U_HELPER_PATH='"$(HELPER_PATH)"'
LDHARDEN  = -Wl,-z,relro,-z,now -Wl,--as-needed

# The engine: Kerberos and GSSAPI work, free of PAM.
ENGINE_PURE = s4u_status s4u_catalog s4u_names s4u_request s4u_wire
ENGINE_KRB  = s4u_host s4u_self s4u_proxy s4u_engine s4u_cache s4u_privsep
ENGINE_OBJS = $(patsubst %,$(B)/gss_helper/%.o,$(ENGINE_PURE) $(ENGINE_KRB))
PURE_OBJS   = $(patsubst %,$(B)/gss_helper/%.o,$(ENGINE_PURE))

# The PAM glue: options, logging, running the helper, entry points.
MODULE_OBJS = $(patsubst %,$(B)/pam_module/%.o,options logging spawn session pam_s4u)

# s4uctl: diagnosis on the engine, with the module's option loader.
CTL_OBJS    = $(patsubst %,$(B)/gss_helper/%.o,s4u_diag s4u_inspect s4u_json)
CTL_MAIN    = $(patsubst %,$(B)/gss_helper/%.o,s4uctl s4uctl_check s4uctl_list s4uctl_report)

UNIT_TESTS  = test_names test_wire test_options test_catalog test_json test_diag
TOOLS       = pam_driver ccdump syslog_sink

all: $(B)/pam_s4u.so $(B)/pam_s4u_helper $(B)/s4uctl

$(B)/gss_helper/%.o: gss_helper/%.c gss_helper/s4u.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/pam_module/%.o: pam_module/%.c pam_module/internal.h gss_helper/s4u.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libs4u.a: $(ENGINE_OBJS)
	$(AR) rcs $@ $^

$(B)/pam_s4u.so: $(MODULE_OBJS) $(PURE_OBJS) pam_module/pam_s4u.map
	$(CC) $(CFLAGS) -shared $(LDHARDEN) -Wl,--no-undefined -Wl,--version-script=pam_module/pam_s4u.map \
	    -o $@ $(MODULE_OBJS) $(PURE_OBJS) -lpam $(KRB5_LIBS)

$(B)/pam_s4u_helper: $(B)/gss_helper/s4u_helper.o $(B)/libs4u.a
	$(CC) $(CFLAGS) -pie $(LDHARDEN) -o $@ $^ $(PKG_LIBS)

$(CTL_OBJS) $(CTL_MAIN): gss_helper/s4u_diag.h gss_helper/s4u_json.h \
    gss_helper/s4uctl.h pam_module/internal.h

$(B)/s4uctl: $(CTL_MAIN) $(CTL_OBJS) $(B)/pam_module/options.o $(B)/libs4u.a
	$(CC) $(CFLAGS) -pie $(LDHARDEN) -pthread -o $@ $^ $(PKG_LIBS)

$(addprefix $(B)/tests/,test_json test_diag): $(B)/tests/%: tests/unit/%.c tests/tap.h \
    $(CTL_OBJS) $(B)/libs4u.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(CTL_OBJS) $(B)/libs4u.a $(PKG_LIBS)

$(B)/tests/%: tests/unit/%.c tests/tap.h $(B)/libs4u.a $(B)/pam_module/options.o
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Itests -o $@ $< $(B)/pam_module/options.o $(B)/libs4u.a $(PKG_LIBS)

$(B)/tools/%: tests/tools/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< -lpam $(PKG_LIBS)

test-programs: all $(addprefix $(B)/tests/,$(UNIT_TESTS)) $(addprefix $(B)/tools/,$(TOOLS))

# --- tests -------------------------------------------------------------
# `make check` is the one test command (README, .ci/run).  It installs the
# Debian packages it needs, then re-reads this Makefile so pkg-config sees
# them, then runs every layer.
check:
	bash tests/install-deps.sh
	$(MAKE) check-run

check-run: lint
	$(MAKE) B=build-clang CC=clang all test-programs
	$(MAKE) B=build-asan CC=clang \
	    CFLAGS='-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	    $(addprefix build-asan/tests/,$(UNIT_TESTS)) build-asan/pam_s4u_helper
	$(MAKE) test-programs
	S4U_BUILD=$(CURDIR)/$(B) S4U_ASAN_BUILD=$(CURDIR)/build-asan \
	    prove -v tests/unit.t tests/install.t tests/integration/*.t tests/scenario/*.t

lint:
	@if command -v clang-format >/dev/null; then \
	    clang-format --dry-run --Werror gss_helper/*.[ch] pam_module/*.[ch] tests/unit/*.c tests/tools/*.c tests/*.h; fi
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability \
	    --inline-suppr --suppress=missingIncludeSystem -Igss_helper -Ipam_module \
	    gss_helper pam_module

# Figures, not tests: a login against the test realm versus baselines
# measured in the same run (see tests/bench/bench.sh).
bench: all test-programs
	S4U_BUILD=$(CURDIR)/$(B) bash tests/bench/bench.sh

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
	    $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 0644 $(B)/pam_s4u.so $(DESTDIR)$(PAMDIR)/pam_s4u.so
	install -m 0755 $(B)/pam_s4u_helper $(DESTDIR)$(HELPER_PATH)
	install -m 0644 docs/pam_s4u.8 $(DESTDIR)$(MANDIR)/man8/pam_s4u.8
	install -m 0755 $(B)/s4uctl $(DESTDIR)$(BINDIR)/s4uctl
	install -m 0644 docs/s4uctl.1 $(DESTDIR)$(MANDIR)/man1/s4uctl.1
	install -m 0644 docs/troubleshooting.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 docs/kdc-setup.md README.md $(DESTDIR)$(DOCDIR)/
	install -m 0644 examples/pam.d/sshd $(DESTDIR)$(DOCDIR)/examples/pam.d/sshd

uninstall:
	rm -f $(DESTDIR)$(PAMDIR)/pam_s4u.so $(DESTDIR)$(HELPER_PATH) \
	    $(DESTDIR)$(MANDIR)/man8/pam_s4u.8 $(DESTDIR)$(BINDIR)/s4uctl \
	    $(DESTDIR)$(MANDIR)/man1/s4uctl.1
	-rmdir $(DESTDIR)$(LIBEXECDIR)/pam-s4u
	rm -rf $(DESTDIR)$(DOCDIR)

clean:
	rm -rf build build-clang build-asan

# Header dependencies, written by the compiler (-MMD -MP).
-include $(wildcard $(B)/*/*.d)

.PHONY: all check check-run lint install uninstall clean test-programs bench demo
.SECONDARY:
