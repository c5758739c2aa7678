"""The ``dexgys`` command: help everywhere, outputs written, one-line errors with a non-zero exit."""

import json
import subprocess
import sys

import pytest

from dexgys.cli.main import main

SUBCOMMANDS = [
    [],
    ["objects"],
    ["objects", "list"],
    ["objects", "show"],
    ["objects", "export"],
    ["objects", "sheet"],
    ["show"],
    ["sim"],
    ["intents"],
    ["data"],
    ["data", "build"],
    ["demo"],
    ["eval"],
    ["train"],
    ["generate"],
    ["predict"],
]


@pytest.mark.parametrize("words", SUBCOMMANDS, ids=lambda w: " ".join(w) or "dexgys")
def test_help_on_every_subcommand(words, capsys):
    with pytest.raises(SystemExit) as exc:
        main([*words, "--help"])
    assert exc.value.code == 0
    assert "usage: dexgys" in capsys.readouterr().out


def test_console_script_reports_errors_in_one_line():
    proc = subprocess.run(
        [sys.executable, "-m", "dexgys.cli.main", "objects", "export", "teacup:1", "x.obj"],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: unknown object category 'teacup'")


def test_objects_list(capsys):
    assert main(["objects", "list"]) == 0
    out = capsys.readouterr().out
    assert "mug" in out and "handle" in out and "categories" in out


def test_objects_export_writes_mesh_and_parts(tmp_path):
    out = tmp_path / "mug.obj"
    assert main(["objects", "export", "mug:3", str(out)]) == 0
    parts = json.loads((tmp_path / "mug.parts.json").read_text())
    assert set(parts["parts"]) == {"body", "handle"}
    import trimesh

    mesh = trimesh.load(out, process=False, force="mesh")
    assert len(parts["face_labels"]) == len(mesh.faces)


def test_objects_show_writes_html_and_png(tmp_path):
    html, png = tmp_path / "m.html", tmp_path / "m.png"
    assert main(["objects", "show", "bottle:1", "--html", str(html), "--png", str(png)]) == 0
    text = html.read_text()
    assert "plotly" in text and "cdn.plot.ly" not in text.split("<body>")[0]  # offline: plotly.js inlined
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_show_grasp_file(tmp_path):
    grasps = tmp_path / "g.json"
    vec = [0.0, 0.0, -0.12] + [0.0] * 25
    grasps.write_text(
        json.dumps(
            {
                "format_version": 1,
                "hand": "shadow",
                "object": "mug:1",
                "grasps": [{"guidance": "hold the mug", "dex_grasp": vec}] * 2,
            }
        )
    )
    html = tmp_path / "g.html"
    assert main(["show", str(grasps), "--html", str(html)]) == 0
    assert "hold the mug" in html.read_text()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["objects", "show", "mug:1"], "nothing to write"),
        (["objects", "show", "mug", "--png", "x.png"], "neither a catalogue object"),
        (["objects", "show", "missing.obj", "--png", "x.png"], "does not exist"),
        (["objects", "export", "mug:1", "out.xyz"], "use .obj"),
        (["objects", "export", "mug:1", "no/such/dir/out.obj"], "does not exist"),
        (["show", "nothing.json", "--png", "x.png"], "does not exist"),
    ],
)
def test_user_mistakes_give_one_line_and_exit_2(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    assert not list(tmp_path.iterdir())  # nothing half-written


def test_bad_grasp_vector_length(tmp_path, capsys):
    grasps = tmp_path / "g.json"
    grasps.write_text(json.dumps({"object": "mug:1", "grasps": [{"dex_grasp": [0.0] * 27}]}))
    assert main(["show", str(grasps), "--html", str(tmp_path / "g.html")]) == 2
    assert "27 values" in capsys.readouterr().err
    assert not (tmp_path / "g.html").exists()


def test_nan_pose_in_grasp_file(tmp_path, capsys):
    grasps = tmp_path / "g.json"
    grasps.write_text('{"object": "mug:1", "grasps": [{"dex_grasp": [NaN' + ", 0" * 27 + "]}]}")
    assert main(["show", str(grasps), "--png", str(tmp_path / "g.png")]) == 2
    assert "NaN" in capsys.readouterr().err


def test_degenerate_mesh_file(tmp_path, capsys):
    bad = tmp_path / "flat.obj"
    bad.write_text("v 0 0 0\nv 1 0 0\nv 2 0 0\nf 1 2 3\n")
    assert main(["objects", "show", str(bad), "--png", str(tmp_path / "x.png")]) == 2
    assert capsys.readouterr().err.startswith("error: ")
