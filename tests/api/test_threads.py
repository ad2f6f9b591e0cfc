"""The hop from the event loop to a use case's thread (yidi.http.threads): what the routes rely on from it."""

from __future__ import annotations

import asyncio
import contextvars
import os
import threading
import time

import pytest

from yidi.domain.error_catalogue import error
from yidi.domain.errors import YidiError
from yidi.http import threads
from yidi.http.threads import in_thread

ACTOR: contextvars.ContextVar[str] = contextvars.ContextVar("test_actor", default="nobody")


def test_the_use_case_sees_the_callers_context_and_answers_it() -> None:
    # the audit trail's actor is a context variable set by the door before the hop
    async def request() -> tuple[str, str, int]:
        ACTOR.set("hospital H44010000001")
        seen = await in_thread(lambda a, b=0: (ACTOR.get(), threading.current_thread().name, a + b), 40, b=2)
        return seen[0], seen[1], seen[2]

    actor, thread, answer = asyncio.run(request())
    assert actor == "hospital H44010000001"
    assert thread != threading.main_thread().name  # not run on the event loop's thread
    assert answer == 42


def test_an_error_in_the_use_case_is_raised_to_the_caller() -> None:
    def refuse() -> None:
        raise error("VISIT_NOT_FOUND", mdtrt_id="M1")

    async def request() -> None:
        await in_thread(refuse)

    with pytest.raises(YidiError) as got:
        asyncio.run(request())
    assert got.value.code == "VISIT_NOT_FOUND"


def test_a_cancelled_caller_waits_for_its_use_case_to_end() -> None:
    """A request cut off (shutdown) must not go on while its use case still runs: the cancellation waits for
    the thread, as anyio's shielded scope did."""
    started, release, ended = threading.Event(), threading.Event(), threading.Event()

    def use_case() -> str:
        started.set()
        release.wait(10)
        ended.set()
        return "committed"

    async def scenario() -> tuple[bool, bool]:
        task = asyncio.ensure_future(in_thread(use_case))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        await asyncio.sleep(0.1)
        pending_while_running = not task.done()  # cancelled, but its use case has not ended
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return pending_while_running, ended.is_set()

    pending_while_running, ended_first = asyncio.run(scenario())
    assert pending_while_running
    assert ended_first  # the cancellation went on only after the use case ended


def test_at_most_the_thread_budget_runs_at_once() -> None:
    """More requests than threads wait in the queue (as at anyio's limiter), and all are answered."""
    extra = 5
    lock, running, most = threading.Lock(), [0], [0]
    gate = threading.Event()

    def use_case(i: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        gate.wait(10)
        with lock:
            running[0] -= 1
        return i

    async def scenario() -> list[int]:
        tasks = [asyncio.ensure_future(in_thread(use_case, i)) for i in range(threads.THREADS + extra)]
        deadline = time.monotonic() + 10
        while most[0] < threads.THREADS and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # time for a 41st to start, were it allowed
        assert most[0] == threads.THREADS
        gate.set()
        return list(await asyncio.gather(*tasks))

    assert asyncio.run(scenario()) == list(range(threads.THREADS + extra))
    assert most[0] == threads.THREADS


@pytest.mark.skipif(not hasattr(os, "SCHED_BATCH"), reason="a Linux scheduling policy")
def test_the_use_case_thread_does_not_preempt_the_event_loop() -> None:
    """Batch threads are not woken ahead of the thread that woke them (the loop's, holding the GIL): the hop's
    cost under load (benchmarks/README.md, "SCHED_BATCH"). The event loop's own thread keeps the default."""
    async def request() -> int:
        return await in_thread(os.sched_getscheduler, 0)

    assert asyncio.run(request()) == os.SCHED_BATCH
    assert os.sched_getscheduler(0) != os.SCHED_BATCH
