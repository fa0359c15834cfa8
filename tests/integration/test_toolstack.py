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


DOM0 = str(ROOT / "build" / "dom0.elf")
HOG = str(GUESTS / "cpuhog.elf")


def dom0_run(sable, commands, modules=(), mem="512M", append="dom0 debug_exit_when_idle"):
    """Boot dom0 with commands (';'-joined) on its command line, plus modules."""
    return sable(smp=2, mem=mem, append=append,
                 modules=[f"{DOM0} -- {';'.join(commands)}"] + list(modules))


def listing(con, after):
    """The `list` printed after the command `after`: {id: (name, state)}."""
    m = con.wait_for(rf"^.*\(d0\) dom0> {after}\n(?:.*\n)*?.*\(d0\) dom0> list\n"
                     r"((?:.*\n)*?).*\(d0\) dom0> ")
    rows = {}
    for line in m.group(1).splitlines():
        f = line.split("(d0) ", 1)[1].split() if "(d0) " in line else []
        if len(f) == 6 and f[1].isdigit():
            rows[int(f[1])] = (f[0], f[4])
    return rows


def test_list_pause_unpause_destroy_boot_domains(sable):
    """dom0's shell lists the domains the hypervisor started, pauses and
    unpauses one (its state follows), destroys the other (it leaves the
    list), and refuses what it must."""
    con = dom0_run(sable, ["info", "pause 1", "list", "unpause 1", "list", "destroy 2", "list",
                           "pause 7", "destroy 0", "unpause 1", "poweroff"],
                   [f"{HOG} ms=4000", f"{HOG} ms=4000"])
    rows = listing(con, "pause 1")
    con.check(rows[0] == ("Domain-0", "r-----"), f"dom0 row {rows[0]}")
    con.check(rows[1][1][2] == "p" and rows[1][1][0] == "-", f"dom1 paused: {rows[1]}")
    con.check(rows[2][1][2] == "-", f"dom2 not paused: {rows[2]}")
    rows = listing(con, "unpause 1")
    con.check(rows[1][1][2] == "-", f"dom1 unpaused: {rows[1]}")
    rows = listing(con, "destroy 2")
    con.check(set(rows) == {0, 1}, f"dom2 still listed: {rows}")
    con.wait_for(r"\(d0\) 7: no such domain")
    con.wait_for(r"\(d0\) destroy: dom0 cannot be destroyed")
    con.wait_for(r"\(d0\) unpause 1: invalid in its state")
    con.wait_for(r"\(d0\) host: 2 CPUs, \d+ MiB RAM, \d+ MiB free \(free_pages=\d+\)")
    con.wait_for(r"boot: all domains have shut down", timeout=60)
    con.expect_exit(EXIT_OK)
    con.absent(r"PANIC")
