#!/bin/sh
# Worker benchmarks (BENCHMARKS.md, section Worker): requests through a
# pipe-isolated worker versus the same parser in process (a Go port) and
# versus a new sandbox per request. Needs root (or user namespaces), gcc and
# libc6-dev. The benchmarks live in package worker (bench_linux_test.go).
set -eu
cd "$(dirname "$0")/../.."
exec go test ./worker/ -run '^$' -bench . -benchtime "${BENCHTIME:-2s}" -count "${COUNT:-3}" "$@"
