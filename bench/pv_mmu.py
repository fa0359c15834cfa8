#!/usr/bin/python3
"""
PV page-table updates: what one PTE update costs in TSC cycles, by the way
a PV kernel makes it (tests/guests/pvmm with bench=1):

  mmu_update, N entries per call   N = 1 (one at a time), 8, 64, 512
  update_va_mapping                one entry per call, found by address
  writable page table              a plain store into the read-only mapped
                                   L1 table, trapped and emulated (vm_assist
                                   writable_pagetables)

The same 512 entries of one L1 table are switched between two frames; each
figure is measured 9 times per boot and the median taken (per update), the
boot repeated --runs times and the median of those medians reported. TSC
cycles are QEMU's virtual TSC under TCG: compare the methods with each
other, not with real hardware.

Prints a table, writes bench/results/pv_mmu.json and a bar plot
bench/results/pv_mmu.png. Run through `tools/sable bench pv_mmu`, or
    /usr/bin/python3 bench/pv_mmu.py [--runs 5]
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
from pathlib import Path

from boot_time import KERNEL, QEMU, RESULTS, ROOT, qemu_version, save_plot

PVMM = ROOT / "build" / "guests" / "pvmm.elf"
LINE = re.compile(r"\bPVMM_BENCH method=(\S+) n=(\d+) reps=(\d+) median_cycles=(\d+) "
                  r"min_cycles=(\d+)")
VERDICT = re.compile(r"\(d1\) VERDICT (\w+)")

# Plot order and labels: (method, entries per call) -> label.
METHODS = [
    (("mmu_update", 1), "mmu_update\n1 per call"),
    (("mmu_update", 8), "mmu_update\n8 per call"),
    (("mmu_update", 64), "mmu_update\n64 per call"),
    (("mmu_update", 512), "mmu_update\n512 per call"),
    (("update_va_mapping", 1), "update_va_mapping\n1 per call"),
    (("writable_pagetable", 1), "writable\npage table"),
]


def boot_once(mem, timeout):
    """One boot of the pvmm kernel with bench=1: {(method, n): (median, min)}."""
    args = [QEMU, "-accel", "tcg", "-cpu", "max", "-m", mem, "-smp", "1",
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(KERNEL), "-append", "debug_exit_when_idle",
            "-initrd", f"{PVMM} bench=1"]
    try:
        r = subprocess.run(args, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        sys.exit(f"pv_mmu: no result within {timeout}s:\n"
                 f"{(e.stdout or b'').decode('utf-8', 'replace')}")
    out = r.stdout.decode("utf-8", "replace")
    v = VERDICT.search(out)
    if not v or v.group(1) != "SUCCESS":
        sys.exit(f"pv_mmu: the pvmm kernel did not pass its checks:\n{out}")
    figures = {(m.group(1), int(m.group(2))): (int(m.group(4)), int(m.group(5)))
               for m in LINE.finditer(out)}
    missing = [k for k, _ in METHODS if k not in figures]
    if missing:
        sys.exit(f"pv_mmu: no figure for {missing}:\n{out}")
    return figures


def measure(runs, mem, timeout):
    per_run = [boot_once(mem, timeout) for _ in range(runs)]
    results = []
    for key, label in METHODS:
        medians = [f[key][0] for f in per_run]
        results.append({"method": key[0], "entries_per_call": key[1],
                        "label": label.replace("\n", " "),
                        "median_cycles_per_update": statistics.median(medians),
                        "min_cycles_per_update": min(f[key][1] for f in per_run),
                        "run_medians": medians})
    return results


def plot(results, meta, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [label for _, label in METHODS]
    values = [r["median_cycles_per_update"] for r in results]
    colors = ["#2f6db5"] * 4 + ["#6aa84f", "#c27c0e"]
    fig, ax = plt.subplots(figsize=(7.6, 4.4), dpi=120)
    ax.bar(labels, values, width=0.6, color=colors)
    for i, r in enumerate(results):
        ax.scatter([i] * len(r["run_medians"]), r["run_medians"], s=12, color="black",
                   zorder=3, label="each boot's median" if i == 0 else None)
        ax.annotate(f"{r['median_cycles_per_update']:.0f}", (i, max(r["run_medians"])),
                    textcoords="offset points", xytext=(0, 5), ha="center", fontsize=8)
    ax.set_ylabel("TSC cycles per PTE update (median of %d boots)" % meta["runs"])
    ax.set_title("PV page-table updates: batched vs one at a time vs writable page tables")
    ax.set_ylim(0, max(max(r["run_medians"]) for r in results) * 1.2)
    ax.tick_params(axis="x", labelsize=8)
    save_plot(fig, ax, meta["qemu"], path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="boots")
    ap.add_argument("--mem", default="256M", help="QEMU -m")
    ap.add_argument("--timeout", type=float, default=120, help="seconds per boot")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    for f in (KERNEL, PVMM):
        if not f.exists():
            sys.exit(f"pv_mmu: {f} missing: run make first")

    results = measure(a.runs, a.mem, a.timeout)
    meta = {
        "benchmark": "pv_mmu",
        "what": "TSC cycles per guest PTE update (QEMU TCG virtual TSC), by method",
        "runs": a.runs,
        "mem": a.mem,
        "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    print(f"PTE update cost, TSC cycles per update (median of {a.runs} boots):")
    for r in results:
        print(f"  {r['label']:<28} {r['median_cycles_per_update']:8.0f}"
              f"  (best {r['min_cycles_per_update']})")
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "pv_mmu.json").write_text(json.dumps({**meta, "results": results}, indent=2) + "\n")
    plot(results, meta, a.out / "pv_mmu.png")
    print(f"wrote {a.out / 'pv_mmu.json'} and {a.out / 'pv_mmu.png'}")


if __name__ == "__main__":
    main()
