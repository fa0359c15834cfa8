"""
PV memory virtualization (direct paging): frame types and counts, the
memory hypercalls, writable page tables and guest user mode, judged by
Sable's own PV kernels (tests/guests/pvmm, mmhostile, victim) and by the
hypervisor's debug_domain_churn self-check.
"""
import re

from conftest import ROOT

GUESTS = ROOT / "build" / "guests"
SELFTEST = str(GUESTS / "selftest.elf")
EXIT_OK = 1     # isa-debug-exit status for machine_stop_ok()


def test_domain_churn_returns_every_frame(sable):
    """1000 PV domains built and destroyed: free memory and every frame's
    owner, type, counts and M2P entry exactly as before."""
    con = sable(smp=2, mem="256M", append="debug_domain_churn=1000 domu_mem=4M debug_exit_when_idle",
                modules=[f"{SELFTEST} name=churn"])
    for n in range(100, 1001, 100):
        con.wait_for(rf"churn: {n}/1000 domains built and destroyed", timeout=120)
    m = con.wait_for(r"churn: 1000 domains built and destroyed, free frames (\d+) -> (\d+), (.*)$")
    con.check(m.group(1) == m.group(2), f"free frames changed: {m.group(0)}")
    con.check(m.group(3) == "frame table identical", m.group(0))
    con.absent(r"churn: frame ")
    con.absent(r"still referenced at release")
    # The domains after it run as usual.
    con.wait_for(r"\(d1\) VERDICT \w+", timeout=120)
    con.expect_exit(EXIT_OK)
