"""Pure tensor geometry: rotations, primitive SDFs, sampling and nearest neighbours."""
