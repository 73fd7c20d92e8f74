// linkemu.c - a user-space stand-in for `tc qdisc ... netem delay D rate R limit L`, for
// kernels built without sch_netem (this machine's: CONFIG_NET_SCH_NETEM is not set).
//
// It makes one TUN device in each of two network namespaces and forwards the IP packets
// between them: each direction is a FIFO link that serialises packets at RATE bit/s
// (a packet leaves when the link has finished the ones before it), then delays them by
// DELAY; a direction holding LIMIT packets drops the next one (tail drop, like netem's
// limit, which also counts the packets in the delay line). The devices disappear when it
// exits. On SIGINT/SIGTERM it prints per-direction counters to stderr.
//
// Build: cc -O2 -o linkemu linkemu.c
// Run:   linkemu NS_A DEV_A NS_B DEV_B DELAY_US RATE_BPS LIMIT MTU
//        (prints "ready" on stdout once both devices exist; configure them with `ip -n`)
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

typedef struct {
  uint64_t due;  // monotonic ns when the packet comes out at the far end
  uint32_t len;
} slot_meta;

typedef struct {
  const char *name;
  int in_fd, out_fd;
  unsigned char *buf;  // LIMIT slots of MTU bytes
  slot_meta *meta;
  uint32_t head, count;
  uint64_t link_free;  // ns when the link has serialised every queued packet
  uint64_t in_pkts, out_pkts, out_bytes, drops, write_errors, max_count;
} direction;

static volatile sig_atomic_t stop;
static uint64_t delay_ns, rate_bps;
static uint32_t limit, mtu;

static void on_signal(int sig) { (void)sig; stop = 1; }

static void die(const char *what) {
  fprintf(stderr, "linkemu: %s: %s\n", what, strerror(errno));
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int open_tun(const char *ns, const char *dev) {
  char path[512];
  snprintf(path, sizeof path, "/var/run/netns/%s", ns);
  int nsfd = open(path, O_RDONLY | O_CLOEXEC);
  if (nsfd < 0) die(path);
  if (setns(nsfd, CLONE_NEWNET) < 0) die("setns");
  close(nsfd);
  int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) die("/dev/net/tun");
  struct ifreq ifr;
  memset(&ifr, 0, sizeof ifr);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
  if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
  return fd;
}

static void take_in(direction *d) {
  static unsigned char scratch[65536];
  for (;;) {
    unsigned char *into = d->count < limit ? d->buf + (size_t)((d->head + d->count) % limit) * mtu : scratch;
    ssize_t n = read(d->in_fd, into, into == scratch ? sizeof scratch : mtu);
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      die("read");
    }
    if (n == 0) return;
    d->in_pkts++;
    if (into == scratch) { d->drops++; continue; }
    uint64_t now = now_ns();
    uint64_t start = d->link_free > now ? d->link_free : now;
    d->link_free = start + (uint64_t)n * 8ull * 1000000000ull / rate_bps;
    slot_meta *m = &d->meta[(d->head + d->count) % limit];
    m->due = d->link_free + delay_ns;
    m->len = (uint32_t)n;
    d->count++;
    if (d->count > d->max_count) d->max_count = d->count;
  }
}

static void give_out(direction *d, uint64_t now) {
  while (d->count > 0 && d->meta[d->head].due <= now) {
    ssize_t w = write(d->out_fd, d->buf + (size_t)d->head * mtu, d->meta[d->head].len);
    if (w < 0) d->write_errors++;
    else { d->out_pkts++; d->out_bytes += (uint64_t)w; }
    d->head = (d->head + 1) % limit;
    d->count--;
  }
}

static void arm(int tfd, direction *a, direction *b) {
  uint64_t next = 0;
  if (a->count > 0) next = a->meta[a->head].due;
  if (b->count > 0 && (next == 0 || b->meta[b->head].due < next)) next = b->meta[b->head].due;
  struct itimerspec its;
  memset(&its, 0, sizeof its);
  if (next != 0) {  // zero would disarm: an overdue packet gets a time in the past, which fires at once
    its.it_value.tv_sec = (time_t)(next / 1000000000ull);
    its.it_value.tv_nsec = (long)(next % 1000000000ull);
    if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0) its.it_value.tv_nsec = 1;
  }
  if (timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0) die("timerfd_settime");
}

static void report(const direction *d) {
  fprintf(stderr, "linkemu: %s: in %llu packets, out %llu packets (%llu bytes), dropped at the limit %llu, write errors %llu, most queued %llu\n",
          d->name, (unsigned long long)d->in_pkts, (unsigned long long)d->out_pkts, (unsigned long long)d->out_bytes,
          (unsigned long long)d->drops, (unsigned long long)d->write_errors, (unsigned long long)d->max_count);
}

int main(int argc, char **argv) {
  if (argc != 9) {
    fprintf(stderr, "usage: linkemu NS_A DEV_A NS_B DEV_B DELAY_US RATE_BPS LIMIT MTU\n");
    return 2;
  }
  delay_ns = strtoull(argv[5], NULL, 10) * 1000ull;
  rate_bps = strtoull(argv[6], NULL, 10);
  limit = (uint32_t)strtoul(argv[7], NULL, 10);
  mtu = (uint32_t)strtoul(argv[8], NULL, 10);
  if (rate_bps == 0 || limit == 0 || mtu < 576 || mtu > 65535) {
    fprintf(stderr, "linkemu: bad RATE_BPS, LIMIT or MTU\n");
    return 2;
  }
  int fa = open_tun(argv[1], argv[2]);
  int fb = open_tun(argv[3], argv[4]);
  direction ab = {.name = "a->b", .in_fd = fa, .out_fd = fb};
  direction ba = {.name = "b->a", .in_fd = fb, .out_fd = fa};
  direction *dirs[2] = {&ab, &ba};
  for (int i = 0; i < 2; i++) {
    dirs[i]->buf = malloc((size_t)limit * mtu);
    dirs[i]->meta = calloc(limit, sizeof(slot_meta));
    if (!dirs[i]->buf || !dirs[i]->meta) die("malloc");
  }
  int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (tfd < 0 || ep < 0) die("timerfd/epoll");
  struct epoll_event ev = {.events = EPOLLIN};
  ev.data.u32 = 0; if (epoll_ctl(ep, EPOLL_CTL_ADD, fa, &ev) < 0) die("epoll_ctl");
  ev.data.u32 = 1; if (epoll_ctl(ep, EPOLL_CTL_ADD, fb, &ev) < 0) die("epoll_ctl");
  ev.data.u32 = 2; if (epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) < 0) die("epoll_ctl");
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  printf("ready\n");
  fflush(stdout);
  struct epoll_event evs[8];
  while (!stop) {
    int n = epoll_wait(ep, evs, 8, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      die("epoll_wait");
    }
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 == 0) take_in(&ab);
      else if (evs[i].data.u32 == 1) take_in(&ba);
      else { uint64_t x; if (read(tfd, &x, sizeof x) < 0 && errno != EAGAIN) die("read timerfd"); }
    }
    uint64_t now = now_ns();
    give_out(&ab, now);
    give_out(&ba, now);
    arm(tfd, &ab, &ba);
  }
  report(&ab);
  report(&ba);
  return 0;
}
