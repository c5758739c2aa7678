"""Evaluation: metric definitions on hand-made arrays, prediction files, the report, ``dexgys eval``."""

import argparse
import gzip
import json
import math

import numpy as np
import pytest

from dexgys.cli import eval_cmd
from dexgys.data.builder import write_json_gz
from dexgys.errors import DexgysError
from dexgys.evaluation import metrics as mt
from dexgys.evaluation.predictions import (
    ground_truth_predictions,
    make_prediction,
    read_predictions,
    write_predictions,
)
from dexgys.evaluation.report import (
    PAPER_LABEL,
    evaluate_files,
    evaluate_predictions,
    load_split,
    resolve_split,
    results_table,
)
from dexgys.language import annotate

N_CANDIDATES = 8  # mug:0 "hold", seed 0: 7 accepted grasps, contact parts {body} and {body, handle}


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    """A tiny split written by hand from synthesised grasps: ``(directory, records)``."""
    from dexgys.objects.catalogue import make_object
    from dexgys.synthesis.synthesize import synthesize_grasps

    result = synthesize_grasps(make_object("mug", 0), "hold", n_candidates=N_CANDIDATES, seed=0)
    assert len(result.grasps) >= 4
    records = []
    for j, g in enumerate(result.grasps):
        note = annotate(g.facts, "mug", "hold", seed=j)
        records.append(
            {
                "cate_id": "mug",
                "obj_id": "mug:0",
                "action_id": note.action_id,
                "guidance": note.fine,
                "brief_guidance": note.brief,
                "contacts": g.facts.as_dict(),
                "contact_text": note.contacts,
                "dex_grasp": [float(x) for x in g.record],
            }
        )
    root = tmp_path_factory.mktemp("data")
    write_json_gz(root / "test.json.gz", records)
    return root, records


def _opened(record):
    """The grasp with every finger joint at 0 (a flat, open hand)."""
    return list(record["dex_grasp"][:6]) + [0.0] * (len(record["dex_grasp"]) - 6)


# ------------------------------------------------------------------------------------------ metrics
def test_success_rates_and_valid_q1():
    held = np.zeros((4, 6), dtype=bool)
    held[0] = True
    held[1, 0] = True
    rates = mt.success_rates(held)
    assert rates["success_all6_pct"] == 25.0 and rates["success_any_pct"] == 50.0
    assert rates["held_+x_pct"] == 50.0 and rates["held_-z_pct"] == 25.0
    np.testing.assert_array_equal(mt.valid_q1([0.1, 0.2, 0.3], [0.0, 0.0049, 0.005]), [0.1, 0.2, 0.0])
    with pytest.raises(DexgysError):
        mt.success_rates(np.zeros((0, 6), dtype=bool))


def test_diversity_of_identical_and_spread_samples():
    base = np.zeros(28)
    base[3:6] = [0.3, -0.2, 0.5]
    base[6:] = 0.4
    same = np.tile(base, (8, 1))
    d = mt.diversity(same, np.zeros(8, dtype=int))
    assert d["delta_t_cm"] == pytest.approx(0.0, abs=1e-12)
    assert d["delta_r_deg"] == pytest.approx(0.0, abs=1e-6)
    assert d["delta_q_deg"] == pytest.approx(0.0, abs=1e-12)
    # two samples 2 cm apart along x: std (ddof 1) of x is sqrt(2) cm, y and z 0 -> mean sqrt(2)/3
    spread = np.tile(base, (2, 1))
    spread[1, 0] += 0.02
    spread[1, 6] += math.radians(10.0)  # one joint 10 degrees apart: its std is 10/sqrt(2) degrees
    grasps = np.concatenate([spread, same[:1]])  # plus a single-sample condition, which is left out
    d = mt.diversity(grasps, np.array([3, 3, 7]))
    assert d["diversity_conditions"] == 1
    assert d["delta_t_cm"] == pytest.approx(math.sqrt(2.0) / 3.0)
    assert d["delta_q_deg"] == pytest.approx(10.0 / math.sqrt(2.0) / 22.0)
    assert mt.diversity(same[:2], np.array([0, 1]))["delta_t_cm"] is None


def test_euler_std_is_wrap_aware():
    assert mt.circular_std_deg(np.array([[179.0], [-179.0]]))[0] == pytest.approx(math.sqrt(2.0))
    assert mt.circular_std_deg(np.array([[10.0], [20.0], [30.0]]))[0] == pytest.approx(10.0)
    grasps = np.zeros((2, 28))
    grasps[:, 5] = [math.radians(179.0), -math.radians(179.0)]  # about z, either side of +-180 degrees
    np.testing.assert_allclose(mt.euler_degrees(grasps[:, 3:6]), [[0, 0, 179.0], [0, 0, -179.0]], atol=1e-9)
    assert mt.diversity(grasps, np.zeros(2))["delta_r_deg"] == pytest.approx(math.sqrt(2.0) / 3.0)


def test_chamfer_matching_and_contact_map():
    rng = np.random.default_rng(0)
    cloud = rng.normal(size=(200, 3)) * 0.05
    assert mt.chamfer_cm2(cloud, cloud) == 0.0
    # one point against one point 1 cm away: 1 cm^2 each way
    assert mt.chamfer_cm2(np.zeros((1, 3)), np.array([[0.01, 0.0, 0.0]])) == pytest.approx(2.0)
    targets = np.stack([cloud + [0.03, 0, 0], cloud + [0.001, 0, 0], cloud])
    best, cd = mt.match_targets(np.stack([cloud, cloud + [0.002, 0, 0]]), targets)
    assert best.tolist() == [2, 1] and cd[0] == 0.0 and 0.0 < cd[1] <= 0.02 + 1e-9  # 1 mm each way at most
    # contact map: 1 on the hand, 0.5 at ln(3)/60 m, towards 0 far away, always in (0, 1]
    hand = np.zeros((1, 3))
    d_half = math.log(3.0) / mt.CONTACT_MAP_SHARPNESS
    c = mt.contact_map(np.array([[0.0, 0, 0], [d_half, 0, 0], [1.0, 0, 0]]), hand)
    np.testing.assert_allclose(c, [1.0, 0.5, 0.0], atol=1e-12)
    c = mt.contact_map(cloud, cloud[:50])
    assert c.min() > 0.0 and c.max() == 1.0
    assert mt.contact_map_distance(c, c) == 0.0
    assert mt.contact_map_distance(np.ones(4), np.zeros(4)) == pytest.approx(2.0)


def test_part_contact_rule_follows_what_the_instruction_states():
    sentence = "Pinch the handle between your thumb and forefinger, leaving the body free."
    parts = ("body", "handle")
    assert mt.part_contact(sentence, {"thumb": ["handle"], "forefinger": ["handle"]}, parts, "mug") == (2, 2, True)
    # extra contacts are fine, but not on a part the sentence says to leave free
    assert mt.part_contact(
        sentence, {"thumb": ["handle"], "forefinger": ["handle"], "ring": ["handle"]}, parts, "mug"
    ) == (2, 2, True)
    assert (
        mt.part_contact(sentence, {"thumb": ["handle"], "forefinger": ["handle"], "palm": ["body"]}, parts, "mug")[2]
        is False
    )
    assert mt.part_contact(sentence, {"thumb": ["handle"], "middle": ["handle"]}, parts, "mug") == (1, 2, False)
    assert mt.part_contact("Grab the mug.", {"thumb": ["handle"]}, parts, "mug") == (0, 0, False)  # names nothing


def test_prediction_files_round_trip(tmp_path, dataset):
    _, records = dataset
    preds = ground_truth_predictions(records)
    assert [p["condition"] for p in preds] == list(range(len(records))) and {p["sample"] for p in preds} == {0}
    preds[0]["action_id"] = 2  # integers are accepted and written as "0002"
    for name in ("p.json", "p.json.gz"):
        write_predictions(tmp_path / name, preds)
        back = read_predictions(tmp_path / name)
        assert back[0]["action_id"] == "0002" and back[1:] == preds[1:]
        assert back[0]["dex_grasp"] == records[0]["dex_grasp"]
    first = (tmp_path / "p.json.gz").read_bytes()
    write_predictions(tmp_path / "p.json.gz", preds)
    assert (tmp_path / "p.json.gz").read_bytes() == first  # deterministic bytes
    assert not list(tmp_path.glob(".*tmp"))


def _good():
    return {
        "obj_id": "mug:0",
        "action_id": "0002",
        "guidance": "hold it",
        "dex_grasp": [0.0] * 28,
        "condition": 0,
        "sample": 0,
    }


@pytest.mark.parametrize(
    "payload, message",
    [
        ({"not": "a list"}, "expected a JSON list"),
        ([], "no predictions"),
        (["x"], "not a JSON object"),
        ([{k: v for k, v in _good().items() if k != "condition"}], "lacks 'condition'"),
        ([{**_good(), "dex_grasp": [0.0] * 27}], "has 27 values, expected 28"),
        ([{**_good(), "dex_grasp": [0.0] * 27 + ["x"]}], "list of numbers"),
        ([{**_good(), "condition": True}], "'condition' must be a non-negative integer"),
        ([{**_good(), "sample": -1}], "'sample' must be a non-negative integer"),
        ([{**_good(), "action_id": "0009"}], "bad action_id"),
        ([{**_good(), "obj_id": ""}], "'obj_id' must be a non-empty string"),
        ([_good(), _good()], "both condition 0, sample 0"),
    ],
)
def test_bad_prediction_files(tmp_path, payload, message):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(payload))
    with pytest.raises(DexgysError, match=message):
        read_predictions(path)


def test_unreadable_prediction_files(tmp_path):
    nan = tmp_path / "nan.json"
    nan.write_text(json.dumps([_good()]).replace("0.0", "NaN", 1))
    with pytest.raises(DexgysError, match="NaN or infinite"):
        read_predictions(nan)
    broken = tmp_path / "broken.json.gz"
    broken.write_bytes(gzip.compress(b'[{"obj_id": ')[:15])
    with pytest.raises(DexgysError, match="not valid gzipped JSON"):
        read_predictions(broken)
    with pytest.raises(DexgysError, match="does not exist"):
        read_predictions(tmp_path / "missing.json")


def test_predictions_must_match_the_split(tmp_path, dataset):
    root, records = dataset
    with pytest.raises(DexgysError, match="condition 99 is not a record"):
        evaluate_predictions([make_prediction(records[0], 99, 0, records[0]["dex_grasp"])], records, progress=False)
    wrong = {**make_prediction(records[0], 0, 0, records[0]["dex_grasp"]), "obj_id": "mug:1"}
    with pytest.raises(DexgysError, match="obj_id 'mug:1' differs .* another split"):
        evaluate_predictions([wrong], records, progress=False)
    assert resolve_split(root) == root / "test.json.gz"
    path = tmp_path / "no_contacts.json"  # e.g. an official DexGYSNet file: no contact facts
    path.write_text(json.dumps([{k: v for k, v in r.items() if k != "contacts"} for r in records]))
    with pytest.raises(DexgysError, match="record 0 lacks 'contacts'"):
        load_split(path)


# ------------------------------------------------------------------------------------------ report
def test_ground_truth_as_predictions(dataset):
    root, records = dataset
    results = evaluate_files(None, root, ground_truth=True, progress=False)
    m = results.metrics
    assert m["n_grasps"] == m["n_conditions"] == len(records) and m["n_objects"] == 1
    assert m["part_contact_accuracy_pct"] == 100.0 and m["part_contact_grasps"] == len(records)
    assert m["cd_cm2"] == 0.0 and m["con_l2"] == 0.0
    assert m["success_all6_pct"] > 50.0 and m["success_any_pct"] >= m["success_all6_pct"]
    assert m["mean_max_penetration_cm"] < 0.5 and m["mean_valid_q1"] > 0.0
    assert m["delta_t_cm"] is None  # one sample per condition
    # targets: grasps of the same object, intent and contact parts
    parts = [frozenset(p for ps in r["contacts"].values() for p in ps) for r in records]
    for row in results.rows:
        assert parts[row["target"]] == parts[row["condition"]]
        assert row["contacts"] == records[row["condition"]]["contacts"]
    table = results.to_markdown()
    assert PAPER_LABEL in table and "63.31" in table and "dexgys (this run)" in table
    data = json.loads(results.to_json())
    assert data["protocol"] == "dexgys-eval-1" and data["dataset"]["records"] == len(records)
    assert data["paper"]["label"] == PAPER_LABEL and data["paper"]["values"]["success_any_pct"] == 63.31


def test_opened_fingers_lose_part_contact(dataset):
    _, records = dataset
    preds = []
    for c, r in enumerate(records[:3]):
        preds.append(make_prediction(r, c, 0, r["dex_grasp"]))
        preds.append(make_prediction(r, c, 1, _opened(r)))
    results = evaluate_predictions(preds, records, physics=False, progress=False)
    by_sample = {s: [row for row in results.rows if row["sample"] == s] for s in (0, 1)}
    assert all(row["part_contact"] for row in by_sample[0])
    assert not any(row["part_contact"] for row in by_sample[1])
    assert all(row["cd_cm2"] > 1.0 and row["con_l2"] > 0.0 for row in by_sample[1])
    m = results.metrics
    assert m["part_contact_accuracy_pct"] == 50.0 and m["success_all6_pct"] is None
    assert m["diversity_conditions"] == 3 and m["delta_q_deg"] > 1.0
    assert m["delta_t_cm"] == pytest.approx(0.0, abs=1e-9)  # only the fingers moved
    assert "physics not run" in results.to_markdown()
    # per (category, intent): the cells partition the grasps and each cell's rate is its rows' rate
    cells = m["cells"]
    assert sum(c["grasps"] for c in cells) == m["n_grasps"]
    for c in cells:
        rows = [r for r in results.rows if (r["category"], r["intent"]) == (c["category"], c["intent"])]
        assert c["part_contact_pct"] == pytest.approx(100.0 * np.mean([r["part_contact"] for r in rows]))
        assert c["success_all6_pct"] is None
        assert f"| {c['category']} | {c['intent']} | {c['grasps']} |" in results.to_markdown()


def test_results_name_their_hand_and_protocol(dataset):
    _, records = dataset
    preds = [make_prediction(r, c, 0, r["dex_grasp"]) for c, r in enumerate(records[:2])]
    results = evaluate_predictions(preds, records[:2], progress=False, hand="shadow-mesh", protocol="dexgraspbench")
    data = json.loads(results.to_json())
    assert data["hand"] == "shadow-mesh" and data["sim_protocol"] == "dexgraspbench-fc-1"
    assert data["constants"]["physics"]["protocol"] == "dexgraspbench-fc-1"
    assert "physics dexgraspbench-fc-1, MuJoCo, hand shadow-mesh" in results.to_markdown()
    with pytest.raises(DexgysError, match="unknown"):
        evaluate_predictions(preds, records[:2], progress=False, protocol="isaac")


# ------------------------------------------------------------------------------------------ CLI
def _parse(argv):
    parser = argparse.ArgumentParser(prog="dexgys")
    eval_cmd.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["eval", *argv])


def test_cli_writes_json_and_markdown(tmp_path, dataset, capsys):
    root, records = dataset
    preds = tmp_path / "preds.json"
    write_predictions(
        preds,
        [
            make_prediction(r, c, s, r["dex_grasp"] if s == 0 else _opened(r))
            for c, r in enumerate(records[:2])
            for s in range(2)
        ],
    )
    out, md = tmp_path / "results.json", tmp_path / "results.md"
    args = _parse(
        [str(preds), "--data", str(root / "test.json.gz"), "--out", str(out), "--markdown", str(md), "--no-physics"]
    )
    assert eval_cmd.run(args) == 0
    data = json.loads(out.read_text())
    assert data["metrics"]["n_grasps"] == 4 and data["metrics"]["part_contact_accuracy_pct"] == 50.0
    assert data["predictions"] == str(preds) and len(data["grasps"]) == 4
    assert md.read_text() in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["preds.json", "results.json", "results.md"]


def test_cli_errors_leave_nothing_behind(tmp_path, dataset):
    root, _ = dataset
    out = tmp_path / "r.json"
    with pytest.raises(DexgysError, match="one of them"):
        eval_cmd.run(_parse(["--data", str(root)]))
    with pytest.raises(DexgysError, match="output directory"):
        eval_cmd.run(_parse(["--ground-truth", "--data", str(root), "--out", str(tmp_path / "no" / "r.json")]))
    bad = tmp_path / "bad.json"
    bad.write_text("[{}]")
    with pytest.raises(DexgysError, match="lacks"):
        eval_cmd.run(_parse([str(bad), "--data", str(root), "--out", str(out)]))
    with pytest.raises(DexgysError, match="has no test.json.gz"):
        eval_cmd.run(_parse(["--ground-truth", "--data", str(tmp_path), "--out", str(out)]))
    with pytest.raises(DexgysError, match="at least 1"):
        eval_cmd.run(_parse(["--ground-truth", "--data", str(root), "--workers", "0"]))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_results_table_has_a_row_per_run_and_the_paper_row():
    lines = results_table(
        [("IDGC only", {"success_any_pct": 12.5, "delta_r_deg": None}), ("IDGC + QGC", {"success_any_pct": 87.25})]
    )
    assert len(lines) == 5 and lines[-1].startswith(f"| {PAPER_LABEL} |")
    assert "| 12.50 |" in lines[2] and "| 87.25 |" in lines[3]
    assert lines[2].count("|") == lines[0].count("|")


def test_cli_help(capsys):
    with pytest.raises(SystemExit) as exc:
        _parse(["--help"])
    assert exc.value.code == 0
    assert "--ground-truth" in capsys.readouterr().out
