"""Shared test settings and fixtures: one torch thread, the MiniLM encoder, the tiny dataset and config."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from dexgys.data.grasp_dataset import GraspDataset
from dexgys.models import MiniLMTextEncoder
from dexgys.training import TrainConfig

# The test tensors are small: one thread avoids thread start-up costs and contention on 2 cores.
torch.set_num_threads(1)

TINY_DATA = Path(__file__).parent / "fixtures" / "dexgys_tiny"
TINY_CONFIG = TINY_DATA / "tiny_config.json"  # 256-point clouds, a 128-point hand, d_model 32, a few steps


@pytest.fixture(scope="session")
def minilm() -> MiniLMTextEncoder:
    return MiniLMTextEncoder()


@pytest.fixture(scope="module")
def dataset(tmp_path_factory) -> GraspDataset:
    """The tiny dataset's train split with 256-point clouds, loaded."""
    data = GraspDataset.from_dir(TINY_DATA, "train", n_points=256, cache_dir=tmp_path_factory.mktemp("clouds"))
    data.preload()
    return data


@pytest.fixture(scope="module")
def config() -> TrainConfig:
    """The tiny training config."""
    return TrainConfig.from_dict(json.loads(TINY_CONFIG.read_text()), "tiny")
