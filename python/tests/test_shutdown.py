"""Every shutdown scenario of CPython 3.13's test_queue.py, written for queue_rs, for Queue,
LifoQueue and PriorityQueue: on the classes themselves where the interpreter's own test file has
no shutdown tests (before 3.13; run_cpython_test_queue.py runs 3.13's), and always on subclasses
that override a storage hook, which run CPython's protocol (python/src/protocol.py) and which
CPython's file does not cover.

Run: python -m unittest discover -s python/tests -p 'test_*.py'
"""

import threading
import time
import unittest

from test import test_queue as cpython_tests

import queue_rs

CPYTHON_TESTS_SHUTDOWN = hasattr(cpython_tests.BaseQueueTestMixin, "test_shutdown_empty")
# Generous bound for "must finish" on a loaded 2-core machine; a hang fails instead of hanging.
LIMIT = 30.0


def start(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


def finish(test, *threads):
    for t in threads:
        t.join(LIMIT)
        test.assertFalse(t.is_alive(), "a thread did not finish")


class ShutdownTests:
    kind = None

    def test_shutdown_empty(self):
        q = self.kind()
        q.shutdown()
        with self.assertRaises(queue_rs.ShutDown):
            q.put("data")
        with self.assertRaises(queue_rs.ShutDown):
            q.get()

    def test_shutdown_nonempty(self):
        q = self.kind()
        q.put("data")
        q.shutdown()
        q.get()
        with self.assertRaises(queue_rs.ShutDown):
            q.get()

    def test_shutdown_immediate(self):
        q = self.kind()
        q.put("data")
        q.shutdown(immediate=True)
        with self.assertRaises(queue_rs.ShutDown):
            q.get()

    def test_shutdown_allowed_transitions(self):
        q = self.kind()
        self.assertFalse(q.is_shutdown)
        q.shutdown()
        self.assertTrue(q.is_shutdown)
        q.shutdown(immediate=True)
        self.assertTrue(q.is_shutdown)
        q.shutdown(immediate=False)

    def _all_methods_in_one_thread(self, immediate):
        q = self.kind(2)
        q.put("L")
        q.put_nowait("O")
        q.shutdown(immediate)
        with self.assertRaises(queue_rs.ShutDown):
            q.put("E")
        with self.assertRaises(queue_rs.ShutDown):
            q.put_nowait("W")
        if immediate:
            with self.assertRaises(queue_rs.ShutDown):
                q.get()
            with self.assertRaises(queue_rs.ShutDown):
                q.get_nowait()
            with self.assertRaises(ValueError):
                q.task_done()
            q.join()
        else:
            self.assertIn(q.get(), "LO")
            q.task_done()
            self.assertIn(q.get(), "LO")
            q.task_done()
            q.join()
            with self.assertRaises(queue_rs.ShutDown):
                q.get()
            with self.assertRaises(queue_rs.ShutDown):
                q.get_nowait()
            t0 = time.monotonic()
            with self.assertRaises(queue_rs.ShutDown):
                q.get(True, 1.0)
            self.assertLess(time.monotonic() - t0, 0.5, "a timed get waited after shutdown")

    def test_shutdown_all_methods_in_one_thread(self):
        self._all_methods_in_one_thread(False)

    def test_shutdown_immediate_all_methods_in_one_thread(self):
        self._all_methods_in_one_thread(True)

    def _all_methods_in_many_threads(self, immediate):
        q = self.kind()
        n_writers, n_readers, per_writer = 4, 6, 16384
        barrier = threading.Barrier(n_writers + n_readers + (2 if immediate else 0))
        go = threading.Event()
        writes, reads, shut = [], [], []

        def writer(w):
            base = w * per_writer
            for i in range(4096):
                q.put((base + i, "LOYD"))
            barrier.wait()
            for i in range(4096, per_writer):
                if i == 8192 and not go.is_set():
                    go.set()
                    writes.append(True)
                try:
                    q.put((base + i, "YDLO"))
                except queue_rs.ShutDown:
                    writes.append(False)
                    return

        def reader():
            q.get()
            q.task_done()
            barrier.wait()
            while True:
                try:
                    q.get(False)
                    q.task_done()
                except queue_rs.Empty:
                    pass
                except queue_rs.ShutDown:
                    reads.append(True)
                    return

        def shutter():
            go.wait(LIMIT)
            q.shutdown(immediate)
            shut.append(q.qsize() == 0)

        def joiner():
            barrier.wait()
            q.join()

        threads = [start(writer, w) for w in range(n_writers)]
        threads += [start(reader) for _ in range(n_readers)]
        threads.append(start(shutter))
        if immediate:
            threads += [start(joiner) for _ in range(2)]
        finish(self, *threads)
        self.assertIn(True, writes)
        self.assertEqual(reads, [True] * n_readers)
        if immediate:
            self.assertEqual(shut, [True])
            self.assertTrue(q.empty())

    def test_shutdown_all_methods_in_many_threads(self):
        self._all_methods_in_many_threads(False)

    def test_shutdown_immediate_all_methods_in_many_threads(self):
        self._all_methods_in_many_threads(True)

    def _shutdown_get(self, immediate):
        q = self.kind(2)
        q.put("Y")
        q.put("D")
        go = threading.Event()
        results = []

        def getter():
            go.wait(LIMIT)
            try:
                q.get()
                results.append("ok")
            except queue_rs.ShutDown:
                results.append("shutdown")

        threads = [start(getter) for _ in range(2 if immediate else 3)]
        q.shutdown(immediate)
        go.set()
        finish(self, *threads)
        expected = ["shutdown"] * 2 if immediate else ["ok", "ok", "shutdown"]
        self.assertEqual(sorted(results), expected)

    def test_shutdown_get(self):
        self._shutdown_get(False)

    def test_shutdown_immediate_get(self):
        self._shutdown_get(True)

    def _shutdown_put(self, immediate):
        q = self.kind(2)
        q.put("Y")
        q.put("D")
        go = threading.Event()
        results = []

        def putter(item):
            go.wait(LIMIT)
            try:
                q.put(item)
                results.append("ok")
            except queue_rs.ShutDown:
                results.append("shutdown")

        threads = [start(putter, "E"), start(putter, "W")]
        q.shutdown(immediate)
        go.set()
        finish(self, *threads)
        self.assertEqual(results, ["shutdown", "shutdown"])

    def test_shutdown_put(self):
        self._shutdown_put(False)

    def test_shutdown_immediate_put(self):
        # Unlike CPython's shared routine, this one really passes immediate=True.
        self._shutdown_put(True)

    def test_shutdown_join(self):
        q = self.kind()
        q.put("Y")
        go = threading.Event()

        def getter():
            go.wait(LIMIT)
            q.get()
            q.task_done()

        threads = [start(q.join), start(q.join), start(getter)]
        q.shutdown()
        go.set()
        finish(self, *threads)

    def test_shutdown_immediate_join(self):
        q = self.kind()
        q.put("Y")
        threads = [start(q.join), start(q.join)]
        q.shutdown(immediate=True)
        finish(self, *threads)
        self.assertEqual(q.unfinished_tasks, 0)

    def _shutdown_put_join(self, immediate):
        q = self.kind(2)
        q.put("Y")
        go = threading.Event()
        results = []

        def putter():
            go.wait(LIMIT)
            try:
                q.put("E")
                results.append("ok")
            except queue_rs.ShutDown:
                results.append("shutdown")

        threads = [start(putter), start(q.join)]
        self.assertEqual(q.unfinished_tasks, 1)
        q.shutdown(immediate)
        go.set()
        if immediate:
            with self.assertRaises(queue_rs.ShutDown):
                q.get_nowait()
        else:
            self.assertEqual(q.get(), "Y")
            q.task_done()
        finish(self, *threads)
        self.assertEqual(results, ["shutdown"])

    def test_shutdown_put_join(self):
        self._shutdown_put_join(False)

    def test_shutdown_immediate_put_join(self):
        self._shutdown_put_join(True)

    def test_shutdown_get_task_done_join(self):
        q = self.kind(2)
        q.put("Y")
        q.put("D")
        self.assertEqual(q.unfinished_tasks, q.qsize())
        go = threading.Event()
        results = []

        def getter():
            go.wait(LIMIT)
            q.get()
            q.task_done()
            results.append("got")

        def joiner():
            go.wait(LIMIT)
            q.join()
            results.append("joined")

        threads = [start(getter), start(getter), start(joiner), start(joiner)]
        go.set()
        q.shutdown(False)
        finish(self, *threads)
        self.assertEqual(sorted(results), ["got", "got", "joined", "joined"])

    def test_shutdown_pending_get(self):
        q = self.kind()
        results = []

        def getter():
            try:
                results.append(q.get())
            except queue_rs.ShutDown as e:
                results.append(e)

        t = start(getter)
        time.sleep(0.05)  # likely blocked by now; the check below holds either way
        q.shutdown(immediate=False)
        finish(self, t)
        self.assertEqual(len(results), 1)
        self.assertIsInstance(results[0], queue_rs.ShutDown)


def with_a_hook(kind):
    """A subclass of `kind` that overrides `_put` (deferring to the base's), so runs the protocol."""

    class Hooked(kind):
        def _put(self, item):
            super()._put(item)

    Hooked.__name__ = Hooked.__qualname__ = "Hooked" + kind.__name__
    return Hooked


@unittest.skipIf(CPYTHON_TESTS_SHUTDOWN, "this interpreter's own test_queue.py has these tests")
class QueueShutdown(ShutdownTests, unittest.TestCase):
    kind = queue_rs.Queue


@unittest.skipIf(CPYTHON_TESTS_SHUTDOWN, "this interpreter's own test_queue.py has these tests")
class LifoQueueShutdown(ShutdownTests, unittest.TestCase):
    kind = queue_rs.LifoQueue


@unittest.skipIf(CPYTHON_TESTS_SHUTDOWN, "this interpreter's own test_queue.py has these tests")
class PriorityQueueShutdown(ShutdownTests, unittest.TestCase):
    kind = queue_rs.PriorityQueue


class HookedQueueShutdown(ShutdownTests, unittest.TestCase):
    kind = with_a_hook(queue_rs.Queue)


class HookedLifoQueueShutdown(ShutdownTests, unittest.TestCase):
    kind = with_a_hook(queue_rs.LifoQueue)


class HookedPriorityQueueShutdown(ShutdownTests, unittest.TestCase):
    kind = with_a_hook(queue_rs.PriorityQueue)


if __name__ == "__main__":
    unittest.main()
