{
    "patcher": {
        "fileversion": 1,
        "appversion": {
            "major": 8,
            "minor": 6,
            "revision": 0,
            "architecture": "x64",
            "modernui": 1
        },
        "classnamespace": "box",
        "rect": [
            80.0,
            80.0,
            760.0,
            560.0
        ],
        "openinpresentation": 1,
        "default_fontsize": 12.0,
        "gridsize": [
            15.0,
            15.0
        ],
        "boxes": [
            {
                "box": {
                    "id": "obj-1",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        20.0,
                        10.0,
                        720.0,
                        48.0
                    ],
                    "text": "Timbre Grower for Live: a MIDI effect for the MIDI track that plays grower-serve (MIDI passes through). The dials are Live parameters: automate them. The server must listen on 127.0.0.1 at the Port shown. It registers port 9002 with /grower/notify (on load, every 5 s) and shows /grower/status every 0.5 s while 'poll' is on.",
                    "linecount": 3
                }
            },
            {
                "box": {
                    "id": "obj-2",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        560.0,
                        70.0,
                        50.0,
                        22.0
                    ],
                    "outlettype": [
                        "int"
                    ],
                    "text": "midiin"
                }
            },
            {
                "box": {
                    "id": "obj-3",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        560.0,
                        105.0,
                        57.0,
                        22.0
                    ],
                    "text": "midiout"
                }
            },
            {
                "box": {
                    "id": "obj-4",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        20.0,
                        510.0,
                        162.0,
                        22.0
                    ],
                    "text": "udpsend 127.0.0.1 9000"
                }
            },
            {
                "box": {
                    "id": "obj-5",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        70.0,
                        64.0,
                        22.0
                    ],
                    "outlettype": [
                        "bang"
                    ],
                    "text": "loadbang"
                }
            },
            {
                "box": {
                    "id": "obj-6",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        380.0,
                        95.0,
                        43.0,
                        22.0
                    ],
                    "outlettype": [
                        "bang",
                        "bang"
                    ],
                    "text": "t b b"
                }
            },
            {
                "box": {
                    "id": "obj-7",
                    "maxclass": "newobj",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        460.0,
                        120.0,
                        78.0,
                        22.0
                    ],
                    "outlettype": [
                        "bang"
                    ],
                    "text": "metro 5000"
                }
            },
            {
                "box": {
                    "id": "obj-8",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        460.0,
                        150.0,
                        161.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/notify 1 9002"
                }
            },
            {
                "box": {
                    "id": "obj-9",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        120.0,
                        21.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "1"
                }
            },
            {
                "box": {
                    "id": "obj-10",
                    "maxclass": "toggle",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        150.0,
                        20.0,
                        20.0
                    ],
                    "outlettype": [
                        "int"
                    ],
                    "presentation": 1,
                    "presentation_rect": [
                        500.0,
                        36.0,
                        20.0,
                        20.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-11",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        402.0,
                        150.0,
                        40.0,
                        20.0
                    ],
                    "text": "poll",
                    "presentation": 1,
                    "presentation_rect": [
                        520.0,
                        36.0,
                        40.0,
                        20.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-12",
                    "maxclass": "newobj",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        180.0,
                        71.0,
                        22.0
                    ],
                    "outlettype": [
                        "bang"
                    ],
                    "text": "metro 500"
                }
            },
            {
                "box": {
                    "id": "obj-13",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        210.0,
                        112.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/status"
                }
            },
            {
                "box": {
                    "id": "obj-14",
                    "maxclass": "live.dial",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        20.0,
                        70.0,
                        44.0,
                        48.0
                    ],
                    "outlettype": [
                        "",
                        "float"
                    ],
                    "parameter_enable": 1,
                    "varname": "grower_stage",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Stage",
                            "parameter_shortname": "Stage",
                            "parameter_type": 0,
                            "parameter_mmin": 0.0,
                            "parameter_mmax": 64.0,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                64.0
                            ],
                            "parameter_unitstyle": 0
                        }
                    },
                    "presentation": 1,
                    "presentation_rect": [
                        5.0,
                        5.0,
                        44.0,
                        48.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-15",
                    "maxclass": "live.dial",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        90.0,
                        70.0,
                        44.0,
                        48.0
                    ],
                    "outlettype": [
                        "",
                        "float"
                    ],
                    "parameter_enable": 1,
                    "varname": "grower_glide",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Glide",
                            "parameter_shortname": "Glide",
                            "parameter_type": 0,
                            "parameter_mmin": 0.0,
                            "parameter_mmax": 2.0,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                0.02
                            ],
                            "parameter_unitstyle": 2
                        }
                    },
                    "presentation": 1,
                    "presentation_rect": [
                        60.0,
                        5.0,
                        44.0,
                        48.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-16",
                    "maxclass": "newobj",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        140.0,
                        92.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "pak 64. 0.02"
                }
            },
            {
                "box": {
                    "id": "obj-17",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        170.0,
                        147.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/stage $1 $2"
                }
            },
            {
                "box": {
                    "id": "obj-18",
                    "maxclass": "live.dial",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        160.0,
                        70.0,
                        44.0,
                        48.0
                    ],
                    "outlettype": [
                        "",
                        "float"
                    ],
                    "parameter_enable": 1,
                    "varname": "grower_gain",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Gain",
                            "parameter_shortname": "Gain",
                            "parameter_type": 0,
                            "parameter_mmin": -60.0,
                            "parameter_mmax": 12.0,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                0.0
                            ],
                            "parameter_unitstyle": 4
                        }
                    },
                    "presentation": 1,
                    "presentation_rect": [
                        115.0,
                        5.0,
                        44.0,
                        48.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-19",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        160.0,
                        170.0,
                        119.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/gain $1"
                }
            },
            {
                "box": {
                    "id": "obj-20",
                    "maxclass": "live.dial",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        230.0,
                        70.0,
                        44.0,
                        48.0
                    ],
                    "outlettype": [
                        "",
                        "float"
                    ],
                    "parameter_enable": 1,
                    "varname": "grower_noise_mix",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Noise Mix",
                            "parameter_shortname": "Noise",
                            "parameter_type": 0,
                            "parameter_mmin": 0.0,
                            "parameter_mmax": 4.0,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                1.0
                            ],
                            "parameter_unitstyle": 0
                        }
                    },
                    "presentation": 1,
                    "presentation_rect": [
                        170.0,
                        5.0,
                        44.0,
                        48.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-21",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        230.0,
                        200.0,
                        126.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/noise $1"
                }
            },
            {
                "box": {
                    "id": "obj-22",
                    "maxclass": "live.numbox",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        300.0,
                        70.0,
                        50.0,
                        15.0
                    ],
                    "outlettype": [
                        "",
                        "float"
                    ],
                    "parameter_enable": 1,
                    "varname": "grower_port",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Port",
                            "parameter_shortname": "Port",
                            "parameter_type": 1,
                            "parameter_mmin": 1.0,
                            "parameter_mmax": 65535.0,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                9000.0
                            ],
                            "parameter_unitstyle": 0
                        }
                    },
                    "presentation": 1,
                    "presentation_rect": [
                        235.0,
                        10.0,
                        50.0,
                        15.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-23",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        300.0,
                        100.0,
                        63.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "port $1"
                }
            },
            {
                "box": {
                    "id": "obj-24",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        300.0,
                        124.0,
                        60.0,
                        20.0
                    ],
                    "text": "OSC port",
                    "presentation": 1,
                    "presentation_rect": [
                        290.0,
                        8.0,
                        60.0,
                        20.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-25",
                    "maxclass": "live.text",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        640.0,
                        160.0,
                        50.0,
                        18.0
                    ],
                    "outlettype": [
                        "",
                        ""
                    ],
                    "text": "Panic",
                    "parameter_enable": 1,
                    "varname": "grower_panic",
                    "saved_attribute_attributes": {
                        "valueof": {
                            "parameter_longname": "Grower Panic",
                            "parameter_shortname": "Panic",
                            "parameter_type": 2,
                            "parameter_mmax": 1,
                            "parameter_initial_enable": 1,
                            "parameter_initial": [
                                0.0
                            ],
                            "parameter_unitstyle": 0,
                            "parameter_enum": [
                                "off",
                                "on"
                            ]
                        }
                    },
                    "mode": 0,
                    "presentation": 1,
                    "presentation_rect": [
                        235.0,
                        33.0,
                        50.0,
                        18.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-26",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        640.0,
                        190.0,
                        105.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "/grower/panic"
                }
            },
            {
                "box": {
                    "id": "obj-27",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        250.0,
                        113.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "udpreceive 9002"
                }
            },
            {
                "box": {
                    "id": "obj-28",
                    "maxclass": "newobj",
                    "numinlets": 2,
                    "numoutlets": 5,
                    "patching_rect": [
                        20.0,
                        285.0,
                        477.0,
                        22.0
                    ],
                    "outlettype": [
                        "",
                        "",
                        "",
                        "",
                        ""
                    ],
                    "text": "route /grower/status.reply /grower/fail /grower/done /grower/synced"
                }
            },
            {
                "box": {
                    "id": "obj-29",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        350.0,
                        320.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "",
                    "presentation": 1,
                    "presentation_rect": [
                        5.0,
                        62.0,
                        550.0,
                        22.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-30",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        320.0,
                        491.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "prepend set voices cpu_percent underflows bank stage messages errors:"
                }
            },
            {
                "box": {
                    "id": "obj-31",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        410.0,
                        320.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "",
                    "bgcolor": [
                        1.0,
                        0.8,
                        0.8,
                        1.0
                    ],
                    "presentation": 1,
                    "presentation_rect": [
                        5.0,
                        88.0,
                        550.0,
                        22.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-32",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        380.0,
                        127.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "prepend set FAIL:"
                }
            },
            {
                "box": {
                    "id": "obj-33",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        220.0,
                        380.0,
                        127.0,
                        22.0
                    ],
                    "text": "print grower-fail"
                }
            },
            {
                "box": {
                    "id": "obj-34",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        470.0,
                        320.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "",
                    "presentation": 1,
                    "presentation_rect": [
                        5.0,
                        114.0,
                        550.0,
                        22.0
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-35",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        440.0,
                        127.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "prepend set done:"
                }
            },
            {
                "box": {
                    "id": "obj-36",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        350.0,
                        350.0,
                        220.0,
                        20.0
                    ],
                    "text": "status (every 0.5 s while polling)"
                }
            },
            {
                "box": {
                    "id": "obj-37",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        350.0,
                        410.0,
                        260.0,
                        20.0
                    ],
                    "text": "errors from the server (also in the Max console)"
                }
            },
            {
                "box": {
                    "id": "obj-38",
                    "maxclass": "comment",
                    "numinlets": 1,
                    "numoutlets": 0,
                    "patching_rect": [
                        350.0,
                        470.0,
                        160.0,
                        20.0
                    ],
                    "text": "confirmations"
                }
            }
        ],
        "lines": [
            {
                "patchline": {
                    "source": [
                        "obj-2",
                        0
                    ],
                    "destination": [
                        "obj-3",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-5",
                        0
                    ],
                    "destination": [
                        "obj-6",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-6",
                        1
                    ],
                    "destination": [
                        "obj-7",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-7",
                        0
                    ],
                    "destination": [
                        "obj-8",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-8",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-6",
                        0
                    ],
                    "destination": [
                        "obj-9",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-9",
                        0
                    ],
                    "destination": [
                        "obj-10",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-10",
                        0
                    ],
                    "destination": [
                        "obj-12",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-12",
                        0
                    ],
                    "destination": [
                        "obj-13",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-13",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-14",
                        0
                    ],
                    "destination": [
                        "obj-16",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-15",
                        0
                    ],
                    "destination": [
                        "obj-16",
                        1
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-16",
                        0
                    ],
                    "destination": [
                        "obj-17",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-17",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-18",
                        0
                    ],
                    "destination": [
                        "obj-19",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-19",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-20",
                        0
                    ],
                    "destination": [
                        "obj-21",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-21",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-22",
                        0
                    ],
                    "destination": [
                        "obj-23",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-23",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-25",
                        0
                    ],
                    "destination": [
                        "obj-26",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-26",
                        0
                    ],
                    "destination": [
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-27",
                        0
                    ],
                    "destination": [
                        "obj-28",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-28",
                        0
                    ],
                    "destination": [
                        "obj-30",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-30",
                        0
                    ],
                    "destination": [
                        "obj-29",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-28",
                        1
                    ],
                    "destination": [
                        "obj-32",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-32",
                        0
                    ],
                    "destination": [
                        "obj-31",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-28",
                        1
                    ],
                    "destination": [
                        "obj-33",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-28",
                        2
                    ],
                    "destination": [
                        "obj-35",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-35",
                        0
                    ],
                    "destination": [
                        "obj-34",
                        0
                    ]
                }
            }
        ],
        "devicewidth": 560.0
    }
}
