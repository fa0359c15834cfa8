#!/usr/bin/env bash
# Build the Linux guest images from Debian packages (docs/linux-guest.md):
#
#   build/linux/vmlinux          the stock Debian cloud kernel, as an ELF with
#                                its Xen PVH entry note (from the bzImage)
#   build/linux/initrd.cpio.gz   busybox-static, /init, the Xen front-end
#                                modules of the same kernel, /bin/bench, /bin/xs
#   build/linux/release          the kernel release (uname -r)
#   build/linux/tsc-khz          host tool: the TSC rate for native boots
#                                (tools/linux_native.py)
#
# The .deb files are fetched with `apt-get download` (no root needed) into a
# cache shared by every clone: $SABLE_CACHE, else $XDG_CACHE_HOME/sable, else
# ~/.cache/sable. The kernel is the candidate of linux-image-cloud-amd64 (the
# versioned package it depends on); SABLE_LINUX_PACKAGE=linux-image-<release>
# pins one. Without apt lists the newest cached packages are used.
#
# Run through `make linux` or tools/sable; does nothing when up to date.
set -euo pipefail

ROOT=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$ROOT"
OUT=build/linux
CACHE=${SABLE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/sable}
DEBS=$CACHE/debs
META=linux-image-cloud-amd64
MODULES="xen-blkfront xen-netfront"      # loaded by /init, with their dependencies

say() { echo "linux: $*"; }
die() { echo "linux: $*" >&2; exit 1; }

# "url file size SHA256:hash" for a package's candidate, from the apt lists;
# nothing when apt does not know the package.
apt_uri() {
    apt-get download --print-uris "$1" 2>/dev/null | sed -n "s/^'\\([^']*\\)' /\\1 /p" | head -n1
}

# Newest cached .deb of a package (by Debian version order), or nothing.
cached_deb() {
    local f best="" bestv="" v
    for f in "$DEBS/$1"_*.deb; do
        [ -e "$f" ] || continue
        v=$(dpkg-deb -f "$f" Version)
        if [ -z "$best" ] || dpkg --compare-versions "$v" gt "$bestv"; then
            best=$f bestv=$v
        fi
    done
    echo "$best"
}

# Fetch a package into the cache unless a file with the right hash is there;
# prints the .deb's path. Falls back to the cache when apt does not know it.
fetch() {
    local pkg=$1 uri url file size sum tmp sandbox=()
    uri=$(apt_uri "$pkg")
    if [ -z "$uri" ]; then
        file=$(cached_deb "$pkg")
        [ -n "$file" ] || no_apt_lists "$pkg"
        say "apt does not know $pkg; using the cached $(basename "$file")" >&2
        echo "$file"
        return
    fi
    read -r url file size sum <<<"$uri"
    if [ -f "$DEBS/$file" ] && [ "SHA256:$(sha256sum <"$DEBS/$file" | cut -d' ' -f1)" = "$sum" ]; then
        echo "$DEBS/$file"
        return
    fi
    say "downloading $pkg ($((size / 1000000)) MB) into $DEBS" >&2
    mkdir -p "$DEBS"
    tmp=$(mktemp -d "$DEBS/.download.XXXXXX")
    # As root apt drops to the _apt user, who cannot write into our cache.
    [ "$(id -u)" -ne 0 ] || sandbox=(-o APT::Sandbox::User=root)
    (cd "$tmp" && apt-get download "${sandbox[@]}" "$pkg") >&2 || { rm -rf "$tmp"; die "apt-get download $pkg failed"; }
    [ "SHA256:$(sha256sum <"$tmp/$file" | cut -d' ' -f1)" = "$sum" ] || { rm -rf "$tmp"; die "$file: wrong SHA256"; }
    mv "$tmp/$file" "$DEBS/$file"
    rmdir "$tmp"
    echo "$DEBS/$file"
}

no_apt_lists() {
    if [ "$(id -u)" -eq 0 ]; then
        die "apt does not know $1 even after apt-get update"
    fi
    echo "linux: apt does not know $1 and nothing is cached in $DEBS." >&2
    echo "linux: fetch the package lists first, with:" >&2
    echo "  sudo apt-get update" >&2
    exit 1
}

# As root, fetch the apt lists once if they lack the packages we need.
ensure_apt_lists() {
    [ -z "$(apt_uri "$META")" ] || return 0
    [ -n "$(cached_deb "$META")" ] && return 0
    [ "$(id -u)" -eq 0 ] || no_apt_lists "$META"
    say "apt-get update (the package lists do not have $META)"
    apt-get update -q
}

# The versioned kernel package: pinned, or the one the meta package (fetched
# too, so that the cache alone can answer next time) depends on.
kernel_package() {
    local pkg meta
    if [ -n "${SABLE_LINUX_PACKAGE:-}" ]; then echo "$SABLE_LINUX_PACKAGE"; return; fi
    meta=$(fetch "$META")
    pkg=$(dpkg-deb -f "$meta" Depends | grep -o 'linux-image-[0-9][^ ,]*' | head -n1)
    [ -n "$pkg" ] || die "cannot tell which kernel $(basename "$meta") depends on"
    echo "$pkg"
}

# A hash of the inputs of a stage: file contents and extra words.
inputs_hash() {
    local words=$1; shift
    { echo "$words"; cat "$@"; } | sha256sum | cut -d' ' -f1
}

up_to_date() {   # stamp-file hash outputs...
    local stamp=$1 hash=$2; shift 2
    [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$hash" ] || return 1
    for f in "$@"; do [ -e "$f" ] || return 1; done
}

# Kernel stage: bzImage -> vmlinux, and the modules /init loads.
build_kernel() {
    local deb=$1 hash pkgdir release moddir
    hash=$(inputs_hash "$(basename "$deb") $MODULES" tools/bzimage.py tools/kmod.py)
    if up_to_date "$OUT/kernel.stamp" "$hash" "$OUT/vmlinux" "$OUT/release" "$OUT/modules/load.order"; then
        return
    fi
    say "unpacking $(basename "$deb")"
    pkgdir=$OUT/pkg
    rm -rf "$pkgdir" "$OUT/modules" "$OUT/kernel.stamp"
    mkdir -p "$pkgdir" "$OUT/modules"
    dpkg-deb -x "$deb" "$pkgdir"
    release=$(basename "$(ls -d "$pkgdir"/lib/modules/*/ | head -n1)")
    [ -f "$pkgdir/boot/vmlinuz-$release" ] || die "$(basename "$deb") has no boot/vmlinuz-$release"
    cp "$pkgdir/boot/vmlinuz-$release" "$OUT/bzImage"
    cp "$pkgdir/boot/config-$release" "$OUT/config"
    say "extracting vmlinux from the bzImage"
    tools/bzimage.py extract "$OUT/bzImage" "$OUT/vmlinux"
    moddir=$pkgdir/lib/modules/$release
    tools/kmod.py "$moddir" $MODULES >"$OUT/modules/paths"
    for m in $(cat "$OUT/modules/paths"); do
        cp "$moddir/$m" "$OUT/modules/"
        basename "$m"
    done >"$OUT/modules/load.order"
    say "modules for /init: $(tr '\n' ' ' <"$OUT/modules/load.order")"
    echo "$release" >"$OUT/release"
    rm -rf "$pkgdir"
    echo "$hash" >"$OUT/kernel.stamp"
}

# Initramfs stage: busybox, /init, modules, the benchmark program, the
# XenStore client.
build_initrd() {
    local busybox_deb=$1 hash root bb
    hash=$(inputs_hash "$(basename "$busybox_deb") $(cat "$OUT/kernel.stamp")" \
        linux-guest/init linux-guest/profile linux-guest/bench.c linux-guest/xs.c \
        include/public/io/xs_wire.h tools/initramfs.py)
    if up_to_date "$OUT/initrd.stamp" "$hash" "$OUT/initrd.cpio.gz"; then
        return
    fi
    say "building the initramfs"
    root=$OUT/root
    rm -rf "$root" "$OUT/initrd.stamp" "$OUT/busybox"
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,root,lib/modules} "$OUT/busybox"
    dpkg-deb -x "$busybox_deb" "$OUT/busybox"
    bb=$OUT/busybox/bin/busybox
    [ -x "$bb" ] || die "$(basename "$busybox_deb") has no bin/busybox"
    cp "$bb" "$root/bin/busybox"
    # One symlink per applet, where busybox says it belongs (/bin/sh, ...).
    "$bb" --list-full | while read -r applet; do
        [ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
    done
    install -m 0755 linux-guest/init "$root/init"
    install -m 0644 linux-guest/profile "$root/etc/profile"
    cp "$OUT"/modules/*.ko "$OUT/modules/load.order" "$root/lib/modules/"
    gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/bench" linux-guest/bench.c
    gcc -static -O2 -Wall -Wextra -Werror -o "$root/bin/xs" linux-guest/xs.c
    tools/initramfs.py "$root" "$OUT/initrd.cpio.gz" --node /dev/console:c:5:1
    echo "$hash" >"$OUT/initrd.stamp"
}

# Identifies the state of the apt lists (and the pin): while it stays the
# same, the packages resolved last time are still the right ones.
lists_signature() {
    { echo "${SABLE_LINUX_PACKAGE:-}"; stat -c '%n %Y %s' /var/lib/apt/lists/*Packages* 2>/dev/null; } |
        sha256sum | cut -d' ' -f1
}

# Sets kernel_deb and busybox_deb: the .deb files to build from. Asking apt
# takes seconds, so the answer is kept in $OUT/packages.
resolve_packages() {
    local memo=$OUT/packages sig lines
    sig=$(lists_signature)
    if [ -f "$memo" ]; then
        mapfile -t lines <"$memo"
        if [ "${lines[0]:-}" = "$sig" ] && [ -f "${lines[1]:-}" ] && [ -f "${lines[2]:-}" ]; then
            kernel_deb=${lines[1]} busybox_deb=${lines[2]}
            return
        fi
    fi
    ensure_apt_lists
    kernel_deb=$(fetch "$(kernel_package)")
    busybox_deb=$(fetch busybox-static)
    printf '%s\n' "$(lists_signature)" "$kernel_deb" "$busybox_deb" >"$memo"
}

# Host tools for booting the images natively.
build_host_tools() {
    if [ "$OUT/tsc-khz" -nt tools/tsc-khz.c ]; then
        return
    fi
    gcc -O2 -Wall -Wextra -Werror -o "$OUT/tsc-khz" tools/tsc-khz.c
}

main() {
    local kernel_deb busybox_deb
    mkdir -p "$OUT"
    resolve_packages
    build_kernel "$kernel_deb"
    build_initrd "$busybox_deb"
    build_host_tools
    say "$OUT/vmlinux and $OUT/initrd.cpio.gz ready (kernel $(cat "$OUT/release"))"
}

main "$@"
