"""queue_rs against the standard library's queue.Queue and queue.SimpleQueue, in Python threads.

Run: python python/bench.py [--rounds N] [--items N]

Each workload runs once per contender per round, in alternating order; the table shows the median
items/s per contender and the median of the per-round ratios ours/theirs (> 1: queue_rs faster).
Under the GIL, Python threads take turns, so these figures measure the cost of each call and of
each hand-off between threads, not parallel speed-up.
"""

import argparse
import queue
import statistics
import threading
import time

import queue_rs


def producers_consumers(make, producers, consumers, items):
    q = make()
    per_producer = items // producers
    per_consumer = per_producer * producers // consumers
    sums = []

    def produce():
        for i in range(per_producer):
            q.put(i)

    def consume():
        s = 0
        for _ in range(per_consumer):
            s += q.get()
        sums.append(s)

    threads = [threading.Thread(target=produce) for _ in range(producers)]
    threads += [threading.Thread(target=consume) for _ in range(consumers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    assert sum(sums) == producers * per_producer * (per_producer - 1) // 2, "items lost"
    return per_producer * producers / elapsed


def worker_pool(make, items, workers=4):
    q = make()
    done = []

    def work():
        n = 0
        while True:
            job = q.get()
            if job is None:
                q.task_done()
                break
            n += 1
            q.task_done()
        done.append(n)

    threads = [threading.Thread(target=work) for _ in range(workers)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for i in range(items):
        q.put(i)
    q.join()
    elapsed = time.perf_counter() - t0
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    assert sum(done) == items, "tasks lost"
    return items / elapsed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--items", type=int, default=100_000)
    args = parser.parse_args()
    n = args.items
    workloads = [
        ("unbounded 1p1c", lambda make: producers_consumers(make, 1, 1, n),
         [("queue_rs.Queue", queue_rs.Queue), ("queue.Queue", queue.Queue),
          ("queue_rs.SimpleQueue", queue_rs.SimpleQueue), ("queue.SimpleQueue", queue.SimpleQueue)]),
        ("unbounded 4p4c", lambda make: producers_consumers(make, 4, 4, n),
         [("queue_rs.Queue", queue_rs.Queue), ("queue.Queue", queue.Queue),
          ("queue_rs.SimpleQueue", queue_rs.SimpleQueue), ("queue.SimpleQueue", queue.SimpleQueue)]),
        ("bounded(64) 1p1c", lambda make: producers_consumers(make, 1, 1, n),
         [("queue_rs.Queue", lambda: queue_rs.Queue(64)), ("queue.Queue", lambda: queue.Queue(64))]),
        ("bounded(64) 4p4c", lambda make: producers_consumers(make, 4, 4, n),
         [("queue_rs.Queue", lambda: queue_rs.Queue(64)), ("queue.Queue", lambda: queue.Queue(64))]),
        ("worker pool, task_done/join", lambda make: worker_pool(make, n),
         [("queue_rs.Queue", queue_rs.Queue), ("queue.Queue", queue.Queue)]),
    ]
    print(f"{args.rounds} rounds, {n} items, Python {'.'.join(map(str, __import__('sys').version_info[:3]))}")
    print("| workload | ours | items/s | theirs | items/s | ratio |")
    print("|---|---|---:|---|---:|---:|")
    for label, run, contenders in workloads:
        values = {name: [] for name, _ in contenders}
        for r in range(args.rounds):
            order = contenders if r % 2 == 0 else list(reversed(contenders))
            for name, make in order:
                values[name].append(run(make))
        pairs = [(contenders[i], contenders[i + 1]) for i in range(0, len(contenders), 2)]
        for (ours, _), (theirs, _) in pairs:
            ratio = statistics.median(a / b for a, b in zip(values[ours], values[theirs]))
            print(f"| {label} | {ours} | {statistics.median(values[ours]):,.0f} | {theirs} | "
                  f"{statistics.median(values[theirs]):,.0f} | {ratio:.2f}x |")


if __name__ == "__main__":
    main()
