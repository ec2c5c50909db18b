"""grower.server: the realtime OSC + MIDI server (grower-serve).

Not built yet; see the grower-serve issue. Depends on grower.synth only.
"""
