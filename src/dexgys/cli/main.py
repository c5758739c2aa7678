"""The ``dexgys`` command: argument parsing, dispatch, and one-line errors for user mistakes."""

from __future__ import annotations

import argparse
import logging
import sys

from dexgys import __version__
from dexgys.errors import DexgysError


def build_parser() -> argparse.ArgumentParser:
    from dexgys.cli import (
        data_cmd,
        demo_cmd,
        eval_cmd,
        export_cmd,
        generate_cmd,
        hands_cmd,
        intents_cmd,
        objects_cmd,
        polish_cmd,
        predict_cmd,
        show_cmd,
        sim_cmd,
        train_cmd,
    )

    parser = argparse.ArgumentParser(
        prog="dexgys",
        description="Language-guided dexterous grasping (Grasp as You Say) on a laptop CPU.",
    )
    parser.add_argument("--version", action="version", version=f"dexgys {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    objects_cmd.add_parser(sub)
    show_cmd.add_parser(sub)
    hands_cmd.add_parser(sub)
    sim_cmd.add_parser(sub)
    export_cmd.add_parser(sub)
    intents_cmd.add_parser(sub)
    data_cmd.add_parser(sub)
    demo_cmd.add_parser(sub)
    eval_cmd.add_parser(sub)
    train_cmd.add_parser(sub)
    generate_cmd.add_parser(sub)
    predict_cmd.add_parser(sub)
    polish_cmd.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(levelname)s: %(message)s")
    try:
        return int(args.run(args) or 0)
    except DexgysError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
