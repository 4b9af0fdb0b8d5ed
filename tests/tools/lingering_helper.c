/*
 * lingering_helper.c: a stand-in for pam_s4u_helper that exits at once
 * without answering, while a child it leaves behind keeps the answer socket
 * open for 30 seconds.  tests/integration/55-signals.t uses it to make the
 * module wait out timeout= and then kill a helper the application has
 * already reaped.
 */
#include <unistd.h>

int
main(void)
{
    pid_t pid = fork();

    if (pid == 0) {
        sleep(30);
        _exit(0);
    }
    return pid < 0 ? 1 : 0;
}
