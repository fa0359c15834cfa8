#!/usr/bin/python3
"""
The host side of dom0's management channel (docs/dom0.md): Sable's QEMU
connects the machine's second serial port (COM2) to a unix socket, dom0
listens there, and `tools/sable list`, `tools/sable create FILE`, ... send
one command and print dom0's answer, like xl.

  usage: mgmt.py [--socket PATH] [--timeout S] COMMAND [ARGS...]

`console NAME` attaches this terminal to the guest's console as `xl
console` does: its output as it comes, keystrokes to it, Ctrl-] detaches.

The exit status is dom0's (0: done), 2 when Sable is not running or dom0
does not answer.
"""
import argparse
import os
import select
import socket
import sys
import termios
import time
import tty

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOCKET = os.path.join(ROOT, "build", "sable-mgmt.sock")
STATUS = "sable-status "
SYNC = "sable-sync "
ATTACHED = "sable-attached "
DETACH_KEY = b"\x1d"           # Ctrl-], as xl console
STREAM_ESC = 0x10              # DLE: the stream's markers (docs/dom0.md)


def fail(msg):
    print(f"sable: {msg}", file=sys.stderr)
    sys.exit(2)


def connect(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        fail(f"Sable is not running (nothing listens at {path}); "
             "start it with: tools/sable run --append dom0 --module build/dom0.elf")
    return s


class Channel:
    """dom0's end of COM2, read a line at a time or raw."""

    def __init__(self, s, timeout):
        self.s, self.buf, self.timeout = s, b"", timeout

    def more(self, deadline):
        left = deadline - time.monotonic()
        if left <= 0:
            fail("no answer from dom0 (is dom0 running? boot with "
                 "--append dom0 --module build/dom0.elf)")
        self.s.settimeout(left)
        try:
            chunk = self.s.recv(4096)
        except socket.timeout:
            return
        if not chunk:
            fail("Sable stopped")
        self.buf += chunk

    def line(self, deadline):
        while b"\n" not in self.buf:
            self.more(deadline)
        line, self.buf = self.buf.split(b"\n", 1)
        return line.decode(errors="replace").rstrip("\r")

    def start(self):
        """Put the channel in command mode and skip what an earlier client left."""
        token = f"{os.getpid()}-{time.monotonic_ns()}"
        self.s.sendall(DETACH_KEY + f"sync {token}\n".encode())
        deadline = time.monotonic() + self.timeout
        while not self.line(deadline).endswith(SYNC + token):
            pass

    def request(self, text):
        """Send text (lines): (output lines, status, None), or for a console that
        attached (lines before, None, domid)."""
        self.s.sendall(text.encode())
        out, deadline = [], time.monotonic() + self.timeout
        while True:
            line = self.line(deadline)
            if line.startswith(STATUS):
                return out, int(line[len(STATUS):]), None
            if line.startswith(ATTACHED):
                return out, None, int(line[len(ATTACHED):])
            out.append(line)


def stream(ch, name, domid):
    """The attached console: dom0's framed output to stdout, stdin to dom0,
    until Ctrl-] (0) or the console closes (the domain went: 0 too)."""
    out, fd = sys.stdout.buffer, sys.stdin.fileno()
    saved = termios.tcgetattr(fd) if os.isatty(fd) else None
    print(f"Connected to {name}'s console (domain {domid}); Ctrl-] detaches", flush=True)
    if saved:
        tty.setraw(fd)
        mode = termios.tcgetattr(fd)
        mode[1] |= termios.OPOST | termios.ONLCR   # guests end lines with \n alone
        termios.tcsetattr(fd, termios.TCSANOW, mode)
    data, esc, why, detaching, stdin_open = ch.buf, False, None, None, True
    ch.buf = b""
    try:
        while why is None:
            shown = bytearray()
            for b in data:
                if esc:
                    esc = False
                    if b == STREAM_ESC:
                        shown.append(b)
                    else:
                        why = chr(b)
                        break
                elif b == STREAM_ESC:
                    esc = True
                else:
                    shown.append(b)
            out.write(bytes(shown))
            out.flush()
            if why:
                break
            if detaching and time.monotonic() > detaching:
                fail("dom0 did not confirm the detach")
            r, _, _ = select.select([ch.s] + ([fd] if stdin_open else []), [], [], 0.5)
            data = b""
            if ch.s in r:
                data = ch.s.recv(4096)
                if not data:
                    fail("Sable stopped")
            if fd in r:
                keys = os.read(fd, 1024)
                if not keys:                # end of input: detach as Ctrl-] does
                    keys, stdin_open = DETACH_KEY, False
                if DETACH_KEY in keys:
                    keys = keys[:keys.index(DETACH_KEY) + 1]
                    stdin_open = False
                    detaching = time.monotonic() + ch.timeout
                ch.s.sendall(keys)
    finally:
        if why is None:
            try:
                ch.s.sendall(DETACH_KEY)    # never leave the channel streaming
            except OSError:
                pass
        if saved:
            termios.tcsetattr(fd, termios.TCSADRAIN, saved)
    print("\n" + (f"Detached from {name}'s console" if why == "e"
                  else f"{name}'s console closed (the domain is gone)"))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", default=os.environ.get("SABLE_MGMT", DEFAULT_SOCKET))
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("command")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.command == "console" and len(a.args) != 1:
        fail("usage: sable console NAME")
    if a.command == "create" and len(a.args) == 1 and os.path.isfile(a.args[0]):
        with open(a.args[0]) as f:      # the host's file, sent inline
            body = "".join(ln if ln.endswith("\n") else ln + "\n" for ln in f)
        text = f"create-inline {a.args[0]}\n{body}.\n"
    else:
        text = " ".join([a.command] + a.args) + "\n"
    ch = Channel(connect(a.socket), a.timeout)
    ch.start()
    out, status, domid = ch.request(text)
    for line in out:
        print(line)
    if domid is not None:
        status = stream(ch, a.args[0], domid)
    sys.exit(status)


if __name__ == "__main__":
    main()
