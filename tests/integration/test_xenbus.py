"""
xenbus from the guest's side: a PV test kernel (tests/guests/xenbus) made
by dom0's toolstack connects to dom0's xenstored through the ring and port
its start_info names, reads its home, offers control/feature-poweroff,
is refused writes it may not make, and powers off when `shutdown NAME` in
dom0's shell reaches it through control/shutdown.
"""
from conftest import ROOT

DOM0 = str(ROOT / "build" / "dom0.elf")
CONFIGS = "tests/configs"
EXIT_OK = 1


def files(*names):
    return [f"{n} sable.file" for n in names]


def test_pv_guest_xenbus_and_shutdown_through_control(sable):
    con = sable(smp=2, mem="512M", append="dom0 debug_exit_when_idle",
                modules=[f"{DOM0} -- create {CONFIGS}/xenbus.cfg"] +
                files(f"{CONFIGS}/xenbus.cfg", "build/guests/xenbus.elf"))
    con.wait_for(r"\(d0\) created xenbus \(domain 1\)")
    con.wait_for(r"\(d1\) xenbus: name = xenbus$")
    con.wait_for(r"\(d1\) xenbus: domid = 1$")
    con.wait_for(r"\(d1\) xenbus: ready for shutdown", timeout=60)
    con.send("xenstore-read /local/domain/1/control/feature-poweroff\r")
    con.wait_for(r"\(d0\) 1\n")
    con.send("shutdown xenbus\r")
    con.wait_for(r"\(d1\) xenbus: shutdown request 'poweroff'")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")
    con.wait_for(r"dom1: shut down \(poweroff\)")
    for name in ("xenbus-read-name", "xenbus-read-absolute", "xenbus-feature-poweroff",
                 "xenbus-write-dom0-refused", "xenbus-write-dom0-eacces",
                 "xenbus-write-own-name-refused", "xenbus-watch-initial-event",
                 "xenbus-shutdown-request"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    con.send("poweroff\r")
    con.wait_for(r"dom0: shut down \(poweroff\)", timeout=60)
    con.absent(r"CHECK \S+ FAIL|PANIC")
