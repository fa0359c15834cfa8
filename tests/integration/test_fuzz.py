"""
The fuzz kernel (tests/guests/fuzz, docs/guests.md) throws seeded random and
boundary arguments at every hypercall, alone and in multicalls, beside a
victim domain that keeps checking its memory and its timer. Whatever the
seed: the hypervisor does not panic, the fuzzer ends its run (or is crashed
with a reason), its sanity checks and the victim's all pass, and once both
domains are gone every frame is free again.
"""
import re

import pytest

from conftest import ROOT

FUZZ = str(ROOT / "build" / "guests" / "fuzz.elf")
PVHFUZZ = str(ROOT / "build" / "pvh" / "pvhfuzz.elf")
EXIT_OK = 1


def fuzz_line(seed, iters, *extra):
    return " ".join([FUZZ, f"seed={seed}", f"iters={iters}", "progress=1000", *extra])


def victim_line(ms=3000):
    return f"{FUZZ} role=victim ms={ms} sable.name=victim"


def check_run(con, fuzzer, seed, iters, tag=""):
    """The assertions every fuzz run shares; fuzzer is its console tag, e.g.
    d1, tag what its lines start with after that ("pvhfuzz: ")."""
    fuzzer_tag = rf"\({fuzzer}\) {tag}"
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK, timeout=30)
    con.absent(r"PANIC")
    con.wait_for(rf"{fuzzer_tag}FUZZ seed={seed} iterations={iters}")
    fails = con.find_all(r"^.*CHECK \S+ FAIL.*$")
    con.check(not fails, f"failed checks: {[m.group(0) for m in fails]}")
    crashed = re.search(rf"dom{fuzzer[1:]}: crashed: (.+)$", con.log, re.M)
    if not crashed:
        con.wait_for(rf"{fuzzer_tag}FUZZ done iterations={iters} seed={seed}")
        con.wait_for(rf"{fuzzer_tag}VERDICT SUCCESS")
    # Every frame is back once the domains are released.
    m = con.wait_for(r"boot: (\d+) domains? released, (\d+) frames free \((\d+) before")
    con.check(m.group(2) == m.group(3),
              f"{int(m.group(3)) - int(m.group(2))} frames leaked: {m.group(0)}")
    con.absent(r"frames still referenced at release")


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fuzz_beside_a_victim(sable, seed):
    """A domU fuzzer with four vCPUs (random contexts start them) and the victim."""
    iters = 3000
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[fuzz_line(seed, iters, "sable.vcpus=4"), victim_line()])
    check_run(con, "d1", seed, iters)
    for name in ("regress-context-fs-base", "regress-context-syscall-callback",
                 "regress-context-mxcsr", "fuzz-sanity", "fuzz-timer-after"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    con.wait_for(r"\(d2\) VICTIM done rounds=\d+")
    con.wait_for(r"\(d2\) CHECK victim-memory PASS")
    con.wait_for(r"\(d2\) VERDICT SUCCESS")


def test_fuzz_as_the_privileged_domain(sable):
    """As dom0: domctl, sysctl and other domains' ports and shutdown, on a prey
    domain that runs meanwhile, never on the victim."""
    seed, iters = 7, 3000
    con = sable(smp=2, mem="512M", append="dom0 debug_exit_when_idle",
                modules=[fuzz_line(seed, iters, "sable.vcpus=2", "prey=2"), victim_line(),
                         f"{FUZZ} role=prey ms=3000 sable.name=prey"])
    check_run(con, "d0", seed, iters)
    con.wait_for(r"\(d0\) FUZZ privileged: 3 domains, 1 spared, 1 prey")
    con.wait_for(r"\(d0\) CHECK fuzz-cleanup PASS")
    con.wait_for(r"\(d1\) CHECK victim-memory PASS")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")


def test_destroying_running_domains(sable):
    """dom0 destroys each prey the moment it runs on another CPU, in the middle
    of a long multicall: the hypervisor takes it off that CPU first."""
    prey = [f"{FUZZ} role=prey ms=20000" for _ in range(4)]
    con = sable(smp=4, mem="512M", append="dom0 debug_exit_when_idle",
                modules=[fuzz_line(1, 100, "destroy=1", "prey=1:2:3:4")] + prey)
    check_run(con, "d0", 1, 100)
    con.wait_for(r"\(d0\) CHECK regress-destroy-running PASS")
    con.absent(r"PREY done")


@pytest.mark.parametrize("seed", [1, 2])
def test_pvh_fuzz_beside_a_victim(sable, seed):
    """The SVM fuzz kernel (tests/pvh/fuzz.c): hypercalls by VMMCALL and
    VMCALL, MSRs, ports and CPUID leaves, beside the PV victim."""
    iters = 1000
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{PVHFUZZ} sable.type=pvh sable.mem=32M seed={seed} iters={iters} "
                         "progress=1000", victim_line()])
    check_run(con, "d1", seed, iters, tag="pvhfuzz: ")
    for name in ("regress-noncanonical-write", "regress-noncanonical-read",
                 "regress-noncanonical-high", "regress-sti-hlt",
                 "regress-continuation"):
        con.wait_for(rf"\(d1\) pvhfuzz: CHECK {name} PASS")
    con.absent(r"dom1: crashed")
    con.wait_for(r"\(d2\) CHECK victim-memory PASS")
    con.wait_for(r"\(d2\) VERDICT SUCCESS")


def test_pvh_fuzz_ends_with_a_crash(sable):
    """end=mmio: after its run it reads a hole, and only it is crashed."""
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{PVHFUZZ} sable.type=pvh sable.mem=32M seed=3 iters=200 end=mmio",
                         victim_line(ms=1000)])
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK, timeout=30)
    con.absent(r"PANIC")
    con.wait_for(r"\(d1\) pvhfuzz: VERDICT SUCCESS")
    con.wait_for(r"dom1: crashed: read of unbacked guest-physical address 0xc0100000")
    con.absent(r"should not get here")
    con.wait_for(r"\(d2\) VERDICT SUCCESS")
