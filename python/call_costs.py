"""One thread, a loop of `put(i); get()` on one queue: for counting instructions per call pair.

Run: valgrind --tool=callgrind python python/call_costs.py KIND N
KIND: simple (queue_rs.SimpleQueue), c-simple (queue.SimpleQueue), queue (queue_rs.Queue),
py-queue (queue.Queue), none (the loop alone, to subtract).
"""

import queue
import sys

import queue_rs


def main():
    kind, n = sys.argv[1], int(sys.argv[2])
    make = {"simple": queue_rs.SimpleQueue, "c-simple": queue.SimpleQueue, "queue": queue_rs.Queue,
            "py-queue": queue.Queue, "none": None}[kind]
    if make is None:
        for _ in range(n):
            pass
        return
    q = make()
    put, get = q.put, q.get
    for i in range(n):
        put(i)
        get()


if __name__ == "__main__":
    main()
