"""Runs the interpreter's own test/test_queue.py against queue_rs.

The file is not copied: it is imported from where the interpreter ships it, and the smallest shim
points its C-module test classes (CQueueTest, CLifoQueueTest, ... which read `self.queue`) at
queue_rs instead of the standard `queue`. The pure-Python classes (PyQueueTest, ...) test
CPython's pure-Python queue and are left out. A test that cannot pass against queue_rs is listed in
EXPECTED_FAILURES with why and with a text its failure must contain, so that it is excused only
for that reason; the run fails if any other test fails, if a listed one fails for another reason,
or if a listed one passes (so the list stays true).

Run: python python/tests/run_cpython_test_queue.py
"""

import sys
import unittest

import queue_rs
from test import test_queue

# test name -> (why it cannot pass against queue_rs, text its traceback must contain). Empty since
# subclasses that override the storage hooks run CPython's protocol (python/src/protocol.py).
EXPECTED_FAILURES = {}

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

    tracebacks = {short(t): text for t, text in result.failures + result.errors}
    failed = set(tracebacks)
    unexpected = {name for name in failed
                  if name not in EXPECTED_FAILURES or EXPECTED_FAILURES[name][1] not in tracebacks[name]}
    fixed = EXPECTED_FAILURES.keys() - failed
    passed = result.testsRun - len(result.failures) - len(result.errors) - len(result.skipped)
    print(f"\nCPython {sys.version.split()[0]} test_queue.py against queue_rs: {passed} passed, "
          f"{len(failed)} failed ({len(failed - unexpected)} expected), {len(result.skipped)} skipped, "
          f"of {result.testsRun}")
    for name, (why, _) in EXPECTED_FAILURES.items():
        print(f"  expected failure {name}: {why}")
    if unexpected:
        print(f"UNEXPECTED FAILURES (or listed ones failing for another reason): {sorted(unexpected)}")
    if fixed:
        print(f"LISTED BUT PASSING (update EXPECTED_FAILURES): {sorted(fixed)}")
    return 1 if unexpected or fixed else 0


if __name__ == "__main__":
    sys.exit(main())
