"""
Linux's xenbus on dom0's xenstored: the stock Debian kernel, built as a PVH
guest by dom0's toolstack (configs/linux1.cfg), sets up its grant table,
connects xenbus to the store ring its HVM params name (mapped by dom0's
xenstored by guest frame), reads its home with /bin/xs (XenStore through
/dev/xen/xenbus), writes control/feature-poweroff, and powers off in an
orderly way (ACPI) when dom0's `shutdown NAME` writes control/shutdown.
"""
import pytest

from conftest import ROOT

DOM0 = ROOT / "build" / "dom0.elf"
BOOT = 240
DETACH = "\x1d"                 # Ctrl-]

pytestmark = pytest.mark.usefixtures("linux_images")


def type_line(con, line, expect, timeout=60):
    """Type a line; wait for a new match of expect after it."""
    seen = len(con.find_all(expect))
    con.send(line + "\r")
    return con.wait_count(expect, seen + 1, timeout=timeout)[seen]


def test_linux_xenbus_reads_its_home_and_obeys_shutdown(sable):
    files = ["configs/linux1.cfg", "build/linux/vmlinux", "build/linux/initrd.cpio.gz"]
    con = sable(smp=2, mem="1G", append="dom0 dom0_mem=160M",
                modules=[f"{DOM0} -- create configs/linux1.cfg;console linux1"] +
                [f"{f} sable.file" for f in files])
    dom = con.wait_for(r"created linux1 \(domain (\d+)\)", timeout=60).group(1)
    con.wait_for(r"xen:grant_table: Grant tables using version 1 layout", timeout=BOOT)
    con.wait_for(r"SABLE-GUEST-INIT: up", timeout=BOOT)
    con.send("\r")
    type_line(con, "xs read name; echo xs-rc=$?", r"\(d0\) xs-rc=0\r?$")
    con.wait_for(r"\(d0\) linux1\r?\n.*\(d0\) xs-rc=0")
    type_line(con, "xs read domid", rf"\(d0\) {dom}\r?$")
    type_line(con, f"xs read /local/domain/{dom}/memory/target", r"\(d0\) 262144\r?$")
    type_line(con, "xs read cpu/0/availability", r"\(d0\) online\r?$")
    type_line(con, "xs write data/greeting hello-from-linux; echo xs-rc=$?",
              r"\(d0\) xs-rc=0\r?$")
    type_line(con, "xs write /local/domain/0/name evil; echo xs-rc=$?",
              r"\(d0\) xs-rc=1\r?$")
    con.wait_for(r"xs: write /local/domain/0/name: EACCES")
    con.send(DETACH)
    con.wait_for(r"Detached from linux1's console")
    type_line(con, f"xenstore-read /local/domain/{dom}/data/greeting",
              r"\(d0\) hello-from-linux$")
    type_line(con, f"xenstore-read /local/domain/{dom}/control/feature-poweroff", r"\(d0\) 1$")
    type_line(con, "xenstore-read /local/domain/0/name", r"\(d0\) Domain-0$")
    con.send("shutdown linux1\r")
    # Linux's orderly poweroff ends in ACPI's power-off, not the hypervisor's.
    con.wait_for(rf"dom{dom}: ACPI power off", timeout=60)
    con.wait_for(rf"dom{dom}: shut down \(poweroff\)")
    con.absent(r"PANIC")
    con.absent(r"cpu_hotplug: Unable to read cpu state")
