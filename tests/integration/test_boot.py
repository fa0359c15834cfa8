"""Sable boots under QEMU -kernel and reads its command line."""
from conftest import EXIT_OK


def test_boots_to_idle(sable):
    c = sable(append="debug_shutdown")
    c.wait_for(r"Sable hypervisor \d+\.\d+")
    c.wait_for(r"loader: qemu \(Multiboot\)$")
    # QEMU passes "image-path options"; only the options are Sable's.
    c.wait_for(r"cmdline: 'debug_shutdown'$")
    c.wait_for(r"time: TSC ")
    c.wait_for(r"boot complete: 2 CPUs online, idle$")
    c.expect_exit(EXIT_OK)
    c.absent(r"PANIC|cmdline: unknown|cmdline: invalid")


def test_lines_are_timestamped(sable):
    c = sable(append="debug_shutdown")
    c.expect_exit(EXIT_OK)
    banner = c.wait_for(r"^\[ *(\d+)\.(\d{6})\] Sable hypervisor")
    done = c.wait_for(r"^\[ *(\d+)\.(\d{6})\] boot complete")
    t0 = int(banner.group(1)) * 10**6 + int(banner.group(2))
    t1 = int(done.group(1)) * 10**6 + int(done.group(2))
    c.check(t0 <= t1, f"time went backwards: {banner.group(0)!r} then {done.group(0)!r}")


def test_bad_options_are_reported_and_ignored(sable):
    c = sable(append="bogus=1 loglvl=99 console=com9 debug_shutdown")
    c.wait_for(r"cmdline: unknown option 'bogus' ignored$")
    c.wait_for(r"cmdline: invalid value '99' for option 'loglvl' ignored$")
    c.wait_for(r"cmdline: invalid value 'com9' for option 'console' ignored$")
    c.wait_for(r"cmdline: 'bogus=1 loglvl=99 console=com9 debug_shutdown'$")
    c.wait_for(r"boot complete: ")
    c.expect_exit(EXIT_OK)


def test_loglvl_hides_info_lines(sable):
    # loglvl=0: errors only. The boot still completes and stops QEMU.
    c = sable(append="loglvl=0 debug_shutdown")
    c.expect_exit(EXIT_OK)
    c.absent(r"Sable hypervisor|boot complete")
