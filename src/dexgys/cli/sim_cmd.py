"""``dexgys sim FILE``: physics test (MuJoCo), Q1 and max penetration of the grasps in a grasp file."""

from __future__ import annotations

import argparse

from dexgys.errors import DexgysError
from dexgys.sim.protocols import DEFAULT_PROTOCOL, PROTOCOLS, Protocol, get_protocol


def add_parser(sub) -> None:
    p = sub.add_parser(
        "sim",
        help="physics-test grasps in MuJoCo and compute Q1 and penetration",
        description="Test every grasp of a grasp file under a named physics protocol. dexgys (default, "
        "dexgys-sim-2): penetration pre-check (> 5 mm fails), squeeze, then gravity along +-x, +-y, +-z of "
        "the object frame for 1 s each (held: < 2 cm and < 15 degrees). dexgraspbench: DexGraspBench's "
        "pre-grasp -> grasp -> squeeze, then 10 x mass newtons along each axis for 2 s (held: < 5 cm and "
        "< 15 degrees). dexgraspnet: DexGraspNet's Isaac validator approximated in MuJoCo (1 mm push, "
        "gravity 9.8 m/s^2 six ways, held: still in contact; penetration energy < 1 mm). Also Q1 "
        "(epsilon metric) and the maximal penetration depth. See spec/protocols.md, spec/evaluation.md.",
    )
    p.add_argument("file", help="grasp file (JSON: dexgys grasp file or a list of DexGYSNet records)")
    p.add_argument("--object", help="object to use instead of the file's: catalogue name (mug:3) or mesh file")
    p.add_argument("--workers", type=int, default=1, help="processes for the simulation (default: 1)")
    p.add_argument(
        "--protocol",
        choices=list(PROTOCOLS),
        default=DEFAULT_PROTOCOL,
        help=f"physics protocol (default: {DEFAULT_PROTOCOL})",
    )
    p.add_argument(
        "--hand",
        metavar="HAND",
        help="hand to test the grasps on instead of the file's: shadow "
        "(capsules; alias shadow-capsule), shadow-mesh (real OpenAI meshes), shadow-e3m5 (Menagerie E3M5)",
    )
    p.add_argument("--json", dest="json_out", metavar="OUT", help="write per-grasp results and the summary as JSON")
    p.set_defaults(run=run)


def _mark(flag: bool) -> str:
    return "Y" if flag else "."


def _precheck_note(protocol: Protocol) -> str:
    measure = "penetration energy" if protocol.precheck == "energy" else "penetration"
    where = "" if protocol.precheck_pose == 0 else " at the pre-grasp"
    return f"{measure}{where} > {1000 * protocol.precheck_threshold_m:g} mm: not simulated"


def run(args: argparse.Namespace) -> int:
    from dexgys.cli.common import check_output_dirs, checked_grasps
    from dexgys.data.grasp_file import read_grasp_file

    if args.workers < 1:
        raise DexgysError(f"--workers must be at least 1, got {args.workers}")
    check_output_dirs(args.json_out)
    grasp_file = read_grasp_file(args.file)  # a bad file is answered before the heavy imports below

    from dexgys.atomic import atomic_write_text
    from dexgys.hands import load_hand
    from dexgys.objects.resolve import resolve_object
    from dexgys.sim.evaluate import evaluate_grasps
    from dexgys.sim.grasp_test import DIRECTION_NAMES

    ref = args.object or grasp_file.object_ref
    if not ref:
        raise DexgysError(f"{args.file}: the file names no object; give one with --object")
    obj = resolve_object(ref)
    hand = load_hand(getattr(args, "hand", None) or grasp_file.hand)  # namespaces built in code may lack them
    protocol = get_protocol(getattr(args, "protocol", DEFAULT_PROTOCOL))
    grasps = checked_grasps(grasp_file.object_frame_vectors(), hand, args.file)
    report = evaluate_grasps(hand, obj, grasps, workers=args.workers, protocol=protocol, progress=True)

    head = f"{'#':>4} {'pen cm':>7} {'Q1':>6} {'vQ1':>6} {'con':>3}  " + " ".join(f"{d:>2}" for d in DIRECTION_NAMES)
    print(f"{obj.name}: {len(report.rows)} grasps, hand {hand.name}, protocol {protocol.name} ({protocol.protocol_id})")
    print(head + "  all6 any  note")
    for r in report.rows:
        note = "" if r["simulated"] else _precheck_note(protocol)
        if r["unstable"]:
            note = "unstable simulation"
        held = " ".join(f"{_mark(r['held'][d]):>2}" for d in DIRECTION_NAMES)
        print(
            f"{r['index']:>4} {r['penetration_cm']:7.3f} {r['q1']:6.3f} {r['valid_q1']:6.3f} {r['q1_contacts']:>3}  "
            f"{held}  {_mark(r['success_all6']):>4} {_mark(r['success_any']):>3}  {note}"
        )
    s = report.summary
    print(
        f"[{protocol.protocol_id}] success_all6 {s['success_all6_pct']:.1f} %   success_any {s['success_any_pct']:.1f} %   "
        f"(penetration pre-check failed: {s['failed_precheck']})"
    )
    print("held per direction: " + "  ".join(f"{d} {s[f'held_{d}_pct']:.1f} %" for d in DIRECTION_NAMES))
    print(
        f"mean valid Q1 {s['mean_valid_q1']:.4f}   mean Q1 {s['mean_q1']:.4f}   "
        f"mean max penetration {s['mean_max_penetration_cm']:.3f} cm   max {s['max_penetration_cm']:.3f} cm"
    )
    if args.json_out:
        report.meta["grasp_file"] = str(args.file)
        atomic_write_text(args.json_out, report.to_json() + "\n")
        print(f"wrote {args.json_out}")
    return 0
