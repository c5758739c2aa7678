"""Models: frozen text encoders, PointNet++ encoder, diffusion, the IDGC generator and the QGC refiner.

Data flow (DexGYS §4): object points + instruction tokens -> :class:`IDGC` (a DDPM over grasp vectors)
-> coarse grasps -> :class:`QGC` (one-pass residual refinement) -> grasps as DexGYSNet records
``[t | axis-angle | q]`` (metres, radians).

* :mod:`~dexgys.models.text_encoder`: :func:`load_text_encoder` (MiniLM from the packaged wheel, or a
  local CLIP), token features + mask; each sentence checked by
  :func:`~dexgys.language.instruction_check.check_instruction`.
* :mod:`~dexgys.models.point_encoder`: PointNet++ set abstraction with cacheable grouping.
* :mod:`~dexgys.models.grasp_repr`: records <-> ``[t | rot6d | q]`` vectors, :class:`GraspNormalizer`.
* :mod:`~dexgys.models.diffusion`: the DDPM schedule, DDPM/DDIM samplers.
* :mod:`~dexgys.models.decoder`: cloud tokens and the single-query cross-attention decoder.
* :mod:`~dexgys.models.losses`: hand Chamfer, contact map, object penetration.
* :mod:`~dexgys.models.finger_contacts`: :class:`FingerContactPredictor`, which hand parts an
  instruction puts on the object (read by the physics polish).
* :mod:`~dexgys.models.contact_regions`: :class:`ContactRegionPredictor`, where on the object each hand
  part should touch (read by the physics polish).
* :mod:`~dexgys.models.checkpoint`: versioned, atomically written, code-free checkpoints.
* :mod:`~dexgys.models.generator_file`: a generator's stages in one file, and the one check that they
  were trained together.
"""

from dexgys.models.checkpoint import (
    CHECKPOINT_FORMAT_VERSION,
    Checkpoint,
    build_model,
    load_checkpoint,
    load_model,
    save_checkpoint,
    save_model,
)
from dexgys.models.contact_regions import ContactRegionConfig, ContactRegionPredictor
from dexgys.models.diffusion import Diffusion
from dexgys.models.finger_contacts import HAND_PARTS, FingerContactConfig, FingerContactPredictor
from dexgys.models.grasp_repr import GraspHand, GraspNormalizer, record_to_vector, vector_to_record
from dexgys.models.idgc import IDGC, IDGCConfig
from dexgys.models.point_encoder import LIGHT_POINT_ENCODER, Groups, PointEncoder, PointEncoderConfig
from dexgys.models.qgc import QGC, QGCConfig
from dexgys.models.text_encoder import (
    ClipTextEncoder,
    MiniLMTextEncoder,
    TextEncoder,
    load_text_encoder,
    pad_token_features,
)

__all__ = [
    "CHECKPOINT_FORMAT_VERSION",
    "HAND_PARTS",
    "IDGC",
    "LIGHT_POINT_ENCODER",
    "QGC",
    "Checkpoint",
    "ClipTextEncoder",
    "ContactRegionConfig",
    "ContactRegionPredictor",
    "Diffusion",
    "FingerContactConfig",
    "FingerContactPredictor",
    "GraspHand",
    "GraspNormalizer",
    "Groups",
    "IDGCConfig",
    "MiniLMTextEncoder",
    "PointEncoder",
    "PointEncoderConfig",
    "QGCConfig",
    "TextEncoder",
    "build_model",
    "load_checkpoint",
    "load_model",
    "load_text_encoder",
    "pad_token_features",
    "record_to_vector",
    "save_checkpoint",
    "save_model",
    "vector_to_record",
]
