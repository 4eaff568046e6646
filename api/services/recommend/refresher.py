"""Keeps a server process's recommender current without making any request wait.

One daemon thread per process:

1. loads the model requests encode with, then builds the first snapshot (``/readyz`` answers 503
   with the step in progress until it exists);
2. every ``check_seconds`` compares the database's catalogue version with the snapshot's and,
   after an import or a write, builds the next snapshot and swaps it in (a failed build is logged
   and the last good snapshot keeps serving);
3. in the one process that holds the home's encoder lock, encodes pending worker profiles in
   bounded batches (new or edited workers), on the encoder's bulk model
   (:func:`embeddings.encoder.bulk_encoding`) so a request that encodes one profile never queues
   behind a batch;
4. syncs the process's worker index (for an order's candidates) from the stored profiles.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING

from api.observability import METRICS

if TYPE_CHECKING:
    from api.services.recommend.service import Recommender

__all__ = ["Readiness", "Refresher"]

log = logging.getLogger("skillbridge.refresher")

#: one full garbage collection every this many snapshot swaps (see :meth:`Refresher._settle`)
COLLECT_EVERY = 20
#: the refresher thread's nice value: rebuilding and encoding yield the CPU to requests
NICE = 10


@dataclass
class Readiness:
    """What ``/readyz`` reports."""

    snapshot: bool = False
    step: str = "等待启动"
    done: int = 0
    total: int = 0
    error: str | None = None
    encoder_leader: bool = False
    pending_profiles: int | None = None
    worker_index: int = 0
    worker_index_complete: bool = False
    started: float = field(default_factory=time.time)


class Refresher:
    def __init__(
        self,
        recommender: Recommender,
        *,
        check_seconds: float = 5.0,
        batch: int = 64,
        lock_path: Path | None = None,
        count_every: float = 30.0,
    ) -> None:
        self.rec = recommender
        self.check_seconds = check_seconds
        self.batch = batch
        self.lock_path = lock_path or recommender.index_dir / "recommend" / "encoder.lock"
        self.count_every = count_every
        self.readiness = Readiness()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock_file: IO[bytes] | None = None
        self._checked = 0.0
        self._swaps = 0
        self._counted = 0.0

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="skillbridge-refresher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 120.0) -> None:
        """Ask the thread to stop and wait for the step in progress (one bounded batch) to end,
        so that no database connection is left checked out."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    def _run(self) -> None:
        from embeddings.encoder import bulk_encoding

        with contextlib.suppress(OSError, AttributeError):  # Linux: a thread is a schedulable task
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICE)
        self._warm_encoder()
        with bulk_encoding():
            self._loop()

    def _loop(self) -> None:
        while not self._stop.is_set() and self.rec.holder.current is None:
            if not self._build_first():
                self._stop.wait(5.0)
        while not self._stop.is_set():
            try:
                busy = self.run_once()
            except Exception:  # noqa: BLE001 - never let the thread die; log and retry
                log.exception("refresher step failed")
                busy = False
            if not busy:
                self._stop.wait(min(1.0, self.check_seconds) if self.check_seconds > 0 else 0.2)

    def _warm_encoder(self) -> None:
        """Before the first snapshot (so before ``/readyz`` says ready): load the model requests
        encode with. A home whose catalogue is all encoded builds its snapshot without loading
        any model, and the first request that derived a profile would otherwise import torch and
        load the model itself (seconds)."""
        warm = getattr(self.rec.encoder, "warm", None)
        if warm is None:
            return
        self._progress("加载语言模型", 0, 1)
        try:
            warm()
        except Exception:  # noqa: BLE001 - the first build reports a broken model with its reason
            log.exception("loading the encoder failed")

    def _progress(self, step: str, done: int, total: int) -> None:
        r = self.readiness
        r.step, r.done, r.total = step, done, total

    def _build_first(self) -> bool:
        try:
            self._build(first=True)
            return True
        except Exception as exc:  # noqa: BLE001 - keep trying; /readyz says why
            log.exception("first snapshot failed")
            self.readiness.error = f"建立推荐数据失败：{exc.__class__.__name__}"
            METRICS.snapshot_builds.labels("error").inc()
            return False

    def _build(self, *, first: bool = False) -> None:
        started = time.perf_counter()
        rec = self.rec
        snap = rec.refresh(progress=self._progress) if first else None
        if snap is None:
            if not rec.refresh_if_changed():
                return
            snap = rec.holder.current
            assert snap is not None
        self._settle()
        METRICS.snapshot_build.set(snap.build_seconds)
        METRICS.snapshot_builds.labels("ok").inc()
        self.readiness.snapshot, self.readiness.error = True, None
        self.readiness.step = "就绪"
        log.info(
            "snapshot swapped in",
            extra={"seconds": round(time.perf_counter() - started, 3), "encoded": snap.encoded},
        )

    def _settle(self) -> None:
        """Keep the new snapshot's objects out of the collector's generations: full collections
        over ~10^6 long-lived objects cost tens of ms each, inside request latency. The old
        snapshot is freed by reference counting when the last request using it ends; only its
        reference cycles would stay frozen, so every :data:`COLLECT_EVERY` swaps one full
        collection (a pause of its own) returns them."""
        self._swaps += 1
        if self._swaps % COLLECT_EVERY == 0:
            gc.unfreeze()
            gc.collect()
        gc.freeze()

    # -- one step ---------------------------------------------------------------------------------
    def run_once(self) -> bool:
        """One round of checks; True when it did work (so the next round follows at once)."""
        busy = False
        now = time.monotonic()
        if now - self._checked >= self.check_seconds:
            self._checked = now
            try:
                self._build()
            except Exception:  # noqa: BLE001 - the last good snapshot keeps serving
                log.exception("snapshot rebuild failed; serving the previous snapshot")
                METRICS.snapshot_builds.labels("error").inc()
        snap = self.rec.holder.current
        if snap is not None:
            METRICS.snapshot_age.set(snap.age_seconds())
        if self._stop.is_set():
            return False
        if self._leader():
            encoded = self.rec.encode_pending(limit=self.batch)
            if encoded:
                METRICS.profiles_encoded.inc(encoded)
                busy = True
            if now - self._counted >= self.count_every or (not encoded and self.readiness.pending_profiles):
                self._count_pending()
        if self._stop.is_set():
            return False
        synced = self.rec.worker_index.sync(self.rec.engine)
        self.readiness.worker_index = len(self.rec.worker_index)
        self.readiness.worker_index_complete = self.rec.worker_index.complete
        METRICS.worker_index_size.set(len(self.rec.worker_index))
        return busy or bool(synced)

    def _count_pending(self) -> None:
        from sqlalchemy.orm import Session

        snap = self.rec.holder.current
        if snap is None:
            return
        self._counted = time.monotonic()
        with Session(self.rec.engine) as session:
            pending = self.rec.store.pending_count(session, snap.skills.fingerprint)
        self.readiness.pending_profiles = pending
        METRICS.pending_profiles.set(pending)

    def _leader(self) -> bool:
        """Whether this process holds the home's encoder lock (tries to take it when free)."""
        if self._lock_file is not None:
            return True
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.lock_path, "a+b")  # noqa: SIM115 - held for the life of the process
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            return False
        self._lock_file = fh
        self.readiness.encoder_leader = True
        return True
