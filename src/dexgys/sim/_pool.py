"""A deterministic process-pool ``map`` for the sim layer (MuJoCo steps and Qhull run on one core each).

Start method: "fork" on Linux (no start-up imports, and no need for an ``if __name__ == "__main__"``
guard in the calling script: spawned children re-import the main module, and an unguarded script
then hangs the pool). The mapped functions run MuJoCo, numpy and scipy only, never torch, so forking
beside torch's thread pool is safe. Elsewhere (macOS, Windows) "spawn", where the calling script needs
the usual main guard. Results come back in input order.
"""

from __future__ import annotations

import multiprocessing
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
CHUNKS_PER_WORKER = 4  # items are sent in about this many chunks per worker (load balance vs. overhead)


def pool_map(
    fn: Callable,
    items: Sequence,
    workers: int,
    initializer: Callable | None = None,
    initargs: tuple = (),
    progress: str | None = None,
) -> list:
    """``[fn(item) for item in items]`` over ``workers`` processes (in this process when ``workers`` <= 1).

    ``initializer(*initargs)`` runs once per worker (and once here when running in-process).
    ``progress``: a label for a progress bar on stderr (none when None)."""
    from tqdm import tqdm

    with tqdm(total=len(items), desc=progress, unit="grasp", disable=progress is None, leave=False) as bar:
        if workers <= 1 or len(items) <= 1:
            if initializer is not None:
                initializer(*initargs)
            return [_counted(fn(item), bar) for item in items]
        workers = min(workers, len(items))
        chunk = max(1, len(items) // (CHUNKS_PER_WORKER * workers))
        ctx = multiprocessing.get_context(START_METHOD)
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=initializer, initargs=initargs) as pool:
            return [_counted(out, bar) for out in pool.map(fn, items, chunksize=chunk)]


def _counted(out, bar):
    bar.update()
    return out
