#!/usr/bin/env bash
# The cost of ringfence's detection modes on a syscall-heavy real workload
# (tar of /usr/include, /usr/share/doc and the Python 3.11 library to
# /dev/null: ~30k files, a few syscalls each),
# side by side in one hyperfine run:
#   bare            no sandbox
#   plain           ringfence run with the default policy (denials reported)
#   complain        the same with --complain (nothing is denied here, so it
#                   must cost the same: the filter only notifies on denials)
#   learn           ringfence learn: every syscall goes to the supervisor
# Usage: bench/detect/run.sh [RUNS]   (needs hyperfine; run as root)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs="${1:-10}"
command -v hyperfine >/dev/null || { apt-get install -y -qq hyperfine >/dev/null; }
go build -o /tmp/ringfence-bench ./cmd/ringfence
rf=/tmp/ringfence-bench
work="tar -cf /dev/null -C /usr include share/doc lib/python3.11"
out="$(mktemp -d)"
hyperfine -N --warmup 2 --runs "$runs" --export-json "$out/detect.json" \
  -n bare "$work" \
  -n plain "$rf run -- $work" \
  -n complain "$rf run --complain -- $work" \
  -n learn "$rf learn -o $out/tar.policy -- $work"
python3 - "$out/detect.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
base, plain = r["bare"]["median"], r["plain"]["median"]
print("| mode | median (ms) | vs bare | vs plain policy |")
print("|---|---:|---:|---:|")
for name in ["bare", "plain", "complain", "learn"]:
    m = r[name]["median"]
    print(f"| {name} | {m*1000:.1f} | {m/base:.2f} | {m/plain:.2f} |")
PY
