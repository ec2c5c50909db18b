"""grower.synth: what the controls mean, the bank format, and (to come) the streaming renderer.

Never imports torch: the server and grower-grow run without it.
"""
