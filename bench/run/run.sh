#!/usr/bin/env bash
# Start-to-exit latency of a sandboxed /bin/true, ringfence against its
# peers, and the supervisor's peak RSS. Writes a Markdown table to stdout
# (paste it into BENCHMARKS.md, section "Run").
#
#   bench/run/run.sh [RUNS]        (default 100 runs per command; needs root)
#
# Needs: hyperfine, bubblewrap, util-linux (unshare), /usr/bin/time
# (Debian packages hyperfine, bubblewrap, time); it installs the missing
# ones with apt-get.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-100}
need=()
command -v hyperfine >/dev/null || need+=(hyperfine)
command -v runc >/dev/null || need+=(runc)
command -v crun >/dev/null || need+=(crun)
command -v firejail >/dev/null || need+=(firejail)
[ -x /bin/busybox ] || need+=(busybox-static)
command -v bwrap >/dev/null || need+=(bubblewrap)
[ -x /usr/bin/time ] || need+=(time)
if [ ${#need[@]} -gt 0 ]; then
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Static: no dynamic loader and libc pages in the supervisor's RSS
# (4.5 MiB peak instead of 5.1 MiB with the default dynamic cgo build).
go build -ldflags '-linkmode external -extldflags -static' -o "$tmp/runbench" ./bench/run/runbench
go build -o "$tmp/mkfilter" ./bench/run/mkfilter
go build -ldflags '-linkmode external -extldflags -static' -o "$tmp/ringfence" ./cmd/ringfence 2>/dev/null || true
go build -o "$tmp/alternate" ./bench/run/alternate
"$tmp/mkfilter" "$tmp/default.bpf"
# bwrap reads its filter from an fd. Two ways to open it: a /bin/sh wrapper
# (one dash start, as the previous runs measured it), and fd9exec, a static
# C program that opens the file on fd 9 and execs (a few hundred us): the
# reference for the ratios, the stricter of the two.
printf '#!/bin/sh\nexec bwrap --unshare-all --die-with-parent --new-session --ro-bind / / --proc /proc --dev /dev --seccomp 9 /bin/true 9<%s\n' "$tmp/default.bpf" >"$tmp/bwrap-seccomp"
chmod +x "$tmp/bwrap-seccomp"
cat >"$tmp/fd9exec.c" <<'C'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv) {
	if (argc < 3) return 2;
	int fd = open(argv[1], O_RDONLY);
	if (fd < 0 || dup2(fd, 9) < 0) { perror(argv[1]); return 2; }
	execvp(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
C
gcc -O2 -static -o "$tmp/fd9exec" "$tmp/fd9exec.c"
# An OCI bundle for runc and crun: a busybox root running /bin/true, with
# the runtimes' default namespaces. The "+ seccomp" rows use ringfence's
# default policy exported as an OCI profile.
bundle() { # DIR [SECCOMP_JSON]
  mkdir -p "$1/rootfs/bin" && cp /bin/busybox "$1/rootfs/bin/" && ln -sf busybox "$1/rootfs/bin/true"
  (cd "$1" && runc spec && python3 - "$2" <<'PY'
import json, sys
c = json.load(open("config.json"))
c["process"]["args"] = ["/bin/true"]; c["process"]["terminal"] = False
if sys.argv[1]:
    c["linux"]["seccomp"] = json.load(open(sys.argv[1]))
json.dump(c, open("config.json", "w"))
PY
  )
}
"$tmp/ringfence" export default --format oci -o "$tmp/default.json" 2>/dev/null
bundle "$tmp/oci" ""
bundle "$tmp/oci-seccomp" "$tmp/default.json"
# crun refuses this machine's hybrid cgroup layout: run it where the empty
# cgroup2 mount is out of sight (a private mount namespace; costs one unshare).
printf '#!/bin/sh\nexec unshare -m sh -c "umount /sys/fs/cgroup/unified 2>/dev/null; exec crun run --bundle $1 rf-crun-$$"\n' >"$tmp/crun-run"
chmod +x "$tmp/crun-run"
cd /

bwrapArgs="bwrap --unshare-all --die-with-parent --new-session --ro-bind / / --proc /proc --dev /dev"
cmds=(
  "/bin/true"
  "unshare -Urmpnui --fork /bin/true"
  "$bwrapArgs /bin/true"
  "$tmp/fd9exec $tmp/default.bpf $bwrapArgs --seccomp 9 /bin/true"
  "$tmp/bwrap-seccomp"
  "$tmp/runbench -filter $tmp/default.bpf -- /bin/true"
  "$tmp/runbench -notify -filter $tmp/default.bpf -- /bin/true"
  "$tmp/runbench -no-prefork -filter $tmp/default.bpf -- /bin/true"
)
names=("bare /bin/true" "unshare -Urmpnui --fork" "bwrap --unshare-all" "bwrap --unshare-all + seccomp (ringfence default; fd9exec)" "bwrap --unshare-all + seccomp (ringfence default; /bin/sh wrapper)" "ringfence runner (library, runbench)" "ringfence runner with a notify listener (runbench -notify)" "ringfence runner, init forked from Go (runbench -no-prefork)")
# The CLI right after the runner, before the peers that leave work behind
# them (runc's and firejail's namespaces are torn down after they exit):
# measured last, it paid for theirs.
if [ -x "$tmp/ringfence" ]; then
  cmds+=("$tmp/ringfence run -- /bin/true")
  names+=("ringfence run (CLI)")
fi
cmds+=("runc run --bundle $tmp/oci rf-runc" "runc run --bundle $tmp/oci-seccomp rf-runc-s" "$tmp/crun-run $tmp/oci" "$tmp/crun-run $tmp/oci-seccomp" "firejail --quiet --noprofile /bin/true" "firejail --quiet /bin/true")
names+=("runc" "runc + seccomp (ringfence default as OCI)" "crun (private mount ns)" "crun + seccomp (ringfence default as OCI)" "firejail --noprofile" "firejail (default profile)")
args=()
for c in "${cmds[@]}"; do args+=("$c"); done
hyperfine -N -w 10 -r "$runs" --export-json "$tmp/h.json" "${args[@]}" >&2

rss() { # peak RSS of the measured process itself, in KiB (median of 10)
  for _ in $(seq 10); do /usr/bin/time -f %M bash -c "$1" 2>&1 >/dev/null | tail -1; done | sort -n | sed -n 5p
}
echo "Load average while measuring: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs."
echo
echo "| command | median ms | min ms | mean ± σ ms | user+sys CPU ms | median ratio to bwrap + seccomp |"
echo "|---|---|---|---|---|---|"
python3 - "$tmp/h.json" "${names[@]}" <<'PY'
import json, sys
h = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
ref = h[3]["median"]
for n, r in zip(names, h):
    print(f"| {n} | {r['median']*1e3:.1f} | {r['min']*1e3:.1f} | {r['mean']*1e3:.1f} ± {r['stddev']*1e3:.1f} | {(r['user']+r['system'])*1e3:.1f} | {r['median']/ref:.2f} |")
PY
echo
echo "Round-robin, the same rows without the other peers (bench/run/alternate: one run of each command in turn, $runs rounds, so drift moves them alike; the first row is the reference):"
echo
cli=()
[ -x "$tmp/ringfence" ] && cli=("$tmp/ringfence run -- /bin/true")
"$tmp/alternate" -n "$runs" -- "${cmds[3]}" "${cmds[4]}" "${cmds[2]}" "${cmds[5]}" "${cmds[6]}" "${cmds[7]}" "${cli[@]}"
echo
echo "Supervisor peak RSS (VmHWM of the supervisor process, median of 10):"
echo
for i in 1 2 3; do "$tmp/runbench" -rss -filter "$tmp/default.bpf" -- /bin/true; done 2>&1 | grep VmHWM | sort | sed -n 2p | sed 's/^/    runbench /'
echo "    bwrap (time -f %M, KiB): $(rss "bwrap --unshare-all --die-with-parent --new-session --ro-bind / / --proc /proc --dev /dev /bin/true")"
echo
echo "Stage costs (runbench -timings, 20 runs, median per stage):"
echo
for i in $(seq 20); do "$tmp/runbench" -timings -filter "$tmp/default.bpf" -- /bin/true; done 2>&1 | python3 -c '
import sys, re, statistics
from collections import defaultdict
st = defaultdict(list); order = []
def ms(v):
    m = re.match(r"(-?[0-9.]+)(ns|µs|ms|s)$", v); x = float(m.group(1))
    return x * {"ns": 1e-6, "µs": 1e-3, "ms": 1, "s": 1e3}[m.group(2)]
for line in sys.stdin:
    if not line.startswith("timings:"): continue
    for kv in line.split()[1:]:
        k, v = kv.split("=")
        if k not in order: order.append(k)
        st[k].append(ms(v))
print("| stage | median ms |"); print("|---|---|")
for k in order: print(f"| {k} | {statistics.median(st[k]):.2f} |")
'
