"""asyncio and threads on the same queue: `put_async`, `get_async`, `join_async` from tasks while
threads use the blocking methods, for every class and for a subclass that overrides a storage hook
(CPython's protocol). Cancelled awaits lose no item and no wake-up; any running loop works,
several at once.

Run: python -m unittest discover -s python/tests -p 'test_*.py'
"""

import asyncio
import threading
import unittest

import queue_rs

# Generous bound for "must finish" on a loaded 2-core machine; a hang fails instead of hanging.
LIMIT = 30.0
N = 2000


class HookedQueue(queue_rs.Queue):
    def _put(self, item):
        super()._put(item)


class HookedPriorityQueue(queue_rs.PriorityQueue):
    def _get(self):
        return super()._get()


KINDS = (queue_rs.Queue, queue_rs.LifoQueue, queue_rs.PriorityQueue, HookedQueue, HookedPriorityQueue)


def run(coroutine):
    async def bounded():
        return await asyncio.wait_for(coroutine, LIMIT)

    return asyncio.run(bounded())


def thread(target, *args):
    t = threading.Thread(target=target, args=args, daemon=True)
    t.start()
    return t


async def joined(t):
    await asyncio.get_running_loop().run_in_executor(None, t.join, LIMIT)
    assert not t.is_alive(), "a thread did not finish"


class ThreadsAndTasks(unittest.TestCase):
    def test_thread_puts_task_gets(self):
        for kind in KINDS:
            async def main():
                q = kind(2)
                t = thread(lambda: [q.put(i) for i in range(N)])
                got = [await q.get_async() for _ in range(N)]
                await joined(t)
                return got

            got = run(main())
            self.assertEqual(sorted(got), list(range(N)), kind)
            if kind in (queue_rs.Queue, HookedQueue, queue_rs.PriorityQueue, HookedPriorityQueue):
                self.assertEqual(got, list(range(N)), kind)

    def test_task_puts_thread_gets(self):
        for kind in KINDS:
            async def main():
                q = kind(2)
                got = []
                t = thread(lambda: [got.append(q.get()) for _ in range(N)])
                for i in range(N):
                    await q.put_async(i)
                await joined(t)
                return got

            self.assertEqual(sorted(run(main())), list(range(N)), kind)

    def test_many_of_each_on_one_queue(self):
        for kind in KINDS:
            async def main():
                q = kind(4)
                per = N // 4
                received, lock = [], threading.Lock()

                def take(count):
                    for _ in range(count):
                        item = q.get()
                        with lock:
                            received.append(item)

                async def take_async(count):
                    for _ in range(count):
                        item = await q.get_async()
                        with lock:
                            received.append(item)

                async def put_async(base):
                    for i in range(per):
                        await q.put_async(base + i)

                threads = [thread(lambda b=b: [q.put(b + i) for i in range(per)]) for b in (0, per)]
                threads += [thread(take, per) for _ in range(2)]
                await asyncio.gather(put_async(2 * per), put_async(3 * per), take_async(per), take_async(per))
                for t in threads:
                    await joined(t)
                return received

            self.assertEqual(sorted(run(main())), list(range(N)), kind)

    def test_join_async_waits_for_threads_task_done(self):
        for kind in KINDS:
            async def main():
                q = kind()
                for i in range(10):
                    q.put(i)
                done = threading.Event()

                def work():
                    for _ in range(10):
                        q.get()
                        q.task_done()
                    done.set()

                joiner = asyncio.ensure_future(q.join_async())
                await asyncio.sleep(0)
                self.assertFalse(joiner.done())
                t = thread(work)
                await joiner
                self.assertTrue(done.is_set() or q.unfinished_tasks == 0)
                await joined(t)
                return q.unfinished_tasks

            self.assertEqual(run(main()), 0, kind)

    def test_two_loops_in_two_threads(self):
        q = queue_rs.Queue(1)
        results = []

        async def produce():
            for i in range(N):
                await q.put_async(i)

        async def consume():
            results.extend([await q.get_async() for _ in range(N)])

        producer = thread(run, produce())
        consumer = thread(run, consume())
        for t in (producer, consumer):
            t.join(LIMIT)
            self.assertFalse(t.is_alive())
        self.assertEqual(results, list(range(N)))


class Cancellation(unittest.TestCase):
    def test_cancelled_gets_lose_no_item(self):
        for kind in KINDS:
            async def main():
                q = kind()
                got = []

                async def impatient():
                    # Gets that time out (cancelled) over and over, racing the thread's puts.
                    while len(got) < N:
                        try:
                            got.append(await asyncio.wait_for(q.get_async(), 0.0005))
                        except asyncio.TimeoutError:
                            pass

                t = thread(lambda: [q.put(i) for i in range(N)])
                await asyncio.gather(impatient(), impatient())
                await joined(t)
                return got, q.qsize()

            got, left = run(main())
            self.assertEqual((sorted(got), left), (list(range(N)), 0), kind)

    def test_a_cancelled_woken_get_hands_its_wake_up_on(self):
        for kind in KINDS:
            async def main():
                q = kind()
                first = asyncio.ensure_future(q.get_async())
                second = asyncio.ensure_future(q.get_async())
                await asyncio.sleep(0.01)  # both wait now (a wait_for below bounds a wrong guess)
                q.put("only")  # wakes one of them
                first.cancel()
                results = await asyncio.gather(first, second, return_exceptions=True)
                return results

            results = run(main())
            # Whichever was woken, "only" reaches the one not cancelled, or the cancelled one
            # got it before its cancellation took effect; never lost.
            items = [r for r in results if r == "only"]
            self.assertEqual(len(items), 1, (kind, results))

    def test_a_cancelled_put_put_nothing(self):
        for kind in KINDS:
            async def main():
                q = kind(1)
                q.put("kept")
                put = asyncio.ensure_future(q.put_async("dropped"))
                await asyncio.sleep(0.01)
                put.cancel()
                with self.assertRaises(asyncio.CancelledError):
                    await put
                return q.qsize(), q.unfinished_tasks, q.get_nowait()

            self.assertEqual(run(main()), (1, 1, "kept"), kind)


class Shutdown(unittest.TestCase):
    def test_shutdown_wakes_waiting_tasks(self):
        for kind in KINDS:
            async def main():
                empty, full = kind(), kind(1)
                full.put(0)
                get = asyncio.ensure_future(empty.get_async())
                put = asyncio.ensure_future(full.put_async(1))
                await asyncio.sleep(0.01)
                thread(empty.shutdown).join(LIMIT)
                full.shutdown()
                return await asyncio.gather(get, put, return_exceptions=True)

            results = run(main())
            self.assertTrue(all(isinstance(r, queue_rs.ShutDown) for r in results), (kind, results))

    def test_shut_down_and_drained(self):
        async def main():
            q = queue_rs.Queue()
            await q.put_async(1)
            q.shutdown()
            with self.assertRaises(queue_rs.ShutDown):
                await q.put_async(2)
            self.assertEqual(await q.get_async(), 1)
            with self.assertRaises(queue_rs.ShutDown):
                await q.get_async()

        run(main())


class Details(unittest.TestCase):
    def test_priority_order(self):
        async def main():
            q = queue_rs.PriorityQueue()
            for i in (5, 1, 3):
                await q.put_async(i)
            return [await q.get_async() for _ in range(3)]

        self.assertEqual(run(main()), [1, 3, 5])

    def test_simple_queue(self):
        async def main():
            s = queue_rs.SimpleQueue()
            await s.put_async(1)
            threading.Timer(0.01, s.put, (2,)).start()
            return [await s.get_async(), await s.get_async()]

        self.assertEqual(run(main()), [1, 2])

    def test_an_awaitable_is_awaited_once(self):
        async def main():
            q = queue_rs.Queue()
            q.put(1)
            get = q.get_async()
            self.assertEqual(await get, 1)
            with self.assertRaises(RuntimeError):
                await get

        run(main())

    def test_a_raising_comparison_reaches_the_await(self):
        class Bad:
            def __lt__(self, other):
                raise ZeroDivisionError

        async def main():
            q = queue_rs.PriorityQueue()
            await q.put_async(Bad())
            with self.assertRaises(ZeroDivisionError):
                await q.put_async(Bad())
            return q.qsize()

        self.assertEqual(run(main()), 1)


if __name__ == "__main__":
    unittest.main()
