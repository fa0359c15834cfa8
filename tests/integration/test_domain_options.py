"""
Boot-domain options: `sable.*` words on a module line configure its domain
(name, memory, vCPUs, scheduling) and never reach the guest; a module with a
bad one is refused with a message naming the key, and the others start.
"""
from conftest import ROOT

GUESTS = ROOT / "build" / "guests"
SELFTEST = str(GUESTS / "selftest.elf")
EXIT_OK = 1


def test_options_configure_the_domain_and_leave_the_guest_line(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{SELFTEST} sable.name=alpha name=x sable.mem=24M sable.vcpus=2 "
                         "sable.weight=512 sable.affinity=1 last=1"])
    con.wait_for(r"dom1: PV kernel 'alpha' \(Sable-test\), 24 MiB, 2 vCPUs")
    con.wait_for(r'\(d1\) Sable PV test kernel: selftest: .*\(cmdline "name=x last=1"\)')
    con.wait_for(r"\(d1\) start_info: nr_pages 6144 ")
    con.wait_for(r"\(d1\) VERDICT SUCCESS", timeout=120)
    con.expect_exit(EXIT_OK)
    con.absent(r"sable\.")


def test_bad_option_refuses_only_that_module(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{SELFTEST} sable.weight=0 name=bad",
                         f"{SELFTEST} sable.affinity=0-5",
                         f"{SELFTEST} sable.vcpus=2 sable.cap=300",
                         f"{SELFTEST} sable.bogus=1",
                         f"{SELFTEST} name=good"])
    con.wait_for(r"boot: module 0 \(\S+selftest\.elf\): sable\.weight=0: out of range "
                 r"\(1\.\.65535\): not started")
    con.wait_for(r"boot: module 1 \(\S+\): sable\.affinity=0-5: names a CPU that is not online")
    con.wait_for(r"boot: module 2 \(\S+\): sable\.cap=300: above 100% x 2 vCPUs")
    con.wait_for(r"boot: module 3 \(\S+\): sable\.bogus: unknown option")
    con.wait_for(r"boot: 1 domain started")
    con.wait_for(r'\(d1\) Sable PV test kernel: .*\(cmdline "name=good"\)')
    con.wait_for(r"boot: all domains have shut down", timeout=120)
    con.expect_exit(EXIT_OK)
    con.absent(r"dom2:")


SMP = str(GUESTS / "smp.elf")


def run_smp_kernel(sable, cpus, extra=""):
    con = sable(smp=cpus, mem="256M", append="debug_exit_when_idle",
                modules=[f"{SMP} sable.vcpus=2 {extra}"])
    con.wait_for(r"dom1: PV kernel 'smp\.elf' \(Sable-test\), 16 MiB, 2 vCPUs")
    con.wait_for(r"\(d1\) VERDICT (\w+)", timeout=60)
    con.expect_exit(EXIT_OK)
    fails = [m.group(0) for m in con.find_all(r"^.*\(d1\) CHECK \S+ FAIL.*$")]
    con.check(not fails and con.find_all(r"\(d1\) VERDICT SUCCESS"), f"failures: {fails}")
    return con


def test_second_vcpu_starts_exchanges_ipis_and_runs_in_parallel(sable):
    con = run_smp_kernel(sable, 2, "parallel=1")
    for name in ("smp-vcpu1-runs-as-vcpu1", "smp-ipi-round-trips", "smp-ipi-on-bound-vcpu",
                 "smp-parallel", "smp-vcpu1-took-itself-down", "smp-vcpu1-offline"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")


def test_two_vcpus_share_one_cpu(sable):
    con = run_smp_kernel(sable, 1)
    con.wait_for(r"\(d1\) CHECK smp-both-vcpus-ran PASS")
    con.absent(r"CHECK smp-parallel ")
