/* loadclient.c: the load client of greennet's benchmark (bench/run.py builds and runs it).
 *
 * One process, one thread, epoll, non-blocking sockets, 127.0.0.1 only.  Every byte an
 * echo server sends back is compared with what was sent; mismatches count as corrupt.
 *
 *   loadclient MODE PORT N DURATION WARMUP MAXOPS
 *
 *   pp      N connections, each: send 64 B, wait for the 64 B echo, again (round trips)
 *   stream  N connections, each streaming 64 KiB chunks with at most WINDOW bytes not
 *           yet echoed (bytes echoed back)
 *   churn   N connections in flight, each: connect, one 64 B round trip, close, and a
 *           new one in its place (connections)
 *   idle    N connections, one round trip each, then held open until told to close
 *
 * Talking to run.py: after setting up (pp, stream and idle connect and do one round trip
 * on every connection first) it prints "SETUP <ok> <failed>" and waits for a line on
 * stdin.  Then it runs WARMUP seconds uncounted and DURATION seconds counted, or stops
 * earlier after MAXOPS counted operations, lets the operations in flight finish (at most
 * 2 s), closes everything, and prints one JSON line.  idle just closes at that line.
 * Every wait has a deadline.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MSG 64                       /* ping-pong and churn message size */
#define CHUNK 65536                  /* stream: bytes offered per send */
#define WINDOW (4 * CHUNK)           /* stream: bytes in flight at most */
#define PAT_PERIOD 65521             /* stream: the pattern repeats with a prime period */
#define SETUP_TIMEOUT 10.0           /* seconds for one connection's first round trip */
#define GO_TIMEOUT 300               /* seconds to wait for run.py's go-ahead */
#define DRAIN_TIMEOUT 2.0            /* seconds for the operations in flight at the end */

enum { FREE, CONNECTING, SENDING, RECEIVING, IDLE };

typedef struct {
    int fd;
    int state;
    uint32_t id, seq;
    int sent, got;                   /* bytes of the current message */
    uint64_t out, in;                /* stream: bytes sent, bytes echoed */
    uint32_t events;                 /* what epoll watches now */
} conn_t;

static int port, nconns, ep;
static double duration, warmup;
static uint64_t maxops;
static conn_t *conns;
static unsigned char *pattern;       /* PAT_PERIOD + CHUNK bytes */
static uint64_t ops, nbytes, verified, corrupt, errors;
static int counting, stopping;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned char msg_byte(const conn_t *c, int i) {
    return (unsigned char)(c->id * 131u + c->seq * 17u + (unsigned)i);
}

static void fill_msg(const conn_t *c, unsigned char *buf) {
    for (int i = 0; i < MSG; i++) buf[i] = msg_byte(c, i);
}

/* Count the bytes of buf that differ from the message's, from offset off. */
static void check_msg(const conn_t *c, const unsigned char *buf, int off, int n) {
    for (int i = 0; i < n; i++)
        if (buf[i] != msg_byte(c, off + i)) corrupt++;
    verified += n;
}

static void check_stream(uint64_t off, const unsigned char *buf, size_t n) {
    while (n > 0) {
        size_t at = off % PAT_PERIOD, len = n < CHUNK ? n : CHUNK;
        if (memcmp(buf, pattern + at, len) != 0)
            for (size_t i = 0; i < len; i++) corrupt += buf[i] != pattern[at + i];
        verified += len;
        buf += len; off += len; n -= len;
    }
}

static void watch(conn_t *c, uint32_t events) {
    if (c->events == events) return;
    struct epoll_event ev = { .events = events, .data.ptr = c };
    epoll_ctl(ep, c->events ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev);
    c->events = events;
}

static void drop(conn_t *c) {          /* close, and the slot is free again */
    if (c->fd >= 0) close(c->fd);      /* closing removes it from epoll */
    c->fd = -1;
    c->state = FREE;
    c->events = 0;
}


static struct sockaddr_in server_addr(void) {
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sa;
}

/* ---------------------------------------------------------------- set-up */

/* Wait until fd is ready for events, at most until the deadline. */
static int wait_fd(int fd, short events, double deadline) {
    for (;;) {
        double left = deadline - now();
        if (left <= 0) return 0;
        struct pollfd p = { .fd = fd, .events = events };
        int r = poll(&p, 1, (int)(left * 1000) + 1);
        if (r > 0) return 1;
        if (r < 0 && errno != EINTR) return 0;
    }
}

/* Connect and do one round trip, with blocking-style waits; 1 when done. */
static int setup_one(conn_t *c) {
    struct sockaddr_in sa = server_addr();
    double deadline = now() + SETUP_TIMEOUT;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) return 0;
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int err = 0;
        socklen_t len = sizeof err;
        if (errno != EINPROGRESS || !wait_fd(c->fd, POLLOUT, deadline)) goto fail;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) goto fail;
    }
    unsigned char buf[MSG];
    fill_msg(c, buf);
    for (int off = 0; off < MSG;) {
        ssize_t n = send(c->fd, buf + off, MSG - off, MSG_NOSIGNAL);
        if (n > 0) off += n;
        else if (n < 0 && errno == EAGAIN) { if (!wait_fd(c->fd, POLLOUT, deadline)) goto fail; }
        else goto fail;
    }
    for (int got = 0; got < MSG;) {
        ssize_t n = recv(c->fd, buf, MSG - got, 0);
        if (n > 0) { check_msg(c, buf, got, n); got += n; }
        else if (n < 0 && errno == EAGAIN) { if (!wait_fd(c->fd, POLLIN, deadline)) goto fail; }
        else goto fail;
    }
    c->seq++;
    c->state = IDLE;
    return 1;
fail:
    errors++;
    drop(c);
    return 0;
}

/* Print SETUP and wait for run.py's line (or the end of stdin); 0 on timeout. */
static int handshake(int ok, int failed) {
    printf("SETUP %d %d\n", ok, failed);
    fflush(stdout);
    struct pollfd p = { .fd = 0, .events = POLLIN };
    if (poll(&p, 1, GO_TIMEOUT * 1000) <= 0) return 0;
    char line[64];
    (void)!read(0, line, sizeof line);
    return 1;
}

/* ---------------------------------------------------------------- ping-pong */

static void pp_send(conn_t *c) {
    unsigned char buf[MSG];
    fill_msg(c, buf);
    while (c->sent < MSG) {
        ssize_t n = send(c->fd, buf + c->sent, MSG - c->sent, MSG_NOSIGNAL);
        if (n > 0) { c->sent += n; continue; }
        if (n < 0 && errno == EAGAIN) { watch(c, EPOLLOUT); return; }
        errors++; drop(c); return;
    }
    c->state = RECEIVING;
    watch(c, EPOLLIN);
}

static void pp_start(conn_t *c) { c->sent = c->got = 0; c->state = SENDING; pp_send(c); }

/* A whole echo came back: count it, then the next message or, when stopping, the end. */
static void pp_done(conn_t *c) {
    if (counting) { ops++; nbytes += MSG; }
    c->seq++;
    if (stopping) { drop(c); return; }
    pp_start(c);
}

static void pp_recv(conn_t *c) {
    unsigned char buf[MSG];
    ssize_t n = recv(c->fd, buf, MSG - c->got, 0);
    if (n > 0) {
        check_msg(c, buf, c->got, n);
        c->got += n;
        if (c->got == MSG) pp_done(c);
    } else if (n == 0 || errno != EAGAIN) {
        errors++; drop(c);
    }
}

/* ---------------------------------------------------------------- churn */

static void churn_open(conn_t *c) {
    struct sockaddr_in sa = server_addr();
    c->seq++;
    c->sent = c->got = 0;
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) { errors++; c->state = FREE; return; }
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        c->state = SENDING;
        pp_send(c);
    } else if (errno == EINPROGRESS) {
        c->state = CONNECTING;
        watch(c, EPOLLOUT);
    } else {               /* EADDRNOTAVAIL (ports in TIME_WAIT) and the like */
        errors++;
        drop(c);
        usleep(1000);
    }
}

static void churn_connected(conn_t *c) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
        errors++; drop(c); return;
    }
    c->state = SENDING;
    pp_send(c);
}

static void churn_recv(conn_t *c) {
    unsigned char buf[MSG];
    ssize_t n = recv(c->fd, buf, MSG - c->got, 0);
    if (n > 0) {
        check_msg(c, buf, c->got, n);
        c->got += n;
        if (c->got == MSG) {
            if (counting) { ops++; nbytes += MSG; }
            drop(c);
        }
    } else if (n == 0 || errno != EAGAIN) {
        errors++; drop(c);
    }
}

/* ---------------------------------------------------------------- stream */

static void stream_update(conn_t *c) {
    uint32_t want = EPOLLIN;
    while (!stopping && c->out - c->in < WINDOW) {
        size_t at = c->out % PAT_PERIOD;
        size_t len = CHUNK - c->out % CHUNK;           /* the rest of this chunk */
        if (len > WINDOW - (c->out - c->in)) len = WINDOW - (c->out - c->in);
        ssize_t n = send(c->fd, pattern + at, len, MSG_NOSIGNAL);
        if (n > 0) { c->out += n; continue; }
        if (n < 0 && errno == EAGAIN) { want |= EPOLLOUT; break; }
        errors++; drop(c); return;
    }
    watch(c, want);
}

static void stream_recv(conn_t *c) {
    static unsigned char buf[WINDOW];
    for (int i = 0; i < 4; i++) {
        ssize_t n = recv(c->fd, buf, sizeof buf, 0);
        if (n > 0) {
            check_stream(c->in, buf, n);
            c->in += n;
            if (counting) nbytes += n;
            if ((size_t)n < sizeof buf) break;
        } else if (n == 0 || errno != EAGAIN) {
            errors++; drop(c); return;
        } else break;
    }
    if (stopping && c->in == c->out) { drop(c); return; }
    stream_update(c);
}

/* ---------------------------------------------------------------- main loop */

static int in_flight(const char *mode) {
    int busy = 0;
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (c->state == FREE) continue;
        if (mode[0] == 's') { if (c->in == c->out) drop(c); else busy++; }
        else if (c->state == IDLE) drop(c);
        else busy++;
    }
    return busy;
}

static void run(const char *mode) {
    struct epoll_event evs[256];
    double t0 = now(), t_count = t0 + warmup, t_end = t_count + duration, t_stop = 0;
    double measured_from = t_count, measured_to = t_end;
    char m = mode[0];
    for (int i = 0; i < nconns; i++) {
        conn_t *c = &conns[i];
        if (m == 'c') churn_open(c);
        else if (c->state == IDLE) { if (m == 'p') pp_start(c); else stream_update(c); }
    }
    for (;;) {
        double t = now();
        if (!counting && !stopping && t >= t_count) { counting = 1; measured_from = t; }
        if (!stopping && (t >= t_end || (maxops && ops >= maxops) || (m == 's' && maxops && nbytes >= maxops))) {
            stopping = 1; counting = 0; measured_to = t; t_stop = t + DRAIN_TIMEOUT;
            if (in_flight(mode) == 0) break;
        }
        if (stopping && (t >= t_stop || in_flight(mode) == 0)) break;
        if (m == 'c' && !stopping)
            for (int i = 0; i < nconns; i++) if (conns[i].state == FREE) churn_open(&conns[i]);
        int n = epoll_wait(ep, evs, 256, 50);
        for (int i = 0; i < n; i++) {
            conn_t *c = evs[i].data.ptr;
            if (c->state == FREE) continue;
            uint32_t e = evs[i].events;
            if (m == 's') {
                if (e & (EPOLLIN | EPOLLERR | EPOLLHUP)) stream_recv(c);
                else if (e & EPOLLOUT) stream_update(c);
            } else if (c->state == CONNECTING) {
                churn_connected(c);
            } else if (c->state == SENDING) {
                pp_send(c);
            } else if (c->state == RECEIVING) {
                if (m == 'c') churn_recv(c); else pp_recv(c);
            }
        }
    }
    for (int i = 0; i < nconns; i++) if (conns[i].state != FREE) drop(&conns[i]);
    printf("{\"mode\": \"%s\", \"ops\": %llu, \"bytes\": %llu, \"elapsed\": %.6f, "
           "\"verified\": %llu, \"corrupt\": %llu, \"errors\": %llu}\n",
           mode, (unsigned long long)ops, (unsigned long long)nbytes,
           measured_to - measured_from, (unsigned long long)verified,
           (unsigned long long)corrupt, (unsigned long long)errors);
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: %s pp|stream|churn|idle PORT N DURATION WARMUP MAXOPS\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    port = atoi(argv[2]);
    nconns = atoi(argv[3]);
    duration = atof(argv[4]);
    warmup = atof(argv[5]);
    maxops = strtoull(argv[6], NULL, 10);
    if (strcmp(mode, "pp") && strcmp(mode, "stream") && strcmp(mode, "churn") && strcmp(mode, "idle")) {
        fprintf(stderr, "unknown mode %s\n", mode);
        return 2;
    }
    if (port <= 0 || port > 65535 || nconns <= 0 || nconns > 1000000 || duration < 0 || warmup < 0) {
        fprintf(stderr, "bad arguments\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    conns = calloc(nconns, sizeof *conns);
    pattern = malloc(PAT_PERIOD + CHUNK);
    if (!conns || !pattern) return 1;
    uint32_t x = 2463534242u;                         /* xorshift: a pattern without runs */
    for (int i = 0; i < PAT_PERIOD; i++) { x ^= x << 13; x ^= x >> 17; x ^= x << 5; pattern[i] = (unsigned char)x; }
    for (int i = PAT_PERIOD; i < PAT_PERIOD + CHUNK; i++) pattern[i] = pattern[i - PAT_PERIOD];
    for (int i = 0; i < nconns; i++) { conns[i].fd = -1; conns[i].id = (uint32_t)i; }
    ep = epoll_create1(0);
    if (ep < 0) { perror("epoll_create1"); return 1; }

    int ok = 0;
    if (strcmp(mode, "churn") != 0)
        for (int i = 0; i < nconns; i++) ok += setup_one(&conns[i]);
    else
        ok = nconns;
    if (!handshake(ok, nconns - ok)) { fprintf(stderr, "no go-ahead on stdin\n"); return 1; }
    if (strcmp(mode, "idle") == 0) {
        for (int i = 0; i < nconns; i++) if (conns[i].state != FREE) drop(&conns[i]);
        printf("{\"mode\": \"idle\", \"ops\": %d, \"bytes\": 0, \"elapsed\": 0, \"verified\": %llu, "
               "\"corrupt\": %llu, \"errors\": %llu}\n", ok, (unsigned long long)verified,
               (unsigned long long)corrupt, (unsigned long long)errors);
        return 0;
    }
    run(mode);
    return 0;
}
