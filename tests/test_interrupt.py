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

from dexgys.data.builder import read_json_gz

POSIX = pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
ENV = {**os.environ, "OMP_NUM_THREADS": "1"}


def _catch_sigint() -> None:
    """In the child: SIGINT back to its default, so Python turns it into KeyboardInterrupt even when
    the tests run where it is ignored (a background job without job control, as under nohup ... &)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _interrupt(argv: list[str], log: Path, ready, timeout: float = 120.0) -> str:
    """Run ``argv`` with its stderr in ``log``; once ``ready(stderr so far)`` says it is well under way
    (past its imports, where a library's import may swallow a Ctrl-C), SIGINT it and check the answer:
    exit 130, one last line "interrupted", no traceback -> its stderr."""
    with log.open("w") as err:
        proc = subprocess.Popen(
            argv, stdout=subprocess.DEVNULL, stderr=err, text=True, env=ENV, preexec_fn=_catch_sigint
        )
        deadline = time.monotonic() + timeout
        while not ready(log.read_text()):
            assert proc.poll() is None, f"the command ended before it could be interrupted: {log.read_text()}"
            assert time.monotonic() < deadline, "the command never got under way"
            time.sleep(0.1)
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=120)
    text = log.read_text()
    assert proc.returncode == 130, text
    assert "Traceback" not in text and text.strip().splitlines()[-1] == "interrupted"
    return text


@POSIX
def test_sigint_during_generate_leaves_no_file(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    argv = [sys.executable, "-m", "dexgys", "generate", "mug:3", "hold the mug by its handle", "-n", "64"]
    argv += ["--out", str(out / "grasps.json"), "--html", str(out / "grasps.html")]
    _interrupt(argv, tmp_path / "err.txt", lambda err: "IDGC" in err)  # 512 candidates under way: far from done
    assert list(out.iterdir()) == []


@POSIX
def test_sigint_during_sim_leaves_no_file(tmp_path):
    record = read_json_gz(Path(__file__).parent / "fixtures" / "dexgys_tiny" / "test.json.gz")[0]
    grasps = tmp_path / "grasps.json"
    grasps.write_text(json.dumps([record] * 400))
    out = tmp_path / "out"
    out.mkdir()
    argv = [sys.executable, "-m", "dexgys", "sim", str(grasps), "--json", str(out / "sim.json")]
    _interrupt(argv, tmp_path / "err.txt", lambda err: "simulating" in err)
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


@POSIX
def test_sigint_during_data_build_leaves_whole_units_and_the_build_resumes(tmp_path):
    script, out = tmp_path / "slow_build.py", tmp_path / "data"
    script.write_text(_SLOW_BUILD)
    build = ["data", "build", "--categories", "mug", "--objects-per-category", "6", "--grasps-per-intent", "2"]
    build += ["--out", str(out)]
    units = out / "units"
    _interrupt(
        [sys.executable, str(script), "0.7", *build],
        tmp_path / "err.txt",
        lambda err: units.is_dir() and len(list(units.glob("*.json.gz"))) >= 2,
    )
    left = sorted(p.name for p in units.iterdir())
    assert left and all(name.endswith(".json.gz") for name in left), left  # no lock, no temporary file
    assert all(read_json_gz(units / name)["records"] for name in left)  # each unit whole
    assert not (out / "train.json.gz").exists()
    again = subprocess.run([sys.executable, str(script), "0", *build], capture_output=True, text=True, env=ENV)
    assert again.returncode == 0, again.stderr
    assert f"{6 - len(left)} objects built, {len(left)} already done" in again.stdout
    assert (out / "train.json.gz").exists() and (out / "test.json.gz").exists()
