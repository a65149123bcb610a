#!/usr/bin/env bash
# Compare vmscope's Cachegrind model with valgrind's cachegrind on a few small C programs.
#
#   tools/cachegrind-check/run.sh [--markdown] [WORKDIR]
#
# For each program: one lackey trace (valgrind --tool=lackey --trace-mem=yes), then for each
# cache geometry a real cachegrind run (valgrind --tool=cachegrind --cache-sim=yes) and
# `vmscope replay TRACE --cache-model cachegrind` on the trace, and the two sets of counts side
# by side. Needs gcc, valgrind and a built vmscope (npm run build). Traces, logs and JSON stay
# in WORKDIR (default /tmp/cachegrind-check). --markdown prints the table of docs/cachegrind.md.
set -euo pipefail

format=()
if [[ ${1-} == --markdown ]]; then
  format=(--markdown)
  shift
fi

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-${TMPDIR:-/tmp}/cachegrind-check}
mkdir -p "$work/bin"

for tool in gcc valgrind node; do
  command -v "$tool" >/dev/null || { echo "run.sh: $tool is not installed" >&2; exit 2; }
done

# Every run gets the same environment and directory: the client's stack addresses depend on the
# size of its environment, and a shifted stack changes which lines collide in the caches.
clean=(env -i PATH=/usr/bin:/bin LANG=C)
# Valgrind runs one thread at a time; with --fair-sched=yes the next thread is chosen in a fixed
# order instead of by whichever the kernel wakes first, so both tools see the same interleaving.
valgrind=(valgrind --fair-sched=yes)

# NAME|COMMAND: the programs and their arguments.
programs=(
  "matmul-ikj|matmul ikj 64"
  "matmul-jki|matmul jki 64"
  "sort|sort 20000"
  "list|list 20000 4"
  "copy|copy 262144 4"
  "fxsave|fxsave"
  "threads|threads"
)
# NAME|OPTIONS: the geometries (empty: what cachegrind picks on this host).
geometries=(
  "host|"
  "small|--I1=32768,8,64 --D1=32768,8,64 --LL=1048576,16,64"
  "mixed|--I1=16384,4,32 --D1=16384,2,32 --LL=262144,8,128"
)

for source in matmul sort list copy fxsave threads; do
  gcc -O2 -pthread -o "$work/bin/$source" "$here/$source.c"
done

vmscope=(node "$root/packages/cli/bin/vmscope.js")
if ! "${vmscope[@]}" replay --help 2>/dev/null | grep -q -- "--cache-model"; then
  echo "run.sh: this vmscope has no replay --cache-model; build it first (npm run build)" >&2
  exit 2
fi
replay() { "${vmscope[@]}" replay "$1" --cache-model cachegrind "${@:2}"; }

cd "$work"
rows=()
for program in "${programs[@]}"; do
  name=${program%%|*}
  read -r -a command <<<"${program#*|}"
  command[0]="$work/bin/${command[0]}"
  echo "== $name: lackey trace" >&2
  "${clean[@]}" "${valgrind[@]}" --tool=lackey --trace-mem=yes --log-file="$name.lackey" \
    "${command[@]}" >/dev/null
  gzip -f -1 "$name.lackey"
  for geometry in "${geometries[@]}"; do
    label=${geometry%%|*}
    read -r -a options <<<"${geometry#*|}"
    echo "== $name, $label: cachegrind and vmscope" >&2
    "${clean[@]}" "${valgrind[@]}" --tool=cachegrind --cache-sim=yes "${options[@]}" \
      --cachegrind-out-file="$name.$label.cachegrind" --log-file="$name.$label.cachegrind.log" \
      "${command[@]}" >/dev/null
    replay "$name.lackey.gz" "${options[@]}" --json >"$name.$label.vmscope.json"
    rows+=("$name" "$label" "$name.$label.cachegrind" "$name.$label.vmscope.json")
  done
done

node "$here/compare.mjs" "${format[@]}" "${rows[@]}"
