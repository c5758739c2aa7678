"""Hundreds of bad inputs thrown at the command line: each must end with exit status 2 and one
``error:`` line, no traceback, and no output file left behind.

The cases are generated from a fixed seed (:func:`cases`): broken meshes (random bytes, one face,
collinear faces, NaN, an empty file, a directory, an unknown suffix), broken grasp files (wrong
lengths, NaN, strings, wrong JSON shapes, a palm 1 km away, joints of 100 rad or in degrees), bad object names, bad instructions (empty, blank, 100 kB,
a NUL byte), bad numbers, output paths that cannot be written (a missing folder, a directory, a
read-only folder unless running as root), broken model files (truncated, random bytes, a pickle that would run code) and
bad prediction files. Everything runs in this process (``dexgys.cli.main.main``), so the whole set
takes seconds.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import stat
from pathlib import Path

from dexgys.cli.main import main

SEED = 0
RANDOM_MESHES = 60
RANDOM_GRASP_FILES = 60
RANDOM_NAMES = 30


class _Boom:
    """Unpickling this would create a file: a model file must never run it."""

    def __reduce__(self):
        return (os.system, ("touch /tmp/dexgys-fuzz-was-executed",))


def _meshes(root: Path, rng: random.Random) -> list[Path]:
    out = []
    fixed = {
        "one_face.obj": "v 0 0 0\nv 0.1 0 0\nv 0 0.1 0\nf 1 2 3\n",
        "collinear.obj": "v 0 0 0\nv 0.1 0 0\nv 0.2 0 0\nv 0.3 0 0\nf 1 2 3\nf 2 3 4\n",
        "nan.obj": "v 0 0 0\nv nan 0 0\nv 0 0.1 0\nv 0 0 0.1\nf 1 2 3\nf 1 3 4\nf 1 2 4\nf 2 3 4\n",
        "empty.stl": "",
        "no_faces.ply": "ply\nformat ascii 1.0\nelement vertex 3\nproperty float x\nproperty float y\n"
        "property float z\nend_header\n0 0 0\n1 0 0\n0 1 0\n",
        "text.glb": "this is not a glb file",
    }
    for name, text in fixed.items():
        (root / name).write_text(text)
        out.append(root / name)
    (root / "folder.obj").mkdir()
    out.append(root / "folder.obj")
    for k in range(RANDOM_MESHES):
        path = root / f"garbage_{k}.{rng.choice(['obj', 'stl', 'ply', 'glb'])}"
        path.write_bytes(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 400))))
        out.append(path)
    return out


def _grasp_files(root: Path, rng: random.Random) -> list[Path]:
    good = [0.0, -0.12, 0.0, 0.0, 0.0, 0.0] + [0.1] * 22
    payloads = [
        "not json",
        "[]",
        "{}",
        '{"grasps": 3}',
        "[1, 2, 3]",
        '[{"dex_grasp": "abc"}]',
        json.dumps([{"dex_grasp": good[:27]}]),
        json.dumps([{"dex_grasp": good + [0.0]}]),
        json.dumps([{"dex_grasp": [float("nan")] + good[1:]}]).replace("NaN", "NaN"),
        json.dumps({"format_version": 99, "object": "mug:3", "grasps": [{"dex_grasp": good}]}),
        json.dumps([{"no_grasp": good}]),
        json.dumps([{"dex_grasp": [None] * 28}]),
        json.dumps([{"dex_grasp": [1000.0] + good[1:]}]),  # a palm 1 km away
        json.dumps([{"dex_grasp": good[:6] + [100.0] * 22}]),  # joints of 100 rad
        json.dumps([{"dex_grasp": good[:6] + [45.0] + [0.1] * 21}]),  # a joint in degrees
    ]
    for _ in range(RANDOM_GRASP_FILES):
        n = rng.choice([0, 1, 5, 27, 29, 100])
        values = [rng.choice([1.0, "x", None, [1], {"a": 1}, float("inf")]) for _ in range(n)]
        payloads.append(json.dumps([{"dex_grasp": values}]).replace("Infinity", "1e999"))
    out = []
    for k, text in enumerate(payloads):
        path = root / f"grasps_{k}.json"
        path.write_text(text)
        out.append(path)
    out.append(root / "missing.json")
    return out


def _names(rng: random.Random) -> list[str]:
    fixed = ["mug:-1", "mug:abc", "teacup:3", "mug", ":", "real:teacup", "mug:3:4", "nowhere/thing.obj", ""]
    letters = "abcdefghijklmnopqrstuvwxyz:_-./"
    return fixed + ["".join(rng.choice(letters) for _ in range(rng.randrange(1, 12))) for _ in range(RANDOM_NAMES)]


def _models(root: Path) -> list[Path]:
    from dexgys.pipeline import DEFAULT_MODEL

    data = DEFAULT_MODEL.read_bytes()
    (root / "truncated.pt").write_bytes(data[: len(data) // 3])
    (root / "random.pt").write_bytes(bytes(range(256)) * 40)
    with open(root / "boom.pt", "wb") as fh:
        pickle.dump({"idgc": _Boom()}, fh)
    (root / "emptydir").mkdir()
    return [root / "truncated.pt", root / "random.pt", root / "boom.pt", root / "emptydir", root / "absent.pt"]


def cases(root: Path) -> list[tuple[list[str], list[Path]]]:
    """``(argv, paths that must not exist afterwards)`` for every bad input."""
    rng = random.Random(SEED)
    out_png, out_json, out_obj = root / "out.png", root / "out.json", root / "out.obj"
    ro = root / "readonly"
    ro.mkdir()
    ro.chmod(stat.S_IRUSR | stat.S_IXUSR)
    items: list[tuple[list[str], list[Path]]] = []
    for mesh in _meshes(root, rng):
        items.append((["objects", "show", str(mesh), "--png", str(out_png)], [out_png]))
        items.append((["objects", "export", str(mesh), str(out_obj)], [out_obj]))
    for grasps in _grasp_files(root, rng):
        items.append((["sim", str(grasps), "--object", "mug:3", "--json", str(out_json)], [out_json]))
        items.append((["show", str(grasps), "--object", "mug:3", "--png", str(out_png)], [out_png]))
    items.append(
        (
            ["export", str(root / "grasps_0.json"), "--format", "dexgraspbench", "--out", str(root / "exported")],
            [root / "exported"],
        )
    )
    for name in _names(rng):
        items.append((["objects", "show", name, "--png", str(out_png)], [out_png]))
    for text in ["", "   ", "x" * 100_000, "hold\x00 the mug"]:
        items.append((["generate", "mug:3", text, "--out", str(out_json)], [out_json]))
    for flags in (
        ["-n", "0"],
        ["-n", "-5"],
        ["--steps", "5"],
        ["--device", "tpu"],
        ["--no-polish", "--oversample", "4"],
        ["--sampler", "euler"],
        ["-n", "ten"],
        ["--seed", "x"],
    ):
        items.append((["generate", "mug:3", "hold the mug", "--out", str(out_json), *flags], [out_json]))
    unwritable = [] if os.geteuid() == 0 else [ro / "g.json"]  # root writes into read-only folders
    items.append((["generate", "mug:3", "hold the mug", "--out", str(out_json), "--png", str(out_json)], [out_json]))
    for bad_out in (root / "no" / "such" / "dir" / "g.json", root, *unwritable):
        items.append((["generate", "mug:3", "hold the mug", "--out", str(bad_out)], [ro / "g.json"]))
        items.append((["objects", "export", "mug:3", str(bad_out)], [ro / "g.json"]))
    for model in _models(root):
        items.append((["generate", "mug:3", "hold the mug", "--out", str(out_json), "--model", str(model)], [out_json]))
    preds = _grasp_files(root / "preds", rng) if (root / "preds").mkdir() is None else []
    for p in preds[:12]:
        items.append((["eval", str(p), "--data", "tests/fixtures/dexgys_tiny", "--out", str(out_json)], [out_json]))
    items.append((["eval", str(preds[0]), "--data", str(root / "nodata"), "--out", str(out_json)], [out_json]))
    for flags in (
        ["--objects-per-category", "0"],
        ["--categories", "teacup"],
        ["--shard", "5/2"],
        ["--hand", "allegro"],
        ["--protocol", "isaac"],
        ["--grasps-per-intent", "-1"],
        ["--workers", "0"],
    ):
        items.append((["data", "build", "--out", str(root / "built"), *flags], [root / "built" / "train.json.gz"]))
    return items


def test_bad_inputs_end_in_one_error_line(tmp_path, capsys):
    marker = Path("/tmp/dexgys-fuzz-was-executed")
    marker.unlink(missing_ok=True)
    items = cases(tmp_path)
    assert len(items) >= 200
    failures = []
    try:
        for argv, outputs in items:
            crash = None
            try:
                code = main(argv)
            except SystemExit as exc:  # argparse's own usage errors
                code = exc.code
            except Exception as exc:  # would reach the user as a traceback
                code, crash = None, f"{type(exc).__name__}: {exc}"
            captured = capsys.readouterr()
            if crash:
                failures.append((argv[:3], "traceback", crash[:200], []))
                continue
            errors = [line for line in captured.err.splitlines() if line.startswith("error:") or ": error:" in line]
            left = [str(p) for p in outputs if p.exists()]
            for p in outputs:  # so that one case's leftover does not blame the next
                if p.is_file():
                    p.unlink()
            if code != 2 or len(errors) != 1 or "Traceback" in captured.err + captured.out or left:
                failures.append((argv[:3], code, captured.err[-300:], left))
    finally:
        (tmp_path / "readonly").chmod(stat.S_IRWXU)
    print(f"{len(items)} bad inputs, {len(items) - len(failures)} answered with one error line")
    assert not marker.exists(), "a model file ran code when loaded"
    assert not failures, f"{len(failures)} of {len(items)} bad inputs were not answered cleanly: {failures}"
