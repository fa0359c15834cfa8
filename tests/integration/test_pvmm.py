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
    m = con.wait_for(r"churn: 1000 domains built and destroyed, free frames (\d+) -> (\d+), "
                     r"(frame table identical|frame table CHANGED)")
    con.check(m.group(1) == m.group(2), f"free frames changed: {m.group(0)}")
    con.check(m.group(3) == "frame table identical", m.group(0))
    con.absent(r"churn: frame ")
    con.absent(r"still referenced at release")
    # The domains after it run as usual.
    con.wait_for(r"\(d1\) VERDICT \w+", timeout=120)
    con.expect_exit(EXIT_OK)


PVMM = str(GUESTS / "pvmm.elf")


def verdict(con, domid):
    m = con.wait_for(rf"\(d{domid}\) VERDICT (\w+) \((\d+) passed, (\d+) failed\)", timeout=120)
    fails = [f.group(0) for f in con.find_all(rf"^.*\(d{domid}\) CHECK \S+ FAIL.*$")]
    return m.group(1), int(m.group(2)), fails


def test_pvmm_kernel_passes_every_check(sable):
    """A fresh address space from batched updates, thousands of pages mapped
    and unmapped, page faults resolved by the guest, writable page tables,
    descriptor pages, memory_op ballooning, guest user mode on a root of its
    own, and TLB shootdown to its second vCPU on the other CPU."""
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{PVMM} sable.vcpus=2"])
    result, passed, fails = verdict(con, 1)
    con.check(result == "SUCCESS" and not fails, f"{result}: {fails}")
    con.check(passed >= 100, f"only {passed} checks ran")
    for name in ("batch-2048", "batch-partial", "batch-multicall", "aspace-switch",
                 "aspace-unpin-boot", "map-2048-contents", "unmap-2048-faults",
                 "demand-faults", "ptwr-store", "ptwr-foreign-frame", "gdt-updated",
                 "user-syscall-bounced", "user-gs-kernel-mode", "user-pf-kernel-address",
                 "mem-populate-m2p", "shootdown-invlpg-all", "shootdown-flush-all",
                 "shootdown-vcpu-mask"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    con.wait_for(r"dom1: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK)
    con.absent(r"\*\*\* PANIC")


def test_two_pvmm_kernels_on_two_cpus(sable):
    """Two domains doing all of it at once, on two CPUs."""
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle", modules=[f"{PVMM} shared_heap=1"] * 2)
    for domid in (1, 2):
        result, _, fails = verdict(con, domid)
        con.check(result == "SUCCESS" and not fails, f"domain {domid}: {result}: {fails}")
    con.expect_exit(EXIT_OK)


VICTIM = str(GUESTS / "victim.elf")
MMHOSTILE = str(GUESTS / "mmhostile.elf")


def test_hostile_memory_domain_changes_nothing(sable):
    """Every attack on direct paging refused with Xen's code (every guessed
    frame number included), and the victim's memory checksum unchanged."""
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{VICTIM} peer=2", f"{MMHOSTILE} victim=1 self=2"])
    result, passed, fails = verdict(con, 2)
    con.check(result == "SUCCESS" and not fails, f"hostile: {result}: {fails}")
    con.check(passed >= 100, f"only {passed} attacks checked")
    m = con.wait_for(r"\(d2\) frames: (\d+) guessed frames: (\d+) -EBUSY \(RAM not ours\), "
                     r"(\d+) -EPERM \(not RAM\), (\d+) mapped, (\d+) other")
    con.check(int(m.group(1)) > 60000 and m.group(4) == "0" and m.group(5) == "0", m.group(0))
    result, _, fails = verdict(con, 1)
    con.check(result == "SUCCESS" and not fails, f"victim: {result}: {fails}")
    for name in ("victim-attacker-finished", "victim-memory-unchanged", "victim-pattern-intact",
                 "victim-page-tables-unchanged", "victim-reservation-unchanged"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    con.expect_exit(EXIT_OK)
    con.absent(r"\*\*\* PANIC")
