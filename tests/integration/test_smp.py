"""Every CPU QEMU gives comes online; maxcpus= limits them; timers run on all."""
import pytest

from conftest import EXIT_OK


def cpus(n):
    return f"{n} CPUs?"


@pytest.mark.parametrize("smp", [1, 2, 4])
def test_all_cpus_come_online(sable, smp):
    c = sable(smp=smp, append="debug_shutdown")
    c.wait_for(rf"smp: {cpus(smp)} online$")
    c.wait_for(rf"boot complete: {cpus(smp)} online, idle$")
    c.expect_exit(EXIT_OK)
    for cpu in range(1, smp):
        c.wait_for(rf"cpu{cpu}: online \(APIC id \d+\)$")
    ids = [m.group(1) for m in c.find_all(r"cpu\d+: online \(APIC id (\d+)\)$")]
    c.check(len(ids) == len(set(ids)), f"APIC ids repeat: {ids}")
    c.absent(rf"cpu{smp}: online")


def test_maxcpus_limits_cpus(sable):
    c = sable(smp=4, append="maxcpus=2 debug_shutdown")
    c.wait_for(r"smp: 2 CPUs online$")
    c.wait_for(r"boot complete: 2 CPUs online, idle$")
    c.expect_exit(EXIT_OK)
    c.absent(r"cpu[23]: online")


@pytest.mark.parametrize("smp", [2, 4])
def test_timers_fire_on_every_cpu(sable, smp):
    c = sable(smp=smp, append="debug_timers debug_shutdown")
    c.wait_for(rf"timers: ok on {smp} CPUs$")
    c.expect_exit(EXIT_OK)
    c.absent(r"PANIC")
