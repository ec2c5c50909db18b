"""grower.server: the realtime OSC + MIDI server (grower-serve), and grower-play.

``protocol`` is the OSC address space as a table; ``dispatch`` maps each of its
addresses to a handler; ``osc`` parses datagrams and owns the UDP threads;
``engine`` queues commands for the audio thread; ``player`` holds the notes on
a renderer; ``midi`` turns MIDI messages into player calls and ``midi_ports``
opens the ports; ``tuning`` maps keys to pitches; ``audio`` plays and records;
``cli`` is grower-serve, ``play`` grower-play. Depends on grower.synth only.
"""
