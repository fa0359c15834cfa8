"""
dom0, the control domain (docs/dom0.md): build/dom0.elf started first with
`dom0` on Sable's command line prints its banner, starts xenstored with its
own XenStore home, and runs shell commands, typed on the serial console
(serial input starts with dom0) or from its command line (after
" -- "): writes and reads a node, lists the store, reports a bad path with
XenStore's error name, and powers off.
"""
from conftest import ROOT

DOM0 = str(ROOT / "build" / "dom0.elf")
EXIT_OK = 1     # isa-debug-exit status for machine_stop_ok()


def test_dom0_banner_xenstored_and_shell(sable):
    commands = ";".join([
        "xenstore-write /tool/test hello dom0",
        "xenstore-read /tool/test",
        "xenstore-list /local/domain/0",
        "xenstore-ls /local/domain/0/memory",
        "xenstore-read /bad//path",
        "xenstore-read /tool/missing",
        "info",
        "poweroff",
    ])
    con = sable(smp=2, mem="256M", append="dom0 debug_exit_when_idle",
                modules=[f"{DOM0} -- {commands}"])
    con.wait_for(r"dom0: PV kernel 'dom0\.elf'.*64 MiB")
    con.wait_for(r"\(d0\) Sable dom0: the control domain")
    con.wait_for(r"\(d0\) dom0: xenstored running: \d+ nodes")
    con.wait_for(r"\(d0\) dom0> xenstore-read /tool/test\n.*\(d0\) hello dom0$")
    listing = con.wait_for(r"\(d0\) dom0> xenstore-list /local/domain/0\n"
                           r"((?:.*\(d0\) \S+\n)+).*\(d0\) dom0> xenstore-ls").group(1)
    for name in ("name", "domid", "memory", "control", "data"):
        con.check(f"(d0) {name}\n" in listing, f"no {name} in /local/domain/0: {listing!r}")
    con.wait_for(r"\(d0\) static-max = \"65536\"")
    con.wait_for(r"\(d0\) target = \"65536\"")
    con.wait_for(r"\(d0\) xenstore-read /bad//path: EINVAL$")
    con.wait_for(r"\(d0\) xenstore-read /tool/missing: ENOENT$")
    con.wait_for(r"\(d0\) xenstored: \d+ nodes, 1 connections, 0 watches, 0 transactions")
    con.wait_for(r"\(d0\) dom0: powering off")
    con.wait_for(r"dom0: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK)
    con.absent(r"\(d0\) (ERROR|VERDICT)")


def test_dom0_shell_on_the_serial_console(sable):
    con = sable(smp=2, mem="256M", append="dom0 debug_exit_when_idle", modules=[DOM0])
    con.wait_for(r"\(d0\) dom0: shell ready; type 'help'")
    # Input starts with dom0, as on Xen; Ctrl-A x3 moves it on (to Sable) and back.
    con.wait_for(r"\*\*\* Serial input to dom0")
    con.absent(r"Serial input to Sable")
    con.send("\x01\x01\x01")
    con.wait_for(r"\*\*\* Serial input to Sable")
    con.send("\x01\x01\x01")
    con.wait_for(r"\*\*\* Serial input to dom0 .*\n(?:.*\n)*.*Serial input to Sable"
                 r"(?:.*\n)*.*Serial input to dom0")
    con.send("xenstore-write /tool/typed  a value with spaces\n")
    con.wait_for(r"\(d0\) dom0> xenstore-write /tool/typed  a value with spaces$")
    con.send("xenstore-read /tool/typed\n")
    con.wait_for(r"\(d0\) dom0> xenstore-read /tool/typed\n.*\(d0\) a value with spaces$")
    # Backspace and ^U edit the line before Enter.
    con.send("xenstore-lsX\x7f /tool\n")
    con.wait_for(r"\(d0\) dom0> xenstore-ls /tool\n.*\(d0\) typed = \"a value with spaces\"$")
    con.send("garbage\x15xenstore-list /local/domain\n")
    con.wait_for(r"\(d0\) dom0> xenstore-list /local/domain\n.*\(d0\) 0$")
    con.send("xenstore-write /no//good x\n")
    con.wait_for(r"\(d0\) xenstore-write /no//good: EINVAL$")
    con.send("frobnicate\n")
    con.wait_for(r"\(d0\) frobnicate: unknown command \(try 'help'\)$")
    con.send("help\n")
    con.wait_for(r"\(d0\)   poweroff +shut dom0 down")
    con.send("poweroff\n")
    con.wait_for(r"dom0: shut down \(poweroff\)")
    con.expect_exit(EXIT_OK)


def test_dom0_idles_waiting_for_input(sable):
    con = sable(smp=1, mem="256M", append="dom0", modules=[DOM0])
    con.wait_for(r"\(d0\) dom0: shell ready; type 'help'")
    # Nothing typed: it sleeps between polls, prints nothing and stays up.
    try:
        con.wait_for(r"shell ready; type 'help'\n(?:.*\n)*.*\S", timeout=3)
    except AssertionError:
        pass
    else:
        con.fail("something was printed while dom0 idled")
    con.check(con.status is None, "QEMU exited")


def test_dom0_refuses_to_run_unprivileged(sable):
    con = sable(smp=1, mem="256M", append="debug_exit_when_idle", modules=[DOM0])
    con.wait_for(r"\(d1\) dom0: not the privileged domain.*; stopping")
    con.wait_for(r"dom1: shut down \(crash\)")
    con.expect_exit(EXIT_OK)
