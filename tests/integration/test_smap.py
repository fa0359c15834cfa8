"""
SMEP and SMAP: on where the CPU has them (QEMU -cpu max does), so the
hypervisor faults when it executes or reads a user page by mistake, while
its deliberate guest accesses (hypercall arguments, the PV exception and
page-fault bounce frames written on guest stacks) go through STAC/CLAC and
work: PV domains pass their checks and a hostile one is still refused and
crashed cleanly.
"""
from conftest import ROOT

GUESTS = ROOT / "build" / "guests"
EXIT_OK, EXIT_PANIC = 1, 35


def test_pv_domains_run_with_smep_and_smap(sable):
    con = sable(smp=2, mem="512M", append="debug_exit_when_idle",
                modules=[f"{GUESTS / 'hostile.elf'}", f"{GUESTS / 'selftest.elf'} name=smap"])
    con.wait_for(r"cpu: SMEP on, SMAP on")
    con.wait_for(r"boot: all domains have shut down", timeout=120)
    con.expect_exit(EXIT_OK)
    # The page-fault path: bounce frames with CR2, on a guest stack, under SMAP.
    for check in ("trap-pf-read", "trap-pf-write", "trap-pf-pagetable-readonly"):
        con.wait_for(rf"\(d2\) CHECK {check} PASS")
    con.wait_for(r"\(d2\) VERDICT SUCCESS")
    con.wait_for(r"\(d1\) hostile: \d+ checks passed, 0 failed")
    con.wait_for(r"dom1: crashed: ")
    con.absent(r"\*\*\* PANIC")


def test_reading_a_user_page_faults_with_smap(sable):
    con = sable(smp=1, append="debug_crash=smap debug_shutdown")
    con.wait_for(r"page fault at 0x0000000000402000: protection violation, "
                 r"read access in supervisor mode")
    con.expect_exit(EXIT_PANIC)


def test_executing_a_user_page_faults_with_smep(sable):
    con = sable(smp=1, append="debug_crash=smep debug_shutdown")
    con.wait_for(r"page fault at 0x0000000000400000: protection violation, "
                 r"instruction fetch access in supervisor mode")
    con.expect_exit(EXIT_PANIC)


def test_smap_can_be_turned_off(sable):
    con = sable(smp=1, append="smap=0 smep=0 debug_crash=smap debug_shutdown")
    con.wait_for(r"cpu: SMEP off \(smep=0\), SMAP off \(smap=0\)")
    con.wait_for(r"debug_crash=smap: the read of a user page succeeded .*: SMAP is off")
    con.expect_exit(EXIT_OK)
