#!/bin/sh
# Compile every guest-ABI header (include/public) on its own, as C99, as
# C++11 and as assembly, so that each one includes what it needs, uses no
# compiler-specific C, and keeps its C parts behind __ASSEMBLER__.
# Usage: tools/headers-check.sh SCRATCH_DIR   (run from the repository root)
set -u
out=${1:?usage: headers-check.sh SCRATCH_DIR}
CC=${HDRCHK_CC:-gcc}
CXX=${HDRCHK_CXX:-g++}
root=$(pwd)

rm -rf "$out" && mkdir -p "$out" || exit 1
n=0
fail=0
for h in $(find include/public -name '*.h' | sort); do
    base=$out/$(echo "$h" | tr '/.' '__')
    # Include twice (guards) and declare something (ISO C forbids an empty
    # unit, and some headers hold only constants).
    printf '#include "%s"\n#include "%s"\ntypedef int headers_check_unit;\n' \
        "$root/$h" "$root/$h" > "$base.c"
    cp "$base.c" "$base.cc"
    $CC -std=c99 -Wall -Wextra -Werror -pedantic -c "$base.c" -o "$base.o" ||
        { echo "headers-check: $h fails as C99"; fail=1; }
    $CXX -std=c++11 -Wall -Werror -c "$base.cc" -o "$base.oo" ||
        { echo "headers-check: $h fails as C++11"; fail=1; }
    $CC -D__ASSEMBLER__ -x assembler-with-cpp -c "$h" -o "$base.S.o" ||
        { echo "headers-check: $h fails as assembly"; fail=1; }
    n=$((n + 1))
done
[ $fail -eq 0 ] || exit 1
echo "headers-check: $n headers compile alone as C99, C++11 and assembly"
