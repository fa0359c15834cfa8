"""
The Linux guest images (docs/linux-guest.md), booted directly by QEMU with
no hypervisor (tools/linux_native.py): the stock Debian kernel from
build/linux/vmlinux through QEMU's own PVH loader on the microvm machine,
with our initramfs. This checks the image tooling on its own; the same files
then boot under Sable.
"""
import sys

import pytest

from conftest import ROOT, Console

sys.path.insert(0, str(ROOT / "tools"))
import linux_native  # noqa: E402  (tools/ is not a package)

PROMPT = r"sable-guest:/# "
BOOT_TIMEOUT = 90       # a TCG boot takes ~2.5 s alone, much more on a busy machine


@pytest.fixture
def native(request, linux_images):
    """Start the guest images under bare QEMU: native(smp=1, append="")."""
    consoles = []
    request.node.sable_consoles = consoles

    def start(**kw):
        c = Console(linux_native.qemu_args(images=linux_images, **kw))
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        c.kill()


def test_image_boots_to_a_shell_with_job_control(native, linux_images):
    release = (linux_images / "release").read_text().strip()
    con = native()
    con.wait_for(rf"^SABLE-GUEST-INIT: up, 1 cpus, kernel {release}$", timeout=BOOT_TIMEOUT)
    # Off Xen the front ends refuse to load; init says so and carries on.
    con.wait_for(r"^init: not loaded \(no Xen\?\): xen-blkfront xen-netfront$")
    con.wait_for(PROMPT)
    con.send("echo $((6*7))\n")
    con.wait_for(r"^42$")
    con.send("sleep 60 &\njobs; echo jobs-listed\n")
    con.wait_for(r"^jobs-listed$")
    con.wait_for(r"^\[1\]\+ +Running +sleep 60$")
    con.absent(r"job control turned off|can't access tty")
    con.send("poweroff -f\n")
    con.expect_exit(0)


def test_image_runs_the_workloads_on_request(native):
    con = native(append="sable_bench=int,sys,mem")
    con.wait_for(r"^SABLE-GUEST-BENCH: done \(status 0\)$", timeout=BOOT_TIMEOUT + 60)
    con.expect_exit(0)
    lines = {m.group(1): m for m in
             con.find_all(r"^BENCH name=(\w+) n=(\d+) ms=([\d.]+) check=(\d+)$")}
    con.check(sorted(lines) == ["int", "mem", "sys"], f"BENCH lines for {sorted(lines)}")
    # The results depend only on the work: the integer chain's final value,
    # n getppid() calls from a child of init (pid 1), 4 x 16384 pages.
    expect = {"int": ("200000000", "914182129564616701"),
              "sys": ("1000000", "1000000"),
              "mem": ("4", "65536")}
    for name, (n, check) in expect.items():
        m = lines[name]
        con.check((m.group(2), m.group(4)) == (n, check),
                  f"{name}: n={m.group(2)} check={m.group(4)}, expected n={n} check={check}")
        con.check(float(m.group(3)) > 0, f"{name}: no time measured")
