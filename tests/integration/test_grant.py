"""
Grant tables v1 between PV domains, judged by the grant test kernel
(tests/guests/grant): a granter and a mapper sharing a page through a grant
and an event channel (ping-pong through it, copies both ways, the entry
pinned while mapped and revocable after), the same pair ending with the
page still mapped (destroying both must undo it: every frame back), and a
hostile domain beside the victim kernel, whose memory must not change.
"""
import re

from conftest import ROOT

GUESTS = ROOT / "build" / "guests"
GRANT = str(GUESTS / "grant.elf")
VICTIM = str(GUESTS / "victim.elf")
EXIT_OK = 1


def verdict(con, domid):
    m = con.wait_for(rf"\(d{domid}\) VERDICT (\w+) \((\d+) passed, (\d+) failed\)", timeout=120)
    fails = [f.group(0) for f in con.find_all(rf"^.*\(d{domid}\) CHECK \S+ FAIL.*$")]
    con.check(m.group(1) == "SUCCESS" and not fails, f"d{domid}: {m.group(1)}: {fails}")
    return int(m.group(2))


def no_frame_leaked(con):
    m = con.wait_for(r"boot: \d+ domains? released, (\d+) frames free \((\d+) before the boot domains\)")
    con.check(m.group(1) == m.group(2), m.group(0))
    con.absent(r"still referenced at release|still mapped at release|\*\*\* PANIC")


def pair(sable, args):
    """A granter (domain 1) and a mapper (domain 2), both with args."""
    return sable(smp=2, mem="256M", append="debug_exit_when_idle",
                 modules=[f"{GRANT} role=granter peer=2 {args}",
                          f"{GRANT} role=mapper peer=1 {args}"])


def test_granter_and_mapper_share_a_page(sable):
    con = pair(sable, "rounds=50")
    con.wait_for(r"\(d1\) grant: granter offers port \d+ and refs 8 9 10 to domain 2")
    verdict(con, 1)
    verdict(con, 2)
    for name in ("grant-setup-table", "grant-table-mapped", "grant-query-size",
                 "grant-set-version-2-refused", "grant-entry-in-use",
                 "grant-revoke-refused-while-mapped", "grant-pingpong", "grant-copy-into-granter",
                 "grant-entry-released", "grant-revoke-after-unmap"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    for name in ("grant-map-ro-as-rw-refused", "grant-map-readonly", "grant-map",
                 "grant-pingpong", "grant-copy-batch", "grant-copy-from-granter",
                 "grant-copy-refused", "grant-unmap", "grant-unmapped-entry-clear",
                 "grant-unmap-twice"):
        con.wait_for(rf"\(d2\) CHECK {name} PASS")
    con.expect_exit(EXIT_OK)
    no_frame_leaked(con)


def test_domains_destroyed_with_a_grant_mapped(sable):
    """Both end with the mapping in place: their release undoes it."""
    con = pair(sable, "rounds=5 hold=1")
    con.wait_for(r"\(d2\) grant: mapper ends with the grant mapped")
    verdict(con, 1)
    verdict(con, 2)
    con.expect_exit(EXIT_OK)
    con.wait_for(r"dom2: 1 grant mapping undone at destroy")
    no_frame_leaked(con)


def test_hostile_grant_domain_changes_nothing(sable):
    """...and runs into the limits its domain options set."""
    con = sable(smp=2, mem="256M", append="debug_exit_when_idle",
                modules=[f"{VICTIM} peer=2",
                         f"{GRANT} sable.grant_frames=2 sable.maptrack_frames=1 "
                         "role=hostile victim=1 self=2 limits=1"])
    passed = verdict(con, 2)
    con.check(passed >= 25, f"only {passed} checks")
    for name in ("hostile-limit-query", "hostile-limit-frames", "hostile-limit-maptrack",
                 "hostile-limit-handles-back"):
        con.wait_for(rf"\(d2\) CHECK {name} PASS")
    m = con.wait_for(r"\(d2\) hostile: (\d+) copies over (\d+) frames tried")
    con.check(int(m.group(2)) > 60000, m.group(0))
    verdict(con, 1)
    for name in ("victim-attacker-finished", "victim-memory-unchanged", "victim-pattern-intact",
                 "victim-page-tables-unchanged", "victim-reservation-unchanged"):
        con.wait_for(rf"\(d1\) CHECK {name} PASS")
    con.expect_exit(EXIT_OK)
    no_frame_leaked(con)
