#!/usr/bin/env bash
# Build and run the vmscope kernel checks: each experiment is compiled with
# gcc -O0 and -O2 (-Wl,-z,now: no lazy binding inside a measurement) into a
# temporary directory and run; all output goes to stdout.
#
#   bash tools/kernel-checks/run.sh            # both -O0 and -O2
#   bash tools/kernel-checks/run.sh O0         # one level only
#   bash tools/kernel-checks/run.sh > tools/kernel-checks/RESULTS.txt
#   KC_ONLY='exp1[3-8]' bash tools/kernel-checks/run.sh   # names matching a regex
#
# Run as root to get PFNs from /proc/self/pagemap (used to show COW reuse
# and the shared zero page); without root they print as 0x0.
#
# exp13-exp18 (page cache) create their 4 MiB test files in a temporary
# directory under /var/tmp or /tmp (whichever is not tmpfs) and delete them.
# At the end swapcheck.sh tries mkswap + swapon on a 64 MiB swapfile (root
# only) and turns it off and deletes it again.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
levels=("${@:-O0 O2}")
read -r -a levels <<<"${levels[*]}"
build="$(mktemp -d /tmp/kernel-checks.XXXXXX)"
trap 'rm -rf "$build"' EXIT

# experiment source (without .c) and the argument lists to run it with
runs=(
	"exp01_malloc_1mib:first warm"
	"exp02_first_malloc:cold warm snprintf"
	"exp03_heap_mallocs:-"
	"exp04_anon_read_write:isolated plain"
	"exp05_fork_cow:-"
	"exp06_map_populate:-"
	"exp07_sigsegv:-"
	"exp08_madv_dontneed:-"
	"exp09_stack_growth:direct read alloca recurse"
	"exp10_shared_anon:-"
	"exp11_page_cross:-"
	"exp12_malloc_memset0:-"
	"exp13_file_cached_read:4k-writes readahead 1-write"
	"exp14_file_cold_mmap:random normal sequential"
	"exp15_file_private_write:-"
	"exp16_file_shared_write:-"
	"exp17_file_read_syscall:-"
	"exp18_file_sigbus_eof:-"
	"exp19_anon_thp_align:-"
	"exp21_anon_thp_faults:-"
)

echo "# vmscope kernel checks"
echo "date:      $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "kernel:    $(uname -srm)"
echo "glibc:     $(ldd --version | head -n1)"
echo "gcc:       $(gcc --version | head -n1)"
echo "page size: $(getconf PAGESIZE)"
echo "THP enabled:        $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo n/a)"
echo "THP shmem_enabled:  $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled 2>/dev/null || echo n/a)"
echo "overcommit_memory:  $(cat /proc/sys/vm/overcommit_memory)"
echo "stack rlimit:       $(ulimit -s) KiB"
echo "uid:                $(id -u) (0 = pagemap PFNs visible)"

for lvl in "${levels[@]}"; do
	echo
	echo "################ gcc -${lvl} ################"
	for r in "${runs[@]}"; do
		src="${r%%:*}"
		args="${r#*:}"
		[[ -z "${KC_ONLY:-}" || "$src" =~ ${KC_ONLY} ]] || continue
		gcc "-${lvl}" -Wall -Wextra -Wl,-z,now -o "$build/$src.$lvl" "$here/$src.c"
		for a in $args; do
			if [[ "$a" == "-" ]]; then
				"$build/$src.$lvl"
			else
				"$build/$src.$lvl" "$a"
			fi
		done
	done
	# exp20 is a 32-bit program (gcc -m32: needs gcc-multilib), run with
	# randomisation off to show the compat layout vmscope's 32-bit designs use.
	if [[ -z "${KC_ONLY:-}" || "exp20_compat32_layout" =~ ${KC_ONLY} ]]; then
		if gcc -m32 "-${lvl}" -Wall -Wextra -Wl,-z,now -o "$build/exp20.$lvl" \
			"$here/exp20_compat32_layout.c" 2>/dev/null; then
			setarch -R "$build/exp20.$lvl"
		else
			echo "exp20: gcc -m32 cannot build (install gcc-multilib); skipped"
		fi
	fi
	# gcc -O2 turns malloc+memset(0) into calloc; show what exp12 calls.
	[[ -e "$build/exp12_malloc_memset0.$lvl" ]] || continue
	echo
	echo "exp12 -${lvl}: calls made by alloc_zeroed():"
	objdump -d "$build/exp12_malloc_memset0.$lvl" |
		awk '/^[0-9a-f]+ <alloc_zeroed/{f=1} f&&/^$/{f=0} f' |
		grep -oE '(call|jmp) +[0-9a-f]+ <[a-z_]+@plt>' | sed 's/^/  /' || true
done

bash "$here/swapcheck.sh"
