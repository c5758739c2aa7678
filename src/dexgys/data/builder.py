"""The dataset builder: catalogue objects -> intent-conditioned grasps -> language -> DexGYSNet files.

Work is split into **units**, one per object (``category:seed``). A unit synthesises and validates
grasps for every intent its category supports, annotates each accepted grasp with language
grounded in the contacts it makes, and writes ``DIR/units/<category>_<seed>.json.gz`` atomically.
A unit whose file exists is skipped, so a killed build resumes where it stopped and never
duplicates a unit; a unit being built holds ``units/<name>.lock`` (created exclusively, with the
builder's host and pid), so two builders on one output directory never build the same unit, and a
lock left by a killed builder on this host is taken over. Units are ordered seed-major (every
category's object 0, then every category's object 1, ...), so a partial build covers every category.
Every unit records the pipeline version (:data:`PIPELINE_VERSION`: synthesis code and physics
protocol); a resumed build refuses units made by another version. ``--shard i/n`` takes the units whose index is ``i`` modulo ``n``, so any
scheduler can spread a build over machines; :func:`merge_dataset` then reads every unit file in a
fixed order and writes

* ``train.json.gz`` / ``test.json.gz``: DexGYSNet-format records; the split is by object instance,
  20 % of each category's objects (chosen by a hash of the name, so it does not depend on which
  units exist) go to test, so test objects are unseen;
* ``objects.json``: the object registry (name, category, seed, source, parts, extents, split);
* ``dataset.json``: format version, counts, build settings.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import math
import os
import socket
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from dexgys.atomic import atomic_write_bytes, atomic_write_text
from dexgys.errors import DexgysError

DATASET_FORMAT_VERSION = 1
UNIT_FORMAT_VERSION = 2
TEST_FRACTION = 0.2
CANDIDATE_MARGIN = 1.5  # candidates per missing grasp, divided by the pass rate seen so far
PRIOR_ACCEPTED, PRIOR_JUDGED = 3, 4  # pseudo-counts: a first try expects a 3/4 pass rate
MIN_CANDIDATES, MAX_CANDIDATES = 16, 192
SCHEDULE_VERSION = 2  # bump when the candidate schedule above changes
MAX_ROUNDS = 3  # tries per (object, intent) before settling for fewer grasps
HOPELESS_AFTER = 64  # judged candidates without one success: give up on this (object, intent)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BuildConfig:
    """What to build; stored in ``dataset.json`` and in every unit file (a resumed build must match)."""

    categories: tuple[str, ...]
    objects_per_category: int
    grasps_per_intent: int
    seed: int = 0
    language_backend: str = "composer"
    intents: tuple[str, ...] = ()  # empty: every intent each category supports
    hand: str = "shadow"  # the hand grasps are synthesised and simulated on (dexgys.hands.HAND_NAMES)
    protocol: str = "dexgys"  # the physics protocol that validates them (dexgys.sim.protocols)

    def intents_of(self, category: str) -> list[str]:
        from dexgys.synthesis.intents import intents_for

        supported = intents_for(category)
        return [i for i in supported if i in self.intents] if self.intents else supported

    def as_json(self) -> dict:
        """The settings as they read back from JSON (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))

    def units(self) -> list[tuple[str, int]]:
        """``(category, seed)`` of every object, seed-major."""
        return [(c, s) for s in range(self.objects_per_category) for c in self.categories]


def parse_shard(text: str | None) -> tuple[int, int]:
    """``"i/n"`` -> ``(i, n)`` with 0 <= i < n; ``None`` -> ``(0, 1)``."""
    if text is None:
        return 0, 1
    try:
        i, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise DexgysError(f"--shard must look like 'i/n' (e.g. 0/4), got {text!r}") from None
    if n < 1 or not 0 <= i < n:
        raise DexgysError(f"--shard {text}: need 0 <= i < n")
    return i, n


def validate_config(config: BuildConfig) -> None:
    """Refuse impossible requests before any work starts."""
    from dexgys.objects.catalogue import get_category
    from dexgys.synthesis.intents import get_intent_spec, intents_for

    if not config.categories:
        raise DexgysError("no categories given")
    if config.objects_per_category < 1:
        raise DexgysError(f"--objects-per-category must be at least 1, got {config.objects_per_category}")
    if config.grasps_per_intent < 1:
        raise DexgysError(f"--grasps-per-intent must be at least 1, got {config.grasps_per_intent}")
    if config.language_backend not in ("composer", "llm"):
        raise DexgysError(f"unknown language backend {config.language_backend!r} (composer or llm)")
    from dexgys.hands import canonical_hand_name, hand_files
    from dexgys.sim.protocols import get_protocol

    if canonical_hand_name(config.hand) != config.hand:
        raise DexgysError(f"hand {config.hand!r}: give its canonical name {canonical_hand_name(config.hand)!r}")
    hand_files(config.hand)  # a hand whose third-party meshes are not installed fails here
    get_protocol(config.protocol)
    for name in config.categories:
        get_category(name)
        intents_for(name)
        for intent in config.intents:
            get_intent_spec(name, intent)


def unit_path(out: Path, category: str, seed: int) -> Path:
    return out / "units" / f"{category}_{seed:05d}.json.gz"


def split_of(obj_name: str, category_objects: int) -> str:
    """``train`` or ``test`` for an object, from a hash of its name: the same object always lands on
    the same side, and about :data:`TEST_FRACTION` of each category (at least one object once a
    category has two) is test."""
    if category_objects < 2:
        return "train"
    category, seed = obj_name.split(":")
    ranks = sorted(range(category_objects), key=lambda s: hashlib.sha1(f"{category}:{s}".encode()).hexdigest())
    n_test = max(1, round(TEST_FRACTION * category_objects))
    return "test" if int(seed) in ranks[:n_test] else "train"


def write_json_gz(path: Path, payload) -> None:
    """Gzipped JSON, byte-identical for identical content (no timestamp in the gzip header)."""
    raw = json.dumps(payload, separators=(",", ":"), allow_nan=False).encode()
    atomic_write_bytes(path, gzip.compress(raw, compresslevel=9, mtime=0))


def read_json_gz(path: Path):
    try:
        with gzip.open(path, "rb") as fh:
            return json.loads(fh.read())
    except (OSError, EOFError, json.JSONDecodeError) as exc:
        raise DexgysError(f"{path} is corrupt ({exc}); delete it and run the build again to redo it") from None


def pipeline_version(config: BuildConfig | None = None) -> str:
    """The synthesis code version, candidate schedule, physics protocol and hand that made a unit
    (``config`` picks the protocol and hand; default: ours on the capsule hand)."""
    from dexgys.sim.protocols import get_protocol
    from dexgys.synthesis.synthesize import SYNTHESIS_VERSION

    protocol, hand = (config.protocol, config.hand) if config is not None else ("dexgys", "shadow")
    return f"synthesis-{SYNTHESIS_VERSION}.{SCHEDULE_VERSION}+{get_protocol(protocol).protocol_id}+{hand}"


def candidates_for(missing: int, accepted: int, judged: int) -> int:
    """Candidates for the next try: :data:`CANDIDATE_MARGIN` per missing grasp over the pass rate seen
    so far (with the prior pseudo-counts :data:`PRIOR_ACCEPTED` / :data:`PRIOR_JUDGED`), clamped to
    [:data:`MIN_CANDIDATES`, :data:`MAX_CANDIDATES`]. Candidates beyond the needed grasps are optimised
    but never judged, so a tight first try is cheap and a low pass rate costs one more try."""
    rate = (accepted + PRIOR_ACCEPTED) / (judged + PRIOR_JUDGED)
    return int(min(MAX_CANDIDATES, max(MIN_CANDIDATES, math.ceil(CANDIDATE_MARGIN * missing / rate))))


def build_unit(category: str, seed: int, config: BuildConfig) -> dict:
    """Synthesise, validate and annotate every intent of object ``category:seed``; returns the unit payload."""
    import numpy as np
    import torch

    from dexgys.hands import load_hand
    from dexgys.language import annotate
    from dexgys.objects.catalogue import make_object
    from dexgys.sim.grasp_test import stage_joint_poses
    from dexgys.synthesis.intents import get_intent_spec
    from dexgys.synthesis.synthesize import SynthesisConfig, synthesize_grasps

    torch.set_num_threads(1)
    obj = make_object(category, seed)
    hand = load_hand(config.hand)
    synthesis = SynthesisConfig(protocol=config.protocol)
    records, stats = [], {}
    for intent in config.intents_of(category):
        spec = get_intent_spec(category, intent)
        base = int.from_bytes(hashlib.sha1(f"{config.seed}:{obj.name}:{intent}".encode()).digest()[:4], "little")
        accepted, counts, seconds = [], Counter(), 0.0
        for round_ in range(MAX_ROUNDS):  # more candidates until enough grasps pass, or give up
            missing = config.grasps_per_intent - len(accepted)
            n = candidates_for(missing, len(accepted), counts["judged"])
            result = synthesize_grasps(
                obj, spec, n_candidates=n, seed=base + round_, hand=hand, config=synthesis, max_accepted=missing
            )
            accepted.extend(result.grasps)
            seconds += result.wall_time
            counts.update(
                {
                    "candidates": result.n_candidates,
                    "judged": result.n_candidates - result.unused,
                    **{f"rejected_{k}": v for k, v in result.rejected.items()},
                }
            )
            if len(accepted) >= config.grasps_per_intent or (not accepted and counts["judged"] >= HOPELESS_AFTER):
                break
        counts["accepted"] = len(accepted)
        stats[intent] = {**counts, "seconds": round(seconds, 3)}
        stages = (
            stage_joint_poses(hand, obj, np.stack([g.record for g in accepted]), config.protocol) if accepted else {}
        )
        for j, grasp in enumerate(accepted):
            note = annotate(
                grasp.facts,
                category,
                intent,
                seed=base + j,
                backend=config.language_backend,
                free_parts=spec.free_parts,
                part_names=obj.part_names,
            )
            records.append(
                {
                    "cate_id": category,
                    "obj_id": obj.name,
                    "action_id": note.action_id,
                    "guidance": note.fine,
                    "brief_guidance": note.brief,
                    "contacts": grasp.facts.as_dict(),
                    "contact_text": note.contacts,
                    "guidance_backend": note.backend,
                    "dex_grasp": [float(x) for x in grasp.record],
                    "dex_pregrasp_joints": [float(x) for x in stages["pregrasp"][j]],
                    "dex_squeeze_joints": [float(x) for x in stages["squeeze"][j]],
                    "quality": {
                        "q1": float(grasp.q1),
                        "max_penetration_cm": 100.0 * float(grasp.penetration),
                        "held": [bool(h) for h in grasp.held],
                    },
                }
            )
    return {
        "format_version": UNIT_FORMAT_VERSION,
        "pipeline": pipeline_version(config),
        "config": config.as_json(),
        "object": {
            "name": obj.name,
            "category": category,
            "seed": seed,
            "source": obj.source,
            "parts": list(obj.part_names),
            "extents_m": [float(e) for e in obj.extents],
        },
        "records": records,
        "stats": stats,
    }


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name.replace(".json.gz", ".lock"))


def _take_lock(path: Path) -> bool:
    """Create the unit's lock exclusively; False when another live builder holds it."""
    lock = _lock_path(path)
    host = socket.gethostname()
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                owner_host, owner_pid = lock.read_text().split()
                pid = int(owner_pid)
            except (OSError, ValueError):
                return False  # being written right now, or not ours to judge
            if owner_host != host or _alive(pid):
                return False
            lock.unlink(missing_ok=True)  # left by a killed builder on this host
            continue
        with os.fdopen(fd, "w") as fh:
            fh.write(f"{host} {os.getpid()}")
        return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _run_unit(args: tuple[str, int, BuildConfig, str]) -> tuple[str, int, int]:
    """Build and write one unit unless it exists or another builder holds it; returns its record count."""
    category, seed, config, out = args
    path = unit_path(Path(out), category, seed)
    if path.exists() or not _take_lock(path):
        return category, seed, 0
    try:
        if path.exists():  # finished by another builder between our check and our lock
            return category, seed, 0
        payload = build_unit(category, seed, config)
        write_json_gz(path, payload)
    finally:
        _lock_path(path).unlink(missing_ok=True)
    return category, seed, len(payload["records"])


def build_units(
    config: BuildConfig, out: Path, shard: tuple[int, int] = (0, 1), workers: int = 1, progress: bool = True
) -> dict:
    """Build this shard's missing units (resumable); returns counts of built, skipped and records."""
    validate_config(config)
    (out / "units").mkdir(parents=True, exist_ok=True)
    index, count = shard
    mine = [u for i, u in enumerate(config.units()) if i % count == index]
    todo = [u for u in mine if not unit_path(out, *u).exists()]
    version = pipeline_version(config)
    for category, seed in mine:
        path = unit_path(out, category, seed)
        if not path.exists():
            continue
        unit = read_json_gz(path)
        if unit.get("config") != config.as_json():
            raise DexgysError(f"{path} was built with other settings; use a new --out or the same options")
        if unit.get("pipeline") != version:
            raise DexgysError(
                f"{path} was built by pipeline {unit.get('pipeline')!r}, this is {version!r}; "
                "use a new --out (or delete the old units)"
            )
    from tqdm import tqdm

    built = records = 0
    jobs = [(c, s, config, str(out)) for c, s in todo]
    with tqdm(total=len(jobs), desc="objects", unit="obj", disable=not progress) as bar:  # closed on Ctrl-C too
        if workers > 1:
            with ProcessPoolExecutor(max_workers=workers) as pool:
                for _, _, n in pool.map(_run_unit, jobs):
                    built, records = built + 1, records + n
                    bar.update()
                    bar.set_postfix(grasps=records)
        else:
            for job in jobs:
                _, _, n = _run_unit(job)
                built, records = built + 1, records + n
                bar.update()
                bar.set_postfix(grasps=records)
    return {"units_in_shard": len(mine), "built": built, "skipped": len(mine) - len(todo), "new_records": records}


def merge_dataset(config: BuildConfig, out: Path) -> dict:
    """Merge every unit of ``config`` into the dataset files; refuses if any unit is missing."""
    missing = [f"{c}:{s}" for c, s in config.units() if not unit_path(out, c, s).exists()]
    if missing:
        raise DexgysError(
            f"{len(missing)} objects are not built yet (first: {missing[0]}); run the remaining shards first"
        )
    train, test, registry = [], [], []
    stats: dict[str, Counter] = {}
    for category, seed in config.units():
        unit = read_json_gz(unit_path(out, category, seed))
        split = split_of(unit["object"]["name"], config.objects_per_category)
        registry.append({**unit["object"], "split": split})
        (test if split == "test" else train).extend(unit["records"])
        for intent, s in unit["stats"].items():
            stats.setdefault(intent, Counter()).update(s)
    if not train and not test:
        raise DexgysError("the build produced no grasps at all: check the categories and intents")
    write_json_gz(out / "train.json.gz", train)
    write_json_gz(out / "test.json.gz", test)
    atomic_write_text(
        out / "objects.json", json.dumps({"format_version": DATASET_FORMAT_VERSION, "objects": registry}, indent=1)
    )
    summary = {
        "format_version": DATASET_FORMAT_VERSION,
        "config": config.as_json(),
        "objects": len(registry),
        "categories": len(config.categories),
        "train_records": len(train),
        "test_records": len(test),
        "records_per_intent": dict(Counter(r["action_id"] for r in train + test)),
        "synthesis_stats": {k: dict(v) for k, v in stats.items()},
    }
    atomic_write_text(out / "dataset.json", json.dumps(summary, indent=1))
    return summary


def load_records(path: str | os.PathLike) -> list[dict]:
    """Records of a ``train.json.gz`` / ``test.json.gz`` (or a plain JSON list, e.g. the official files)."""
    path = Path(path)
    if not path.is_file():
        raise DexgysError(f"dataset file {str(path)!r} does not exist")
    if path.suffix == ".gz":
        return read_json_gz(path)
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise DexgysError(f"{path}: not valid JSON ({exc})") from None
