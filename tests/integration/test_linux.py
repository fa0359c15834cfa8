"""
The stock Debian Linux kernel (build/linux/vmlinux, `make linux`) booted
unmodified as a PVH domain under SVM: it finds Xen, runs on the xen
clocksource, reaches the busybox shell of its initramfs on hvc0 (the PV
console ring), takes typed commands, counts its vCPUs, runs a CPU-bound and
a system-call-heavy program, and powers off; two guests run side by side
and one crashing leaves the other running.

The images come from the linux_images fixture (tools/linux-image.sh).
"""
import re

import pytest

from conftest import LINUX

VMLINUX = LINUX / "vmlinux"
INITRD = LINUX / "initrd.cpio.gz"
EXIT_OK = 1
SWITCH = "\x01\x01\x01"         # Ctrl-A three times: serial input to the next domain
BOOT = 240                      # seconds to the guest's init, with room for a loaded machine

pytestmark = pytest.mark.usefixtures("linux_images")


def linux(vcpus=1, mem="256M", extra=""):
    """Module lines for one Linux guest: the kernel, then its initramfs."""
    return [f"{VMLINUX} sable.type=pvh sable.mem={mem} sable.vcpus={vcpus} "
            f"console=hvc0 {extra}".strip(),
            f"{INITRD} sable.initrd"]


def switch_to(con, target):
    """Ctrl-A three times; wait until Sable says input goes to target."""
    announced = r"\*\*\* Serial input to (\S+) "
    seen = len(con.find_all(announced))
    con.send(SWITCH)
    now = con.wait_count(announced, seen + 1)
    con.check(now[seen].group(1) == target, f"input went to {now[seen].group(1)}, not {target}")


def shell(con, domid, command, expect, timeout=60):
    """
    Type a command in domain domid's shell (input focused there) and wait
    for a new line of its output matching expect; the match. Only a finished
    line counts (the lookahead wants its newline): the serial port may have
    delivered half of it so far, and `$` also matches at the end of the log.
    """
    pattern = rf"^\[[ \d.]+\] \(d{domid}\) {expect}(?=.*\n)"
    seen = len(con.find_all(pattern))
    con.send(command + "\r")
    return con.wait_count(pattern, seen + 1, timeout=timeout)[seen]


def boot(sable, *guests, smp=2, mem="1G"):
    modules = [m for g in guests for m in g]
    con = sable(smp=smp, mem=mem, append="debug_exit_when_idle", modules=modules)
    for domid in range(1, len(guests) + 1):
        con.wait_for(rf"\(d{domid}\) SABLE-GUEST-INIT: up, \d+ cpus", timeout=BOOT)
    return con


def test_linux_boots_to_a_shell_on_hvc0_and_powers_off(sable):
    con = boot(sable, linux(vcpus=1))
    con.wait_for(r"\(d1\) .*Booting kernel on Xen PVH")
    con.wait_for(r"\(d1\) .*Hypervisor detected: Xen HVM")
    con.wait_for(r"\(d1\) .*clocksource: Switched to clocksource xen")
    # Grant tables: version 1 set up through add_to_physmap of grant frames.
    con.wait_for(r"\(d1\) .*xen:grant_table: Grant tables using version 1 layout")
    con.wait_for(r"\(d1\) .*Grant table initialized")
    con.wait_for(r"\(d1\) .*printk: console \[hvc0\] enabled")
    con.wait_for(r"\(d1\) SABLE-GUEST-INIT: up, 1 cpus, kernel 6\.1\.")
    switch_to(con, "dom1")
    shell(con, 1, "echo typed-$((6*7))", "typed-42")
    shell(con, 1, "nproc", "1$")
    shell(con, 1, "dmesg | grep -c 'Hypervisor detected: Xen HVM'", "1$")
    shell(con, 1, "cat /sys/devices/system/clocksource/clocksource0/current_clocksource", "xen$")
    shell(con, 1, "dmesg | grep -c 'grant table add_to_physmap failed'", "0$")
    # Booted by the hypervisor, not dom0's toolstack: no XenStore, so no xenbus.
    shell(con, 1, "xs read name; echo xs-rc=$?", "xs-rc=2$")
    shell(con, 1, "poweroff", r".*reboot: Power down", timeout=60)
    con.wait_for(r"dom1: ACPI power off")
    con.wait_for(r"dom1: shut down \(poweroff\)")
    con.wait_for(r"dom1: \d+ exits: ")
    con.expect_exit(EXIT_OK, timeout=60)


def test_focused_guest_console_is_interactive(sable):
    """
    The domain with the serial input is interactive: its shell's prompt,
    which ends in no newline, shows before anything is typed; each key typed
    is echoed at once, on the prompt's line; busybox's cursor-position query
    reaches the terminal whole (ESC [ 6 n), not as a stray "[6n".
    """
    con = sable(smp=2, mem="1G", append="console_focus=1 debug_exit_when_idle",
                modules=linux(vcpus=1))
    con.wait_for(r"\(d1\) SABLE-GUEST-INIT: up", timeout=BOOT)
    prompt = r"^\[[ \d.]+\] \(d1\) sable-guest:/# \x1b\[6n"
    con.wait_for(prompt + r"\Z")
    typed = ""
    for key in "echo hi-$((40+2))":
        con.send(key)
        typed += key
        con.wait_for(prompt + re.escape(typed) + r"\Z")
    con.send("\r")
    con.wait_for(r"^\[[ \d.]+\] \(d1\) hi-42\n")
    con.wait_for(r"\(d1\) hi-42\n" + r"\[[ \d.]+\] \(d1\) sable-guest:/# \x1b\[6n\Z")
    con.absent(r"(?<!\x1b)\[6n")
    con.send("poweroff\r")
    con.wait_for(r"dom1: shut down \(poweroff\)", timeout=60)
    con.expect_exit(EXIT_OK, timeout=60)


def test_linux_with_two_vcpus_runs_workloads(sable):
    con = boot(sable, linux(vcpus=2))
    con.wait_for(r"dom1: vCPU 1 started by SIPI")
    con.wait_for(r"\(d1\) .*smp: Brought up 1 node, 2 CPUs")
    con.wait_for(r"\(d1\) SABLE-GUEST-INIT: up, 2 cpus")
    switch_to(con, "dom1")
    shell(con, 1, "nproc", "2$")
    # The answers depend only on n: int's accumulator, sys's n x getppid().
    shell(con, 1, "bench int n=2000000",
          r"BENCH name=int n=2000000 ms=[\d.]+ check=8881322278464676809$", timeout=120)
    m = shell(con, 1, "bench sys n=20000", r"BENCH name=sys n=20000 ms=[\d.]+ check=(\d+)$",
              timeout=120)
    con.check(int(m.group(1)) % 20000 == 0 and int(m.group(1)) > 0, f"sys check {m.group(1)}")
    # An NMI IPI through the x2APIC ICR: sysrq-l's backtrace of the other vCPU.
    # (dmesg counts the backtraces: the console may interleave them with the prompt)
    shell(con, 1, "echo l > /proc/sysrq-trigger", r".*sysrq: Show backtrace of all active CPUs")
    shell(con, 1, "sleep 1; dmesg | grep -c 'NMI backtrace for cpu [01]'", "2$")
    shell(con, 1, "poweroff -f", r".*reboot: Power down", timeout=60)
    con.wait_for(r"dom1: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK, timeout=60)


def test_two_linux_guests_and_one_crashes(sable):
    con = boot(sable, linux(vcpus=1), linux(vcpus=1))
    switch_to(con, "dom1")
    shell(con, 1, "echo c > /proc/sysrq-trigger", r".*sysrq: Trigger a crash")
    con.wait_for(r"dom1: shut down \(crash\)", timeout=60)
    # The other guest still answers.
    switch_to(con, "dom2")
    shell(con, 2, "echo still-$((40+2))", "still-42")
    shell(con, 2, "poweroff -f", r".*reboot: Power down", timeout=60)
    con.wait_for(r"dom2: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK, timeout=60)


def test_linux_in_xapic_mode_with_nmi_backtraces(sable):
    """
    `nox2apic`: Linux takes its local APICs from x2APIC mode (as Sable starts
    them) back to xAPIC through disabled, and then reaches every APIC
    register through the MMIO page (nested page faults the hypervisor
    decodes). sysrq-l sends an NMI IPI to the other vCPU for its backtrace.
    """
    con = boot(sable, linux(vcpus=2, extra="nox2apic"))
    con.wait_for(r"\(d1\) .*x2apic disabled")
    con.wait_for(r"\(d1\) .*smp: Brought up 1 node, 2 CPUs")
    switch_to(con, "dom1")
    shell(con, 1, "nproc", "2$")
    shell(con, 1, "echo l > /proc/sysrq-trigger", r".*sysrq: Show backtrace of all active CPUs")
    # One prints its own, the other's comes by NMI (counted by dmesg: the
    # console may interleave them with the prompt).
    shell(con, 1, "sleep 1; dmesg | grep -c 'NMI backtrace for cpu [01]'", "2$")
    m = shell(con, 1, "grep NMI: /proc/interrupts", r" *NMI: +(\d+) +(\d+) ")
    con.check(int(m.group(1)) + int(m.group(2)) >= 1, "no NMI counted in /proc/interrupts")
    shell(con, 1, "poweroff -f", r".*reboot: Power down", timeout=60)
    con.wait_for(r"dom1: shut down \(poweroff\)")
    exits = con.wait_for(r"dom1: \d+ exits: .*\n")    # the whole line
    con.check(re.search(r" apic \d{2,}", exits.group(0)), "Linux did not use the xAPIC page")
    con.wait_for(r"dom1: local APIC timer fired \d+ times, \d+ on another CPU than its vCPU's; "
                 r"[1-9]\d* NMIs")
    con.expect_exit(EXIT_OK, timeout=60)
