#!/usr/bin/env bash
# Make sure the Debian packages a Sable command needs are installed.
#
#   tools/deps.sh run|iso|linux|test|bench...   (one or more needs)
#
# Checks with dpkg-query. Missing packages are installed with apt-get when
# running as root (apt-get update first, non-interactive, no recommends);
# otherwise the exact command to run is printed and the exit status is 1.
# Written for Debian 12 (bookworm); any Debian-like system with these package
# names works the same.
set -euo pipefail

# What each need requires. gcc only recommends libc6-dev, which the unit
# tests' <stdio.h> needs; g++ is for make headers-check (C++ compatibility).
pkgs_run="qemu-system-x86 gcc libc6-dev make"
pkgs_iso="grub-pc-bin grub-common xorriso mtools"
# The Linux guest images (tools/linux-image.sh): lz4 unpacks the kernel,
# gcc -static links the benchmark against libc6-dev's libc.a.
pkgs_linux="lz4 gcc libc6-dev python3"
pkgs_test="$pkgs_run $pkgs_iso $pkgs_linux g++ libcmocka-dev python3 python3-pytest python3-pexpect python3-pytest-xdist"
pkgs_bench="$pkgs_run $pkgs_linux python3 python3-matplotlib"

usage() {
    echo "usage: $0 run|iso|linux|test|bench..." >&2
    exit 2
}

# Prints the names, among its arguments, of packages that are not installed.
missing_packages() {
    local p status
    for p in "$@"; do
        status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
        [ "$status" = installed ] || echo "$p"
    done
}

main() {
    local want=() need missing
    [ $# -gt 0 ] || usage
    for need in "$@"; do
        case "$need" in
        run)   want+=($pkgs_run) ;;
        iso)   want+=($pkgs_iso) ;;
        linux) want+=($pkgs_linux) ;;
        test)  want+=($pkgs_test) ;;
        bench) want+=($pkgs_bench) ;;
        *)     usage ;;
        esac
    done
    if ! command -v dpkg-query >/dev/null; then
        echo "sable: no dpkg-query here; this needs a Debian-like system with: ${want[*]}" >&2
        exit 1
    fi
    missing=$(missing_packages $(printf '%s\n' "${want[@]}" | sort -u) | tr '\n' ' ')
    missing=${missing% }
    [ -n "$missing" ] || return 0

    if [ "$(id -u)" -ne 0 ]; then
        echo "sable: missing Debian packages. Install them with:" >&2
        echo "  sudo apt-get install -y --no-install-recommends $missing" >&2
        exit 1
    fi
    echo "sable: installing $missing"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
    missing=$(missing_packages $missing | tr '\n' ' ')
    if [ -n "$missing" ]; then
        echo "sable: still missing after apt-get install: $missing" >&2
        exit 1
    fi
}

main "$@"
