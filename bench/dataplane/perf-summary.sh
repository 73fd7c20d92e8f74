#!/usr/bin/env bash
# bench/dataplane/perf-summary.sh PERF_DATA LABEL - where one process's CPU went, from
# `perf record -g` (cpu-clock): a markdown table of categories, each the % of the
# process's samples and the CPU seconds that makes at the sampling rate.
# Kernel rows are the kernel frames below that entry point (perf's "children" %);
# user-space rows are self time by library or symbol.
set -uo pipefail
data=$1 label=$2
freq=$(perf report -i "$data" --header-only 2>/dev/null | sed -n 's/.*sample_freq } = \([0-9]*\).*/\1/p' | head -1)
freq=${freq:-499}
samples=$(perf report -i "$data" --stdio --no-children -n -g none --sort dso 2>/dev/null | awk '/^ +[0-9]/ {n += $2} END {print n + 0}')
children=$(perf report -i "$data" --children --sort sym -g none --percent-limit 0 2>/dev/null)
selfs=$(perf report -i "$data" --no-children --sort dso,sym -g none --percent-limit 0 2>/dev/null)
# children % of a kernel symbol (exact name)
kc() { awk -v s="$1" '$3 == "[k]" && $4 == s {gsub("%", "", $1); print $1; exit}' <<< "$children"; }
total=$(awk '/^ +[0-9]/ {gsub("%", "", $1); t += $1} END {print t}' <<< "$selfs")
kernel=$(awk '/^ +[0-9]/ && $2 == "[kernel.kallsyms]" {gsub("%", "", $1); t += $1} END {printf "%.2f", t}' <<< "$selfs")
user_cat() { # AWK_CONDITION over $2 (dso) and $0 -> summed self %
  awk "/^ +[0-9]/ && \$2 != \"[kernel.kallsyms]\" && ($1) {gsub(\"%\", \"\", \$1); t += \$1} END {printf \"%.2f\", t}" <<< "$selfs"
}
xxh=$(user_cat '$2 ~ /xxhash/')
memcpy=$(user_cat '$0 ~ /__memmove|__memcpy/')
gc=$(user_cat '$0 ~ /v8::internal::.*(Mark|Sweep|Scaveng|Evacuat|Marking|Concurrent|Heap::|MemoryChunk|RememberedSet|ArrayBufferSweeper)|std::__detail::_Map_base<v8::internal::MemoryChunk/')
malloc=$(user_cat '$0 ~ /(_int_malloc|_int_free|malloc|free|cfree|realloc|malloc_consolidate)$/')
cpu() { awk -v p="$1" -v n="$samples" -v f="$freq" 'BEGIN {printf "%.2f", p / 100 * n / f}'; }
printf '\n%s: %s samples (~%s CPU s)\n\n' "$label" "$samples" "$(cpu 100)"
echo '| where | % | CPU s |'
echo '| --- | ---: | ---: |'
line() { awk -v v="${2:-0}" 'BEGIN {exit !(v >= 0.05)}' && printf '| %s | %.1f | %s |\n' "$1" "$2" "$(cpu "$2")"; }
sum=0
for pair in "tmpfs write (pwrite)|shmem_file_write_iter" "tmpfs read (pread)|shmem_file_read_iter" \
            "socket send (tcp_sendmsg)|tcp_sendmsg" "socket receive (tcp_recvmsg)|tcp_recvmsg" "page faults|asm_exc_page_fault" \
            "epoll_wait|__x64_sys_epoll_pwait" "futex (thread wake-ups)|__x64_sys_futex"; do
  v=$(kc "${pair#*|}"); v=${v:-0}
  line "kernel: ${pair%|*}" "$v"
  sum=$(awk -v a="$sum" -v b="$v" 'BEGIN {print a + b}')
done
line "kernel: the rest (softirq, scheduler, other system calls)" "$(awk -v k="$kernel" -v s="$sum" 'BEGIN {printf "%.2f", k - s}')"
line "user: xxh3 hashing (@node-rs/xxhash)" "$xxh"
line "user: memcpy/memmove (Buffer.concat, copies)" "$memcpy"
line "user: malloc/free" "$malloc"
line "user: V8 garbage collector" "$gc"
line "user: everything else (JS, V8 runtime, libuv, Node)" "$(awk -v t="$total" -v k="$kernel" -v a="$xxh" -v b="$memcpy" -v c="$gc" -v d="$malloc" 'BEGIN {printf "%.2f", t - k - a - b - c - d}')"
