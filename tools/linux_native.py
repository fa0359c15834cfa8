"""
How to boot the Linux guest images (build/linux, docs/linux-guest.md) on bare
QEMU, with no hypervisor: the native reference for tests and benchmarks.

QEMU's microvm machine loads build/linux/vmlinux through the kernel's own PVH
entry note (as Sable does), with the initramfs, one UART and nothing else.
It has no HPET and no ACPI PM timer, which leaves Linux only the PIT to
calibrate the TSC against; under TCG on a busy host that calibration fails
(the boot then hangs) and the jiffies watchdog, losing ticks, declares the
TSC unstable (clock_gettime then ticks in 4 ms steps). Under TCG the guest's
TSC counts at the host's rate, so the command line states that rate
(tsc_early_khz=, measured by build/linux/tsc-khz) and that the TSC is
reliable. Under Sable the kernel takes its TSC rate from Xen's pvclock.
"""
import functools
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "build" / "linux"
QEMU = "qemu-system-x86_64"


@functools.lru_cache(maxsize=None)
def host_tsc_khz():
    """The host's TSC rate in kHz (build/linux/tsc-khz, made by tools/linux-image.sh)."""
    return int(subprocess.check_output([str(IMAGES / "tsc-khz")], text=True))


def cmdline(append=""):
    """The kernel command line of a native boot: console on ttyS0, TSC stated."""
    base = f"console=ttyS0 panic=-1 tsc=reliable tsc_early_khz={host_tsc_khz()}"
    return f"{base} {append}".strip()


def qemu_args(smp=1, mem="512M", append="", images=IMAGES):
    """QEMU's arguments (without the program) for a native boot of the images."""
    return ["-accel", "tcg", "-cpu", "max", "-M", "microvm", "-m", mem, "-smp", str(smp),
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-kernel", str(images / "vmlinux"), "-initrd", str(images / "initrd.cpio.gz"),
            "-append", cmdline(append)]
