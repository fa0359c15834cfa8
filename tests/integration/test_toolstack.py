"""
The toolstack's hypervisor interface and dom0's toolstack (docs/dom0.md,
docs/abi.md): domctl's domain lifecycle and sysctl, exercised from a
privileged PV test kernel (tests/guests/domctl) and refused to an
unprivileged one.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUESTS = ROOT / "build" / "guests"
DOMCTL = str(GUESTS / "domctl.elf")
EXIT_OK = 1


def run_kernels(sable, modules, append="dom0 debug_exit_when_idle", timeout=60):
    con = sable(smp=2, mem="512M", append=append, modules=modules)
    con.wait_for(r"boot: all domains have shut down", timeout=timeout)
    con.expect_exit(EXIT_OK)
    fails = con.find_all(r"^.*CHECK \S+ FAIL.*$")
    con.check(not fails, f"failed checks: {[m.group(0) for m in fails]}")
    return con


def test_domctl_lifecycle_and_hostile_input(sable):
    """dom0 creates, pauses, unpauses and destroys domains, reads host and
    domain information, gets Xen's error for every bad request, and 50
    create/destroy cycles give every free page back; a domU gets -EPERM."""
    con = run_kernels(sable, [f"{DOMCTL} cycles=50", f"{DOMCTL} self=1"])
    con.wait_for(r"\(d0\) VERDICT SUCCESS")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")
    for name in ("create", "pause-flags", "destroyed", "cycles-free-pages", "destroy-self",
                 "domainlist-self"):
        con.wait_for(rf"\(d0\) CHECK {name} PASS")
    for name in ("unpriv-create", "unpriv-domctl", "unpriv-physinfo", "unpriv-domainlist"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    m = con.wait_for(r"\(d0\) PHYSINFO cpus=(\d+) total_pages=(\d+) free_pages=(\d+)")
    con.check(int(m.group(1)) == 2, "physinfo should count 2 CPUs")
    con.check(int(m.group(2)) > 120000, "physinfo total_pages should be about 512 MiB")
