#!/usr/bin/env python3
"""Writes the committed seed inputs in fuzz/seeds/<target>/.

Each seed is the byte encoding that `arbitrary` 1.x (1.4/1.5) decodes into the intended ops: an
enum variant is a little-endian u32 `v` with variant = (v * variant_count) >> 32, a u8 is one byte,
a bool is one byte (odd = true), and a Vec is its elements each preceded by a "keep going" byte
(1), ending with 0 or the end of the data. Check a seed with
`cargo +nightly fuzz fmt TARGET fuzz/seeds/TARGET/FILE` (run in fuzz/). Run from anywhere:
`python3 fuzz/gen_seeds.py`.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def variant(idx, count):
    return struct.pack("<I", -(-idx * 2**32 // count))


def u8(v):
    return bytes([v & 0xFF])


def vec(elems, last=False):
    out = b"".join(b"\x01" + e for e in elems)
    return out if last else out + b"\x00"


# ---- core targets: Vec<CoreOp> -------------------------------------------------------------
def push(k):
    return variant(0, 6) + u8(k)


def push_many(key, step, count):
    return variant(1, 6) + u8(key) + u8(step) + u8(count)


POP = variant(2, 6)


def pop_many(n):
    return variant(3, 6) + u8(n)


IS_EMPTY = variant(4, 6)
DROP_AND_NEW = variant(5, 6)

CORE = {
    "basic": [push(1), push(2), push(3), POP, IS_EMPTY, POP, POP, POP, IS_EMPTY],
    "many": [push_many(3, 5, 40), pop_many(20), DROP_AND_NEW, push(9), POP, POP],
    "ties": [push_many(7, 0, 10), push(7), push(2), push(0x17), pop_many(14), IS_EMPTY],
    "interleaved": [push(5), push(1), POP, push(4), push(1), POP, push(9), pop_many(3),
                    push_many(0, 1, 16), pop_many(8), DROP_AND_NEW, POP],
}

# ---- blocking_ops: Input { kind, maxsize: u8, drain_at_end: bool, ops: Vec<Op> } ------------
FIFO, LIFO, PRIO, SIMPLE = (variant(i, 4) for i in range(4))
NOWAIT, TZERO, DEADLINE, UNTIMED = variant(0, 5), variant(1, 5), variant(3, 5), variant(4, 5)


def tshort(n):
    return variant(2, 5) + u8(n)


def put(how, key):
    return variant(0, 8) + how + u8(key)


def get(how):
    return variant(1, 8) + how


TASK_DONE = variant(2, 8)


def set_maxsize(n):
    return variant(3, 8) + u8(n)


SHUTDOWN = variant(4, 8)
SHUTDOWN_IMM = variant(5, 8)


def join(how):
    return variant(6, 8) + variant(how, 3)  # 0 TimeoutZero, 1 DeadlinePast, 2 Untimed


def try_iter(n):
    return variant(7, 8) + u8(n)


def blocking(kind, maxsize, drain, ops):
    return kind + u8(maxsize) + u8(1 if drain else 0) + vec(ops, last=True)


BLOCKING = {
    "fifo_bounded_shutdown": blocking(FIFO, 2, True, [
        put(NOWAIT, 1), put(TZERO, 2), put(NOWAIT, 3), get(NOWAIT), TASK_DONE, TASK_DONE,
        TASK_DONE, put(DEADLINE, 4), join(0), SHUTDOWN, put(NOWAIT, 5), get(TZERO), get(NOWAIT),
        get(UNTIMED), TASK_DONE]),
    "lifo_maxsize_changes": blocking(LIFO, 0, False, [
        put(NOWAIT, 1), put(NOWAIT, 2), set_maxsize(1), put(NOWAIT, 3), put(tshort(3), 3),
        set_maxsize(3), put(UNTIMED, 4), get(NOWAIT), set_maxsize(0), put(NOWAIT, 5),
        SHUTDOWN_IMM, TASK_DONE, join(2), get(NOWAIT), put(NOWAIT, 6)]),
    "priority_ties": blocking(PRIO, 3, True, [
        put(UNTIMED, 4), put(NOWAIT, 4), put(NOWAIT, 1), put(NOWAIT, 4), get(UNTIMED),
        put(TZERO, 0x14), try_iter(2), get(tshort(1)), get(DEADLINE), get(NOWAIT), TASK_DONE,
        TASK_DONE, TASK_DONE, TASK_DONE, TASK_DONE, join(2), SHUTDOWN, SHUTDOWN_IMM]),
    "simple": blocking(SIMPLE, 0, False, [
        put(NOWAIT, 1), put(UNTIMED, 2), get(NOWAIT), get(tshort(2)), get(TZERO), get(UNTIMED),
        put(NOWAIT, 3), put(NOWAIT, 4)]),
}

# ---- concurrent: Input { kind, maxsize: u8, three_threads: bool, scripts: [Vec<Op>; 3] } ----
C_FIFO, C_PRIO, C_LIFO = (variant(i, 3) for i in range(3))


def c_put_nowait():
    return variant(0, 9)


def c_put_timeout(n):
    return variant(1, 9) + u8(n)


def c_get_nowait():
    return variant(2, 9)


def c_get_timeout(n):
    return variant(3, 9) + u8(n)


C_TASK_DONE, C_QUERY, C_SHUTDOWN, C_SHUTDOWN_IMM, C_YIELD = (variant(i, 9) for i in range(4, 9))


def concurrent(kind, maxsize, three, s0, s1, s2):
    # With take_rest, an array decodes all three elements normally and then replaces the last
    # one with the rest of the data: so the third slot is left empty and its script follows.
    return (kind + u8(maxsize) + u8(1 if three else 0) + vec(s0) + vec(s1) + vec([])
            + vec(s2, last=True))


CONCURRENT = {
    "fifo_bounded_three": concurrent(C_FIFO, 2, True,
        [c_put_timeout(1), c_put_timeout(2), c_put_nowait(), c_put_timeout(3), C_QUERY],
        [c_get_timeout(2), C_TASK_DONE, c_get_timeout(1), C_TASK_DONE, c_get_nowait()],
        [C_QUERY, c_put_nowait(), C_YIELD, c_get_timeout(1), C_TASK_DONE]),
    "priority_unbounded_shutdown": concurrent(C_PRIO, 0, False,
        [c_put_nowait(), c_put_nowait(), c_put_nowait(), C_SHUTDOWN, c_put_nowait()],
        [c_get_timeout(2), c_get_timeout(2), C_TASK_DONE, c_get_nowait(), c_get_timeout(1)],
        []),
    "lifo_immediate": concurrent(C_LIFO, 3, True,
        [c_put_nowait(), c_put_timeout(1), c_put_nowait(), c_put_nowait(), c_put_timeout(2)],
        [C_YIELD, C_SHUTDOWN_IMM, C_TASK_DONE, C_TASK_DONE],
        [c_get_nowait(), C_TASK_DONE, c_put_nowait(), C_QUERY]),
    "fifo_unbounded_pingpong": concurrent(C_FIFO, 0, True,
        [c_put_nowait(), c_get_timeout(1), c_put_nowait(), c_get_timeout(1), C_TASK_DONE],
        [c_put_nowait(), c_get_timeout(1), c_put_nowait(), c_get_timeout(1), C_TASK_DONE],
        [c_get_timeout(2), c_get_timeout(2), C_TASK_DONE, C_TASK_DONE, C_QUERY]),
}


def write(target, name, data):
    d = os.path.join(HERE, "seeds", target)
    os.makedirs(d, exist_ok=True)
    assert len(data) < 1024, (target, name, len(data))
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


for target in ("fifo", "segmented", "lifo", "priority"):
    for name, ops in CORE.items():
        write(target, name, vec(ops, last=True))
for name, data in BLOCKING.items():
    write("blocking_ops", name, data)
for name, data in CONCURRENT.items():
    write("concurrent", name, data)
