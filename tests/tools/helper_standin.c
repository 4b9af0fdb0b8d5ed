/*
 * helper_standin.c: a stand-in for pam_s4u_helper, run by the real
 * s4u_run_helper in tests/pam_module/test_spawn.c.
 *
 * It reads the whole request from standard input, writes a line to
 * standard error (which must not reach the module's socket), and answers
 * on standard output with a fatal outcome whose detail quotes the
 * request's first line, so the test sees both directions work.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int
main(void)
{
    static const char noise[] = "stand-in: a line on standard error\n";
    char buf[4096];
    size_t len = 0;
    ssize_t n;

    for (;;) {
        n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = '\0';
    buf[strcspn(buf, "\n\t")] = '\0';
    /* A closed standard error is the module's business, not an error. */
    if (write(STDERR_FILENO, noise, sizeof(noise) - 1) < 0 && errno != EBADF)
        return 1;
    printf("fatal\tKDC_UNREACHABLE\t0\tstand-in read %s\nend\n", buf);
    return fflush(stdout) == 0 ? 0 : 1;
}
