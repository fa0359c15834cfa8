"""
Integration tests: boot Sable in QEMU (software CPU) and judge it by what it
prints on the serial console and by QEMU's exit status.

The `sable` fixture starts QEMU instances (`sable(smp=4, append="...")`) and
kills every one of them when the test ends. A Console reads the serial port
through a pty (pexpect); its checks search the whole log seen so far, so they
do not depend on the order in which subsystems print. Every failure message
carries the QEMU command and the full console log.

Run through `tools/sable test`, or directly:
    /usr/bin/python3 -m pytest tests/integration [-n 2] [-k smp]
"""
import fcntl
import io
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import pexpect
import pytest

ROOT = Path(__file__).resolve().parents[2]
KERNEL = ROOT / "build" / "sable.mb"
ISO = ROOT / "build" / "sable.iso"
LINUX = ROOT / "build" / "linux"         # the Linux guest images: docs/linux-guest.md
QEMU = "qemu-system-x86_64"

# isa-debug-exit turns a write of v to port 0xf4 into exit status (v << 1) | 1.
EXIT_OK = 1         # debug_shutdown after "boot complete"
EXIT_PANIC = 35     # panic() and unexpected exceptions

# Seconds to wait for a line. A boot takes well under a second here; the margin
# is for loaded CI machines running several QEMUs at once.
TIMEOUT = float(os.environ.get("SABLE_TEST_TIMEOUT", "30"))


def mib(size):
    """QEMU -m style size ("512M", "5G", "256") in MiB."""
    m = re.fullmatch(r"(\d+)([MG]?)", size)
    assert m, f"bad size {size!r}"
    return int(m.group(1)) * (1024 if m.group(2) == "G" else 1)


class Console:
    """One QEMU running Sable, and everything it printed."""

    def __init__(self, args):
        self.args = [QEMU] + args
        self._log = io.StringIO()
        self.status = None
        self.child = pexpect.spawn(QEMU, args, cwd=str(ROOT), encoding="utf-8",
                                   codec_errors="replace", dimensions=(50, 250))
        self.child.logfile_read = self._log

    @property
    def log(self):
        """The console so far, with the serial port's CRs dropped."""
        return self._log.getvalue().replace("\r", "")

    def fail(self, what):
        """Fail the test with what went wrong, the command and the whole log."""
        status = "running" if self.status is None else f"exit status {self.status}"
        raise AssertionError(
            f"{what}\n--- QEMU ({status}): {shlex.join(self.args)}\n"
            f"--- console log:\n{self.log}--- end of console log")

    def check(self, cond, what):
        """assert, with the console attached."""
        if not cond:
            self.fail(what)

    def _read(self, deadline):
        """Read what is there (up to the deadline); False once QEMU is gone."""
        try:
            self.child.read_nonblocking(65536, timeout=max(0.01, deadline - time.monotonic()))
        except pexpect.TIMEOUT:
            pass
        except pexpect.EOF:
            self._reap()
            return False
        return True

    def _reap(self):
        if self.status is None:
            self.child.close()
            self.status = (self.child.exitstatus if self.child.exitstatus is not None
                           else -self.child.signalstatus)

    def wait_for(self, pattern, timeout=TIMEOUT):
        """First match of the regex pattern (multiline) anywhere in the log."""
        deadline = time.monotonic() + timeout
        while True:
            m = re.search(pattern, self.log, re.M)
            if m:
                return m
            if self.status is not None:
                self.fail(f"QEMU exited without printing /{pattern}/")
            if time.monotonic() >= deadline:
                self.fail(f"timed out after {timeout:.0f}s waiting for /{pattern}/")
            self._read(deadline)

    def wait_count(self, pattern, n, timeout=TIMEOUT):
        """Every match of the regex once there are at least n (for repeated lines)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.find_all(pattern)
            if len(found) >= n:
                return found
            if self.status is not None:
                self.fail(f"QEMU exited with {len(found)} of {n} /{pattern}/")
            if time.monotonic() >= deadline:
                self.fail(f"timed out after {timeout:.0f}s waiting for {n} /{pattern}/")
            self._read(deadline)

    def find_all(self, pattern):
        """Every match of the regex pattern in the log so far."""
        return list(re.finditer(pattern, self.log, re.M))

    def absent(self, pattern):
        """Fail if the regex pattern appears in the log so far."""
        m = re.search(pattern, self.log, re.M)
        if m:
            self.fail(f"unexpected /{pattern}/: {m.group(0)!r}")

    def send(self, text):
        """Type text on the serial console (end a command with "\\n")."""
        self.child.send(text)

    def wait_exit(self, timeout=TIMEOUT):
        """Wait for QEMU to exit; its exit status."""
        deadline = time.monotonic() + timeout
        while self.status is None:
            if time.monotonic() >= deadline:
                self.fail(f"QEMU still running after {timeout:.0f}s")
            self._read(deadline)
        return self.status

    def expect_exit(self, status, timeout=TIMEOUT):
        """Wait for QEMU to exit with exactly this status."""
        got = self.wait_exit(timeout)
        self.check(got == status, f"QEMU exit status {got}, expected {status}")

    def kill(self):
        if self.status is None:
            self.child.terminate(force=True)
            self._reap()


def qemu_args(smp=2, mem="256M", append="", modules=(), cdrom=None, extra=()):
    """
    QEMU's arguments for one boot: -kernel with a command line and Multiboot
    modules ("path args" strings, each started as a domain), or a CD.
    """
    args = ["-accel", "tcg", "-cpu", "max", "-m", mem, "-smp", str(smp),
            "-display", "none", "-monitor", "none", "-serial", "stdio", "-no-reboot",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"]
    if cdrom:
        args += ["-cdrom", str(cdrom), "-boot", "d"]
    else:
        args += ["-kernel", str(KERNEL), "-append", append]
        if modules:
            # QEMU separates modules with commas (a literal comma is ",,").
            args += ["-initrd", ",".join(m.replace(",", ",,") for m in modules)]
    return args + list(extra)


@pytest.fixture
def sable(request):
    """
    Start Sable: sable(smp=2, mem="256M", append="", modules=(), cdrom=None)
    returns a Console.
    """
    consoles = []
    request.node.sable_consoles = consoles

    def start(**kw):
        c = Console(qemu_args(**kw))
        consoles.append(c)
        return c

    yield start
    for c in consoles:
        c.kill()


@pytest.fixture(scope="session")
def linux_images():
    """
    Make sure the Linux guest images are built (tools/linux-image.sh; the
    first time it downloads the Debian packages into ~/.cache/sable) and
    return build/linux. Only tests that ask for it pay for it. Workers take
    a lock, so one builds and the others then find everything up to date.
    """
    LINUX.mkdir(parents=True, exist_ok=True)
    with open(LINUX.parent / "linux.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        r = subprocess.run([str(ROOT / "tools" / "linux-image.sh")], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        pytest.fail(f"tools/linux-image.sh failed:\n{r.stdout}", pytrace=False)
    return LINUX


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On any failure, show every console of the test (also plain asserts)."""
    outcome = yield
    rep = outcome.get_result()
    if rep.failed:
        for i, c in enumerate(getattr(item, "sable_consoles", [])):
            rep.sections.append((f"sable console {i}: {shlex.join(c.args)}", c.log))


def pytest_configure(config):
    """Build the image and the ISO once, before any worker starts."""
    if hasattr(config, "workerinput"):
        return
    r = subprocess.run(["make", "-s", "all", "iso"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if r.returncode != 0:
        pytest.exit(f"build failed (make all iso):\n{r.stdout}", returncode=2)
