"""Speed and memory of `reviewrules caseload` on generated caseloads, end to end.

    python benchmarks/caseload.py                         # 20,000 children, extrapolated to 110,000
    python benchmarks/caseload.py --children 110000       # the national caseload itself
    python benchmarks/caseload.py --policy york --backend python --jobs 2 --input jsonl
    python benchmarks/caseload.py --ssda903 10000         # the 903 import: 10,000 children, five years

Each run is the command itself, in a fresh process, on a generated input:

* ``jsonl``: the project's synthetic caseload (``reviewrules.case._synthetic``: histories of up
  to six years, reviews held early or late, paperwork done or not), one case a line;
* ``903``: a generated five-year SSDA903 return (``reviewrules.case._synthetic903``), read,
  merged and cut into periods of care by the importer.

For every (input, policy, backend, jobs) it prints children a second, seconds, the peak
resident memory of the largest process (the parent, or a worker), and bytes of CSV a child.
With ``--direct`` (the default for york) it also computes York's review cycle and its
preparation and record dates directly, with numpy's ``busday_offset`` over the same bank
holidays, checks that they are the same (child, kind, review, due) as the command gives, and
prints the ratio of the command's time to the direct computation's. Figures for fewer than
110,000 children are also given extrapolated to 110,000, and say so. Before and after the
runs it times a fixed pure-Python loop, so that figures taken on a shared machine, whose speed
drifts during a day, can be compared. Nothing here is a test.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

try:  # installed, or run from a checkout
    import reviewrules  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AS_OF = date(2025, 11, 1)
NATIONAL = 110_000


def write_jsonl(path: Path, children: int, seed: int) -> None:
    from reviewrules.case._synthetic import synthetic_cases

    with open(path, "w", encoding="utf-8") as handle:
        for case in synthetic_cases(children, seed, AS_OF):
            handle.write(json.dumps(case, separators=(",", ":")) + "\n")


def write_903(folder: Path, children: int, seed: int) -> None:
    from reviewrules.case._synthetic903 import write_903_return

    write_903_return(folder, children=children, years=5, seed=seed, first_year=2020, expect=False)


def machine_speed() -> float:
    """Seconds for a fixed pure-Python loop, the best of three: how fast the machine runs now.

    A shared machine's speed drifts by two or three times within a day; the figure, taken
    before and after the runs, says which speed the runs had."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(5_000_000):
            total += i & 7
        best = min(best, time.perf_counter() - started)
    return best


def run_command(source: Path, policy: str, backend: str, jobs: int, as_of: date, out: Path) -> dict[str, float]:
    """One caseload run as a user would start it; wall time and the largest process's peak memory."""
    argv = [
        sys.executable, "-m", "reviewrules", "caseload", str(source), "--policy", policy, "--as-of", as_of.isoformat(),
        "--format", "csv", "--output", str(out), "--backend", backend, "--jobs", str(jobs), "--quiet",
    ]
    with tempfile.TemporaryFile("w+", encoding="utf-8") as stderr:
        started = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=stderr, text=True)
        # wait4 gives this run's own peak: the largest of the command and the workers it waited for
        # (getrusage(RUSAGE_CHILDREN) would give the largest of every run so far).
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.seek(0)
        text = stderr.read()
    peak = usage.ru_maxrss  # KiB
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"caseload failed ({proc.returncode}): {text[-2000:]}")
    evaluated, refused = (int(w) for w in last.replace(",", "").split()[::3][:2])
    return {
        "seconds": elapsed,
        "peak_mib": peak / 1024,
        "evaluated": evaluated,
        "refused": refused,
        "bytes": out.stat().st_size,
        "rows": sum(1 for _ in open(out, encoding="utf-8")) - 1,
    }


def direct_york(source: Path, csv_path: Path) -> dict[str, float]:
    """York's reviews and their preparation and records, computed directly with numpy.

    The same conventions as the engine: the initial review 20 working days after coming into
    care; the second 91 days after the first held, then every 183 days after the last held;
    preparation counted back in working days from the review's meeting (held, else booked,
    else due); records counted on in working days from the review held. Only periods that
    began on or before the as-of date, for children under 18 throughout (the synthetic
    caseload's), and only these kinds; the check compares exactly these pairs.
    """
    import numpy as np

    from reviewrules._calendar import bank_holiday_name

    years = range(1990, 2041)
    holidays = [
        np.datetime64(d)
        for y in years
        for d in __import__("holidays").country_holidays("GB", subdiv="ENG", years=y)
    ]
    calendar = np.busdaycalendar(weekmask="1111100", holidays=holidays)
    del bank_holiday_name

    def working(day: object, n: int) -> object:
        # The nth working day after (n > 0) or before a day: numpy first rolls a day that is not a
        # working day to one, which counts as day 0; the contract counts the first working day after
        # (or before) it as day 1, so from a weekend or holiday one day fewer is added.
        roll = "forward" if n > 0 else "backward"
        if not np.is_busday(day, busdaycal=calendar):
            n = n - 1 if n > 0 else n + 1
        return np.busday_offset(day, n, roll=roll, busdaycal=calendar)

    prep = {"prep.change_confirmation": 20, "prep.consult_child": 20, "prep.iro_discussion": 15, "prep.invitations": 10, "prep.reports_to_iro": 3}
    post = {"post.decisions_record": 5, "post.care_plan_updated": 10, "post.full_record": 15, "post.record_distributed": 20}
    kinds = set(prep) | set(post) | {"review.initial", "review.second", "review.subsequent"}
    cases = [json.loads(line) for line in open(source, encoding="utf-8")]
    started = time.perf_counter()
    # What each date counts from, as flat lists: (child, kind, review) -> an anchor and a count
    # of working days, or of calendar days. The dates themselves are then counted in a few
    # whole-array numpy calls, as a direct computation would.
    working_keys: list[tuple[str, str, int]] = []
    working_from: list[str] = []
    working_n: list[int] = []
    day_keys: list[tuple[str, str, int]] = []
    day_from: list[str] = []
    day_n: list[int] = []
    # (child, review, the meeting held or booked, where its due date is: after_due for review 1, else day_due)
    meetings: list[tuple[str, int, str | None, int]] = []
    for case in cases:
        events = case["events"]
        start = next(e["date"] for e in events if e["type"] == "became_looked_after")
        held = sorted(e["date"] for e in events if e["type"] == "review_held")
        dob = case["child"].get("dob")
        adult = f"{int(dob[:4]) + 18}{dob[4:]}" if dob else "9999-12-31"
        # A booking after the 18th birthday is outside the period of care: not used.
        booked = {e["review"]: e["date"] for e in events if e["type"] == "review_scheduled" and e["date"] <= adult}
        child = case["child"]["id"]
        working_keys.append((child, "review.initial", 1))
        working_from.append(start)
        working_n.append(20)
        meetings.append((child, 1, held[0] if held else booked.get(1), len(working_keys) - 1))
        for k, day in enumerate(held):
            number = k + 2
            day_keys.append((child, "review.second" if number == 2 else "review.subsequent", number))
            day_from.append(day)
            day_n.append(91 if number == 2 else 183)
            meetings.append((child, number, held[number - 1] if number <= len(held) else booked.get(number), len(day_keys) - 1))
        for number, day in enumerate(held, 1):
            for task, n in post.items():
                working_keys.append((child, task, number))
                working_from.append(day)
                working_n.append(n)
    # Review due dates in calendar days: one array addition.
    day_due = np.array(day_from, dtype="datetime64[D]") + np.array(day_n, dtype="timedelta64[D]")
    # Preparation counts back from the meeting: held, else booked, else the review's due date.
    # Working-day counts, after and before, each group in one call.
    def counted(days: np.ndarray, n: np.ndarray) -> np.ndarray:
        # The nth working day after (n > 0) or before: numpy rolls a day that is not a working day
        # to one, which it counts as day 0; the contract counts the first working day after (or
        # before) it as day 1, so from a weekend or holiday one day fewer is counted.
        out = np.empty(len(days), dtype="datetime64[D]")
        off = ~np.is_busday(days, busdaycal=calendar)
        for sign, roll in ((1, "forward"), (-1, "backward")):
            pick = (n > 0) if sign > 0 else (n < 0)
            if pick.any():
                m = n[pick] - sign * off[pick]
                out[pick] = np.busday_offset(days[pick], m, roll=roll, busdaycal=calendar)
        return out

    after_due = counted(np.array(working_from, dtype="datetime64[D]"), np.array(working_n))
    prep_keys: list[tuple[str, str, int]] = []
    prep_from: list[object] = []
    prep_n: list[int] = []
    for child, number, meeting, index in meetings:
        due = after_due[index] if number == 1 else day_due[index]
        anchor = np.datetime64(meeting) if meeting is not None else due
        for task, n in prep.items():
            prep_keys.append((child, task, number))
            prep_from.append(anchor)
            prep_n.append(-n)
    prep_due = counted(np.array(prep_from, dtype="datetime64[D]"), np.array(prep_n))
    elapsed = time.perf_counter() - started
    found: set[tuple[str, str, int, str]] = set()
    for keys, dues in ((working_keys, after_due), (day_keys, day_due), (prep_keys, prep_due)):
        found.update((*key, str(due)) for key, due in zip(keys, dues))
    engine: set[tuple[str, str, int, str]] = set()
    with open(csv_path, encoding="utf-8") as handle:
        next(handle)
        for line in handle:
            child, _, kind, review, due_, *_ = line.rstrip("\n").split(",")
            if kind in kinds and review:
                engine.add((child, kind, int(review), due_))
    same = found & engine
    differ = sorted(found ^ engine)[:6]
    return {
        "seconds": elapsed,
        "pairs": len(found),
        "agree": len(same),
        "engine_pairs": len(engine),
        "children": len(cases),
        "first_differences": [list(d) + ["direct" if d in found else "engine"] for d in differ],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=20_000, help="synthetic children (default 20,000)")
    parser.add_argument("--ssda903", type=int, default=0, metavar="N", help="also run on a generated 903 return of N children")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", action="append", help="policy id (default: york)")
    parser.add_argument("--backend", action="append", choices=["python", "durable"], help="default: both where available")
    parser.add_argument("--jobs", action="append", type=int, help="worker processes (default: 1 and 2)")
    parser.add_argument("--input", action="append", choices=["jsonl", "903"], help="default: jsonl, and 903 with --ssda903")
    parser.add_argument("--workdir", help="keep generated inputs here (default: a temporary folder)")
    parser.add_argument("--no-direct", action="store_true", help="skip the direct numpy computation")
    args = parser.parse_args()

    from reviewrules.engine._durable import available

    policies = args.policy or ["york"]
    backends = args.backend or (["python", "durable"] if available() else ["python"])
    jobs_list = args.jobs or [1, 2]
    inputs = args.input or (["jsonl"] + (["903"] if args.ssda903 else []))
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="reviewrules-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"reviewrules caseload benchmark, {date.today()}, Python {platform.python_version()}, "
          f"{os.cpu_count()} cores ({platform.machine()}), as of {AS_OF}")
    sources: dict[str, tuple[Path, int]] = {}
    if "jsonl" in inputs:
        path = work / f"synthetic-{args.children}-{args.seed}.jsonl"
        if not path.exists():
            started = time.perf_counter()
            write_jsonl(path, args.children, args.seed)
            print(f"  wrote {args.children:,} synthetic children ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        sources["jsonl"] = (path, args.children)
    if "903" in inputs:
        count = args.ssda903 or args.children
        folder = work / f"ssda903-{count}-{args.seed}"
        if not folder.exists():
            started = time.perf_counter()
            write_903(folder, count, args.seed)
            size = sum(p.stat().st_size for p in folder.iterdir())
            print(f"  wrote a five-year 903 return of {count:,} children ({size / 1e6:.0f} MB) in {time.perf_counter() - started:.1f} s")
        sources["903"] = (folder, count)

    speed_before = machine_speed()
    print(f"  machine speed: a fixed pure-Python loop took {speed_before:.2f} s (lower is faster)")
    head = f"{'input':6} {'policy':9} {'backend':8} {'jobs':>4} {'children/s':>11} {'seconds':>8} {'peak MiB':>9} {'bytes/child':>12} {'rows':>11}"
    print(head)
    rows = []
    direct: dict[str, float] | None = None
    for kind, (source, count) in sources.items():
        for policy in policies:
            for backend in backends:
                for jobs in jobs_list:
                    out = work / f"out-{kind}-{count}-{policy}-{backend}-{jobs}.csv"
                    row = run_command(source, policy, backend, jobs, AS_OF, out)
                    row.update(input=kind, policy=policy, backend=backend, jobs=jobs, children=count, output=out)
                    row["children_per_second"] = (row["evaluated"] + row["refused"]) / row["seconds"]
                    row["bytes_per_child"] = row["bytes"] / max(1, row["evaluated"])
                    row["national_seconds"] = NATIONAL / row["children_per_second"]
                    rows.append(row)
                    print(
                        f"{kind:6} {policy:9} {backend:8} {jobs:>4} {row['children_per_second']:>11,.0f} {row['seconds']:>8.1f} "
                        f"{row['peak_mib']:>9.0f} {row['bytes_per_child']:>12,.0f} {row['rows']:>11,}"
                    )
    speed_after = machine_speed()
    print(f"  machine speed after the runs: {speed_after:.2f} s for the same loop")
    # After the command's runs: it holds every case in memory, which a run started after it
    # would be charged for (a forked process starts with its parent's pages).
    # Any of this run's york outputs on the JSON Lines will do: they are the same bytes.
    york_runs = [r for r in rows if r["input"] == "jsonl" and r["policy"] == "york"]
    if york_runs and not args.no_direct:
        direct = direct_york(sources["jsonl"][0], york_runs[0]["output"])
    if direct is not None:
        york = [r for r in rows if r["input"] == "jsonl" and r["policy"] == "york"]
        best = min(york, key=lambda r: r["seconds"])
        print(
            f"direct numpy computation of York's reviews, preparation and records: {direct['seconds']:.2f} s for "
            f"{direct['children']:,} children ({direct['pairs']:,} (child, kind, review, due) pairs; "
            f"{direct['agree']:,} the same in the command's CSV)"
        )
        print(f"  the fastest command run ({best['backend']}, --jobs {best['jobs']}) took {best['seconds'] / direct['seconds']:.0f} times as long")
    fewer = [r for r in rows if r["children"] != NATIONAL]  # the national runs are measured, not extrapolated
    if fewer:
        print(f"extrapolated to {NATIONAL:,} children (linear in children, as a stream is):")
        for r in fewer:
            print(f"  {r['input']:6} {r['policy']:9} {r['backend']:8} --jobs {r['jobs']}: {r['national_seconds']:.0f} s")
    print(json.dumps({"as_of": AS_OF.isoformat(), "machine_speed_s": [speed_before, speed_after], "runs": rows, "direct": direct}, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
