#!/usr/bin/env bash
# Rebuild the fixture of the CLI test packages/cli/test/replay_cachegrind.test.ts: the lackey
# trace of tiny.c (a program without the C library, about 3,000 accesses) and what
# `valgrind --tool=cachegrind --cache-sim=yes` prints for it with two cache geometries.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fixtures=$(cd "$here/../.." && pwd)/packages/cli/test/fixtures/cachegrind
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$fixtures"

gcc -O1 -static -nostdlib -fno-pie -no-pie -o "$work/tiny" "$here/tiny.c"
cd "$work"
env -i PATH=/usr/bin:/bin valgrind --tool=lackey --trace-mem=yes --log-file=tiny.lackey ./tiny
cp tiny.lackey "$fixtures/tiny.lackey"

# NAME|OPTIONS
geometries=(
  "a|--I1=1024,2,64 --D1=4096,4,64 --LL=16384,4,64"
  "b|--I1=1024,2,64 --D1=2048,2,32 --LL=8192,4,128"
)
for geometry in "${geometries[@]}"; do
  name=${geometry%%|*}
  read -r -a options <<<"${geometry#*|}"
  env -i PATH=/usr/bin:/bin valgrind --tool=cachegrind --cache-sim=yes "${options[@]}" \
    --cachegrind-out-file=/dev/null --log-file=cachegrind.log ./tiny
  # The summary lines, without valgrind's ==PID== prefix.
  { echo "# valgrind --tool=cachegrind --cache-sim=yes ${options[*]} ./tiny"
    sed -n 's/^==[0-9]*== \{0,1\}//p' cachegrind.log | sed -n '/^I   refs:/,$p'
  } >"$fixtures/tiny.$name.cachegrind.txt"
done
ls -l "$fixtures"
