"""
dom0 builds the stock Debian Linux kernel as a PVH guest (docs/dom0.md,
dom0/toolstack/pvh_build.c): `create` from a pvh configuration, `list`
with its memory and vCPUs, `console NAME` into its busybox shell and back
(Ctrl-]), pause and unpause, a guest-initiated `reboot -f` that brings it
back (on_reboot = restart), destroy with every frame back; malformed pvh
configurations refused with the line and the reason. One boot covers it
all: Linux under QEMU's software CPU takes seconds.
"""
import io

import pexpect
import pytest

from conftest import ROOT, Console

DOM0 = ROOT / "build" / "dom0.elf"
BOOT = 240
DETACH = "\x1d"                 # Ctrl-]

pytestmark = pytest.mark.usefixtures("linux_images")


def files(*names):
    return [f"{n} sable.file" for n in names]


def boot_dom0(sable, commands, extra_files=(), mem="1G", dom0_mem="160M"):
    modules = [f"{DOM0} -- {';'.join(commands)}"] + files(
        "build/linux/vmlinux", "build/linux/initrd.cpio.gz", *extra_files)
    return sable(smp=2, mem=mem, append=f"dom0 dom0_mem={dom0_mem}", modules=modules)


def info_free(con, nth):
    """free_pages in the nth `info` (0-based) dom0 printed."""
    return int(con.wait_count(r"\(free_pages=(\d+)\)", nth + 1)[nth].group(1))


def type_line(con, line, expect, timeout=60):
    """Type a line; wait for a new match of expect (a finished line) after it."""
    seen = len(con.find_all(expect))
    con.send(line + "\r")
    return con.wait_count(expect, seen + 1, timeout=timeout)[seen]


def listing(con, name):
    """(id, mem, vcpus, state) of name in the last `list`."""
    rows = con.find_all(rf"\(d0\) {name}\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+[\d.]+\s*$")
    return rows[-1].groups() if rows else None


def test_pvh_linux_lifecycle(sable):
    """create from a pvh configuration, list, console in and out, pause and
    unpause, a guest-initiated reboot that comes back, destroy with every
    frame back, and refused configurations (missing kernel, too much memory,
    too little for the image)."""
    bad = ["tests/configs/bad-pvh-nokernel.cfg", "tests/configs/bad-pvh-memory.cfg",
           "tests/configs/bad-pvh-small.cfg"]
    con = boot_dom0(sable, ["info"] + [f"create {b}" for b in bad] +
                    ["create configs/linux1.cfg", "list", "console linux1"],
                    ["configs/linux1.cfg"] + bad)
    con.wait_for(r"bad-pvh-nokernel.cfg: kernel is required")
    con.wait_for(r"bad-pvh-memory.cfg: line 5: memory: 4096 MiB is more than is free")
    con.wait_for(r"bad-pvh-small.cfg: cannot build bad-pvh: kernel segments outside the "
                 r"guest's low RAM")
    dom = con.wait_for(r"created linux1 \(domain (\d+)\): 256 MiB, 1 vCPU, PVH kernel",
                       timeout=60).group(1)
    con.wait_for(rf"\(d0\) linux1\s+{dom}\s+25[67]\s+1\s", timeout=30)
    con.wait_for(rf"Connected to linux1's console \(domain {dom}\)")
    con.wait_for(r"SABLE-GUEST-INIT: up, 1 cpus", timeout=BOOT)
    type_line(con, "echo pvh-$((6*7))", r"^.*pvh-42\r?$")

    # Back to dom0: pause stops it, unpause lets it go on.
    con.send(DETACH)
    con.wait_for(r"Detached from linux1's console")
    con.send("pause linux1\r")
    type_line(con, "list", r"\(d0\) linux1\s+\d+\s.*$")
    con.check(listing(con, "linux1")[3][2] == "p", f"paused: {listing(con, 'linux1')}")
    con.send("unpause linux1\r")
    type_line(con, "list", r"\(d0\) linux1\s+\d+\s.*$")
    con.check(listing(con, "linux1")[3][2] == "-", f"unpaused: {listing(con, 'linux1')}")

    # The guest reboots itself: on_reboot = restart builds it again.
    type_line(con, "console linux1", r"Connected to linux1's console")
    con.send("\r")
    type_line(con, "reboot -f", rf"linux1 \(domain {dom}\) shut down \(reboot\): restart",
              timeout=60)
    dom2 = con.wait_count(r"created linux1 \(domain (\d+)\): 256 MiB, 1 vCPU, PVH kernel", 2,
                          timeout=60)[1].group(1)
    con.check(dom2 != dom, "the restarted guest is a new domain")
    con.send(DETACH)
    type_line(con, "console linux1", rf"Connected to linux1's console \(domain {dom2}\)")
    con.wait_count(r"SABLE-GUEST-INIT: up, 1 cpus", 2, timeout=BOOT)
    type_line(con, "echo again-$((6*7))", r"^.*again-42\r?$")
    con.send(DETACH)
    con.wait_count(r"Detached from linux1's console", 2)

    # Destroy: every frame back.
    con.send("destroy linux1\r")
    type_line(con, "list", r"\(d0\) Domain-0\s+0\s.*$")
    last_list = con.log[con.log.rfind("dom0> list"):]
    con.check("linux1" not in last_list.split("Domain-0")[1].split("dom0>")[0],
              "linux1 still listed after destroy")
    type_line(con, "info", r"\(free_pages=\d+\)")
    con.check(info_free(con, 1) == info_free(con, 0),
              f"free pages {info_free(con, 1)} after destroy, {info_free(con, 0)} before")


class RunConsole(Console):
    """`./tools/sable run` as the README says, on a terminal of its own."""

    def __init__(self, args):
        self.args = [str(ROOT / "tools" / "sable")] + args
        self._log = io.StringIO()
        self.status = None
        self.child = pexpect.spawn(self.args[0], args, cwd=str(ROOT), encoding="utf-8",
                                   codec_errors="replace", dimensions=(50, 250))
        self.child.logfile_read = self._log


def test_readme_run_lands_in_dom0_with_two_linux_guests(request):
    """The README's `./tools/sable run`: dom0's shell, both default guests
    (configs/linux1.cfg, linux2.cfg) created and listed, guest 1's shell
    reached with `console` and left with Ctrl-]."""
    con = RunConsole(["run"])
    request.node.sable_consoles = [con]
    try:
        con.wait_for(r"created linux1 \(domain \d+\): 256 MiB, 1 vCPU, PVH kernel", timeout=120)
        con.wait_for(r"created linux2 \(domain \d+\): 256 MiB, 1 vCPU, PVH kernel", timeout=60)
        con.wait_for(r"\(d0\) dom0: shell ready")
        type_line(con, "list", r"\(d0\) linux2\s+\d+\s+25[67]\s+1\s.*$")
        con.check(listing(con, "linux1") is not None, "linux1 not listed")
        type_line(con, "console linux1", r"Connected to linux1's console")
        con.wait_for(r"SABLE-GUEST-INIT: up, 1 cpus", timeout=BOOT)
        con.send("\r")
        type_line(con, "echo readme-$((40+2))", r"^.*readme-42\r?$")
        con.send(DETACH)
        con.wait_for(r"Detached from linux1's console")
        con.send("\x01x")                       # Ctrl-A X: QEMU quits
        con.wait_for(r"sable: QEMU exited|QEMU: Terminated|sable: Sable stopped", timeout=30)
    finally:
        con.kill()
