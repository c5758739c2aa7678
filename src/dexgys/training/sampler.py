"""Object-grouped batches: every batch holds ``k`` distinct objects x ``m`` examples of each.

A training example (an IDGC record, a QGC pair) belongs to one object. Grouping ``m`` examples per
object lets a batch encode each object cloud once (``object_index`` in the model batch) instead of
``m`` times, which is most of the cost of a step on the CPU.

One epoch, deterministic in ``(seed, epoch)`` (``numpy.random.default_rng([seed, epoch])``):

1. every object's examples are shuffled and cut into chunks of ``m``; a last, short chunk is filled
   up with the object's first examples of the shuffled order (an object with fewer than ``m``
   examples repeats them), so the chunks cover every example;
2. the chunks of all objects are shuffled;
3. batches are filled in that order, ``k`` chunks each, a chunk whose object is already in the
   batch waiting (at the front of the queue) for the next batch; chunks that cannot complete a batch
   at the end of the epoch are dropped (fewer than ``k`` chunks, or fewer than ``k`` distinct objects
   among them), so a few examples may sit out an epoch, a different few each epoch.

The number of chunks per epoch, ``sum_o ceil(n_o / m)``, does not depend on the shuffle, so the
length of a run given in epochs is known beforehand (:attr:`ObjectGroupedBatchSampler.chunks_per_epoch`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dexgys.errors import DexgysError

__all__ = ["ObjectGroupedBatchSampler"]


class ObjectGroupedBatchSampler:
    """Batches of example indices; see the module docstring.

    ``objects[i]`` names the object of example ``i`` (any hashable, e.g. an object id).
    """

    def __init__(self, objects: Sequence, objects_per_batch: int, examples_per_object: int, seed: int = 0) -> None:
        if objects_per_batch < 1 or examples_per_object < 1:
            raise DexgysError(
                f"a batch needs at least one object and one example per object, got {objects_per_batch} x "
                f"{examples_per_object}"
            )
        groups: dict = {}
        for i, obj in enumerate(objects):
            groups.setdefault(obj, []).append(i)
        if len(groups) < objects_per_batch:
            raise DexgysError(
                f"the training set has {len(groups)} objects; a batch needs {objects_per_batch} distinct objects "
                "(lower objects_per_batch)"
            )
        self.objects_per_batch = int(objects_per_batch)
        self.examples_per_object = int(examples_per_object)
        self.seed = int(seed)
        self._groups = [np.asarray(groups[key], dtype=np.int64) for key in sorted(groups, key=str)]

    @property
    def chunks_per_epoch(self) -> int:
        """Chunks of ``m`` examples per epoch: ``sum_o ceil(n_o / m)``."""
        m = self.examples_per_object
        return int(sum(-(-len(g) // m) for g in self._groups))

    def nominal_batches_per_epoch(self) -> int:
        """``chunks_per_epoch // k``: an upper bound on :meth:`batches` (reached unless, at the end of
        an epoch, the leftover chunks hold fewer than ``k`` distinct objects)."""
        return self.chunks_per_epoch // self.objects_per_batch

    def batches(self, epoch: int) -> list[np.ndarray]:
        """Epoch ``epoch``'s batches: int64 arrays of ``k * m`` example indices, object by object
        (the ``m`` examples of the first object, then those of the second...)."""
        rng = np.random.default_rng([self.seed, int(epoch)])
        m, k = self.examples_per_object, self.objects_per_batch
        chunks: list[tuple[int, np.ndarray]] = []
        for obj, members in enumerate(self._groups):
            order = members[rng.permutation(len(members))]
            n_chunks = -(-len(order) // m)
            filled = np.resize(order, n_chunks * m)  # wraps around: the fill repeats the first examples
            chunks.extend((obj, filled[j * m : (j + 1) * m]) for j in range(n_chunks))
        queue = [chunks[i] for i in rng.permutation(len(chunks))]
        out = []
        while len(queue) >= k:
            batch, used, waiting = [], set(), []
            for pos, (obj, chunk) in enumerate(queue):
                if obj in used:
                    waiting.append((obj, chunk))
                    continue
                batch.append(chunk)
                used.add(obj)
                if len(batch) == k:
                    queue = waiting + queue[pos + 1 :]
                    break
            else:
                break
            out.append(np.concatenate(batch))
        return out
