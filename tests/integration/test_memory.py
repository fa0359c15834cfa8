"""Sable finds the RAM QEMU gives it, below and above 4 GiB."""
import pytest

from conftest import EXIT_OK, mib

MEM_LINE = r"mem: (\d+) MiB RAM, (\d+) MiB free, frame table (\d+) KiB$"


@pytest.mark.parametrize("mem", ["128M", "512M", "2G", "5G"])
def test_memory_matches_qemu(sable, mem):
    c = sable(mem=mem, append="debug_shutdown")
    m = c.wait_for(MEM_LINE)
    c.expect_exit(EXIT_OK)
    ram, free, frame_kib = (int(x) for x in m.groups())
    want = mib(mem)
    # The firmware keeps the 640K-1M hole and a little at the top of low RAM.
    c.check(want - 4 <= ram <= want, f"{ram} MiB RAM reported for -m {mem}")
    c.check(ram // 2 < free < ram, f"{free} MiB free of {ram} MiB")
    # At least 8 bytes of frame table per 4 KiB page of RAM.
    c.check(frame_kib >= ram * 2, f"frame table {frame_kib} KiB for {ram} MiB")


def test_mm_selftest(sable):
    c = sable(mem="512M", smp=2, append="debug_mm_selftest debug_shutdown")
    c.wait_for(r"mm selftest: ok$")
    c.expect_exit(EXIT_OK)
