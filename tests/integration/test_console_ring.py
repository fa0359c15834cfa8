"""
The PV console ring the hypervisor serves for each domU: output written to
the ring appears tagged `(dN)`; serial input goes to one domain at a time,
switched with Ctrl-A three times (Sable -> dom1 -> dom2 -> ... -> Sable), and
arrives in that domain's ring (the console kernel echoes each line); a
guest that writes impossible ring indices or floods is handled safely.
"""
from conftest import ROOT

GUESTS = ROOT / "build" / "guests"
CONSOLE = str(GUESTS / "console.elf")
SELFTEST = str(GUESTS / "selftest.elf")
EXIT_OK = 1
SWITCH = "\x01\x01\x01"         # Ctrl-A three times


def switch_to(con, target):
    """Press Ctrl-A three times; the new announcement names the new target."""
    announced = r"\*\*\* Serial input to (\S+) "
    seen = len(con.find_all(announced))
    con.child.send(SWITCH)
    now = con.wait_count(announced, seen + 1)
    con.check(now[seen].group(1) == target, f"input went to {now[seen].group(1)}, not {target}")


def test_ring_output_and_input_switched_between_domains(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{CONSOLE} wait=90", f"{CONSOLE} wait=90"])
    con.wait_for(r"\*\*\* Serial input to Sable \(type 'CTRL-a' three times")
    for d in (1, 2):
        con.wait_for(rf"\(d{d}\) ring: ready for input", timeout=60)
        con.wait_for(rf"\(d{d}\) ring: hello from the console ring")
        lines = [int(m.group(1)) for m in con.find_all(rf"\(d{d}\) ring: line (\d+) of 60")]
        con.check(lines == list(range(1, 61)), f"d{d}: ring lines {lines}")
        con.wait_for(rf"\(d{d}\) CHECK console-ring-port-unbound PASS")

    con.child.send("ignored by Sable\r")        # focus on Sable: nobody gets it
    switch_to(con, "dom1")
    con.child.send("hello\r")
    con.wait_for(r"\(d1\) ring: echo: hello$")
    # Fewer than three Ctrl-A are passed on (the echo drops the control byte).
    con.child.send("a\x01b\r")
    con.wait_for(r"\(d1\) ring: echo: ab$")
    switch_to(con, "dom2")
    con.child.send("world\r")
    con.wait_for(r"\(d2\) ring: echo: world$")
    con.absent(r"\(d1\) ring: echo: world")
    con.absent(r"echo: ignored")
    con.child.send("quit\r")
    con.wait_for(r"\(d2\) VERDICT SUCCESS")
    con.wait_for(r"dom2: shut down")
    switch_to(con, "Sable")                     # dom2 is gone: back to Sable
    switch_to(con, "dom1")
    con.child.send("quit\r")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")
    con.wait_for(r"boot: all domains have shut down")
    con.expect_exit(EXIT_OK)


def test_console_focus_starts_input_on_a_domain(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle console_focus=2",
                modules=[f"{CONSOLE} wait=90", f"{CONSOLE} wait=90"])
    con.wait_for(r"\*\*\* Serial input to dom2 \(type 'CTRL-a' three times")
    con.absent(r"Serial input to Sable")
    con.wait_for(r"\(d2\) ring: ready for input", timeout=60)
    con.child.send("quit\r")                    # no Ctrl-A needed
    con.wait_for(r"\(d2\) VERDICT SUCCESS")
    switch_to(con, "Sable")                     # dom2 is gone: dom1 is before it
    switch_to(con, "dom1")
    con.child.send("quit\r")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")
    con.expect_exit(EXIT_OK)


def test_console_focus_on_a_missing_domain_leaves_input_with_sable(sable):
    con = sable(smp=1, mem="256M", append="debug_exit_when_idle console_focus=7",
                modules=[f"{CONSOLE} wait=1"])
    con.wait_for(r"\*\*\* console_focus=7: no such domain taking input")
    con.wait_for(r"\*\*\* Serial input to Sable ")
    con.expect_exit(EXIT_OK, timeout=60)


def test_ring_with_impossible_indices_and_a_flood(sable):
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{CONSOLE} mode=garbage wait=90", f"{SELFTEST} name=victim"])
    con.wait_for(r"dom1: console ring: impossible out_prod 0x[0-9a-f]+ \(ours 0x[0-9a-f]+\): "
                 r"ignored \(1 so far\)", timeout=60)
    con.wait_for(r"\(d1\) CHECK console-garbage-out-resync PASS")
    con.wait_for(r"\(d1\) CHECK console-garbage-out-after PASS")
    con.wait_for(r"\(d1\) \[\d+ lines dropped by the console rate limit\]", timeout=60)
    con.wait_for(r"\(d1\) CHECK console-flood-consumed PASS", timeout=60)
    con.wait_for(r"\(d1\) ring: ready for input", timeout=60)
    # Its in_cons is ahead of in_prod: input is still delivered, inside the ring.
    switch_to(con, "dom1")
    con.child.send("still here\r")
    con.wait_for(r"\(d1\) ring: echo: still here$")
    con.wait_for(r"dom1: console ring: impossible in_cons")
    con.child.send("quit\r")
    con.wait_for(r"\(d1\) VERDICT SUCCESS")
    con.wait_for(r"\(d2\) VERDICT SUCCESS", timeout=120)
    con.wait_for(r"boot: all domains have shut down", timeout=60)
    con.expect_exit(EXIT_OK)
    con.absent(r"\*\*\* PANIC")
