/*
 * sanitizer_options.c: the ASan+UBSan options compiled into every program
 * of the sanitizer build (build-asan: the helper, s4uctl, the test tools
 * and unit tests; never into a release build).
 *
 * The module runs the helper with an empty environment and its standard
 * error on /dev/null, so neither ASAN_OPTIONS nor a report on stderr would
 * survive the trip: the options travel in the binary instead.  When the
 * test world's report directory exists (S4U_SAN_REPORT_DIR, made by
 * tests/harness/s4u.sh inside the test's own namespace, mode 1777 so that
 * a helper already running as the user can still write there), reports go
 * to files in it, which the harness turns into a failed test.  Elsewhere
 * (a unit test run outside any namespace) they go to stderr as usual.
 * ASAN_OPTIONS and UBSAN_OPTIONS, when set, still override these.
 *
 * Leak checking is off in the helper (S4U_SAN_NO_LEAKS): once it becomes
 * the user it is not dumpable, and LeakSanitizer cannot stop the world of
 * such a process; valgrind checks its leaks (tests/integration/30-memory.t).
 */
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef S4U_SAN_REPORT_DIR
#define S4U_SAN_REPORT_DIR "/mnt/s4u-sanitizer"
#endif

#ifdef S4U_SAN_NO_LEAKS
#define LEAKS "detect_leaks=0"
#else
#define LEAKS "detect_leaks=1"
#endif

#define COMMON "abort_on_error=0:exitcode=86:print_stacktrace=1"

const char *__asan_default_options(void);
const char *__ubsan_default_options(void);

/*
 * True if the report directory exists.  This runs while the sanitizer
 * runtime starts, before its interceptors work: a raw system call only.
 */
static int
report_dir_exists(void)
{
    return syscall(SYS_faccessat, AT_FDCWD, S4U_SAN_REPORT_DIR, F_OK, 0) == 0;
}

/* ASan's defaults: reports to the directory when there is one. */
const char *
__asan_default_options(void)
{
    if (report_dir_exists())
        return "log_path=" S4U_SAN_REPORT_DIR "/report:" COMMON ":" LEAKS;
    return COMMON ":" LEAKS;
}

/* UBSan's: the same file, a stack trace, and the same exit code. */
const char *
__ubsan_default_options(void)
{
    if (report_dir_exists())
        return "log_path=" S4U_SAN_REPORT_DIR "/report:" COMMON;
    return COMMON;
}
