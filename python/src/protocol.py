"""CPython's queue protocol for subclasses that override a storage hook.

A subclass of `queue_rs.Queue`, `LifoQueue` or `PriorityQueue` that overrides `_init`, `_qsize`,
`_put` or `_get` expects CPython's protocol around them: one mutex held across every hook call,
three conditions on it, and its hooks deciding what is stored and how much. The Rust queue cannot
call Python hooks from inside its lock-free paths, so such a subclass's instances run this module
instead (the extension dispatches here, `classes.rs`), with the semantics of CPython 3.13's
`queue.Queue`, shutdown included, on every supported version. The binding adds `join(timeout)`.

The state lives on the instance under CPython's names: `mutex`, `not_empty`, `not_full`,
`all_tasks_done`, `unfinished_tasks`, `is_shutdown`, `maxsize`, and whatever `_init` creates
(`queue` for the default hooks at the end of this file); asyncio tasks waiting in `get_async`,
`put_async` or `join_async` are listed in `_async_getters`, `_async_putters`, `_async_joiners`
(each entry: the loop's `call_soon_threadsafe` and the asyncio future to resolve). Every change
that notifies a condition also wakes one listed task (or all, where the condition is notified
all), so a thread and a task never miss each other's wake-ups; a task woken for nothing waits
again, and a cancelled task that had been woken passes the wake-up on.

Embedded into the extension and run once when `queue_rs` is imported; `Empty`, `Full` and
`ShutDown` are set by the extension to the module's exception types.
"""

import asyncio
import threading
from collections import deque
from heapq import heappop, heappush
from time import monotonic

Empty = Full = ShutDown = None

_BAD_TIMEOUT = "'timeout' must be a non-negative number"


def init(q, maxsize):
    q.maxsize = maxsize
    q._init(maxsize)
    q.mutex = threading.Lock()
    q.not_empty = threading.Condition(q.mutex)
    q.not_full = threading.Condition(q.mutex)
    q.all_tasks_done = threading.Condition(q.mutex)
    q.unfinished_tasks = 0
    q.is_shutdown = False
    q._async_getters = deque()
    q._async_putters = deque()
    q._async_joiners = deque()


def _resolve(future):
    if not future.done():
        future.set_result(None)


def _wake_one(tasks):
    if tasks:
        call_soon_threadsafe, future = tasks.popleft()
        _wake(call_soon_threadsafe, future)


def _wake_all(tasks):
    while tasks:
        _wake_one(tasks)


def _wake(call_soon_threadsafe, future):
    try:
        call_soon_threadsafe(_resolve, future)
    except RuntimeError:
        pass  # its loop is closed: nobody is left to wake


def _listed(tasks):
    """Lists the running task in `tasks`; returns its entry, whose future it then awaits."""
    loop = asyncio.get_running_loop()
    entry = (loop.call_soon_threadsafe, loop.create_future())
    tasks.append(entry)
    return entry


async def _wait_listed(q, tasks, entry, holds):
    """Awaits a listed `entry`; if cancelled after its wake-up, hands the wake-up on while
    `holds()` (under the mutex) says what it announced is still there."""
    try:
        await entry[1]
    except BaseException:
        with q.mutex:
            try:
                tasks.remove(entry)
            except ValueError:
                # Already taken by a notifier: the wake-up was ours.
                if holds():
                    _wake_one(tasks)
        raise


def _deadline(timeout):
    """The monotonic time at which a timed wait gives up; `None` waits for ever."""
    if timeout is None:
        return None
    if timeout < 0:
        raise ValueError(_BAD_TIMEOUT)
    return monotonic() + timeout


def _wait(condition, deadline, expired):
    """One wait on `condition` (its mutex held); raises `expired` if `deadline` has passed."""
    if deadline is None:
        condition.wait()
        return
    left = deadline - monotonic()
    if left <= 0:
        raise expired
    condition.wait(left)


def put(q, item, block=True, timeout=None):
    with q.not_full:
        if q.is_shutdown:
            raise ShutDown
        if q.maxsize > 0:
            if not block:
                if q._qsize() >= q.maxsize:
                    raise Full
            else:
                deadline = _deadline(timeout)
                # The room is re-checked before the deadline, also after a wait that timed out.
                while q._qsize() >= q.maxsize:
                    _wait(q.not_full, deadline, Full)
                    if q.is_shutdown:
                        raise ShutDown
        q._put(item)
        q.unfinished_tasks += 1
        q.not_empty.notify()
        _wake_one(q._async_getters)


def get(q, block=True, timeout=None):
    with q.not_empty:
        if q.is_shutdown and not q._qsize():
            raise ShutDown
        if not block:
            if not q._qsize():
                raise Empty
        else:
            deadline = _deadline(timeout)
            while not q._qsize():
                _wait(q.not_empty, deadline, Empty)
                if q.is_shutdown and not q._qsize():
                    raise ShutDown
        item = q._get()
        q.not_full.notify()
        _wake_one(q._async_putters)
        return item


def qsize(q):
    with q.mutex:
        return q._qsize()


def empty(q):
    with q.mutex:
        return not q._qsize()


def full(q):
    with q.mutex:
        return 0 < q.maxsize <= q._qsize()


def task_done(q):
    with q.all_tasks_done:
        left = q.unfinished_tasks - 1
        if left < 0:
            raise ValueError("task_done() called too many times")
        if left == 0:
            q.all_tasks_done.notify_all()
            _wake_all(q._async_joiners)
        q.unfinished_tasks = left


def join(q, timeout=None):
    """CPython's `join`; with `timeout` (the binding's extension), whether all tasks were done."""
    with q.all_tasks_done:
        if timeout is None:
            while q.unfinished_tasks:
                q.all_tasks_done.wait()
            return None
        deadline = _deadline(timeout)
        while q.unfinished_tasks:
            left = deadline - monotonic()
            if left <= 0:
                return False
            q.all_tasks_done.wait(left)
        return True


def shutdown(q, immediate=False):
    with q.mutex:
        q.is_shutdown = True
        if immediate:
            while q._qsize():
                q._get()
                if q.unfinished_tasks > 0:
                    q.unfinished_tasks -= 1
            q.all_tasks_done.notify_all()
            _wake_all(q._async_joiners)
        q.not_empty.notify_all()
        q.not_full.notify_all()
        _wake_all(q._async_getters)
        _wake_all(q._async_putters)


async def put_async(q, item):
    while True:
        with q.mutex:
            if q.is_shutdown:
                raise ShutDown
            if q.maxsize <= 0 or q._qsize() < q.maxsize:
                q._put(item)
                q.unfinished_tasks += 1
                q.not_empty.notify()
                _wake_one(q._async_getters)
                return
            entry = _listed(q._async_putters)
        await _wait_listed(q, q._async_putters, entry, lambda: q.maxsize <= 0 or q._qsize() < q.maxsize)


async def get_async(q):
    while True:
        with q.mutex:
            if q._qsize():
                item = q._get()
                q.not_full.notify()
                _wake_one(q._async_putters)
                return item
            if q.is_shutdown:
                raise ShutDown
            entry = _listed(q._async_getters)
        await _wait_listed(q, q._async_getters, entry, lambda: q._qsize() > 0)


async def join_async(q):
    while True:
        with q.mutex:
            if not q.unfinished_tasks:
                return
            entry = _listed(q._async_joiners)
        await _wait_listed(q, q._async_joiners, entry, lambda: False)


# The default hooks, as CPython's classes define them: what a subclass that overrides only some
# of them calls through `super()` or the base class.


def fifo_init(q, maxsize):
    q.queue = deque()


def fifo_put(q, item):
    q.queue.append(item)


def fifo_get(q):
    return q.queue.popleft()


def lifo_init(q, maxsize):
    q.queue = []


def lifo_put(q, item):
    q.queue.append(item)


def lifo_get(q):
    return q.queue.pop()


def priority_init(q, maxsize):
    q.queue = []


def priority_put(q, item):
    heappush(q.queue, item)


def priority_get(q):
    return heappop(q.queue)


def stored(q):
    return len(q.queue)
