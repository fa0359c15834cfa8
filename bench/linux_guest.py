#!/usr/bin/python3
"""
Linux guest: boot time and the reference workloads, natively and under Sable.

The same stock Debian kernel and initramfs (build/linux, docs/linux-guest.md)
boot two ways, 1 vCPU and 512 MiB each:

  native  directly by QEMU (-M microvm -kernel vmlinux: tools/linux_native.py),
          the limit a hypervisor can approach
  sable   as a PVH domain of Sable (build/sable.mb; module lines
          "vmlinux sable.type=pvh ..." and "initrd.cpio.gz sable.initrd")

Each boot asks the guest's /init for the workloads (sable_bench=all): it
prints its marker line, runs int, sys and mem (/work/shared/WORKLOADS.md),
each timing itself inside the guest, and powers off. Boot time is wall-clock
seconds from starting QEMU to the marker line. Native and Sable boots take
turns; every figure is the median of --runs boots. Targets: workloads within 5% of native, boot within 1.3x.
Beside each figure, the CPU time QEMU used for it (to the marker; between a
workload's line and the one before): on a host whose cores other QEMUs share,
it moves less than wall-clock time, and says whether a ratio is the load's.
If Sable cannot run the guest (yet), its column says why, with the console
line that shows it, instead of figures.

Prints a table, writes bench/results/linux_guest.json and
bench/results/linux_guest.png. Run through `tools/sable bench linux`, or
    /usr/bin/python3 bench/linux_guest.py [--runs 5] [--only native|sable]
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
import textwrap
import time
from pathlib import Path

from boot_time import KERNEL, RESULTS, ROOT, console_lines, qemu_version, save_plot

sys.path.insert(0, str(ROOT / "tools"))
import linux_native  # noqa: E402  (tools/ is not a package)

IMAGES = ROOT / "build" / "linux"
MARKER = re.compile(r"SABLE-GUEST-INIT: up, (\d+) cpus, kernel (\S+)")
BENCH = re.compile(r"BENCH name=(\w+) n=(\d+) ms=([\d.]+) check=(\d+)")
DONE = re.compile(r"SABLE-GUEST-BENCH: done \(status (\d+)\)")
# Console lines that say why a Sable boot went wrong, most telling first.
SABLE_TROUBLE = [re.compile(p) for p in (
    r"\*\*\* PANIC on CPU .*", r"dom\d+: crashed: .*", r"boot: module .*not started.*",
    r"\(d\d+\) .*Kernel panic.*", r"dom\d+: shut down \(.*\)", r"\(bench: killed QEMU after .*\)")]
WORKLOADS = ("int", "sys", "mem")
TARGETS = {"workload_ratio_max": 1.05, "boot_ratio_max": 1.3}
# Figures measured elsewhere on these machines (WORKLOADS.md): references
# only, the comparison is always with native measured in the same run.
REFERENCE = {"native": {"boot_s": 2.45, "int": 434, "sys": 582, "mem": 1047}}


class BootFailed(Exception):
    def __init__(self, why, log):
        super().__init__(why)
        self.why, self.log = why, log


def run_qemu(args, timeout):
    """
    Run QEMU until it exits: (seconds from start to the marker line or None,
    console lines, QEMU's CPU seconds when each line arrived). Kills it after
    `timeout` seconds.
    """
    t0 = time.monotonic()
    lines, cpu, marker = [], [], None
    for now, text, used in console_lines(args, timeout, cpu=True):
        lines.append(text)
        cpu.append(used)
        if marker is None and MARKER.search(text):
            marker = now
    if time.monotonic() - t0 >= timeout:
        lines.append(f"(bench: killed QEMU after {timeout:.0f} s)")
        cpu.append(None)
    return marker, lines, cpu


def cpu_between(cpu, start, end):
    """QEMU's CPU seconds between two console lines (None if unknown)."""
    if start is None or cpu[start] is None or cpu[end] is None:
        return None
    return cpu[end] - cpu[start]


def parse(marker, lines, cpu):
    """
    One boot's figures: {"boot_s", "boot_cpu_s", "cpus", "kernel", "int":
    {...}, ...}. The CPU seconds QEMU used (to the marker; from one workload's
    line to the next) say the same as the wall-clock figures but move less
    with the host's load: other engineers' QEMUs share its cores.
    """
    log = "\n".join(lines)
    if marker is None:
        raise BootFailed("the guest never printed its init marker", log)
    done = [DONE.search(line) for line in lines]
    if not any(done):
        raise BootFailed("the guest did not finish the workloads", log)
    at = next(i for i, line in enumerate(lines) if MARKER.search(line))
    m = MARKER.search(lines[at])
    out = {"boot_s": marker, "boot_cpu_s": cpu[at], "cpus": int(m.group(1)),
           "kernel": m.group(2)}
    prev = at
    for i, line in enumerate(lines):
        b = BENCH.search(line)
        if b:
            used = cpu_between(cpu, prev, i)
            out[b.group(1)] = {"n": int(b.group(2)), "ms": float(b.group(3)),
                               "check": b.group(4),
                               "cpu_ms": None if used is None else used * 1000}
            prev = i
    missing = [w for w in WORKLOADS if w not in out]
    if missing:
        raise BootFailed(f"no BENCH line for {', '.join(missing)}", log)
    return out


def native_boot(a):
    args = linux_native.qemu_args(smp=1, mem=a.mem, append="sable_bench=all")
    return parse(*run_qemu(args, a.timeout))


def sable_args(a):
    """QEMU's arguments for Sable with the guest images as one PVH domain."""
    kernel = " ".join([str(IMAGES / "vmlinux"), "sable.type=pvh", f"sable.mem={a.mem}",
                       "sable.vcpus=1", a.sable_append, "sable_bench=all"])
    initrd = f"{IMAGES / 'initrd.cpio.gz'} sable.initrd"
    return ["-accel", "tcg", "-cpu", "max", "-m", a.sable_host_mem, "-smp", str(a.sable_smp),
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(KERNEL), "-append", "debug_exit_when_idle",
            "-initrd", ",".join(m.replace(",", ",,") for m in (kernel, initrd))]


def sable_boot(a):
    marker, lines, cpu = run_qemu(sable_args(a), a.timeout)
    try:
        return parse(marker, lines, cpu)
    except BootFailed as e:
        # Name the console line that shows what went wrong, if there is one.
        for pattern in SABLE_TROUBLE:
            hits = [m.group(0) for m in map(pattern.search, lines) if m]
            if hits:
                raise BootFailed(f"{e.why}: {hits[0].strip()}", e.log) from None
        raise


def median_known(values):
    """Median of the values that are not None, or None."""
    known = [v for v in values if v is not None]
    return statistics.median(known) if known else None


def summarize(boots):
    """Medians over boots: {"boot_s": {...}, "int": {...}, ...}."""
    out = {"runs": len(boots), "kernel": boots[0]["kernel"],
           "boot_s": {"median": statistics.median(b["boot_s"] for b in boots),
                      "each": [b["boot_s"] for b in boots]},
           "boot_cpu_s": {"median": median_known(b["boot_cpu_s"] for b in boots),
                          "each": [b["boot_cpu_s"] for b in boots]}}
    for w in WORKLOADS:
        each = [b[w]["ms"] for b in boots]
        cpu = [b[w]["cpu_ms"] for b in boots]
        checks = sorted({b[w]["check"] for b in boots})
        out[w] = {"n": boots[0][w]["n"], "median_ms": statistics.median(each), "each_ms": each,
                  "cpu_median_ms": median_known(cpu), "cpu_each_ms": cpu,
                  "check": checks[0] if len(checks) == 1 else checks}
    return out


def measure(sides, a):
    """
    --runs rounds, each booting every side once in turn, so that a change in
    the host's load reaches both sides alike. {side: its summary, or
    {"available": False, "reason": ...}}; a side that fails is not tried
    again (native failing ends the benchmark).
    """
    boots = {name: [] for name in sides}
    failed = {}
    for run in range(a.runs):
        for name, boot in sides.items():
            if name in failed:
                continue
            t0 = time.monotonic()
            try:
                b = boot(a)
            except BootFailed as e:
                if name == "native":
                    sys.exit(f"linux_guest: native boot failed: {e.why}\n--- console:\n{e.log}")
                print(f"  {name}: not available ({e.why})", flush=True)
                (a.out / f"linux_guest.{name}.log").write_text(e.log + "\n")
                failed[name] = {"available": False, "reason": e.why}
                continue
            boots[name].append(b)
            print(f"  {name:6} run {run + 1}/{a.runs}: boot {b['boot_s']:.2f} s, " +
                  ", ".join(f"{w} {b[w]['ms']:.0f} ms" for w in WORKLOADS) +
                  f" ({time.monotonic() - t0:.0f} s)", flush=True)
    return {name: failed.get(name) or {"available": True, **summarize(boots[name])}
            for name in sides}


def ratio(a, b):
    return a / b if a is not None and b else None


def compare(native, sable):
    """
    Sable / native for each figure, and whether it meets its target (on
    wall-clock time); cpu_ratio is the same for QEMU's CPU time.
    """
    if not sable.get("available"):
        return None
    out = {"boot": (sable["boot_s"]["median"] / native["boot_s"]["median"],
                    ratio(sable["boot_cpu_s"]["median"], native["boot_cpu_s"]["median"]))}
    for w in WORKLOADS:
        out[w] = (sable[w]["median_ms"] / native[w]["median_ms"],
                  ratio(sable[w]["cpu_median_ms"], native[w]["cpu_median_ms"]))
    return {k: {"ratio": v, "cpu_ratio": c,
                "meets_target": v <= (TARGETS["boot_ratio_max"] if k == "boot"
                                      else TARGETS["workload_ratio_max"])}
            for k, (v, c) in out.items()}


def print_table(res):
    native, sable, ratios = res["native"], res["sable"], res["ratios"]
    print(f"\n{'':14}{'native':>12}{'sable':>12}{'ratio':>8}  {'target':18}QEMU CPU ratio")
    rows = [("boot (s)", "boot", lambda s: s["boot_s"]["median"], "<= 1.3x")]
    rows += [(f"{w} (ms)", w, lambda s, w=w: s[w]["median_ms"], "<= 1.05x") for w in WORKLOADS]
    for label, key, get, target in rows:
        nat = f"{get(native):.2f}" if key == "boot" else f"{get(native):.0f}"
        cpu = ""
        if sable.get("available"):
            sab = f"{get(sable):.2f}" if key == "boot" else f"{get(sable):.0f}"
            r = ratios[key]
            ratio = f"{r['ratio']:.2f}x"
            target += "  ok" if r["meets_target"] else "  MISSED"
            cpu = f"{r['cpu_ratio']:.2f}x" if r["cpu_ratio"] else "-"
        else:
            sab, ratio = "-", "-"
        print(f"{label:14}{nat:>12}{sab:>12}{ratio:>8}  {target:18}{cpu}")
    if not sable.get("available"):
        print(f"sable: not available ({sable.get('reason', 'not measured')})")


def plot(res, path):
    """Two panels: boot time, then the three workloads; native beside Sable."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    native, sable = res["native"], res["sable"]
    fig, (ax_boot, ax_work) = plt.subplots(1, 2, figsize=(9, 4.2), dpi=120,
                                           gridspec_kw={"width_ratios": [1, 3]})
    width = 0.38
    sides = (("native", native, "#b0b7c3", -width / 2), ("Sable (PVH)", sable, "#2f6db5", width / 2))
    panels = ((ax_boot, ["boot"], "seconds to the guest's init", lambda s, k: s["boot_s"]["each"]),
              (ax_work, list(WORKLOADS), "milliseconds, in the guest",
               lambda s, k: s[k]["each_ms"]))
    for ax, keys, ylabel, each in panels:
        for label, side, color, dx in sides:
            for i, k in enumerate(keys):
                if not side.get("available"):
                    ax.annotate("not\navailable", (i + dx, 0.02), ha="center", va="bottom",
                                fontsize=7, color="gray", xycoords=("data", "axes fraction"))
                    continue
                runs = each(side, k)
                med = statistics.median(runs)
                ax.bar(i + dx, med, width, color=color, label=label if i == 0 else None)
                ax.scatter([i + dx] * len(runs), runs, s=8, color="black", zorder=3)
                ax.annotate(f"{med:.2f}" if k == "boot" else f"{med:.0f}", (i + dx, med),
                            textcoords="offset points", xytext=(-9, 3), ha="right", fontsize=7)
        # The figures measured elsewhere (WORKLOADS.md), across the native bar.
        for i, k in enumerate(keys):
            ref = REFERENCE["native"]["boot_s" if k == "boot" else k]
            ax.hlines(ref, i - width, i, colors="#a33", linestyles="dashed", linewidth=1,
                      label="native, WORKLOADS.md" if i == 0 and ax is ax_work else None)
        ax.set_xticks(range(len(keys)))
        ax.set_xticklabels(keys)
        ax.set_ylabel(ylabel)
        ax.spines[["top", "right"]].set_visible(False)
    reason = "" if sable.get("available") else "\n" + textwrap.fill(
        f"Sable: not available ({sable.get('reason')})", 130)
    if res.get("ratios"):
        reason += "\nSable/native in QEMU's CPU time: " + ", ".join(
            f"{k} {r['cpu_ratio']:.2f}x" for k, r in res["ratios"].items() if r["cpu_ratio"])
    fig.suptitle(f"Debian {native['kernel']}, 1 vCPU, {res['mem']}: medians of {res['runs']} "
                 f"boots (host load {res['host']['load_1min']:.1f} on {res['host']['cpus']} "
                 f"CPUs){reason}", fontsize=9)
    save_plot(fig, ax_work, res["qemu"], path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=5, help="boots per side")
    ap.add_argument("--mem", default="512M", help="guest memory (QEMU -m natively, sable.mem=)")
    ap.add_argument("--only", choices=("native", "sable"), help="measure one side only")
    ap.add_argument("--sable-smp", type=int, default=1, help="QEMU -smp under Sable")
    ap.add_argument("--sable-host-mem", default="1G", help="QEMU -m under Sable")
    ap.add_argument("--sable-append", default="console=hvc0 panic=-1",
                    help="the guest's kernel command line under Sable")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per boot")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)

    # Fetches and builds the images the first time (with progress).
    if subprocess.run([str(ROOT / "tools" / "linux-image.sh")], cwd=ROOT).returncode != 0:
        sys.exit("linux_guest: tools/linux-image.sh failed")
    if not KERNEL.exists():
        sys.exit(f"linux_guest: {KERNEL} missing: run make first")

    print(f"Linux guest: {a.runs} boots per side, 1 vCPU, {a.mem}")
    sides = {name: boot for name, boot in (("native", native_boot), ("sable", sable_boot))
             if a.only in (None, name)}
    res = measure(sides, a)
    skipped = {"available": False, "reason": "not measured (--only)"}
    native, sable = res.get("native", skipped), res.get("sable", skipped)
    res = {
        "benchmark": "linux_guest",
        "what": "seconds from QEMU start to the guest's init marker; "
                "ms of each workload timed inside the guest (medians over boots); "
                "*cpu*: QEMU's CPU time for the same (from /proc, 10 ms steps)",
        "runs": a.runs, "mem": a.mem, "vcpus": 1,
        "native_cmdline": linux_native.cmdline("sable_bench=all"),
        "sable_cmdline": f"{a.sable_append} sable_bench=all",
        "native": native, "sable": sable,
        "ratios": compare(native, sable) if native.get("available") else None,
        "targets": TARGETS, "reference": REFERENCE,
        "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine(),
                 "load_1min": os.getloadavg()[0]},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    (a.out / "linux_guest.json").write_text(json.dumps(res, indent=2) + "\n")
    if native.get("available"):
        print_table(res)
        plot(res, a.out / "linux_guest.png")
        print(f"wrote {a.out / 'linux_guest.json'} and {a.out / 'linux_guest.png'}")
    else:
        print(f"wrote {a.out / 'linux_guest.json'} (no plot without native figures)")


if __name__ == "__main__":
    main()
