"""A fault or panic in the hypervisor gives a full report and exit status 35."""
import re
import subprocess

import pytest

from conftest import EXIT_PANIC, ROOT

# debug_crash kind -> what the first line of the report must say.
KINDS = {
    "pf": r"unexpected exception in the hypervisor\n\s+exception 14 page fault \(#PF\)",
    "ud": r"unexpected exception in the hypervisor\n\s+exception 6 invalid opcode \(#UD\)",
    "de": r"unexpected exception in the hypervisor\n\s+exception 0 divide error \(#DE\)",
    "gp": r"unexpected exception in the hypervisor\n\s+exception 13 general protection \(#GP\)",
    "panic": r"debug_crash=panic requested",
    "assert": r"assertion 'zero == 1' failed at hypervisor/arch/x86/setup\.c:\d+",
}
FRAME = r"^\s+\[<([0-9a-f]{16})>\] (\S+)\+0x([0-9a-f]+)$"
REGS = ["RIP", "RFLAGS", "RSP", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP",
        "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "CR0", "CR2", "CR3", "CR4"]


def elf_symbols():
    """(address, name) of the text symbols of build/sable.elf, sorted."""
    out = subprocess.run(["nm", "-n", str(ROOT / "build" / "sable.elf")],
                         check=True, stdout=subprocess.PIPE, text=True).stdout
    syms = []
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW" and not f[2].startswith("."):
            syms.append((int(f[0], 16), f[2]))
    return syms


def symbol_at(syms, addr):
    best = None
    for a, name in syms:
        if a > addr:
            break
        best = (name, addr - a)
    return best


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_crash_report(sable, kind):
    # debug_shutdown as well: if no crash happens, QEMU stops at once (status 1)
    # instead of idling until the timeout.
    c = sable(append=f"debug_crash={kind} debug_shutdown")
    c.wait_for(rf"\*\*\* PANIC on CPU 0: {KINDS[kind]}")
    c.expect_exit(EXIT_PANIC)
    report = c.log[c.log.index("*** PANIC"):]
    for reg in REGS:
        c.check(re.search(rf"\b{reg}: +([0-9a-f]{{4}}:)?[0-9a-f]{{16}}\b", report),
                f"no {reg} in the register dump")
    c.check("Backtrace:" in report, "no Backtrace:")
    frames = re.findall(FRAME, report[report.index("Backtrace:"):], re.M)
    names = [name for _, name, _ in frames]
    c.check(any(n.split(".")[0] == "crash_on_purpose" for n in names),
            f"crash_on_purpose not in the backtrace {names}")
    c.check("start_sable" in names, f"start_sable not in the backtrace {names}")
    c.absent(r"debug_shutdown: stopping")


def test_backtrace_symbols_match_the_elf(sable):
    c = sable(append="debug_crash=pf")
    c.expect_exit(EXIT_PANIC)
    c.wait_for(r"page fault at 0x00007ead00000000: page not present, write access")
    c.wait_for(r"CR2: 00007ead00000000")
    report = c.log[c.log.index("Backtrace:"):]
    frames = re.findall(FRAME, report, re.M)
    c.check(len(frames) >= 3, f"short backtrace {frames}")
    syms = elf_symbols()
    for addr, name, off in frames:
        want = symbol_at(syms, int(addr, 16))
        c.check(want == (name, int(off, 16)),
                f"frame {addr} printed as {name}+0x{off}, nm says {want}")
