"""Speed and memory on a synthetic caseload, for each engine backend and bundled policy.

    python benchmarks/caseload.py                  # 20,000 children, seed 1
    python benchmarks/caseload.py --children 2000 --policy york --backend python

Each (policy, backend) runs in a fresh process so that its peak memory (maximum
resident set size) is its own. Cases are generated lazily and results streamed, as
a caseload of any size would be. Prints one line per run and a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

try:  # installed, or run from a checkout
    import reviewrules  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

AS_OF = date(2025, 11, 1)


def one_run(policy_id: str, backend: str, children: int, seed: int) -> dict:
    from reviewrules import evaluate_many, load_policy
    from reviewrules.case._synthetic import synthetic_cases

    policy = load_policy(policy_id)
    started = time.perf_counter()
    obligations = escalations = count = 0
    for result in evaluate_many(policy, synthetic_cases(children, seed, AS_OF), AS_OF, backend=backend):
        count += 1
        obligations += len(result.obligations)
        escalations += len(result.escalations)
    elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    return {
        "policy": policy_id,
        "backend": backend,
        "children": count,
        "seconds": round(elapsed, 2),
        "children_per_second": round(count / elapsed, 1),
        "obligations": obligations,
        "escalations": escalations,
        "peak_rss_mib": round(peak_kib / 1024, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--policy", action="append", help="policy id (default: every bundled policy)")
    parser.add_argument("--backend", action="append", choices=["durable", "python"], help="default: both where available")
    parser.add_argument("--one", nargs=2, metavar=("POLICY", "BACKEND"), help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.one:
        print(json.dumps(one_run(args.one[0], args.one[1], args.children, args.seed)))
        return 0

    from reviewrules import bundled_policies
    from reviewrules.engine._durable import available

    policies = args.policy or bundled_policies()
    backends = args.backend or (["durable", "python"] if available() else ["python"])
    print(f"{args.children:,} synthetic children (seed {args.seed}), as of {AS_OF}, Python {sys.version.split()[0]}")
    print(f"{'policy':10} {'backend':8} {'children/s':>11} {'seconds':>8} {'peak MiB':>9} {'obligations':>12}")
    rows = []
    for policy_id in policies:
        for backend in backends:
            done = subprocess.run(
                [sys.executable, __file__, "--children", str(args.children), "--seed", str(args.seed), "--one", policy_id, backend],
                capture_output=True,
                text=True,
                check=True,
            )
            row = json.loads(done.stdout)
            rows.append(row)
            print(
                f"{row['policy']:10} {row['backend']:8} {row['children_per_second']:>11,.1f} {row['seconds']:>8.1f} "
                f"{row['peak_rss_mib']:>9.1f} {row['obligations']:>12,}"
            )
    print(json.dumps({"as_of": AS_OF.isoformat(), "runs": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
