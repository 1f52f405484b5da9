"""The fault drills (issue 8): `make faults`, or `python -m ops.faults [--quick]`.

Runs the app with gunicorn as production does against a sandbox PostgreSQL on 127.0.0.1, puts
light traffic on it (readers, and writers joining through the real sign-up form), injects one
fault per scenario, and checks the promises a person relies on: no server error but the calm
503, no accepted write lost or doubled, nothing half-written, recovery without a restart. It
prints the figures, writes them to bench/results/faults-latest.{md,json} (faults-quick.* for
--quick, which is scratch), and exits 1 if any promise was broken. docs/faults.md says more.

Where things are:
- `hits`: what one request came to (`Hit`), and the small helpers that send and wait;
- `writes`: the two kinds of write, sign-ups and journal entries, each checked afterwards
  against the database (`verify`);
- `in_django`: what runs inside `manage.py shell` with the run's settings (seeding the drill's
  members, reading their entries back through the journal's own code);
- `traffic`: readers and writers in threads while a fault is injected;
- `drill`: a running drill (the app, the database) and a scenario's `Outcome`, with the
  promises every scenario keeps;
- `scenarios`: the faults themselves, and the `SCENARIOS` list;
- `run`: starting everything, running the scenarios, writing the report.

To add a scenario, write `def my_scenario(drill: Drill) -> Outcome` in `scenarios` and append
`Scenario("...", my_scenario)` to `SCENARIOS`.
"""

# The drills' own ports; the benchmark takes the ones above these.
APP_PORTS = range(8105, 8108)
SANDBOX_PORTS = range(55432, 55436)
DATABASE = "sitr_faults"
WRITER_PASSWORD = "a drill passphrase that is long enough 5150"  # noqa: S105 - sandbox only
# Members who write in their journals during the drills; `.invalid` is never a real address.
DRILL_MEMBERS = 40
DRILL_MEMBER_EMAIL = "drill-member-{n}@faults.invalid"
