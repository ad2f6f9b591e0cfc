"""The hop from the event loop to a thread for a blocking use case (database work): one queue, a fixed budget
of threads per process.

Every API request runs its use case through here. anyio's `to_thread.run_sync` (what starlette's
`run_in_threadpool` calls) costs ~130–160 µs of CPU a hop on a 2-core machine: an extra turn of the event loop
before it starts (its checkpoint), a capacity limiter, a cancel scope, a queue built on a Condition, and the
idle-thread bookkeeping. Here: the job goes on a `queue.SimpleQueue` (C; one lock handed to the waiting
thread) and its answer comes back by `call_soon_threadsafe`: 0.3–0.7 × anyio's CPU (benchmarks/thread_hop.py;
benchmarks/README.md, "The hop to a thread"). FastAPI still runs `def` routes and dependencies in anyio's own
pool; yidi's busy API routes (settle, eligibility, health …) are async and hop here.

Its threads run under SCHED_BATCH on Linux (`_as_batch`): waking one does not preempt the event loop's thread.

What anyio promised and this keeps: the caller's context variables (the audit trail's actor) are those the use
case sees; an exception in the thread is raised in the caller; at most `THREADS` run at once (more wait in
the queue, as at anyio's limiter); and a cancelled caller waits for its thread to end before the cancellation
goes on (anyio's shielded scope), so a request cut off at shutdown never leaves a use case running unseen.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import threading
from collections.abc import Callable
from queue import SimpleQueue
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

THREADS = 40  # anyio's default limiter too: docs/serving.md's "40 threads" per worker
_Job = tuple[asyncio.AbstractEventLoop, "asyncio.Future[Any]", contextvars.Context, Callable[..., Any], tuple[Any, ...]]
_jobs: SimpleQueue[_Job] = SimpleQueue()
_lock = threading.Lock()
_started = 0  # threads started (at most THREADS)
_idle = 0  # of them, waiting for a job
_queued = 0  # jobs put and not yet taken


async def in_thread(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` run in one of this process's threads, awaited from the event loop."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[T] = loop.create_future()
    call = (lambda: fn(*args, **kwargs)) if kwargs else fn
    _submit((loop, done, contextvars.copy_context(), call, args if not kwargs else ()))
    try:
        # shielded: a cancelled caller must not cancel `done`, which the thread will still set
        return await asyncio.shield(done)
    except asyncio.CancelledError:
        while not done.done():  # as anyio's shielded scope: wait for the thread, then go on cancelling
            try:
                await asyncio.wait((done,))
            except asyncio.CancelledError:
                continue
        raise


def _submit(job: _Job) -> None:
    """Queue `job`, and start one more thread when more jobs wait than threads are idle to take them and the
    budget allows (threads start as load asks, as anyio's do, and then stay). Counted under the lock: a count
    read stale let a burst queue behind one busy thread while the budget stood unused."""
    global _queued, _started
    with _lock:
        _queued += 1
        start = _queued > _idle and _started < THREADS
        if start:
            _started += 1
    _jobs.put(job)
    if start:
        threading.Thread(target=_serve, name="yidi-use-case", daemon=True).start()


def _as_batch() -> None:
    """Schedule the calling thread as SCHED_BATCH (Linux; elsewhere, or where a sandbox refuses it, nothing).

    Waking a sleeping thread for a job is most of the hop's cost under load: the woken thread preempts the event
    loop's thread while it still holds the GIL, finds the GIL taken and sleeps again, two context switches a
    request (py-spy: `_submit`'s put, 5.7 % of a settle run's busy samples). A batch thread does not preempt the
    one that woke it; it runs when the loop's thread lets go of the GIL. Same share of the CPU otherwise.
    benchmarks/README.md, "SCHED_BATCH": +12 % and +22 % settles/s on a slow machine, −1 % and +4 % on a faster
    one ("SCHED_BATCH at a fixed rate"), with 2–17 % less server CPU per settle and no longer tail."""
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))


def _serve() -> None:
    global _idle, _queued
    _as_batch()
    get = _jobs.get  # (a thread serves the queue of the process that started it: see _after_fork)
    while True:
        with _lock:
            _idle += 1
        loop, done, ctx, fn, args = get()
        with _lock:
            _idle -= 1
            _queued -= 1
        try:
            result = ctx.run(fn, *args)
        except BaseException as e:  # handed to the caller, raised there (as anyio hands it)
            _post(loop, done, None, e)
        else:
            _post(loop, done, result, None)


def _after_fork() -> None:
    """A forked child has none of its parent's threads: it starts its own, from an empty queue."""
    global _jobs, _lock, _started, _idle, _queued
    _jobs, _lock, _started, _idle, _queued = SimpleQueue(), threading.Lock(), 0, 0, 0


os.register_at_fork(after_in_child=_after_fork)


def _post(loop: asyncio.AbstractEventLoop, done: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    # RuntimeError: the loop closed meanwhile (the process is ending), and nobody waits for the answer
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(_settle, done, result, exc)


def _settle(done: asyncio.Future[Any], result: Any, exc: BaseException | None) -> None:
    if done.cancelled():
        return
    if exc is None:
        done.set_result(result)
    else:
        done.set_exception(exc)
