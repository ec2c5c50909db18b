"""grower.synth: what the controls mean, the bank format, the streaming renderer and grower-grow.

Never imports torch: the server and grower-grow run without it.
"""
