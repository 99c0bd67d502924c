"""Type-checked by `mypy --strict --warn-unused-ignores` in ci/python.sh, never run (its name
does not start with `test_`): code a user writes against queue_rs's stubs. It must check clean,
and each line marked `# type: ignore[...]` must still be an error (else the unused ignore fails
the run), so the stubs stay as strict as they claim."""

import queue

import queue_rs


def typed() -> None:
    q: queue_rs.Queue[int] = queue_rs.Queue(maxsize=4)
    q.put(1)
    n: int = q.get(timeout=0.5)
    done: bool = q.join(timeout=1.0)
    nothing: None = q.join()
    q.put("text")  # type: ignore[arg-type]
    lifo = queue_rs.LifoQueue[str]()
    s: str = lifo.get_nowait()
    simple: queue_rs.SimpleQueue[bytes] = queue_rs.SimpleQueue()
    simple.put(b"x")
    try:
        q.get_nowait()
    except queue.Empty:
        pass
    except queue_rs.ShutDown:
        pass
    print(n, done, nothing, s)


async def asynchronous() -> None:
    q: queue_rs.Queue[int] = queue_rs.Queue()
    await q.put_async(1)
    n: int = await q.get_async()
    await q.join_async()
    await q.put_async("text")  # type: ignore[arg-type]
    simple: queue_rs.SimpleQueue[str] = queue_rs.SimpleQueue()
    s: str = await simple.get_async()
    print(n, s)


class Unique(queue_rs.Queue[str]):
    def _init(self, maxsize: int) -> None:
        self.items: dict[str, None] = {}

    def _qsize(self) -> int:
        return len(self.items)

    def _put(self, item: str) -> None:
        self.items.setdefault(item, None)

    def _get(self) -> str:
        item = next(iter(self.items))
        del self.items[item]
        return item
