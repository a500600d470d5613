"""The garbage collector run at safe points: the workaround for a memory fault of CPython 3.11.

Under Python 3.11, a worker could die of a segmentation fault (README, Benchmarks: « The crash at 10× »).
What was established: the interpreter's automatic collection starts inside an allocation, and one such
allocation is the one that turns an object's inline attribute values into a dictionary while an
attribute is being set. If that collection frees an ORM object whose SQLAlchemy state is the object being
changed, the state's weakref callback sets attributes on it in the middle of that change. Two
dictionaries then share one values array and the heap is corrupted (valgrind: the array freed twice, read
after it was freed). A collection started from plain Python code, between two bytecodes, never runs
inside that change. With collections only at such points the sequence that crashed every time ran
hundreds of times without a fault; Python 3.12 changed that code and does not crash.

start() therefore turns the automatic collection off and runs the same collections from a thread of the
process:
- a generation-0 collection as soon as more objects are pending than the interpreter's threshold (700),
  looked at every POLL_SECONDS;
- every tenth, a generation-1 collection;
- every hundredth, a full one, when the oldest generation has grown by a quarter since the last full one
  (the interpreter's own rule against collecting a large heap too often).
If a library turns the automatic collection back on, the thread turns it off again at its next look.
Once per process, whichever creates an application (gunicorn's workers, the scheduler, a `flask` command,
the tests), and again in a child after a fork (gunicorn --preload). On Python 3.12 and later it does
nothing: the interpreter's own collection stays.
"""

import gc
import logging
import os
import sys
import threading

POLL_SECONDS = 0.05
YOUNG_EVERY, FULL_EVERY = 10, 100  # as the interpreter's thresholds (700, 10, 10)
FULL_GROWTH = 1.25

_lock = threading.Lock()
_thread: threading.Thread | None = None


def needed() -> bool:
    return sys.version_info < (3, 12)


def start() -> bool:
    """Collect at safe points from now on, in this process (see the module docstring). Idempotent;
    False when the interpreter does not need it."""
    global _thread
    if not needed():
        return False
    with _lock:
        if _thread is None or not _thread.is_alive():
            gc.disable()
            _thread = threading.Thread(target=_run, name="jalons-gc", daemon=True)
            _thread.start()
    return True


def running() -> bool:
    return _thread is not None and _thread.is_alive() and not gc.isenabled()


def _after_fork_in_child() -> None:
    global _lock, _thread
    if _thread is not None:  # the parent collected at safe points: the child does too (threads do not fork)
        _lock, _thread = threading.Lock(), None  # a lock held by another thread of the parent stays held here
        start()


class _Collector:
    def __init__(self):
        self.threshold = gc.get_threshold()[0] or 700
        self.collections = 0
        self.oldest_after_full = len(gc.get_objects(generation=2))

    def step(self) -> None:
        if gc.get_count()[0] <= self.threshold:
            return
        self.collections += 1
        if self.collections % FULL_EVERY == 0:
            oldest = len(gc.get_objects(generation=2))
            if oldest > self.oldest_after_full * FULL_GROWTH:
                gc.collect(2)
                self.oldest_after_full = len(gc.get_objects(generation=2))
                return
        gc.collect(1 if self.collections % YOUNG_EVERY == 0 else 0)


def _run() -> None:
    collector = _Collector()
    wake = threading.Event()  # never set: wait() is the pause (unaffected by a test's moved clock)
    while not wake.wait(POLL_SECONDS):
        if gc.isenabled():  # a library turned the automatic collection back on (as timeit or a fork may)
            gc.disable()
        try:
            collector.step()
        except Exception:  # the thread must outlive anything: without it nothing would collect the cycles
            logging.getLogger("jalons").exception("collecte des cycles en échec")


os.register_at_fork(after_in_child=_after_fork_in_child)
