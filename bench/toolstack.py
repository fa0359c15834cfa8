#!/usr/bin/python3
"""
The toolstack: how fast dom0 makes a domain, and how many fit.

(a) create to first line: dom0 creates the smallest PV test domain
    (build/guests/idle.elf) over the host management channel, --runs times;
    for each, the time from dom0 taking the command to its `created` line
    (the toolstack's build: the wall-clock time the host waits for that
    answer), and to the guest's first line and its `idle: up` (test_main
    reached), on the hypervisor's clock (the console's timestamps, from
    dom0's `dom0> (host) create` line).
(b) domains at once: then creates idle domains of --dom-mib MiB until dom0
    refuses, with free memory (sysctl physinfo through `info`) before and
    after: how many ran at once, what each took (its memory and the rest:
    page tables the builder made, the hypervisor's and dom0's share).

(c) with --linux N (default 3; 0 skips it, and so do missing images of
    `make linux`): a second
    boot with dom0_mem=160M creates the Debian Linux guest as a PVH domain
    from configs/linux1.cfg N times and attaches to its console over the
    channel: wall-clock seconds from `create` to its first console output
    and to its userspace (`SABLE-GUEST-INIT: up`).

QEMU gets --qemu-mem of RAM (default 1G, the size `tools/sable run` uses).
Writes bench/results/toolstack.json and toolstack.png. Run through
`tools/sable bench toolstack`, or
    /usr/bin/python3 bench/toolstack.py [--runs 20] [--dom-mib 4] [--qemu-mem 1G]
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
import tempfile
import threading
import time
from pathlib import Path

from boot_time import KERNEL, QEMU, RESULTS, ROOT, qemu_version, save_plot

sys.path.insert(0, str(ROOT / "tools"))
import mgmt  # noqa: E402  (tools/mgmt.py: the host side of the channel)

DOM0 = ROOT / "build" / "dom0.elf"
IDLE = "build/guests/idle.elf"
STAMP = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")


class Console:
    """QEMU, its serial output read by a thread: (host seconds, guest seconds, text)."""

    def __init__(self, args):
        self.lines, self.lock = [], threading.Lock()
        self.t0 = time.monotonic()
        self.proc = subprocess.Popen([QEMU] + args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        for raw in self.proc.stdout:
            text = raw.decode("utf-8", "replace").rstrip("\r\n")
            m = STAMP.match(text)
            with self.lock:
                self.lines.append((time.monotonic() - self.t0, float(m.group(1)) if m else None,
                                   m.group(2) if m else text))

    def find(self, pattern, timeout, start=0):
        """The first line from index start matching pattern: (index, host s, guest s, match)."""
        rx, deadline = re.compile(pattern), time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                lines = self.lines[start:]
            for i, (host, guest, text) in enumerate(lines):
                m = rx.search(text)
                if m:
                    return start + i, host, guest, m
            time.sleep(0.05)
        sys.exit(f"toolstack: no /{pattern}/ within {timeout} s; last lines:\n" +
                 "\n".join(t for _, _, t in self.lines[-30:]))

    def close(self):
        self.proc.kill()
        self.proc.wait()


def config(name, mib, cmdline=""):
    return (f'name = "{name}"\nkernel = "{IDLE}"\nmemory = {mib}\n'
            f'cmdline = "{cmdline}"\n')


def create(ch, name, mib):
    """create-inline over the channel: (status, output lines, host seconds)."""
    t = time.monotonic()
    out, status, _ = ch.request(f"create-inline {name}\n{config(name, mib)}.\n")
    return status, out, time.monotonic() - t


def info(ch):
    out, _, _ = ch.request("info\n")
    text = "\n".join(out)
    return {"free_pages": int(re.search(r"free_pages=(\d+)", text).group(1)),
            "xenstored_nodes": int(re.search(r"xenstored: (\d+) nodes", text).group(1)),
            "event_channels": int(re.search(r"(\d+) in all", text).group(1))}


def create_to_first_line(con, ch, runs, mib):
    results = []
    for i in range(runs + 1):                       # the first one warms dom0's heap
        name = f"t{i}"
        status, out, host_s = create(ch, name, mib)
        if status:
            sys.exit(f"toolstack: create {name} failed: {out}")
        dom = int(re.search(r"created \S+ \(domain (\d+)\)", "\n".join(out)).group(1))
        at, _, cmd_t, _ = con.find(rf"^\(d0\) dom0> \(host\) create {name}$", 30)
        _, _, first_t, _ = con.find(rf"^\(d{dom}\) ", 30, at)
        _, _, up_t, _ = con.find(rf"^\(d{dom}\) idle: up", 30, at)
        ch.request(f"destroy {name}\n")
        if i:
            results.append({"domain": dom, "built_ms": host_s * 1000,
                            "first_line_ms": (first_t - cmd_t) * 1000,
                            "test_main_ms": (up_t - cmd_t) * 1000})
        print(f"  create {i}/{runs}: built {host_s * 1000:.1f} ms, first line "
              f"{(first_t - cmd_t) * 1000:.1f} ms", flush=True)
    return results


def domains_at_once(ch, mib, limit):
    start = info(ch)
    curve, refusal = [(0, start["free_pages"])], None
    for i in range(limit):
        status, out, _ = create(ch, f"c{i}", mib)
        if status:
            refusal = " ".join(out)
            break
        if (i + 1) % 10 == 0:
            curve.append((i + 1, info(ch)["free_pages"]))
            print(f"  {i + 1} domains, {curve[-1][1] // 256} MiB free", flush=True)
    count = i if refusal else limit
    end = info(ch)
    curve.append((count, end["free_pages"]))
    out, _, _ = ch.request("list\n")
    running = sum(1 for line in out if re.match(r"^c\d+ ", line))
    per_dom = (start["free_pages"] - end["free_pages"]) / count if count else 0
    return {"domain_mib": mib, "created": count, "listed": running, "refusal": refusal,
            "free_pages_before": start["free_pages"], "free_pages_after": end["free_pages"],
            "pages_per_domain": per_dom, "mib_per_domain": per_dom / 256,
            "overhead_kib_per_domain": (per_dom - mib * 256) * 4,
            "curve": curve}


LINUX_FILES = ("build/linux/vmlinux", "build/linux/initrd.cpio.gz")
LINUX_UP = b"SABLE-GUEST-INIT: up"


def qemu_args(mem, sock, append, files):
    return ["-accel", "tcg", "-cpu", "max", "-m", mem, "-smp", "2",
            "-display", "none", "-monitor", "none", "-serial", "stdio",
            "-serial", f"unix:{sock},server=on,wait=off", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            "-kernel", str(KERNEL), "-append", append,
            "-initrd", ",".join([str(DOM0)] + [f"{f} sable.file" for f in files])]


def channel(con, sock):
    import socket
    con.find(r"^\(d0\) dom0: shell ready", 120)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sock)
    ch = mgmt.Channel(s, 120)
    ch.start()
    return ch


def linux_create_to_userspace(mem, runs, sock):
    """Boot Sable with dom0 and the Linux images; create linux1 runs times."""
    con = Console(qemu_args(mem, sock, "dom0 dom0_mem=160M", LINUX_FILES))
    results = []
    try:
        ch = channel(con, sock)
        cfg = (ROOT / "configs" / "linux1.cfg").read_text()
        for i in range(runs):
            t0 = time.monotonic()
            out, status, _ = ch.request(f"create-inline linux1\n{cfg}.\n")
            if status:
                sys.exit(f"toolstack: create linux1 failed: {out}")
            built = time.monotonic() - t0
            out, status, dom = ch.request("console linux1\n")
            if dom is None:
                sys.exit(f"toolstack: console linux1: {out}")
            seen, first, deadline = ch.buf, None, time.monotonic() + 600
            ch.buf = b""
            while LINUX_UP not in seen:
                if seen and first is None:
                    first = time.monotonic() - t0
                if time.monotonic() > deadline:
                    sys.exit("toolstack: Linux did not reach userspace in 600 s")
                ch.s.settimeout(1)
                try:
                    seen += ch.s.recv(65536)
                except OSError:
                    pass
            up = time.monotonic() - t0
            ch.s.sendall(mgmt.DETACH_KEY)
            ch.start()                          # back in command mode, stream skipped
            ch.request("destroy linux1\n")
            results.append({"built_s": built, "first_output_s": first, "userspace_s": up})
            print(f"  Linux {i + 1}/{runs}: created {built:.2f} s, first output {first:.2f} s, "
                  f"userspace {up:.2f} s", flush=True)
    finally:
        con.close()
    return results


def plot(first, many, meta, path, linux=()):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(10, 4.2), dpi=120)
    keys = [("built_ms", "host got `created`\n(channel included)"), ("first_line_ms", "guest's first line"),
            ("test_main_ms", "idle: up (test_main)")]
    data = [[r[k] for r in first] for k, _ in keys]
    a.boxplot(data, labels=[l for _, l in keys], showfliers=True)
    for i, d in enumerate(data):
        a.annotate(f"{statistics.median(d):.1f} ms", (i + 1, max(d)),
                   textcoords="offset points", xytext=(0, 6), ha="center", fontsize=8)
    a.set_ylabel(f"ms after `create` ({len(first)} runs)")
    a.set_title("create to first line: a PV test domain", fontsize=10)
    a.spines[["top", "right"]].set_visible(False)
    if linux:
        up = statistics.median(r["userspace_s"] for r in linux)
        a.text(0.02, 0.98, f"Linux PVH guest from dom0: userspace {up:.1f} s after create "
                           f"(median of {len(linux)})", transform=a.transAxes, fontsize=8,
               va="top")
    xs = [c for c, _ in many["curve"]]
    ys = [p / 256 for _, p in many["curve"]]
    b.plot(xs, ys, marker="o", markersize=3, color="#2f6db5",
           label=f"{many['mib_per_domain']:.2f} MiB each ({many['domain_mib']} MiB + "
                 f"{many['overhead_kib_per_domain']:.0f} KiB)")
    b.set_xlabel("idle PV domains running")
    b.set_ylabel("free memory (MiB)")
    b.set_title(f"{many['created']} domains at once in QEMU -m {meta['qemu_mem']}",
                fontsize=10)
    save_plot(fig, b, meta["qemu"], path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=20, help="create-to-first-line runs")
    ap.add_argument("--dom-mib", type=int, default=4, help="memory of each idle domain")
    ap.add_argument("--qemu-mem", default="1G", help="QEMU -m")
    ap.add_argument("--limit", type=int, default=1000, help="stop creating after this many")
    ap.add_argument("--linux", type=int, default=3, help="Linux PVH guest runs (0: none)")
    ap.add_argument("--out", type=Path, default=RESULTS, help="results directory")
    a = ap.parse_args()
    for f in (KERNEL, DOM0, ROOT / IDLE):
        if not f.exists():
            sys.exit(f"toolstack: {f} missing: run make first")
    tmp = tempfile.mkdtemp(prefix="sable-bench-")
    sock = os.path.join(tmp, "mgmt.sock")
    os.chdir(ROOT)
    if a.linux and not all((ROOT / f).exists() for f in LINUX_FILES):
        print("toolstack: no Linux guest images (make linux): the Linux part is skipped")
        a.linux = 0
    con = Console(qemu_args(a.qemu_mem, sock, "dom0", [IDLE]))
    try:
        ch = channel(con, sock)
        print(f"create to first line ({a.runs} runs):", flush=True)
        first = create_to_first_line(con, ch, a.runs, a.dom_mib)
        print(f"domains of {a.dom_mib} MiB at once, until dom0 refuses:", flush=True)
        many = domains_at_once(ch, a.dom_mib, a.limit)
    finally:
        con.close()
    linux = []
    if a.linux:
        print(f"Linux PVH guest from dom0, create to userspace ({a.linux} runs):", flush=True)
        os.unlink(sock)
        linux = linux_create_to_userspace(a.qemu_mem, a.linux, sock)
    meta = {
        "benchmark": "toolstack",
        "what": "dom0's create: ms from the command to the guest's first line; how many "
                "idle PV domains run at once",
        "runs": a.runs, "qemu_mem": a.qemu_mem, "qemu": qemu_version(),
        "host": {"cpus": os.cpu_count(), "machine": platform.machine()},
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }
    med = {k: statistics.median(r[k] for r in first)
           for k in ("built_ms", "first_line_ms", "test_main_ms")}
    print(f"create to first line, medians of {a.runs}: built {med['built_ms']:.1f} ms, "
          f"first line {med['first_line_ms']:.1f} ms, test_main {med['test_main_ms']:.1f} ms")
    print(f"{many['created']} idle domains of {a.dom_mib} MiB at once in QEMU -m {a.qemu_mem} "
          f"({many['free_pages_before'] // 256} MiB free before, "
          f"{many['free_pages_after'] // 256} after): {many['mib_per_domain']:.2f} MiB each; "
          f"refused: {many['refusal']}")
    if linux:
        med["linux_built_s"] = statistics.median(r["built_s"] for r in linux)
        med["linux_first_output_s"] = statistics.median(r["first_output_s"] or 0 for r in linux)
        med["linux_userspace_s"] = statistics.median(r["userspace_s"] for r in linux)
        print(f"Linux PVH from dom0, medians of {len(linux)}: created {med['linux_built_s']:.2f} s,"
              f" first console output {med['linux_first_output_s']:.2f} s, userspace "
              f"{med['linux_userspace_s']:.2f} s")
    a.out.mkdir(parents=True, exist_ok=True)
    (a.out / "toolstack.json").write_text(json.dumps(
        {**meta, "medians": med, "create_to_first_line": first, "at_once": many,
         "linux_create_to_userspace": linux}, indent=2) + "\n")
    plot(first, many, meta, a.out / "toolstack.png", linux)
    print(f"wrote {a.out / 'toolstack.json'} and {a.out / 'toolstack.png'}")


if __name__ == "__main__":
    main()
