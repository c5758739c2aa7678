"""``dexgys intents``: which intents each category supports and what they ask of the hand."""

from __future__ import annotations

import argparse


def add_parser(sub) -> None:
    p = sub.add_parser(
        "intents",
        help="show the intent catalogue (target parts, grasp type, finger roles)",
        description="Show, for every catalogue category (or the given ones), the intents "
        "(use, hold, lift, hand over) that apply and what each asks of the hand.",
    )
    p.add_argument("categories", nargs="*", help="categories to show (default: all)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from dexgys.objects.catalogue import get_category
    from dexgys.synthesis.intents import all_intent_specs, intent_table_markdown

    wanted = set(args.categories)
    for name in wanted:
        get_category(name)
    specs = [s for s in all_intent_specs() if not wanted or s.category in wanted]
    print(intent_table_markdown(specs))
    return 0
