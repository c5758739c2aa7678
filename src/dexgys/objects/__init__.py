"""Part-labelled graspable objects: the procedural catalogue, mesh files and the OakInk layout."""
