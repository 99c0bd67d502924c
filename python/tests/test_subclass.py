"""Subclassing as CPython allows it: `super().__init__(maxsize)`, constructors with arguments of
their own, and subclasses that override the storage hooks (`_init`, `_qsize`, `_put`, `_get`), which
run CPython's protocol over those hooks (python/src/protocol.py) with every other guarantee kept:
blocking with timeouts, task counting, shutdown, Ctrl-C.

Run: python -m unittest discover -s python/tests -p 'test_*.py'
"""

import os
import signal
import subprocess
import sys
import textwrap
import threading
import unittest

import queue_rs

KINDS = (queue_rs.Queue, queue_rs.LifoQueue, queue_rs.PriorityQueue)
# Generous bound for "must finish" on a loaded 2-core machine; a hang fails instead of hanging.
LIMIT = 30.0


def start(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


class PlainSubclasses(unittest.TestCase):
    """No hook overridden: the Rust queue, with the subclass's own constructor."""

    def test_super_init_sets_maxsize(self):
        for kind in KINDS:
            class Named(kind):
                def __init__(self, name, maxsize=0, *, tag=None):
                    super().__init__(maxsize)
                    self.name, self.tag = name, tag

            q = Named("jobs", 2, tag="t")
            self.assertEqual((q.name, q.tag, q.maxsize), ("jobs", "t", 2))
            q.put(1)
            q.put(2)
            with self.assertRaises(queue_rs.Full):
                q.put_nowait(3)
            self.assertEqual(sorted([q.get(), q.get()]), [1, 2])
            self.assertFalse(hasattr(q, "mutex"), "a plain subclass runs on the Rust queue")

    def test_base_init_called_explicitly_with_keyword(self):
        class Q(queue_rs.Queue):
            def __init__(self, **options):
                queue_rs.Queue.__init__(self, maxsize=options.pop("size"))

        q = Q(size=1)
        q.put("a")
        self.assertTrue(q.full())

    def test_a_subclass_that_skips_init_is_unbounded(self):
        class Q(queue_rs.Queue):
            def __init__(self, a, b):
                self.total = a + b

        q = Q(1, 2)
        for i in range(100):
            q.put_nowait(i)
        self.assertEqual((q.total, q.maxsize, q.qsize()), (3, 0, 100))

    def test_the_attributes_cpython_computes_stay_read_only(self):
        q = queue_rs.Queue()
        with self.assertRaises(AttributeError):
            q.unfinished_tasks = 3
        with self.assertRaises(AttributeError):
            q.is_shutdown = True

    def test_simple_queue(self):
        with self.assertRaises(TypeError):
            queue_rs.SimpleQueue(1)
        with self.assertRaises(TypeError):
            queue_rs.SimpleQueue(x=1)

        class S(queue_rs.SimpleQueue):
            def __init__(self, name):
                self.name = name

        s = S("s")
        s.put(1)
        self.assertEqual((s.name, s.get_nowait()), ("s", 1))

    def test_simple_queue_overrides_reach_the_queue_through_super(self):
        # `put` and `get` are hand-written fast paths (python/src/fastcall.rs): a subclass's own
        # must still win, and `super()` must reach the full semantics.
        class Counting(queue_rs.SimpleQueue):
            puts = gets = 0

            def put(self, item, block=True, timeout=None):
                self.puts += 1
                super().put(item, block=block, timeout=timeout)

            def get(self, block=True, timeout=None):
                self.gets += 1
                return super().get(block, timeout)

        s = Counting()
        s.put(1)
        s.put(2, timeout=1.0)
        self.assertEqual([s.get(), s.get(timeout=1.0)], [1, 2])
        with self.assertRaises(queue_rs.Empty):
            s.get(block=False)
        with self.assertRaises(ValueError):
            s.get(timeout=-1)
        self.assertEqual((s.puts, s.gets), (2, 4))


class Unique(queue_rs.Queue):
    """A FIFO that drops an item already waiting: a container of its own, as CPython's hooks allow."""

    def _init(self, maxsize):
        self.queue = {}

    def _qsize(self):
        return len(self.queue)

    def _put(self, item):
        self.queue.setdefault(item, None)

    def _get(self):
        item = next(iter(self.queue))
        del self.queue[item]
        return item


class Doubling(queue_rs.LifoQueue):
    """Overrides one hook and defers to the base class's for the storage."""

    def _put(self, item):
        queue_rs.LifoQueue._put(self, item * 2)


class HookSubclasses(unittest.TestCase):
    def test_own_container(self):
        q = Unique(3)
        for item in "abab":
            q.put(item)
        # Two stored, but four puts: CPython counts a task per put, whatever `_put` did.
        self.assertEqual((q.qsize(), q.unfinished_tasks, q.full()), (2, 4, False))
        self.assertEqual([q.get(), q.get()], ["a", "b"])
        with self.assertRaises(queue_rs.Empty):
            q.get_nowait()
        self.assertTrue(hasattr(q, "mutex") and hasattr(q, "not_empty"), "CPython's attributes")

    def test_base_hooks_through_the_base_class(self):
        q = Doubling()
        for i in (1, 2, 3):
            q.put(i)
        self.assertEqual([q.get() for _ in range(3)], [6, 4, 2])
        self.assertIsInstance(q.queue, list)

    def test_every_kind_with_default_hooks_called_through_super(self):
        for kind, order in ((queue_rs.Queue, [3, 1, 2]), (queue_rs.LifoQueue, [2, 1, 3]),
                            (queue_rs.PriorityQueue, [1, 2, 3])):
            class Counting(kind):
                def _put(self, item):
                    self.puts = getattr(self, "puts", 0) + 1
                    super()._put(item)

            q = Counting()
            for i in (3, 1, 2):
                q.put(i)
            self.assertEqual(([q.get() for _ in range(3)], q.puts), (order, 3), kind)

    def test_a_subclass_of_a_hook_subclass_keeps_the_protocol(self):
        class Deeper(Unique):
            def __init__(self, name):
                self.name = name
                super().__init__(1)

        q = Deeper("d")
        q.put("x")
        with self.assertRaises(queue_rs.Full):
            q.put("y", timeout=0.01)
        self.assertEqual((q.name, q.get()), ("d", "x"))

    def test_blocking_wakeups_timeouts_and_tasks(self):
        q = Unique(1)
        got = []
        getter = start(lambda: got.append(q.get(timeout=LIMIT)))
        q.put("first")
        getter.join(LIMIT)
        self.assertEqual(got, ["first"])
        q.put("second")
        with self.assertRaises(queue_rs.Full):
            q.put("third", timeout=0.05)
        putter = start(q.put, "third")
        self.assertEqual(q.get(timeout=LIMIT), "second")
        putter.join(LIMIT)
        self.assertFalse(putter.is_alive())
        self.assertEqual(q.get(timeout=LIMIT), "third")
        with self.assertRaises(queue_rs.Empty):
            q.get(timeout=0.05)
        with self.assertRaises(ValueError):
            q.get(timeout=-1)
        self.assertFalse(q.join(timeout=0.05), "three tasks open")
        for _ in range(3):
            q.task_done()
        self.assertIsNone(q.join())
        with self.assertRaises(ValueError):
            q.task_done()

    def test_shutdown(self):
        q = Unique()
        for item in "xyz":
            q.put(item)
        blocked = Unique(1)
        blocked.put("full")
        outcome = []

        def put_blocked():
            try:
                blocked.put("more")
            except queue_rs.ShutDown:
                outcome.append("ShutDown")

        putter = start(put_blocked)
        blocked.shutdown()
        putter.join(LIMIT)
        self.assertEqual(outcome, ["ShutDown"])
        self.assertEqual(blocked.get(), "full", "a normal shutdown lets gets drain")
        with self.assertRaises(queue_rs.ShutDown):
            blocked.get()
        q.shutdown(immediate=True)
        self.assertEqual((q.qsize(), q.unfinished_tasks, q.is_shutdown), (0, 0, True))
        with self.assertRaises(queue_rs.ShutDown):
            q.put_nowait("late")
        self.assertIsNone(q.join(), "an immediate shutdown finishes the drained tasks")

    def test_a_raising_hook_leaves_the_state_as_cpython_does(self):
        class Failing(queue_rs.Queue):
            fail = False

            def _get(self):
                if self.fail:
                    self.fail = False
                    raise ZeroDivisionError
                return super()._get()

        q = Failing()
        q.put(1)
        q.fail = True
        with self.assertRaises(ZeroDivisionError):
            q.get()
        self.assertEqual((q.qsize(), q.get_nowait()), (1, 1), "the item stayed")

    @unittest.skipIf(sys.platform == "win32", "sends SIGINT")
    def test_ctrl_c_ends_a_blocked_get(self):
        child = textwrap.dedent("""
            import sys, queue_rs
            class Q(queue_rs.Queue):
                def _put(self, item):
                    super()._put(item)
            try:
                print("ready", flush=True)
                Q().get()
            except KeyboardInterrupt:
                print("interrupted", flush=True)
        """)
        proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
        try:
            self.assertEqual(proc.stdout.readline().strip(), "ready")
            # The child may not be blocked yet; SIGINT then interrupts before the get, inside the
            # same `try`. Either way the get must not swallow it.
            os.kill(proc.pid, signal.SIGINT)
            out, _ = proc.communicate(timeout=LIMIT)
        finally:
            proc.kill()
        self.assertIn("interrupted", out)


if __name__ == "__main__":
    unittest.main()
