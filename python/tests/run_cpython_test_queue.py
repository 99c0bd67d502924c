"""Runs the interpreter's own test/test_queue.py against queue_rs.

The file is not copied: it is imported from where the interpreter ships it, and the smallest shim
points its C-module test classes (CQueueTest, CLifoQueueTest, ... which read `self.queue`) at
queue_rs instead of the standard `queue`. The pure-Python classes (PyQueueTest, ...) test
CPython's pure-Python queue and are left out. Tests that cannot pass with a native implementation
are listed in EXPECTED_FAILURES with the reason; the run fails if any other test fails, or if a
listed one unexpectedly passes (so the list stays true).

Run: python python/tests/run_cpython_test_queue.py
"""

import sys
import unittest

import queue_rs
from test import test_queue

# test name -> why it cannot pass against a native queue.
EXPECTED_FAILURES = {
    "CFailingQueueTest.test_failing_queue": (
        "subclasses Queue and overrides _put/_get to raise; queue_rs stores items in Rust and "
        "never calls _put/_get (subclass queue.Queue itself for that, or wrap queue_rs in Python)"
    ),
}

CLASSES = [
    "CQueueTest",
    "CLifoQueueTest",
    "CPriorityQueueTest",
    "CFailingQueueTest",
    "CSimpleQueueTest",
]


def main():
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    for name in CLASSES:
        cls = getattr(test_queue, name)
        cls.queue = queue_rs
        suite.addTests(loader.loadTestsFromTestCase(cls))
    result = unittest.TextTestRunner(verbosity=2).run(suite)

    def short(test):
        return ".".join(test.id().rsplit(".", 2)[-2:])

    failed = {short(t) for t, _ in result.failures + result.errors}
    unexpected = failed - EXPECTED_FAILURES.keys()
    fixed = EXPECTED_FAILURES.keys() - failed
    passed = result.testsRun - len(result.failures) - len(result.errors) - len(result.skipped)
    print(f"\nCPython {sys.version.split()[0]} test_queue.py against queue_rs: {passed} passed, "
          f"{len(failed)} failed ({len(failed - unexpected)} expected), {len(result.skipped)} skipped, "
          f"of {result.testsRun}")
    for name, why in EXPECTED_FAILURES.items():
        print(f"  expected failure {name}: {why}")
    if unexpected:
        print(f"UNEXPECTED FAILURES: {sorted(unexpected)}")
    if fixed:
        print(f"LISTED BUT PASSING (update EXPECTED_FAILURES): {sorted(fixed)}")
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
