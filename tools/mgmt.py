#!/usr/bin/python3
"""
The host side of dom0's management channel (docs/dom0.md): Sable's QEMU
connects the machine's second serial port (COM2) to a unix socket, dom0
listens there, and `tools/sable list`, `tools/sable create FILE`, ... send
one command and print dom0's answer, like xl.

  usage: mgmt.py [--socket PATH] [--timeout S] COMMAND [ARGS...]

The exit status is dom0's (0: done), 2 when Sable is not running or dom0
does not answer.
"""
import argparse
import os
import socket
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOCKET = os.path.join(ROOT, "build", "sable-mgmt.sock")
STATUS = "sable-status "


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


def request(s, text, timeout):
    """Send text (lines) and return (output lines, status) once dom0 answers."""
    s.sendall(text.encode())
    buf, deadline = b"", time.monotonic() + timeout
    while True:
        lines = buf.decode(errors="replace").split("\n")
        for i, line in enumerate(lines[:-1]):
            if line.startswith(STATUS):
                return lines[:i], int(line[len(STATUS):])
        left = deadline - time.monotonic()
        if left <= 0:
            fail("no answer from dom0 (is dom0 running? boot with "
                 "--append dom0 --module build/dom0.elf)")
        s.settimeout(left)
        try:
            chunk = s.recv(4096)
        except socket.timeout:
            continue
        if not chunk:
            fail("Sable stopped")
        buf += chunk


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--socket", default=os.environ.get("SABLE_MGMT", DEFAULT_SOCKET))
    ap.add_argument("--timeout", type=float, default=30.0)
    ap.add_argument("command")
    ap.add_argument("args", nargs="*")
    a = ap.parse_args()
    if a.command == "console":
        fail("console over the management channel is not there yet: "
             "use dom0's shell on the serial console (console NAME)")
    if a.command == "create" and len(a.args) == 1 and os.path.isfile(a.args[0]):
        with open(a.args[0]) as f:      # the host's file, sent inline
            body = "".join(ln if ln.endswith("\n") else ln + "\n" for ln in f)
        text = f"create-inline {a.args[0]}\n{body}.\n"
    else:
        text = " ".join([a.command] + a.args) + "\n"
    s = connect(a.socket)
    out, status = request(s, text, a.timeout)
    for line in out:
        print(line.rstrip("\r"))
    sys.exit(status)


if __name__ == "__main__":
    main()
