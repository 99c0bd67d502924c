"""queue_rs against janus and culsans (PyPI), the queues Python users pick to mix threads and
asyncio: threads putting to a task, a task putting to threads, and a round trip.

Run: python python/bench_asyncio.py [--rounds N] [--items N]   (pip install janus culsans first)

Each workload runs once per contender per round, in alternating order, on a fresh event loop; the
table shows the median per contender and the median of the per-round ratios ours/theirs (> 1:
queue_rs better; for the round trip, theirs/ours of the time).
"""

import argparse
import asyncio
import statistics
import sys
import threading
import time

import queue_rs

try:
    import culsans
    import janus
except ImportError:
    sys.exit("bench_asyncio.py compares with janus and culsans: pip install janus culsans")


class Ours:
    name = "queue_rs.Queue"

    def __init__(self, maxsize):
        q = queue_rs.Queue(maxsize)
        self.put, self.get = q.put, q.get
        self.put_async, self.get_async = q.put_async, q.get_async

    def close(self):
        pass


class Proxied:
    """janus and culsans: one object with a `sync_q` and an `async_q` view."""

    module = None

    def __init__(self, maxsize):
        self.q = self.module.Queue(maxsize)
        self.put, self.get = self.q.sync_q.put, self.q.sync_q.get
        self.put_async, self.get_async = self.q.async_q.put, self.q.async_q.get

    def close(self):
        self.q.close()


class Janus(Proxied):
    name = "janus.Queue"
    module = janus


class Culsans(Proxied):
    name = "culsans.Queue"
    module = culsans


CONTENDERS = [Ours, Janus, Culsans]


async def threads_to_task(kind, maxsize, threads, items):
    q = kind(maxsize)
    per = items // threads

    def produce():
        for i in range(per):
            q.put(i)

    workers = [threading.Thread(target=produce) for _ in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    total = 0
    for _ in range(per * threads):
        total += await q.get_async()
    elapsed = time.perf_counter() - t0
    for w in workers:
        w.join()
    q.close()
    assert total == threads * per * (per - 1) // 2, "items lost"
    return per * threads / elapsed


async def task_to_threads(kind, maxsize, threads, items):
    q = kind(maxsize)
    per = items // threads
    sums = []

    def consume():
        sums.append(sum(q.get() for _ in range(per)))

    workers = [threading.Thread(target=consume) for _ in range(threads)]
    t0 = time.perf_counter()
    for w in workers:
        w.start()
    for i in range(per * threads):
        await q.put_async(i)
    await asyncio.get_running_loop().run_in_executor(None, lambda: [w.join() for w in workers])
    elapsed = time.perf_counter() - t0
    q.close()
    assert sum(sums) == per * threads * (per * threads - 1) // 2, "items lost"
    return per * threads / elapsed


async def round_trip(kind, _maxsize, _threads, items):
    """A thread asks, a task answers: microseconds per round trip."""
    requests, replies = kind(0), kind(0)
    trips = items // 10

    def ask():
        for i in range(trips):
            requests.put(i)
            assert replies.get() == i

    asker = threading.Thread(target=ask)
    t0 = time.perf_counter()
    asker.start()
    for _ in range(trips):
        await replies.put_async(await requests.get_async())
    await asyncio.get_running_loop().run_in_executor(None, asker.join)
    elapsed = time.perf_counter() - t0
    requests.close()
    replies.close()
    return elapsed / trips * 1e6


WORKLOADS = [
    ("4 threads -> 1 task, bounded(64)", threads_to_task, 64, 4, True),
    ("4 threads -> 1 task, unbounded", threads_to_task, 0, 4, True),
    ("1 thread -> 1 task, bounded(64)", threads_to_task, 64, 1, True),
    ("1 task -> 4 threads, bounded(64)", task_to_threads, 64, 4, True),
    ("1 task -> 1 thread, bounded(64)", task_to_threads, 64, 1, True),
    ("round trip thread -> task -> thread (µs)", round_trip, 0, 1, False),
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=40_000)
    args = parser.parse_args()
    versions = f"janus {janus.__version__ if hasattr(janus, '__version__') else '?'}"
    print(f"{args.rounds} rounds, {args.items} items, Python {sys.version.split()[0]}, {versions}")
    print("| workload | contender | median | ours/theirs |")
    print("|---|---|---:|---:|")
    for label, workload, maxsize, threads, higher_is_better in WORKLOADS:
        values = {kind.name: [] for kind in CONTENDERS}
        for r in range(args.rounds):
            order = CONTENDERS if r % 2 == 0 else list(reversed(CONTENDERS))
            for kind in order:
                values[kind.name].append(asyncio.run(workload(kind, maxsize, threads, args.items)))
        ours = values[Ours.name]
        for kind in CONTENDERS:
            theirs = values[kind.name]
            if kind is Ours:
                ratio = "—"
            else:
                per_round = [(a / b if higher_is_better else b / a) for a, b in zip(ours, theirs)]
                ratio = f"{statistics.median(per_round):.2f}x"
            print(f"| {label} | {kind.name} | {statistics.median(theirs):,.1f} | {ratio} |")


if __name__ == "__main__":
    main()
