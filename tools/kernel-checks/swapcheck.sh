#!/usr/bin/env bash
# Can swap be enabled here?  mkswap + swapon on a 64 MiB swapfile in a
# temporary directory on a disk-backed filesystem, then swapoff and delete it
# again (also on error or interrupt).  Prints what happened; never leaves swap
# enabled or the file behind.
set -uo pipefail

dir="$(mktemp -d /var/tmp/kc-swap.XXXXXX)"
file="$dir/swapfile"
on=0
cleanup() {
	if ((on)); then swapoff "$file" 2>&1 | sed 's/^/  swapoff: /'; fi
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

echo
echo "=== swapcheck: mkswap + swapon on a 64 MiB file ==="
echo "  filesystem: $(stat -f -c %T "$dir"), /proc/swaps before: $(($(wc -l </proc/swaps) - 1)) entries"
# dd, not fallocate: a swapfile must not have holes or unwritten extents
dd if=/dev/zero of="$file" bs=1M count=64 status=none && chmod 600 "$file"
if out="$(mkswap "$file" 2>&1)"; then
	echo "  mkswap: ok"
else
	echo "  mkswap: FAILED: $out"
	exit 0
fi
if out="$(swapon "$file" 2>&1)"; then
	on=1
	echo "  swapon: ok (swap CAN be enabled here)"
	grep -F "$file" /proc/swaps | sed 's/^/  \/proc\/swaps: /'
	swapoff "$file" && on=0 && echo "  swapoff: ok"
else
	echo "  swapon: FAILED: $out"
fi
echo "  /proc/swaps after: $(($(wc -l </proc/swaps) - 1)) entries; swapfile removed"
