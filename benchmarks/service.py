"""Requests per second, latency and peak memory of ``reviewrules serve``, on loopback.

    python benchmarks/service.py                          # 2,000 one-child requests, 16 of 1,000 children
    python benchmarks/service.py --small 500 --large 8 --concurrency 4 --backend python

Each load runs against a fresh server (``reviewrules serve --port 0`` on 127.0.0.1,
started here and stopped at the end), so that its peak memory (the server process's
maximum resident set, VmHWM) is its own. A load is a bounded number of requests,
``--concurrency`` at a time, each on its own keep-alive connection, and stops early
at ``--max-seconds``. One-child requests post the contract's York worked example;
1,000-child requests post synthetic children (``synthetic_cases``) to /v1/evaluate
(the contract's JSON, every item with its source) and, with ``--caseload``, to
/v1/caseload as JSON Lines for CSV. Prints a line per load and a JSON summary.
Nothing but 127.0.0.1 is ever sent to.
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
try:  # installed, or run from a checkout
    import reviewrules  # noqa: F401
except ImportError:
    sys.path.insert(0, str(ROOT))

AS_OF = "2025-11-01"


class Server:
    def __init__(self, backend: str, threads: int):
        self.log = tempfile.TemporaryFile("w+")
        options = ["--port", "0", "--backend", backend, "--threads", str(threads), "--timeout", "600", "--max-body-bytes", str(64 << 20)]
        self.process = subprocess.Popen([sys.executable, "-m", "reviewrules", "serve", *options], stdout=subprocess.DEVNULL, stderr=self.log, cwd=ROOT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            self.log.seek(0)
            found = re.search(r"listening on http://127\.0\.0\.1:(\d+)", self.log.read())
            if found:
                self.port = int(found.group(1))
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the server did not start")

    def peak_mib(self) -> float:
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(30)
        self.log.close()


def load(port: int, path: str, body: bytes, content_type: str, count: int, concurrency: int, max_seconds: float) -> dict[str, Any]:
    """``count`` requests, ``concurrency`` at a time; every answer must be 200."""
    latencies: list[float] = []
    failures: list[str] = []
    sizes: list[int] = []
    lock = threading.Lock()
    next_number = iter(range(count))
    stop_at = time.monotonic() + max_seconds

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        try:
            while time.monotonic() < stop_at:
                with lock:
                    if next(next_number, None) is None:
                        return
                started = time.perf_counter()
                connection.request("POST", path, body=body, headers={"Content-Type": content_type})
                response = connection.getresponse()
                data = response.read()
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    sizes.append(len(data))
                    if response.status != 200:
                        failures.append(f"{response.status} {data[:200]!r}")
        finally:
            connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} request(s) failed, e.g. {failures[0]}")
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "seconds": round(wall, 2),
        "requests_per_second": round(len(ordered) / wall, 2),
        "p50_ms": round(statistics.median(ordered) * 1000, 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 1),
        "answer_bytes": round(statistics.mean(sizes)),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=2000, help="one-child requests (default: 2000)")
    parser.add_argument("--large", type=int, default=16, help="requests of --children children each (default: 16)")
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=8, help="requests at a time (default: 8)")
    parser.add_argument("--threads", type=int, default=4, help="the server's --threads (default: 4)")
    parser.add_argument("--backend", choices=["auto", "durable", "python"], default="auto")
    parser.add_argument("--caseload", action="store_true", help="also post the large loads to /v1/caseload for CSV")
    parser.add_argument("--max-seconds", type=float, default=600, help="stop sending a load after this long (default: 600)")
    args = parser.parse_args()

    from reviewrules.case._synthetic import synthetic_cases
    from reviewrules.policy._yaml import load_document

    doc, _ = load_document(ROOT / "examples" / "york-worked-example.yaml")
    one = json.dumps({"policy": "york", "case": doc.data, "as_of": "2025-04-01"}).encode()
    cases = list(synthetic_cases(args.children, seed=1))
    many = json.dumps({"policy": "york", "cases": cases, "as_of": AS_OF}).encode()
    lines = "".join(json.dumps(c) + "\n" for c in cases).encode()
    loads = [("one child", "/v1/evaluate", one, "application/json", args.small)]
    loads.append((f"{args.children:,} children", "/v1/evaluate", many, "application/json", args.large))
    if args.caseload:
        loads.append((f"{args.children:,} children csv", f"/v1/caseload?policy=york&as_of={AS_OF}", lines, "application/x-ndjson", args.large))

    print(f"reviewrules serve on 127.0.0.1, backend {args.backend}, {args.threads} threads; {args.concurrency} requests at a time; Python {sys.version.split()[0]}")
    print(f"{'load':22} {'requests':>8} {'req/s':>8} {'p50 ms':>9} {'p99 ms':>9} {'answer KiB':>11} {'peak MiB':>9}")
    rows = []
    for name, path, body, content_type, count in loads:
        if count <= 0:
            continue
        server = Server(args.backend, args.threads)
        try:
            row = {"load": name, "path": path.split("?")[0], "body_bytes": len(body)}
            row.update(load(server.port, path, body, content_type, count, args.concurrency, args.max_seconds))
            row["server_peak_mib"] = round(server.peak_mib(), 1)
        finally:
            server.stop()
        rows.append(row)
        print(
            f"{name:22} {row['requests']:>8,} {row['requests_per_second']:>8,.1f} {row['p50_ms']:>9,.1f} {row['p99_ms']:>9,.1f} "
            f"{row['answer_bytes'] / 1024:>11,.0f} {row['server_peak_mib']:>9,.1f}"
        )
    print(json.dumps({"backend": args.backend, "threads": args.threads, "concurrency": args.concurrency, "loads": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
