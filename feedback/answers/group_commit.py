"""Group commit: submissions from many requests stored in one transaction by one writer thread.

A commit that survives a power cut costs a disk flush (synchronous=FULL on SQLite, WAL flush
on PostgreSQL), and the statements of one submission cost more than its share of a batch's.
So requests hand their checked submission to this process's writer thread and wait; the
thread takes everything waiting (up to `max_batch`), stores it with `storing.store_many` and
commits once, then answers each request. A request is answered only after the commit that
holds its answers, so an acknowledged answer is as durable as before. While the thread waits
on the disk, the event loop goes on reading and checking the next requests.

If a batch breaks a constraint (another process stored one of its idempotency keys
meanwhile) or holds a value the database refuses, it is rolled back and each submission is
stored again on its own, so one bad item fails only its own request; if the database is away
or locked, the whole batch fails at once (503s) rather than waiting once per item. Nothing
here is needed for correctness across processes: each worker has its own writer, and the
database decides as it does for single submissions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import DataError, IntegrityError
from sqlmodel import Session

from feedback.answers import storing
from feedback.answers.intake import Pending, Rejected, Stored

log = logging.getLogger(__name__)
IDLE_SECONDS = 30.0  # an idle writer thread ends; the next submission starts another


@dataclass
class _Waiting:
    item: Pending
    future: asyncio.Future[Stored]


class GroupCommit:
    """This process's writer for one database: `await store(pending)` returns once committed."""

    def __init__(self, engine: Engine, *, max_batch: int = 256) -> None:
        self.engine = engine
        self.max_batch = max_batch
        self._queue: queue.SimpleQueue[_Waiting] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self.batches = 0  # how many commits, for the benchmark's report and the tests

    async def store(self, item: Pending) -> Stored:
        """Store `item` with whatever else is waiting; raises Rejected (429) or the DB error."""
        future: asyncio.Future[Stored] = asyncio.get_running_loop().create_future()
        with self._lock:  # see _run: an ending thread checks the queue under the same lock
            if self._thread is None:
                self._start()  # first: if no thread can start, nothing is left queued
            self._queue.put(_Waiting(item, future))
        return await future

    def _run(self) -> None:
        batch: list[_Waiting] = []
        try:
            while True:
                try:
                    first = self._queue.get(timeout=IDLE_SECONDS)
                except queue.Empty:
                    with self._lock:
                        if self._queue.empty():
                            self._thread = None
                            return
                    continue
                batch = [first]
                while len(batch) < self.max_batch:
                    try:
                        batch.append(self._queue.get_nowait())
                    except queue.Empty:
                        break
                self._store(batch)
                batch = []
        except BaseException as error:
            # Whatever stops this thread, nobody is left waiting for an answer that will
            # never come: the batch in hand fails, and the next post starts a new writer.
            stopped = RuntimeError("the submission writer stopped")
            stopped.__cause__ = error
            _answer(batch, [stopped] * len(batch))
            log.error("the submission writer stopped", exc_info=error)
        finally:
            with self._lock:
                if self._thread is threading.current_thread():
                    self._thread = None
                    if not self._queue.empty():  # posted while this thread was ending
                        self._start()

    def _start(self) -> None:
        """Start the writer thread; the caller holds the lock."""
        thread = threading.Thread(target=self._run, name="group-commit", daemon=True)
        thread.start()  # if this raises, no writer is recorded: the next post tries again
        self._thread = thread

    def _store(self, batch: list[_Waiting], *, again: bool = True) -> None:
        try:
            outcomes: list[Any] = self._commit([waiting.item for waiting in batch])
        except (IntegrityError, DataError) as error:
            if len(batch) > 1:
                for waiting in batch:  # one by one, so one bad item fails only itself
                    self._store([waiting])
                return
            if again and isinstance(error, IntegrityError):
                # Another process stored this idempotency key meanwhile: once it has
                # committed, storing again finds it and answers with a replay.
                self._store(batch, again=False)
                return
            outcomes = [error]
        except Exception as error:  # noqa: BLE001  # the database is away or locked: 503s
            # Not worth retrying item by item: each would wait for the same timeout.
            outcomes = [error] * len(batch)
        _answer(batch, outcomes)

    def _commit(self, items: list[Pending]) -> list[Stored | Rejected]:
        with Session(self.engine, expire_on_commit=False) as session:
            outcomes = storing.store_many(session, items)
            session.commit()
        self.batches += 1
        return outcomes


def _answer(batch: list[_Waiting], outcomes: list[Any]) -> None:
    """Hand each outcome to its request: one wake-up per event loop, not one per request."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Stored], Any]]] = {}
    for waiting, outcome in zip(batch, outcomes, strict=True):
        by_loop.setdefault(waiting.future.get_loop(), []).append((waiting.future, outcome))
    for loop, settled in by_loop.items():
        # RuntimeError: that event loop is closed, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(_settle, settled)


def _settle(settled: list[tuple[asyncio.Future[Stored], Any]]) -> None:
    """Answer the waiting requests, on their event loop."""
    for future, outcome in settled:
        if future.done():  # the request was cancelled (client gone); its answer is stored
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
