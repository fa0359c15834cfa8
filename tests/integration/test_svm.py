"""
Hardware-assisted (SVM + nested paging) domains booted through PVH, with
Sable's own test kernel (tests/pvh): CPUID and MSR policy, hypercalls by
VMMCALL and through the hypercall page, event delivery by the callback
vector, and crashes (unbacked memory, triple fault) that stop only the
guilty domain. Every guest line is tagged (dN) on the hypervisor console.
"""
import re
import shutil

from conftest import ROOT

PVHTEST = str(ROOT / "build" / "pvh" / "pvhtest.elf")
EXIT_OK = 1     # isa-debug-exit status for machine_stop_ok()


def pvh(scenario, *options):
    """A module line for the PVH test kernel."""
    return " ".join([PVHTEST, "sable.type=pvh", "sable.mem=32M", *options, scenario])


def test_svm_is_enabled_on_every_cpu(sable):
    con = sable(smp=2, mem="256M", append="debug_shutdown")
    con.wait_for(r"svm: enabled: nested paging, \d+ ASIDs")
    con.expect_exit(EXIT_OK)
    con.absent(r"cpu\d+ lacks SVM")


def test_pvh_test_kernel_passes_every_check(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle", modules=[pvh("basic")])
    con.wait_for(r"dom1: PVH kernel 'pvhtest.elf', 32 MiB, 1 vCPU, entry 0x200000")
    con.wait_for(r"\(d1\) pvhtest: SUCCESS: all (\d+) checks passed", timeout=60)
    con.expect_exit(EXIT_OK, timeout=60)
    con.check(len(con.find_all(r"\(d1\) pvhtest: PASS ")) >= 20, "too few checks ran")
    con.absent(r"pvhtest: FAIL")
    con.wait_for(r"\(d1\) pvhtest: hello through COM1")
    con.wait_for(r"dom1: shut down \(poweroff\)")
    # Exits are counted and timed by reason when the domain ends.
    con.wait_for(r"dom1: \d+ exits: .*vmmcall \d+")
    m = con.wait_for(r"dom1: us per exit: .*vmmcall (\d+).*; guest ran (\d+) ms, "
                     r"exits other than hlt took (\d+) ms")
    con.check(int(m.group(2)) > 0, "no guest time counted")


def test_unbacked_memory_and_triple_fault_crash_only_their_domain(sable):
    con = sable(smp=2, mem="512M", append="debug_exit_when_idle",
                modules=[pvh("spin"), pvh("npf"), pvh("triple")])
    con.wait_for(r"boot: 3 domains started")
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK)
    con.wait_for(r"dom2: crashed: read of unbacked guest-physical address 0xc0100000")
    con.wait_for(r"dom2 vcpu0: rip [0-9a-f]+ rsp")
    con.wait_for(r"dom3: crashed: triple fault")
    con.absent(r"should not get here")
    # The innocent domain ran to its end.
    con.wait_for(r"\(d1\) pvhtest: SUCCESS: spun to the end")
    con.wait_for(r"dom1: shut down \(poweroff\)")


def test_guest_ram_holds_no_old_data(sable):
    # Free memory is filled with 'Z' first (debug_poison_free), and freed
    # blocks are reused first, so the domains get frames full of old data;
    # guest RAM is scrubbed at first use (hvm.c): neither the guest's own
    # reads nor the hypervisor's reads for it (a console write from memory
    # the guest never touched) may see any of it.
    con = sable(smp=2, mem="512M", append="debug_poison_free=128M debug_exit_when_idle",
                modules=[pvh("zero"), pvh("zero", "sable.mem=64M")])
    con.wait_for(r"poison: 128 MiB of free memory filled with 'Z'")
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK)
    for domid in (1, 2):
        con.wait_for(rf"\(d{domid}\) pvhtest: after the write from untouched memory")
        con.wait_for(rf"\(d{domid}\) pvhtest: SUCCESS: \d+ KiB of RAM read zero")
        con.wait_for(rf"dom{domid}: \d+ of \d+ MiB of RAM scrubbed at first use")
    con.absent(r"ZZZZ")
    con.absent(r"pvhtest: FAIL")


def test_acpi_power_off(sable):
    con = sable(smp=1, mem="256M", append="debug_exit_when_idle", modules=[pvh("acpioff")])
    con.wait_for(r"dom1: ACPI power off")
    con.wait_for(r"dom1: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK)
    con.absent(r"should not get here")


def test_two_pvh_domains_side_by_side(sable):
    con = sable(smp=2, mem="512M", append="debug_exit_when_idle",
                modules=[pvh("basic"), pvh("basic")])
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK)
    for domid in (1, 2):
        con.wait_for(rf"\(d{domid}\) pvhtest: SUCCESS: all \d+ checks passed")


def test_malformed_images_are_refused_before_a_domain_exists(sable):
    notpvh = str(ROOT / "build" / "guests" / "selftest.elf")    # a PV kernel: no PVH note
    con = sable(smp=1, mem="256M", append="debug_exit_when_idle",
                modules=[f"{notpvh} sable.type=pvh",
                         f"{PVHTEST} sable.type=pvh sable.mem=2M basic",
                         f"{PVHTEST} sable.type=pvh sable.mem=32M sable.vcpus=x basic",
                         pvh("basic")])
    con.wait_for(r"pvh: selftest.elf: no XEN_ELFNOTE_PHYS32_ENTRY note: not a PVH kernel")
    con.wait_for(r"boot: module 1 \(\S+/pvhtest.elf\): sable.mem=2M: out of range")
    con.wait_for(r"boot: module 2 \(\S+/pvhtest.elf\): sable.vcpus=x: not a number")
    con.wait_for(r"boot: 1 domain started")
    con.wait_for(r"\(d1\) pvhtest: SUCCESS", timeout=60)
    con.expect_exit(EXIT_OK, timeout=60)


def test_initrd_too_large_is_refused(sable):
    big = shutil.which("qemu-system-x86_64")   # any file larger than the guest's 4 MiB
    con = sable(smp=1, mem="256M", append="debug_exit_when_idle",
                modules=[f"{PVHTEST} sable.type=pvh sable.mem=4M basic", f"{big} sable.initrd"])
    con.wait_for(r"pvh: pvhtest.elf: initrd too large for the domain's memory")
    con.absent(r"dom1: PVH kernel")


def test_local_apic_xapic_mmio_nmis_and_a_second_vcpu(sable):
    # The APIC scenario (tests/pvh/apic.c) on two vCPUs: mode switching,
    # xAPIC registers through MMIO (decoded nested page faults), timer,
    # self-IPIs, NMIs (self, to vCPU 1, shorthands; blocked until IRET),
    # INIT/SIPI, and vCPU 1's own periodic timer.
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[pvh("apic", "sable.vcpus=2")])
    con.wait_for(r"\(d1\) pvhtest: SUCCESS: all (\d+) checks passed", timeout=60)
    con.expect_exit(EXIT_OK, timeout=60)
    con.absent(r"pvhtest: FAIL")
    con.absent(r"pvhtest: SKIP")
    con.check(len(con.find_all(r"\(d1\) pvhtest: PASS ")) >= 35, "too few checks ran")
    con.wait_for(r"dom1: vCPU 1 started by SIPI at 0x8000")
    exits = con.wait_for(r"dom1: \d+ exits: .*\n")    # the whole line
    con.check(re.search(r" apic \d+", exits.group(0)) and re.search(r" iret \d+", exits.group(0)),
              "APIC page accesses and IRETs were not counted")
    # vCPU 1's timer fires on the CPU vCPU 1 runs on, not across CPUs.
    m = con.wait_for(r"dom1: local APIC timer fired (\d+) times, (\d+) on another CPU "
                     r"than its vCPU's; (\d+) NMIs")
    fired, remote, nmis = (int(g) for g in m.groups())
    con.check(fired >= 41, f"only {fired} APIC timer interrupts")
    con.check(remote * 10 <= fired, f"{remote} of {fired} APIC timer interrupts on another CPU")
    con.check(nmis == 8, f"{nmis} NMIs injected, not 8")


def test_refused_apic_accesses_crash_only_their_domain(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[pvh("apicbyte"), pvh("apicinsn"), pvh("spin")])
    con.wait_for(r"boot: all domains have shut down", timeout=90)
    con.expect_exit(EXIT_OK)
    con.wait_for(r"dom1: crashed: access that is not an aligned 32-bit one on the local APIC "
                 r"page at 0xfee00080 \(rip 0x[0-9a-f]+, bytes c6 ")
    con.wait_for(r"dom2: crashed: instruction not emulated on the local APIC page at "
                 r"0xfee00080 \(rip 0x[0-9a-f]+, bytes 83 ")
    con.absent(r"should not get here")
    con.wait_for(r"\(d3\) pvhtest: SUCCESS: spun to the end")
