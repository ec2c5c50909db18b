"""grower.training: grower-train, from a folder of tone recordings to a timbre bank."""
