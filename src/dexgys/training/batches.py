"""Model batches from example indices: object clouds and their groupings held once, in memory.

* :class:`ObjectTable`: every object cloud of a :class:`GraspDataset` stacked ``(O, N, 3)``, with its
  normals and the point encoder's grouping (farthest points + ball query depend only on the cloud,
  so they are computed once per object, not once per step).
* :class:`BatchBuilder`: example indices (from :class:`~dexgys.training.sampler.ObjectGroupedBatchSampler`)
  -> the batch dict that :meth:`IDGC.loss` / :meth:`QGC.loss` take, with each distinct object cloud
  once (``object_points`` ``(O_b, N, 3)``, ``object_index`` ``(B,)``).
* :func:`dataset_fingerprint`: a hash of the records and clouds a run trains on (resume and cache keys).
"""

from __future__ import annotations

import hashlib
import json

import numpy as np
import torch

from dexgys.data.grasp_dataset import GraspDataset
from dexgys.errors import DexgysError
from dexgys.models.point_encoder import Groups, PointEncoder
from dexgys.training.text_features import TextFeatures

__all__ = ["BatchBuilder", "ObjectTable", "dataset_fingerprint"]

_GROUP_CHUNK = 64  # objects grouped per call


def dataset_fingerprint(dataset: GraspDataset) -> str:
    """SHA-256 of the records' objects, intents, sentences and grasps and of the cloud settings."""
    h = hashlib.sha256(f"{dataset.source}|n={dataset.n_points}|seed={dataset.seed}".encode())
    for r in dataset.records:
        h.update(json.dumps([r["obj_id"], r["action_id"], r["guidance"], r["dex_grasp"]]).encode())
    return h.hexdigest()


class ObjectTable:
    """The clouds of every object of ``dataset`` (row ``i`` = ``ids[i]``, sorted ids): ``points`` and
    ``normals`` ``(O, N, 3)`` float32 (object frame, metres), their part labels ``parts`` ``(O, N)``
    int64 (``-1``: none) naming ``part_names[i]``, and ``encoder``'s groupings of them (stored as int32,
    handed out as int64); ``encoder_config`` is that encoder's config."""

    def __init__(self, dataset: GraspDataset, encoder: PointEncoder, progress: bool = False) -> None:
        from tqdm import tqdm

        self.encoder_config = encoder.config
        self.ids = dataset.object_ids()
        self.row = {obj: i for i, obj in enumerate(self.ids)}
        clouds = [
            dataset.object_cloud(obj) for obj in tqdm(self.ids, desc="object clouds", unit="obj", disable=not progress)
        ]
        self.points = torch.from_numpy(np.stack([c.points for c in clouds]))
        self.normals = torch.from_numpy(np.stack([c.normals for c in clouds]))
        self.parts = torch.from_numpy(np.stack([np.asarray(c.parts, dtype=np.int64) for c in clouds]))
        self.part_names = [c.part_names for c in clouds]
        parts = []
        for start in tqdm(
            range(0, len(self.ids), _GROUP_CHUNK), desc="point grouping", unit="chunk", disable=not progress
        ):
            g = encoder.group(self.points[start : start + _GROUP_CHUNK])
            parts.append(
                Groups(tuple(c.to(torch.int32) for c in g.centroids), tuple(n.to(torch.int32) for n in g.neighbours))
            )
        self._groups = Groups.cat(parts)

    def rows_of(self, object_ids: list[str]) -> np.ndarray:
        """Rows ``(E,)`` int64 of the given object ids."""
        try:
            return np.asarray([self.row[o] for o in object_ids], dtype=np.int64)
        except KeyError as exc:
            raise DexgysError(f"object {exc.args[0]!r} is not in this dataset") from None

    def named_points(self, row: int, contacts: dict, fingers: tuple[str, ...]) -> torch.Tensor:
        """``(F, N)`` bool: the points of object ``row`` on the parts that ``contacts`` (finger -> part
        names, a record's ``contacts``) gives each of ``fingers``; all False for an unnamed finger."""
        names = self.part_names[row]
        out = torch.zeros(len(fingers), self.parts.shape[1], dtype=torch.bool)
        for f, finger in enumerate(fingers):
            wanted = [names.index(p) for p in contacts.get(finger, ()) if p in names]
            if wanted:
                out[f] = torch.isin(self.parts[row], torch.tensor(wanted))
        return out

    def groups(self, rows: torch.Tensor) -> Groups:
        """The groupings of objects ``rows`` ``(O_b,)``, int64."""
        g = self._groups.select(rows)
        return Groups(tuple(c.long() for c in g.centroids), tuple(n.long() for n in g.neighbours))


class BatchBuilder:
    """Example indices -> a model batch on ``device``.

    Per example ``e``: its object's row ``object_rows[e]``, its target record ``grasps[e]`` ``(6+n,)``,
    optionally its sentence ``sentences[e]`` (features from ``text``), its coarse record
    ``coarse[e]`` (QGC pairs) and its target's finger -> part ``contacts[e]`` with the hand's
    ``fingers``. The batch holds ``grasp`` ``(B, 6+n)``, ``object_points`` / ``object_normals``
    ``(O_b, N, 3)``, ``object_groups``, ``object_index`` ``(B,)``, and ``text_tokens`` ``(B, L, dim)`` /
    ``text_mask`` ``(B, L)`` or ``coarse`` ``(B, 6+n)``, and with contacts ``named_points`` ``(B, F, N)``
    (:meth:`ObjectTable.named_points`).
    """

    def __init__(
        self,
        table: ObjectTable,
        object_rows: np.ndarray,
        grasps: np.ndarray,
        *,
        sentences: list[str] | None = None,
        text: TextFeatures | None = None,
        coarse: np.ndarray | None = None,
        contacts: list[dict] | None = None,
        fingers: tuple[str, ...] = (),
        device: torch.device | str = "cpu",
    ) -> None:
        n = len(object_rows)
        if any(x is not None and len(x) != n for x in (grasps, sentences, coarse, contacts)):
            raise DexgysError("every example needs one object, one grasp (and one sentence, coarse grasp or contacts)")
        if contacts is not None and not fingers:
            raise DexgysError("contacts need the hand's finger names")
        if (sentences is None) != (text is None):
            raise DexgysError("sentences and their text features go together")
        self.table = table
        self.object_rows = torch.as_tensor(np.asarray(object_rows, dtype=np.int64))
        self.grasps = torch.as_tensor(np.asarray(grasps, dtype=np.float32))
        self.sentences = sentences
        self.text = text
        self.coarse = None if coarse is None else torch.as_tensor(np.asarray(coarse, dtype=np.float32))
        self.contacts, self.fingers = contacts, tuple(fingers)
        self.device = torch.device(device)

    def __call__(self, indices: np.ndarray) -> dict:
        idx = torch.as_tensor(np.asarray(indices, dtype=np.int64))
        rows, inverse = torch.unique(self.object_rows[idx], return_inverse=True)
        batch = {
            "grasp": self.grasps[idx],
            "object_points": self.table.points[rows],
            "object_normals": self.table.normals[rows],
            "object_index": inverse,
        }
        if self.sentences is not None:
            batch["text_tokens"], batch["text_mask"] = self.text.batch([self.sentences[i] for i in idx.tolist()])
        if self.coarse is not None:
            batch["coarse"] = self.coarse[idx]
        if self.contacts is not None:
            batch["named_points"] = torch.stack(
                [
                    self.table.named_points(int(self.object_rows[i]), self.contacts[i], self.fingers)
                    for i in idx.tolist()
                ]
            )
        batch = {k: v.to(self.device) for k, v in batch.items()}
        batch["object_groups"] = self.table.groups(rows).to(self.device)
        return batch
