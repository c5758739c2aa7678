"""Ctrl-C during a long command (generate, sim, data build): one line, exit 130, no traceback and no
output file left behind; an interrupted data build resumes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_sigint_during_generate_leaves_no_file(tmp_path):
    out, html = tmp_path / "grasps.json", tmp_path / "grasps.html"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dexgys",
            "generate",
            "mug:3",
            "hold the mug by its handle",
            "-n",
            "64",
            "--out",
            str(out),
            "--html",
            str(html),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    time.sleep(4.0)  # model loaded, 512 candidates under way: far from done
    assert proc.poll() is None, "generate finished before it could be interrupted"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "interrupted"
    assert list(tmp_path.iterdir()) == []


def _interrupt(proc: subprocess.Popen, ready, timeout: float = 90.0) -> str:
    """Wait until ``ready()`` (the command is well under way), SIGINT it, and return its stderr after
    checking the answer: exit 130, one last line "interrupted", no traceback."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None, f"the command ended before it could be interrupted: {proc.communicate()}"
        assert time.monotonic() < deadline, "the command never got under way"
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "Traceback" not in err and err.strip().splitlines()[-1] == "interrupted"
    return err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_sigint_during_sim_leaves_no_file(tmp_path):
    from dexgys.data.builder import read_json_gz

    record = read_json_gz(Path(__file__).parent / "fixtures" / "dexgys_tiny" / "test.json.gz")[0]
    grasps = tmp_path / "grasps.json"
    grasps.write_text(json.dumps([record] * 400))
    out = tmp_path / "out"
    out.mkdir()
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    started = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "dexgys", "sim", str(grasps), "--json", str(out / "sim.json")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    _interrupt(proc, lambda: time.monotonic() - started > 6.0)  # imports done, grasps under way
    assert list(out.iterdir()) == []


_SLOW_BUILD = """
import sys, time
from dexgys.cli.main import main
from dexgys.data import builder

delay = float(sys.argv.pop(1))


def unit(category, seed, config):  # a stand-in for the synthesis (test_builder.py), slow enough to interrupt
    time.sleep(delay)
    records = [{"cate_id": category, "obj_id": f"{category}:{seed}", "action_id": "0002", "guidance": f"g{seed}-{k}",
                "dex_grasp": [float(seed)] * 28} for k in range(config.grasps_per_intent)]
    return {"format_version": builder.UNIT_FORMAT_VERSION, "pipeline": builder.pipeline_version(),
            "config": builder.asdict(config), "object": {"name": f"{category}:{seed}", "category": category,
            "seed": seed}, "records": records, "stats": {"hold": {"accepted": len(records)}}}


builder.build_unit = unit
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_sigint_during_data_build_leaves_whole_units_and_the_build_resumes(tmp_path):
    from dexgys.data.builder import read_json_gz

    script, out = tmp_path / "slow_build.py", tmp_path / "data"
    script.write_text(_SLOW_BUILD)
    build = [
        "data",
        "build",
        "--categories",
        "mug",
        "--objects-per-category",
        "6",
        "--grasps-per-intent",
        "2",
        "--out",
        str(out),
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(
        [sys.executable, str(script), "0.7", *build], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    )
    units = out / "units"
    _interrupt(proc, lambda: units.is_dir() and len(list(units.glob("*.json.gz"))) >= 2)
    left = sorted(p.name for p in units.iterdir())
    assert left and all(name.endswith(".json.gz") for name in left), left  # no lock, no temporary file
    assert all(read_json_gz(units / name)["records"] for name in left)  # each unit whole
    assert not (out / "train.json.gz").exists()
    again = subprocess.run([sys.executable, str(script), "0", *build], capture_output=True, text=True, env=env)
    assert again.returncode == 0, again.stderr
    assert f"{6 - len(left)} objects built, {len(left)} already done" in again.stdout
    assert (out / "train.json.gz").exists() and (out / "test.json.gz").exists()
