# shellcheck shell=bash
# proc.sh: the processes a test started, known by the pid recorded when it
# started them.
#
#   proc_alive PID          true if PID is a live (non-zombie) process
#   proc_stop PID COMM...   stop PID if it still runs one of the programs
#                           COMM... (SIGTERM, SIGKILL after 5 s), then reap it
#
# bash reaps a background child as soon as it exits, so a recorded pid may
# by now belong to another process: proc_stop signals only a process whose
# command name (/proc/PID/comm) is one of COMM....  Right after its start a
# daemon may not have reached its own program yet (unshare, bash, setsid or
# env on the way to exec it): name those too.

_proc_err() {
    printf 'proc.sh: %s\n' "$*" >&2
}

proc_alive() {
    local state
    [[ -n $1 ]] && kill -0 "$1" 2>/dev/null || return 1
    state=$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null) || return 1
    [[ $state != Z ]]
}

# _proc_comm PID: PID's command name (the kernel keeps 15 bytes of it).
_proc_comm() {
    cat "/proc/$1/comm" 2>/dev/null
}

# _proc_runs PID COMM...: true if PID's command name is one of COMM....
_proc_runs() {
    local comm name
    comm=$(_proc_comm "$1") || return 1
    shift
    for name in "$@"; do
        [[ $comm == "${name:0:15}" ]] && return 0
    done
    return 1
}

proc_stop() {
    local pid=$1 i
    shift
    [[ -n $pid ]] || return 0
    if proc_alive "$pid" && ! _proc_runs "$pid" "$@"; then
        _proc_err "process $pid runs $(_proc_comm "$pid"), not one of: $*; left alone"
        return 1
    fi
    if proc_alive "$pid"; then
        kill -TERM "$pid" 2>/dev/null || true
        for ((i = 0; i < 50; i++)); do
            proc_alive "$pid" || break
            sleep 0.1
        done
    fi
    if proc_alive "$pid"; then
        _proc_err "$(_proc_comm "$pid") ($pid) ignored SIGTERM; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        sleep 0.2
    fi
    # Reap it if it is our child and has exited; never block on a live process.
    if proc_alive "$pid"; then
        _proc_err "$(_proc_comm "$pid") ($pid) is still running"
        return 1
    fi
    wait "$pid" 2>/dev/null || true
}
