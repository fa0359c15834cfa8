#!/usr/bin/python3
"""
PV operation costs in TSC cycles, each beside its native counterpart measured
by the same hypervisor in the same run:

  null hypercall        PV: xen_version(XENVER_version) from a guest kernel
                        (tests/guests/pvbench); native: SYSCALL/SYSRET from
                        ring 3 to a handler that returns at once, and a plain
                        function call (debug_native_bench=)
  event-channel         PV: interdomain event round trip between two domains
  round trip            (tests/guests/pingpong); native: smp_call_function to
                        another CPU (an IPI there, the answer through memory)
  guest system call     PV: user -> guest kernel -> user (a SYSCALL in guest
                        user mode bounced to the guest kernel, back by the iret
                        hypercall); native: SYSCALL/SYSRET. Needs mmuext_op's
                        user page-table root: without it the pvbench kernel
                        reports the figure unavailable and the plot says so

Each boot times every operation `--iters` times and prints the median (guest
and hypervisor alike); the boot is repeated `--runs` times and the median of
those medians is the figure. TSC cycles are QEMU's virtual TSC (TCG): compare
the two sides, not with real hardware.

Prints a table, writes bench/results/pv_ops.json and a bar plot
bench/results/pv_ops.png. Run through `tools/sable bench pv_ops`, or
    /usr/bin/python3 bench/pv_ops.py [--runs 3] [--iters 10000] [--rounds 1000]
"""
import argparse
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from boot_time import KERNEL, QEMU, RESULTS, ROOT, qemu_version, save_plot

GUESTS = ROOT / "build" / "guests"
DONE = re.compile(r"boot: all domains have shut down")
# NATIVE op=... (hypervisor), (dN) PVBENCH op=... (guest)
OP_LINE = re.compile(r"\b(NATIVE|PVBENCH) op=(\S+) iters=(\d+) median_cycles=(\d+) "
                     r"min_cycles=(\d+) p90_cycles=(\d+) mean_cycles=(\d+)")
UNAVAILABLE = re.compile(r"\bPVBENCH op=(\S+) unavailable (.*)$")
PINGPONG = re.compile(r"\bPINGPONG rounds=(\d+) median_cycles=(\d+) min_cycles=(\d+) "
                      r"p90_cycles=(\d+)")

# What the plot and the table show: (label, PV side, native side), each side
# (source, op) as printed; the native side is the cheapest way to do the same
# thing without a guest in between.
COMPARISONS = [
    ("null hypercall", ("PVBENCH", "null-hypercall"), ("NATIVE", "syscall")),
    ("event-channel round trip", ("PINGPONG", "roundtrip"), ("NATIVE", "ipi-call")),
    ("guest system call", ("PVBENCH", "guest-syscall"), ("NATIVE", "syscall")),
]


def boot(modules, append, smp, mem, timeout):
    """One boot until every domain has shut down; the console lines."""
    args = [QEMU, "-accel", "tcg", "-cpu", "max", "-m", mem, "-smp", str(smp),
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(KERNEL), "-append", f"debug_exit_when_idle {append}",
            "-initrd", ",".join(m.replace(",", ",,") for m in modules)]
    try:
        r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace")
        sys.exit(f"pv_ops: boot did not finish within {timeout}s:\n{out}")
    out = r.stdout.decode("utf-8", "replace").replace("\r", "")
    if not DONE.search(out):
        sys.exit(f"pv_ops: boot ended (status {r.returncode}) before the domains finished:\n{out}")
    return out.splitlines()


def parse(lines):
    """{(source, op): median cycles or None, ...} and {(source, op): why missing}."""
    found, missing = {}, {}
    for line in lines:
        m = OP_LINE.search(line)
        if m:
            found[(m.group(1), m.group(2))] = {
                "iters": int(m.group(3)), "median": int(m.group(4)), "min": int(m.group(5)),
                "p90": int(m.group(6)), "mean": int(m.group(7))}
        m = UNAVAILABLE.search(line)
        if m:
            missing[("PVBENCH", m.group(1))] = m.group(2).strip()
        m = PINGPONG.search(line)
        if m:
            found[("PINGPONG", "roundtrip")] = {
                "iters": int(m.group(1)), "median": int(m.group(2)), "min": int(m.group(3)),
                "p90": int(m.group(4))}
    return found, missing


def measure(a):
    """Every boot of every run; {(source, op): [per-run result]}, {(source, op): why}."""
    per_op, missing = {}, {}
    ops_boot = ([f"{GUESTS / 'pvbench.elf'} iters={a.iters}"], f"debug_native_bench={a.iters}")
    pingpong_boot = ([f"{GUESTS / 'pingpong.elf'} role=pong peer=2 rounds={a.rounds}",
                      f"{GUESTS / 'pingpong.elf'} role=ping peer=1 rounds={a.rounds}"], "")
    for run in range(a.runs):
        for name, (modules, append) in (("ops", ops_boot), ("pingpong", pingpong_boot)):
            t0 = time.monotonic()
            found, why = parse(boot(modules, append, a.smp, a.mem, a.timeout))
            print(f"  run {run + 1}/{a.runs} {name}: {len(found)} figures "
                  f"({time.monotonic() - t0:.1f} s)", flush=True)
            for key, res in found.items():
                per_op.setdefault(key, []).append(res)
            missing.update(why)
    for key in ("PVBENCH", "null-hypercall"), ("NATIVE", "syscall"), ("PINGPONG", "roundtrip"):
        if key not in per_op:
            sys.exit(f"pv_ops: no {key[0]} op={key[1]} line in any boot")
    return per_op, missing


def summarize(per_op):
    """Median over runs of each operation's per-run median."""
    return {f"{src} {op}": {"median_cycles": statistics.median(r["median"] for r in runs),
                            "min_cycles": min(r["min"] for r in runs),
                            "runs": runs}
            for (src, op), runs in per_op.items()}


def plot(comparisons, meta, path):
    """Grouped bars, PV beside native, on a log scale (they differ by 10-1000x)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.2, 4.4), dpi=120)
    width = 0.36
    for i, c in enumerate(comparisons):
        for dx, side, color, label in ((-width / 2, "pv", "#2f6db5", "PV guest on Sable"),
                                       (width / 2, "native", "#b0b7c3", "native (Sable ring 0/3)")):
            v = c[side]["median_cycles"]
            if v is None:
                ax.annotate("not\navailable", (i + dx, 0.02), ha="center",
                            va="bottom", fontsize=7, color="gray",
                            xycoords=("data", "axes fraction"))
                continue
            ax.bar(i + dx, v, width, color=color, label=label if i == 0 else None)
            ax.annotate(f"{v:,.0f}", (i + dx, v), textcoords="offset points", xytext=(0, 3),
                        ha="center", fontsize=8)
    ax.set_xticks(range(len(comparisons)))
    ax.set_xticklabels([f"{c['label']}\n(native: {c['native']['op']})" for c in comparisons],
                       fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("TSC cycles, median (log scale)")
    ax.set_title(f"PV operations vs native, QEMU TCG -smp {meta['smp']} "
                 f"({meta['runs']} boots x {meta['iters']} iterations)", fontsize=10)
    save_plot(fig, ax, meta["qemu"], path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3, help="boots per benchmark")
    ap.add_argument("--iters", type=int, default=10000, help="timed iterations per operation")
    ap.add_argument("--rounds", type=int, default=1000, help="event-channel round trips")
    ap.add_argument("--smp", type=int, default=2, help="QEMU -smp")
    ap.add_argument("--mem", default="256M", help="QEMU -m")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per boot")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    for f in (KERNEL, GUESTS / "pvbench.elf", GUESTS / "pingpong.elf"):
        if not f.exists():
            sys.exit(f"pv_ops: {f} missing: run make first")

    print(f"PV operations: {a.runs} boots each, {a.iters} iterations, {a.rounds} round trips")
    per_op, missing = measure(a)
    ops = summarize(per_op)
    comparisons = []
    for label, pv, native in COMPARISONS:
        side = {}
        for name, (src, op) in (("pv", pv), ("native", native)):
            r = ops.get(f"{src} {op}")
            side[name] = {"source": src, "op": op,
                          "median_cycles": r["median_cycles"] if r else None,
                          "missing": None if r else missing.get((src, op), "not reported")}
        comparisons.append({"label": label, **side})
    meta = {
        "benchmark": "pv_ops",
        "what": "TSC cycles per operation, median over boots of the per-boot median",
        "runs": a.runs, "iters": a.iters, "rounds": a.rounds, "smp": a.smp, "mem": a.mem,
        "timer_overhead_cycles": {k: ops[k]["median_cycles"]
                                  for k in ("NATIVE empty", "PVBENCH empty") if k in ops},
        "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }

    print(f"{'operation':26} {'PV (cycles)':>12} {'native (cycles)':>16}  ratio")
    for c in comparisons:
        pv, nat = c["pv"]["median_cycles"], c["native"]["median_cycles"]
        pv_s = f"{pv:,.0f}" if pv is not None else "n/a"
        ratio = f"{pv / nat:.1f}x" if pv is not None and nat else ""
        print(f"{c['label']:26} {pv_s:>12} {nat:>16,.0f}  {ratio}"
              f"  (native: {c['native']['op']})")
        if pv is None:
            print(f"{'':26} PV: {c['pv']['missing']}")
    print("timer overhead (two RDTSCs): " + ", ".join(
        f"{k.split()[0].lower()} {v:.0f}" for k, v in meta["timer_overhead_cycles"].items()))

    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "pv_ops.json").write_text(json.dumps(
        {**meta, "comparisons": comparisons, "operations": ops}, indent=2) + "\n")
    plot(comparisons, meta, a.out / "pv_ops.png")
    print(f"wrote {a.out / 'pv_ops.json'} and {a.out / 'pv_ops.png'}")


if __name__ == "__main__":
    main()
