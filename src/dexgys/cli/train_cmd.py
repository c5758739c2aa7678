"""``dexgys train idgc|qgc|fingers|regions|export``: train the stages, bundle them into one model file."""

from __future__ import annotations

import argparse
from pathlib import Path

from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "train",
        help="train IDGC and QGC, bundle them into a model file",
        description="Train the two-stage generator: first IDGC (the diffusion model), then QGC (the "
        "refiner, on pairs made by the trained IDGC); 'fingers' trains the small text "
        "model that tells the polish which fingers the instruction puts on the object, "
        "'regions' the model that tells it where on the object each of them goes; 'export' "
        "bundles them into one file for 'dexgys generate --model'. "
        "Several processes or GPUs: "
        "'torchrun --nproc_per_node N -m dexgys train ...' (DistributedDataParallel; "
        "each step then takes N batches).",
    )
    tsub = p.add_subparsers(dest="train_command", metavar="STAGE", required=True)
    for stage, text in (
        ("idgc", "train IDGC, the language-conditioned diffusion model"),
        ("qgc", "train QGC, the refiner, on IDGC samples of the training set"),
        ("fingers", "train the finger-contact predictor on the training sentences (under two minutes)"),
        ("regions", "train the contact-region predictor on the training clouds and sentences"),
    ):
        s = tsub.add_parser(
            stage,
            help=text,
            description=f"{text[0].upper()}{text[1:]}. Writes OUT/{stage}.pt, "
            f"OUT/{stage}-state.pt (to resume), OUT/{stage}-log.csv and OUT/cache/.",
        )
        s.add_argument(
            "--config",
            default="cpu",
            help="training config: 'cpu' (default: each stage under an hour on one CPU thread), 'paper' "
            "(the paper's schedule, for a GPU) or a JSON file",
        )
        s.add_argument("--data", metavar="DIR", help="dataset directory made by 'dexgys data build' (its train split)")
        s.add_argument("--official", metavar="JSON", help="an official DexGYSNet train.json instead of --data")
        s.add_argument("--oakink", metavar="ROOT", help="the OakInk copy the --official file refers to")
        s.add_argument("--out", required=True, metavar="DIR", help="output directory (created)")
        if stage == "qgc":
            s.add_argument("--idgc", metavar="CKPT", help="the trained IDGC (default: OUT/idgc.pt)")
        s.add_argument("--resume", action="store_true", help="continue the run saved in OUT (bit-for-bit)")
        s.add_argument("--max-steps", type=int, metavar="N", help="stop after step N (resume later with --resume)")
        s.add_argument("--device", default="cpu", help="cpu (default) or cuda")
        s.add_argument("--seed", type=int, help="override the config's seed")
        s.add_argument(
            "--threads",
            type=int,
            default=1,
            help="torch threads (default 1: the fastest for these small models on a small CPU)",
        )
        s.set_defaults(run=run_stage, stage=stage)
    e = tsub.add_parser(
        "export",
        help="bundle an IDGC and a QGC checkpoint into one model file",
        description="Bundle the idgc.pt and qgc.pt of a training run into one generator file "
        "(the format of the shipped model; read by 'dexgys generate --model').",
    )
    e.add_argument("--idgc", required=True, metavar="CKPT", help="IDGC checkpoint (OUT/idgc.pt of a run)")
    e.add_argument("--qgc", metavar="CKPT", help="QGC checkpoint (OUT/qgc.pt; without it no refinement)")
    e.add_argument(
        "--fingers",
        metavar="CKPT",
        help="finger-contact predictor (OUT/fingers.pt; without it the polish pulls no named fingers)",
    )
    e.add_argument(
        "--regions",
        metavar="CKPT",
        help="contact-region predictor (OUT/regions.pt; without it the polish pulls no finger toward a part)",
    )
    e.add_argument("--out", required=True, metavar="FILE", help="the model file to write")
    e.add_argument(
        "--guidance-scale",
        type=float,
        default=1.0,
        metavar="W",
        help="the classifier-free guidance scale the model generates with by default (default: 1, "
        "none; above 1 needs an IDGC trained with text_dropout)",
    )
    e.set_defaults(run=run_export)


def _dataset(args: argparse.Namespace, n_points: int, cache: Path):
    from dexgys.data.grasp_dataset import GraspDataset

    if args.data and (args.official or args.oakink):
        raise DexgysError("give either --data or --official with --oakink, not both")
    if args.data:
        return GraspDataset.from_dir(args.data, "train", n_points=n_points, cache_dir=cache)
    if args.official and args.oakink:
        return GraspDataset.from_official(args.official, args.oakink, n_points=n_points, cache_dir=cache)
    raise DexgysError("no training data: give --data DIR, or --official JSON with --oakink ROOT")


def run_stage(args: argparse.Namespace) -> int:
    import torch

    from dexgys.training import (
        distributed,
        load_train_config,
        train_contact_regions,
        train_finger_contacts,
        train_idgc,
        train_qgc,
    )

    if args.threads < 1:
        raise DexgysError(f"--threads must be at least 1, got {args.threads}")
    if args.max_steps is not None and args.max_steps < 1:
        raise DexgysError(f"--max-steps must be positive, got {args.max_steps}")
    if args.device not in ("cpu", "cuda"):
        raise DexgysError(f"--device must be cpu or cuda, got {args.device!r}")
    torch.set_num_threads(args.threads)
    config = load_train_config(args.config)
    if args.seed is not None:
        if args.seed < 0:
            raise DexgysError(f"--seed must be >= 0, got {args.seed}")
        config = config.replace_seed(args.seed)
    out = Path(args.out)
    if not out.resolve().parent.is_dir():
        raise DexgysError(f"the parent directory of --out {args.out!r} does not exist")
    idgc_path = None
    if args.stage == "qgc":
        idgc_path = Path(args.idgc) if args.idgc else out / "idgc.pt"
        if not idgc_path.is_file():
            raise DexgysError(f"no IDGC checkpoint at {str(idgc_path)!r}: train IDGC first, or pass --idgc")
    dataset = _dataset(args, config.data.object_points, out / "cache")
    device = distributed.init_from_env(args.device)  # joins the torchrun group, if launched by torchrun
    main = distributed.is_main()
    try:
        kw = dict(resume=args.resume, max_steps=args.max_steps, device=device, progress=main)
        if args.stage == "idgc":
            result = train_idgc(config, dataset, out, **kw)
        elif args.stage == "qgc":
            result = train_qgc(config, dataset, out, idgc_path, **kw)
        elif args.stage == "fingers":
            result = train_finger_contacts(config, dataset, out, **kw)
        else:
            result = train_contact_regions(config, dataset, out, **kw)
    finally:
        distributed.shutdown()
    if not main:
        return 0
    losses = "  ".join(f"{k} {v:.4g}" for k, v in result.losses.items())
    state = (
        "done" if result.completed else f"stopped at step {result.step} of {result.total_steps} (--resume continues)"
    )
    print(f"{args.stage}: {state}; last losses: {losses or 'n/a'}")
    print(f"wrote {result.model_path}, {result.state_path}, {result.log_path}")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dexgys.models.generator_file import export_generator

    export_generator(
        args.idgc,
        args.qgc,
        args.out,
        guidance_scale=args.guidance_scale,
        fingers_path=args.fingers,
        regions_path=args.regions,
    )
    parts = (
        ["IDGC"]
        + (["QGC"] if args.qgc else [])
        + (["finger-contact predictor"] if args.fingers else [])
        + (["contact-region predictor"] if args.regions else [])
    )
    print(f"wrote {args.out} ({' + '.join(parts)})")
    return 0
