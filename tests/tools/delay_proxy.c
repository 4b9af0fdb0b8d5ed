/*
 * delay_proxy: a UDP and TCP forwarder that holds every datagram and every
 * byte for a fixed time in each direction, to put a round-trip time in
 * front of the test KDC.
 *
 * Usage: delay_proxy --listen ADDR:PORT --upstream ADDR:PORT
 *                    [--delay-ms N] [--max-conns N] [--max-buffer BYTES]
 *                    [--udp-idle-ms N]
 *
 * It listens on ADDR:PORT for UDP and TCP alike (PORT 0: one free port for
 * both), forwards to the upstream, and delays each direction by --delay-ms,
 * so a request and its answer take twice that.  Only IPv4 loopback
 * addresses (127.0.0.0/8) are accepted on either side.  Once both sockets
 * are bound it prints "ready ADDR:PORT" on standard output.  It runs until
 * SIGTERM, SIGINT or SIGHUP, then prints its counters on standard error and
 * exits 0.
 *
 * The timing: every datagram or TCP read gets a due time (when it arrived
 * plus the delay) and waits in a first-in first-out queue; since the delay
 * is the same for all, each queue is in due order, and the loop sleeps in
 * ppoll(2) until the earliest head is due (nanosecond timeout, 1 ns timer
 * slack).  The TCP handshake with the proxy is not delayed, only the data
 * and the shutdown that follows it.
 *
 * The bounds: at most --max-conns TCP connections (more are accepted and
 * closed at once) and as many UDP clients (each client address gets its own
 * upstream socket, so answers find their way back; when all are taken, the
 * least recently active one with nothing queued makes room, and an answer
 * still on its way to it is lost, as a network may lose it; one idle for
 * --udp-idle-ms is closed); at most --max-buffer bytes held in all queues
 * together, and 256 KiB per TCP direction: a full TCP queue stops reading from
 * that side (back-pressure), a full UDP queue drops the datagram, as a network
 * would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define DELAY_MS_MAX 600000u
#define CONNS_MAX 4096u
#define CONNS_DEFAULT 256u
#define BUFFER_DEFAULT (16u * 1024 * 1024)
#define BUFFER_MAX (1024u * 1024 * 1024)
#define TCP_DIR_MAX (256u * 1024) /* bytes queued per TCP direction */
#define IO_MAX 65536u             /* one read; the largest UDP datagram */
#define UDP_IDLE_DEFAULT 30000u
#define UDP_BATCH 64 /* datagrams read from one socket per wake-up */

/* One datagram, one TCP read, or a TCP shutdown, waiting for its time. */
struct item {
    struct item *next;
    struct timespec due;
    struct udp_client *client; /* UDP: whose datagram this is */
    size_t len, off;
    bool eof; /* TCP: the sender shut down its side here */
    unsigned char data[];
};

struct queue {
    struct item *head, *tail;
    size_t bytes;
};

enum { CLIENT = 0, UPSTREAM = 1 };

/* A TCP connection: q[i] holds what fd[i] sent, to be written to fd[!i]. */
struct tcp_conn {
    bool used;
    bool connecting; /* the connect to the upstream is in progress */
    int fd[2];
    bool read_done[2]; /* fd[i] said EOF: read no more from it */
    bool blocked[2];   /* q[i]'s head is due but fd[!i] would block */
    struct queue q[2];
};

/* A UDP client and the upstream socket that speaks for it. */
struct udp_client {
    bool used;
    struct sockaddr_in addr;
    int fd;
    struct timespec last; /* last datagram either way */
    unsigned int pending; /* items in the queues that point here */
};

/* What each pollfd stands for. */
enum slot_kind { SLOT_TCP_LISTEN, SLOT_UDP_LISTEN, SLOT_TCP, SLOT_UDP };
struct slot {
    enum slot_kind kind;
    unsigned int idx;
    int side;
};

struct counters {
    unsigned long udp_up, udp_down, udp_dropped, udp_clients;
    unsigned long tcp_conns, tcp_refused, tcp_failed;
    unsigned long long tcp_bytes_up, tcp_bytes_down;
};

static struct {
    struct sockaddr_in listen, upstream;
    unsigned int delay_ms, max_conns, udp_idle_ms;
    size_t max_buffer;
} opt = {.max_conns = CONNS_DEFAULT,
         .udp_idle_ms = UDP_IDLE_DEFAULT,
         .max_buffer = BUFFER_DEFAULT};

static struct tcp_conn *conns;
static struct udp_client *clients;
static struct queue udp_up, udp_down; /* client to upstream, and back */
static size_t held;                   /* bytes in all queues */
static struct counters count;
static int tcp_listen = -1, udp_listen = -1;
static struct timespec accept_pause; /* accept nothing before this */
static unsigned char iobuf[IO_MAX];
static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void
die(const char *what)
{
    fprintf(stderr, "delay_proxy: %s: %s\n", what, strerror(errno));
    exit(1);
}

static void
usage_error(const char *msg)
{
    fprintf(stderr,
            "delay_proxy: %s\nusage: delay_proxy --listen ADDR:PORT "
            "--upstream ADDR:PORT [--delay-ms N] [--max-conns N] "
            "[--max-buffer BYTES] [--udp-idle-ms N]\n",
            msg);
    exit(2);
}

/* Close fd; a failure can only be a bug here, so say so. */
static void
close_fd(int fd)
{
    if (fd >= 0 && close(fd) != 0 && errno != EINTR)
        fprintf(stderr, "delay_proxy: close(%d): %s\n", fd, strerror(errno));
}

/* ------------------------------------------------------------------ time */

static struct timespec
now(void)
{
    struct timespec ts;

    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        die("clock_gettime");
    return ts;
}

static struct timespec
ts_add_ms(struct timespec ts, unsigned int ms)
{
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

static int
ts_cmp(struct timespec a, struct timespec b)
{
    if (a.tv_sec != b.tv_sec)
        return a.tv_sec < b.tv_sec ? -1 : 1;
    if (a.tv_nsec != b.tv_nsec)
        return a.tv_nsec < b.tv_nsec ? -1 : 1;
    return 0;
}

/* b - a, at least 0. */
static struct timespec
ts_until(struct timespec a, struct timespec b)
{
    struct timespec d = {0, 0};

    if (ts_cmp(a, b) >= 0)
        return d;
    d.tv_sec = b.tv_sec - a.tv_sec;
    d.tv_nsec = b.tv_nsec - a.tv_nsec;
    if (d.tv_nsec < 0) {
        d.tv_sec--;
        d.tv_nsec += 1000000000L;
    }
    return d;
}

/* Keep *next the earlier of itself and t; *have says whether it is set. */
static void
earliest(struct timespec *next, bool *have, struct timespec t)
{
    if (!*have || ts_cmp(t, *next) < 0) {
        *next = t;
        *have = true;
    }
}

/* --------------------------------------------------------------- options */

/* Parse an unsigned decimal in [min, max]; false if it is not one. */
static bool
parse_uint(const char *s, unsigned long min, unsigned long max,
           unsigned long *out)
{
    unsigned long v;
    char *end;

    if (*s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max)
        return false;
    *out = v;
    return true;
}

/* Parse "A.B.C.D:PORT" with A = 127 into sa. */
static void
parse_addr(const char *text, struct sockaddr_in *sa, bool port_zero_ok,
           const char *flag)
{
    char host[INET_ADDRSTRLEN];
    const char *colon = strrchr(text, ':');
    unsigned long port;
    size_t n;

    memset(sa, 0, sizeof(*sa));
    sa->sin_family = AF_INET;
    n = colon != NULL ? (size_t)(colon - text) : 0;
    if (colon == NULL || n == 0 || n >= sizeof(host)) {
        fprintf(stderr, "delay_proxy: %s: want ADDR:PORT, got '%s'\n", flag,
                text);
        exit(2);
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, &sa->sin_addr) != 1 ||
        !parse_uint(colon + 1, port_zero_ok ? 0 : 1, 65535, &port)) {
        fprintf(stderr, "delay_proxy: %s: bad address '%s'\n", flag, text);
        exit(2);
    }
    if ((ntohl(sa->sin_addr.s_addr) >> 24) != 127) {
        fprintf(stderr,
                "delay_proxy: %s: %s is not a loopback address "
                "(127.0.0.0/8 only)\n",
                flag, host);
        exit(2);
    }
    sa->sin_port = htons((uint16_t)port);
}

static void
parse_options(int argc, char **argv)
{
    bool have_listen = false, have_upstream = false;
    unsigned long v;
    int i;

    for (i = 1; i < argc; i++) {
        const char *flag = argv[i];

        if (i + 1 >= argc)
            usage_error("every option takes a value");
        if (strcmp(flag, "--listen") == 0) {
            parse_addr(argv[++i], &opt.listen, true, flag);
            have_listen = true;
        } else if (strcmp(flag, "--upstream") == 0) {
            parse_addr(argv[++i], &opt.upstream, false, flag);
            have_upstream = true;
        } else if (strcmp(flag, "--delay-ms") == 0) {
            if (!parse_uint(argv[++i], 0, DELAY_MS_MAX, &v))
                usage_error("--delay-ms: 0 to 600000");
            opt.delay_ms = (unsigned int)v;
        } else if (strcmp(flag, "--max-conns") == 0) {
            if (!parse_uint(argv[++i], 1, CONNS_MAX, &v))
                usage_error("--max-conns: 1 to 4096");
            opt.max_conns = (unsigned int)v;
        } else if (strcmp(flag, "--max-buffer") == 0) {
            if (!parse_uint(argv[++i], IO_MAX, BUFFER_MAX, &v))
                usage_error("--max-buffer: 65536 to 1073741824");
            opt.max_buffer = v;
        } else if (strcmp(flag, "--udp-idle-ms") == 0) {
            if (!parse_uint(argv[++i], 1, 3600000, &v))
                usage_error("--udp-idle-ms: 1 to 3600000");
            opt.udp_idle_ms = (unsigned int)v;
        } else {
            usage_error("unknown option");
        }
    }
    if (!have_listen || !have_upstream)
        usage_error("--listen and --upstream are required");
    if (opt.listen.sin_addr.s_addr == opt.upstream.sin_addr.s_addr &&
        opt.listen.sin_port == opt.upstream.sin_port)
        usage_error("--listen and --upstream are the same address");
}

/* ---------------------------------------------------------------- queues */

static struct item *
item_new(const void *data, size_t len, struct timespec due)
{
    struct item *it = malloc(sizeof(*it) + len);

    if (it == NULL)
        die("malloc");
    memset(it, 0, sizeof(*it));
    it->due = due;
    it->len = len;
    if (len > 0)
        memcpy(it->data, data, len);
    return it;
}

static void
queue_push(struct queue *q, struct item *it)
{
    if (q->tail != NULL)
        q->tail->next = it;
    else
        q->head = it;
    q->tail = it;
    q->bytes += it->len;
    held += it->len;
    if (it->client != NULL)
        it->client->pending++;
}

static void
queue_pop(struct queue *q)
{
    struct item *it = q->head;

    q->head = it->next;
    if (q->head == NULL)
        q->tail = NULL;
    q->bytes -= it->len;
    held -= it->len;
    if (it->client != NULL)
        it->client->pending--;
    free(it);
}

static void
queue_clear(struct queue *q)
{
    while (q->head != NULL)
        queue_pop(q);
}

static bool
queue_due(const struct queue *q, struct timespec t)
{
    return q->head != NULL && ts_cmp(q->head->due, t) <= 0;
}

/* ------------------------------------------------------------------- TCP */

static void
conn_close(struct tcp_conn *c)
{
    int i;

    for (i = 0; i < 2; i++) {
        queue_clear(&c->q[i]);
        close_fd(c->fd[i]);
    }
    memset(c, 0, sizeof(*c));
    c->fd[0] = c->fd[1] = -1;
}

static void
set_nodelay(int fd)
{
    int one = 1;

    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) != 0)
        fprintf(stderr, "delay_proxy: TCP_NODELAY: %s\n", strerror(errno));
}

/* Take one connection and start connecting it to the upstream. */
static bool
tcp_accept_one(struct timespec t)
{
    struct tcp_conn *c = NULL;
    unsigned int i;
    int fd, up;

    fd = accept4(tcp_listen, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
            errno == ECONNABORTED)
            return false;
        /* Out of descriptors or memory: try again in a while. */
        fprintf(stderr, "delay_proxy: accept: %s\n", strerror(errno));
        accept_pause = ts_add_ms(t, 100);
        return false;
    }
    for (i = 0; i < opt.max_conns && c == NULL; i++) {
        if (!conns[i].used)
            c = &conns[i];
    }
    if (c == NULL) {
        count.tcp_refused++;
        close_fd(fd);
        return true;
    }
    up = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (up < 0) {
        fprintf(stderr, "delay_proxy: socket: %s\n", strerror(errno));
        count.tcp_failed++;
        close_fd(fd);
        return true;
    }
    set_nodelay(fd);
    set_nodelay(up);
    memset(c, 0, sizeof(*c));
    c->used = true;
    c->fd[CLIENT] = fd;
    c->fd[UPSTREAM] = up;
    count.tcp_conns++;
    if (connect(up, (const struct sockaddr *)&opt.upstream,
                sizeof(opt.upstream)) == 0)
        return true;
    if (errno == EINPROGRESS) {
        c->connecting = true;
        return true;
    }
    count.tcp_failed++;
    conn_close(c);
    return true;
}

/* The upstream connect finished (POLLOUT): see how. */
static void
tcp_connected(struct tcp_conn *c)
{
    socklen_t len = sizeof(int);
    int err = 0;

    if (getsockopt(c->fd[UPSTREAM], SOL_SOCKET, SO_ERROR, &err, &len) != 0 ||
        err != 0) {
        count.tcp_failed++;
        conn_close(c);
        return;
    }
    c->connecting = false;
}

/* May we read from side i now? */
static bool
tcp_wants_read(const struct tcp_conn *c, int i)
{
    if (c->read_done[i] || c->q[i].bytes >= TCP_DIR_MAX ||
        held >= opt.max_buffer)
        return false;
    return i == CLIENT || !c->connecting;
}

/* Read what side i sent and queue it, due after the delay. */
static void
tcp_read(struct tcp_conn *c, int i, struct timespec t)
{
    size_t room = TCP_DIR_MAX - c->q[i].bytes;
    struct item *it;
    ssize_t n;

    n = recv(c->fd[i], iobuf, room < IO_MAX ? room : IO_MAX, MSG_DONTWAIT);
    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        conn_close(c); /* reset: nothing more will go through */
        return;
    }
    it = item_new(iobuf, (size_t)n, ts_add_ms(t, opt.delay_ms));
    if (n == 0) {
        it->eof = true;
        c->read_done[i] = true;
    } else if (i == CLIENT) {
        count.tcp_bytes_up += (unsigned long long)n;
    } else {
        count.tcp_bytes_down += (unsigned long long)n;
    }
    queue_push(&c->q[i], it);
}

/* Write what is due of q[i] to the other side; close the connection when
 * both sides are done or a write fails. */
static void
tcp_flush(struct tcp_conn *c, int i, struct timespec t)
{
    struct queue *q = &c->q[i];
    int to = c->fd[!i];
    ssize_t n;

    c->blocked[i] = false;
    while (queue_due(q, t)) {
        struct item *it = q->head;

        if (c->connecting) {
            c->blocked[i] = true;
            return;
        }
        if (it->eof) {
            if (shutdown(to, SHUT_WR) != 0 && errno != ENOTCONN) {
                conn_close(c);
                return;
            }
            queue_pop(q);
            continue;
        }
        n = send(to, it->data + it->off, it->len - it->off,
                 MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
                c->blocked[i] = true;
                return;
            }
            conn_close(c);
            return;
        }
        it->off += (size_t)n;
        if (it->off == it->len)
            queue_pop(q);
    }
    if (c->read_done[CLIENT] && c->read_done[UPSTREAM] &&
        c->q[CLIENT].head == NULL && c->q[UPSTREAM].head == NULL)
        conn_close(c);
}

/* ------------------------------------------------------------------- UDP */

static bool
same_addr(const struct sockaddr_in *a, const struct sockaddr_in *b)
{
    return a->sin_addr.s_addr == b->sin_addr.s_addr &&
           a->sin_port == b->sin_port;
}

static void
client_close(struct udp_client *u)
{
    close_fd(u->fd);
    memset(u, 0, sizeof(*u));
    u->fd = -1;
}

/* The upstream socket for a client: found, made, or NULL (none free). */
static struct udp_client *
client_for(const struct sockaddr_in *addr, struct timespec t)
{
    struct udp_client *u, *free_slot = NULL, *lru = NULL;
    unsigned int i;
    int fd;

    for (i = 0; i < opt.max_conns; i++) {
        u = &clients[i];
        if (u->used && same_addr(&u->addr, addr))
            return u;
        if (!u->used) {
            if (free_slot == NULL)
                free_slot = u;
        } else if (u->pending == 0 &&
                   (lru == NULL || ts_cmp(u->last, lru->last) < 0)) {
            lru = u;
        }
    }
    if (free_slot == NULL) {
        if (lru == NULL)
            return NULL;
        client_close(lru);
        free_slot = lru;
    }
    fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        fprintf(stderr, "delay_proxy: socket: %s\n", strerror(errno));
        return NULL;
    }
    if (connect(fd, (const struct sockaddr *)&opt.upstream,
                sizeof(opt.upstream)) != 0) {
        fprintf(stderr, "delay_proxy: connect (UDP): %s\n", strerror(errno));
        close_fd(fd);
        return NULL;
    }
    free_slot->used = true;
    free_slot->addr = *addr;
    free_slot->fd = fd;
    free_slot->last = t;
    free_slot->pending = 0;
    count.udp_clients++;
    return free_slot;
}

/* Queue a datagram, unless the buffer is full (then it is lost). */
static void
udp_queue(struct queue *q, struct udp_client *u, size_t len, struct timespec t)
{
    struct item *it;

    if (held + len > opt.max_buffer) {
        count.udp_dropped++;
        return;
    }
    it = item_new(iobuf, len, ts_add_ms(t, opt.delay_ms));
    it->client = u;
    u->last = t;
    queue_push(q, it);
}

/* Datagrams from clients. */
static void
udp_read_clients(void)
{
    struct sockaddr_in from;
    struct udp_client *u;
    struct timespec t;
    socklen_t fromlen;
    ssize_t n;
    int k;

    for (k = 0; k < UDP_BATCH; k++) {
        fromlen = sizeof(from);
        n = recvfrom(udp_listen, iobuf, sizeof(iobuf), MSG_DONTWAIT,
                     (struct sockaddr *)&from, &fromlen);
        if (n < 0)
            return; /* EAGAIN, or an error for a datagram we sent */
        t = now();
        if (fromlen != sizeof(from) || from.sin_family != AF_INET) {
            count.udp_dropped++;
            continue;
        }
        u = client_for(&from, t);
        if (u == NULL) {
            count.udp_dropped++;
            continue;
        }
        udp_queue(&udp_up, u, (size_t)n, t);
    }
}

/* Answers from the upstream for client u. */
static void
udp_read_upstream(struct udp_client *u)
{
    ssize_t n;
    int k;

    for (k = 0; k < UDP_BATCH; k++) {
        n = recv(u->fd, iobuf, sizeof(iobuf), MSG_DONTWAIT);
        if (n < 0)
            return; /* EAGAIN, or ECONNREFUSED: the upstream is not there */
        udp_queue(&udp_down, u, (size_t)n, now());
    }
}

/* Send what is due; a datagram the kernel will not take is lost. */
static void
udp_flush(struct timespec t)
{
    ssize_t n;

    while (queue_due(&udp_up, t)) {
        struct item *it = udp_up.head;

        n = send(it->client->fd, it->data, it->len, MSG_DONTWAIT);
        if (n == (ssize_t)it->len)
            count.udp_up++;
        else
            count.udp_dropped++;
        queue_pop(&udp_up);
    }
    while (queue_due(&udp_down, t)) {
        struct item *it = udp_down.head;

        n = sendto(udp_listen, it->data, it->len, MSG_DONTWAIT,
                   (const struct sockaddr *)&it->client->addr,
                   sizeof(it->client->addr));
        if (n == (ssize_t)it->len)
            count.udp_down++;
        else
            count.udp_dropped++;
        queue_pop(&udp_down);
    }
}

/* Close clients idle for --udp-idle-ms; the earliest next expiry to *next. */
static void
udp_expire(struct timespec t, struct timespec *next, bool *have)
{
    unsigned int i;

    for (i = 0; i < opt.max_conns; i++) {
        struct udp_client *u = &clients[i];
        struct timespec end;

        if (!u->used || u->pending > 0)
            continue;
        end = ts_add_ms(u->last, opt.udp_idle_ms);
        if (ts_cmp(end, t) <= 0)
            client_close(u);
        else
            earliest(next, have, end);
    }
}

/* --------------------------------------------------------------- sockets */

static int
bind_socket(int type, const struct sockaddr_in *sa)
{
    int fd, one = 1;

    fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        die("socket");
    if (type == SOCK_STREAM &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0)
        die("SO_REUSEADDR");
    if (bind(fd, (const struct sockaddr *)sa, sizeof(*sa)) != 0) {
        int saved = errno;

        close_fd(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Bind TCP and UDP on the same port (a free one if the port is 0). */
static void
bind_listeners(void)
{
    struct sockaddr_in sa = opt.listen;
    socklen_t len;
    int attempt;

    for (attempt = 0; attempt < 50; attempt++) {
        tcp_listen = bind_socket(SOCK_STREAM, &sa);
        if (tcp_listen < 0)
            die("bind (TCP)");
        len = sizeof(sa);
        if (getsockname(tcp_listen, (struct sockaddr *)&sa, &len) != 0)
            die("getsockname");
        udp_listen = bind_socket(SOCK_DGRAM, &sa);
        if (udp_listen >= 0)
            break;
        if (errno != EADDRINUSE || opt.listen.sin_port != 0)
            die("bind (UDP)");
        /* Another process holds this port for UDP: pick another. */
        close_fd(tcp_listen);
        tcp_listen = -1;
        sa = opt.listen;
    }
    if (udp_listen < 0)
        die("bind (UDP)");
    if (listen(tcp_listen, 128) != 0)
        die("listen");
    opt.listen = sa;
}

/* Make room for 3 descriptors per connection slot, or refuse to start. */
static void
raise_fd_limit(void)
{
    rlim_t need = (rlim_t)opt.max_conns * 3 + 16;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("getrlimit");
    if (rl.rlim_cur >= need)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need
                      ? need
                      : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
        die("setrlimit");
    if (rl.rlim_cur < need) {
        fprintf(stderr,
                "delay_proxy: --max-conns %u needs %lu descriptors, the "
                "limit is %lu\n",
                opt.max_conns, (unsigned long)need, (unsigned long)rl.rlim_cur);
        exit(2);
    }
}

/* Block the stop signals except inside ppoll; ignore SIGPIPE. */
static void
setup_signals(sigset_t *poll_mask)
{
    static const int stops[] = {SIGTERM, SIGINT, SIGHUP};
    struct sigaction sa;
    sigset_t block;
    size_t i;

    memset(&sa, 0, sizeof(sa));
    if (sigemptyset(&sa.sa_mask) != 0 || sigemptyset(&block) != 0)
        die("sigemptyset");
    sa.sa_handler = on_signal;
    for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        if (sigaction(stops[i], &sa, NULL) != 0 ||
            sigaddset(&block, stops[i]) != 0)
            die("sigaction");
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) != 0)
        die("sigaction");
    if (sigprocmask(SIG_BLOCK, &block, poll_mask) != 0)
        die("sigprocmask");
    for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
        if (sigdelset(poll_mask, stops[i]) != 0)
            die("sigdelset");
    }
}

/* ------------------------------------------------------------------ loop */

static void
add_fd(struct pollfd *pfd, struct slot *slot, size_t *n, int fd, short events,
       enum slot_kind kind, unsigned int idx, int side)
{
    pfd[*n] = (struct pollfd){.fd = fd, .events = events};
    slot[*n] = (struct slot){.kind = kind, .idx = idx, .side = side};
    (*n)++;
}

/* Send everything due; the pollfds to wait on; the next due time. */
static size_t
prepare(struct pollfd *pfd, struct slot *slot, struct timespec t,
        struct timespec *next, bool *have)
{
    size_t n = 0;
    unsigned int i;
    int s;

    *have = false;
    udp_flush(t);
    if (udp_up.head != NULL)
        earliest(next, have, udp_up.head->due);
    if (udp_down.head != NULL)
        earliest(next, have, udp_down.head->due);
    udp_expire(t, next, have);
    if (ts_cmp(accept_pause, t) <= 0)
        add_fd(pfd, slot, &n, tcp_listen, POLLIN, SLOT_TCP_LISTEN, 0, 0);
    else
        earliest(next, have, accept_pause);
    if (held < opt.max_buffer)
        add_fd(pfd, slot, &n, udp_listen, POLLIN, SLOT_UDP_LISTEN, 0, 0);
    for (i = 0; i < opt.max_conns; i++) {
        struct tcp_conn *c = &conns[i];

        for (s = 0; s < 2 && c->used; s++) {
            if (!c->blocked[s])
                tcp_flush(c, s, t);
        }
        if (!c->used)
            continue;
        for (s = 0; s < 2; s++) {
            short events = 0;

            if (tcp_wants_read(c, s))
                events |= POLLIN;
            if (c->blocked[!s] || (s == UPSTREAM && c->connecting))
                events |= POLLOUT;
            if (events != 0)
                add_fd(pfd, slot, &n, c->fd[s], events, SLOT_TCP, i, s);
            if (!c->blocked[s] && c->q[s].head != NULL)
                earliest(next, have, c->q[s].head->due);
        }
    }
    for (i = 0; i < opt.max_conns; i++) {
        if (clients[i].used && held < opt.max_buffer)
            add_fd(pfd, slot, &n, clients[i].fd, POLLIN, SLOT_UDP, i, 0);
    }
    return n;
}

/* Act on what ppoll reported. */
static void
dispatch(const struct pollfd *pfd, const struct slot *slot, size_t n)
{
    size_t k;
    int batch;

    for (k = 0; k < n; k++) {
        short re = pfd[k].revents;
        struct tcp_conn *c;
        int s;

        if (re == 0)
            continue;
        switch (slot[k].kind) {
        case SLOT_TCP_LISTEN:
            for (batch = 0; batch < 64 && tcp_accept_one(now()); batch++)
                ;
            break;
        case SLOT_UDP_LISTEN:
            udp_read_clients();
            break;
        case SLOT_UDP:
            if (clients[slot[k].idx].used)
                udp_read_upstream(&clients[slot[k].idx]);
            break;
        case SLOT_TCP:
            c = &conns[slot[k].idx];
            s = slot[k].side;
            /* An earlier slot of this connection may have closed it, and
             * a new one may use the slot: act only on what we asked for. */
            if (!c->used || c->fd[s] != pfd[k].fd)
                break;
            if (s == UPSTREAM && c->connecting &&
                (re & (POLLOUT | POLLERR | POLLHUP)) != 0) {
                tcp_connected(c);
                if (!c->used)
                    break;
            }
            if ((pfd[k].events & POLLOUT) != 0 && c->blocked[!s] &&
                (re & (POLLOUT | POLLERR | POLLHUP)) != 0)
                tcp_flush(c, !s, now());
            if (c->used && (pfd[k].events & POLLIN) != 0 &&
                (re & (POLLIN | POLLERR | POLLHUP)) != 0)
                tcp_read(c, s, now());
            break;
        }
    }
}

static void
print_counters(void)
{
    fprintf(stderr,
            "delay_proxy: udp clients=%lu up=%lu down=%lu dropped=%lu; "
            "tcp connections=%lu refused=%lu failed=%lu bytes up=%llu "
            "down=%llu\n",
            count.udp_clients, count.udp_up, count.udp_down, count.udp_dropped,
            count.tcp_conns, count.tcp_refused, count.tcp_failed,
            count.tcp_bytes_up, count.tcp_bytes_down);
}

int
main(int argc, char **argv)
{
    struct pollfd *pfd;
    struct slot *slot;
    sigset_t poll_mask;
    char host[INET_ADDRSTRLEN];
    size_t nslots;
    unsigned int i;

    parse_options(argc, argv);
    setup_signals(&poll_mask);
    raise_fd_limit();
    /* Wake up when a packet is due, not up to 50 us later. */
    if (prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL) != 0)
        die("PR_SET_TIMERSLACK");
    nslots = 2 + 3 * (size_t)opt.max_conns;
    conns = calloc(opt.max_conns, sizeof(*conns));
    clients = calloc(opt.max_conns, sizeof(*clients));
    pfd = calloc(nslots, sizeof(*pfd));
    slot = calloc(nslots, sizeof(*slot));
    if (conns == NULL || clients == NULL || pfd == NULL || slot == NULL)
        die("calloc");
    for (i = 0; i < opt.max_conns; i++) {
        conns[i].fd[0] = conns[i].fd[1] = -1;
        clients[i].fd = -1;
    }
    bind_listeners();
    if (inet_ntop(AF_INET, &opt.listen.sin_addr, host, sizeof(host)) == NULL)
        die("inet_ntop");
    if (printf("ready %s:%u\n", host,
               (unsigned int)ntohs(opt.listen.sin_port)) < 0 ||
        fflush(stdout) != 0)
        die("stdout");

    while (!stop_requested) {
        struct timespec t = now(), next = {0, 0}, wait;
        bool have;
        size_t n;
        int r;

        n = prepare(pfd, slot, t, &next, &have);
        if (have)
            wait = ts_until(now(), next);
        r = ppoll(pfd, n, have ? &wait : NULL, &poll_mask);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            die("ppoll");
        }
        if (r > 0)
            dispatch(pfd, slot, n);
    }
    for (i = 0; i < opt.max_conns; i++) {
        if (conns[i].used)
            conn_close(&conns[i]);
    }
    queue_clear(&udp_up);
    queue_clear(&udp_down);
    for (i = 0; i < opt.max_conns; i++) {
        if (clients[i].used)
            client_close(&clients[i]);
    }
    close_fd(tcp_listen);
    close_fd(udp_listen);
    free(pfd);
    free(slot);
    free(conns);
    free(clients);
    print_counters();
    return 0;
}
