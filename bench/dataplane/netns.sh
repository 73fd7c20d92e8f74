#!/usr/bin/env bash
# bench/dataplane/netns.sh - an emulated wide-area link between two network namespaces,
# RTT_MS round trip (half of it each way) at RATE each way.
#   netns.sh up      make them (replaces leftovers of an earlier run)
#   netns.sh down    remove them (the namespaces' sysctls go with them)
#   netns.sh show    link, TCP sysctls inside the namespaces, ping RTT
# Two ways to make the link (LINK=auto tries netem first):
#   netem    a veth pair, `tc qdisc add dev X root netem delay RTT/2 rate RATE limit
#            NETEM_LIMIT` on both ends (the issue's recipe)
#   linkemu  for kernels without sch_netem: one TUN device in each namespace and
#            linkemu.c between them, a user-space FIFO link with the same delay, rate and
#            packet limit on each direction (MTU LINK_MTU); it runs under SCHED_FIFO so
#            that the 2 cores' other work delays its timer as little as possible
# Variables: NS_A, NS_B (bdp-snd, bdp-rcv), ADDR_A, ADDR_B (10.251.0.1, .2), RTT_MS (50),
# RATE_MBIT (1000), NETEM_LIMIT (100000 packets; the queue must hold a BDP: 1 Gbit/s x
# 50 ms = 6.25 MB), LINK_MTU (9000, linkemu only), LINKEMU_BIN, STATE_DIR (pid file),
# TCP_MAX_BUF (empty: the namespaces' own defaults; else the third field of tcp_rmem
# and tcp_wmem inside both namespaces, which are per-namespace sysctls).
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS_A=${NS_A:-bdp-snd}
NS_B=${NS_B:-bdp-rcv}
ADDR_A=${ADDR_A:-10.251.0.1}
ADDR_B=${ADDR_B:-10.251.0.2}
RTT_MS=${RTT_MS:-50}
RATE_MBIT=${RATE_MBIT:-1000}
NETEM_LIMIT=${NETEM_LIMIT:-100000}
LINK=${LINK:-auto}
LINK_MTU=${LINK_MTU:-9000}
STATE_DIR=${STATE_DIR:-/tmp/barge-dataplane}
LINKEMU_BIN=${LINKEMU_BIN:-$STATE_DIR/linkemu}
LINKEMU_LIMIT=${LINKEMU_LIMIT:-10000}
TCP_MAX_BUF=${TCP_MAX_BUF:-}
DEV_A=${NS_A}-v
DEV_B=${NS_B}-v
PIDFILE=$STATE_DIR/linkemu.pid

say() { printf 'netns.sh: %s\n' "$*" >&2; }

down() {
  if [[ -s $PIDFILE ]]; then
    local pid; pid=$(cat "$PIDFILE")
    # only the emulator this script started (its pid file), and only if it is still linkemu
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == linkemu ]]; then
      kill -TERM "$pid" 2>/dev/null
      for _ in 1 2 3 4 5 6 7 8 9 10; do [[ -e /proc/$pid ]] || break; sleep 0.2; done
    fi
    rm -f "$PIDFILE"
  fi
  ip netns del "$NS_A" 2>/dev/null
  ip netns del "$NS_B" 2>/dev/null
  return 0
}

half_us() { echo $((RTT_MS * 1000 / 2)); }

sysctls() {
  [[ -n $TCP_MAX_BUF ]] || return 0
  local ns
  for ns in "$NS_A" "$NS_B"; do
    ip netns exec "$ns" sysctl -q -w "net.ipv4.tcp_rmem=4096 131072 $TCP_MAX_BUF" "net.ipv4.tcp_wmem=4096 16384 $TCP_MAX_BUF" \
      || { say "cannot set tcp_rmem/tcp_wmem in $ns"; return 1; }
  done
}

up_netem() {
  ip link add "$DEV_A" netns "$NS_A" type veth peer name "$DEV_B" netns "$NS_B" || { say "cannot create the veth pair"; return 1; }
  ip -n "$NS_A" addr add "$ADDR_A/24" dev "$DEV_A"
  ip -n "$NS_B" addr add "$ADDR_B/24" dev "$DEV_B"
  ip -n "$NS_A" link set "$DEV_A" up
  ip -n "$NS_B" link set "$DEV_B" up
  local d; d=$(half_us)
  tc -n "$NS_A" qdisc add dev "$DEV_A" root netem delay "${d}us" rate "${RATE_MBIT}mbit" limit "$NETEM_LIMIT" 2>"$STATE_DIR/tc.err" || return 3
  tc -n "$NS_B" qdisc add dev "$DEV_B" root netem delay "${d}us" rate "${RATE_MBIT}mbit" limit "$NETEM_LIMIT" 2>>"$STATE_DIR/tc.err" || return 3
  echo netem > "$STATE_DIR/link.kind"
}

up_linkemu() {
  ip -n "$NS_A" link del "$DEV_A" 2>/dev/null
  local src=$HERE/linkemu.c
  if [[ ! -x $LINKEMU_BIN || $src -nt $LINKEMU_BIN ]]; then
    command -v cc >/dev/null || { say "linkemu needs a C compiler (Debian: gcc)"; return 1; }
    cc -O2 -Wall -o "$LINKEMU_BIN" "$src" || { say "cannot build $src"; return 1; }
  fi
  local prio=()
  rm -f "$STATE_DIR/linkemu.out"
  command -v chrt >/dev/null && prio=(chrt -f 20)
  "${prio[@]}" "$LINKEMU_BIN" "$NS_A" "$DEV_A" "$NS_B" "$DEV_B" "$(half_us)" "$((RATE_MBIT * 1000000))" "$LINKEMU_LIMIT" "$LINK_MTU" \
    > "$STATE_DIR/linkemu.out" 2> "$STATE_DIR/linkemu.log" < /dev/null &
  echo $! > "$PIDFILE"
  local i
  for ((i = 0; i < 50; i++)); do
    grep -q ready "$STATE_DIR/linkemu.out" 2>/dev/null && break
    [[ -e /proc/$(cat "$PIDFILE") ]] || { say "linkemu exited: $(cat "$STATE_DIR/linkemu.log")"; return 1; }
    sleep 0.1
  done
  grep -q ready "$STATE_DIR/linkemu.out" 2>/dev/null || { say "linkemu is not ready"; return 1; }
  ip -n "$NS_A" addr add "$ADDR_A" peer "$ADDR_B" dev "$DEV_A" || return 1
  ip -n "$NS_B" addr add "$ADDR_B" peer "$ADDR_A" dev "$DEV_B" || return 1
  ip -n "$NS_A" link set "$DEV_A" mtu "$LINK_MTU" txqueuelen 10000 up || return 1
  ip -n "$NS_B" link set "$DEV_B" mtu "$LINK_MTU" txqueuelen 10000 up || return 1
  echo "linkemu mtu $LINK_MTU limit $LINKEMU_LIMIT" > "$STATE_DIR/link.kind"
}

up() {
  mkdir -p "$STATE_DIR"
  down
  ip netns add "$NS_A" && ip netns add "$NS_B" || { say "cannot create namespaces"; return 1; }
  ip -n "$NS_A" link set lo up
  ip -n "$NS_B" link set lo up
  local rc=3
  if [[ $LINK == auto || $LINK == netem ]]; then
    up_netem; rc=$?
    if [[ $rc == 3 ]]; then
      say "tc netem is not available here ($(head -1 "$STATE_DIR/tc.err"))"
      [[ $LINK == netem ]] && { down; return 1; }
    elif [[ $rc != 0 ]]; then down; return 1; fi
  fi
  if [[ $rc == 3 ]]; then
    say "using linkemu (user-space delay line and rate limit over TUN devices)"
    up_linkemu || { down; return 1; }
  fi
  sysctls || { down; return 1; }
  ip netns exec "$NS_A" ping -c 1 -W 2 "$ADDR_B" >/dev/null || { say "no ping across the link"; down; return 1; }
}

show() {
  echo "link: $(cat "$STATE_DIR/link.kind" 2>/dev/null), RTT $RTT_MS ms, $RATE_MBIT Mbit/s each way"
  for ns in "$NS_A" "$NS_B"; do
    echo "[$ns] $(tc -n "$ns" qdisc show 2>/dev/null | grep -E 'netem' | head -1)"
    echo "[$ns] $(ip netns exec "$ns" sysctl net.ipv4.tcp_rmem net.ipv4.tcp_wmem net.ipv4.tcp_congestion_control net.ipv4.tcp_slow_start_after_idle net.core.rmem_max net.core.wmem_max 2>&1 | tr '\n\t' '; ')"
  done
  echo "ping $NS_A -> $NS_B: $(ip netns exec "$NS_A" ping -c 5 -i 0.2 -q "$ADDR_B" | tail -1)"
}

case ${1:-} in
  up) up ;;
  down) down ;;
  show) show ;;
  *) echo "usage: netns.sh up|down|show" >&2; exit 2 ;;
esac
