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
        "openinpresentation": 0,
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
                        700.0,
                        48.0
                    ],
                    "text": "Timbre Grower for Live: a MIDI effect. Put it on the MIDI track that plays grower-serve; MIDI passes through unchanged. The dials are Live parameters: automate Stage in clips or arrangement. The server must listen on 127.0.0.1 at the Port shown.",
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
                        420.0,
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
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
                        105.0,
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
                    "id": "obj-7",
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
                    }
                }
            },
            {
                "box": {
                    "id": "obj-8",
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
                    }
                }
            },
            {
                "box": {
                    "id": "obj-9",
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
                    "id": "obj-10",
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
                    "id": "obj-11",
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
                    }
                }
            },
            {
                "box": {
                    "id": "obj-12",
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
                    "id": "obj-13",
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
                    }
                }
            },
            {
                "box": {
                    "id": "obj-14",
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
                    "id": "obj-15",
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
                    }
                }
            },
            {
                "box": {
                    "id": "obj-16",
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
                    "id": "obj-17",
                    "maxclass": "live.text",
                    "numinlets": 1,
                    "numoutlets": 2,
                    "patching_rect": [
                        380.0,
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
                    "mode": 0
                }
            },
            {
                "box": {
                    "id": "obj-18",
                    "maxclass": "message",
                    "numinlets": 2,
                    "numoutlets": 1,
                    "patching_rect": [
                        380.0,
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
                    "id": "obj-19",
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
                    "id": "obj-20",
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
                    "id": "obj-21",
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
                    "text": ""
                }
            },
            {
                "box": {
                    "id": "obj-22",
                    "maxclass": "newobj",
                    "numinlets": 1,
                    "numoutlets": 1,
                    "patching_rect": [
                        20.0,
                        320.0,
                        414.0,
                        22.0
                    ],
                    "outlettype": [
                        ""
                    ],
                    "text": "prepend set voices cpu% underflows bank stage msgs errors:"
                }
            },
            {
                "box": {
                    "id": "obj-23",
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
                    ]
                }
            },
            {
                "box": {
                    "id": "obj-24",
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
                    "id": "obj-25",
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
                    "id": "obj-26",
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
                    "text": ""
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
                    "id": "obj-28",
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
                    "id": "obj-29",
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
                    "id": "obj-30",
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
                        "obj-7",
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
                        "obj-8",
                        0
                    ],
                    "destination": [
                        "obj-9",
                        1
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
                        "obj-4",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-11",
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
                        "obj-4",
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
                        "obj-14",
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
                        "obj-4",
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
                        0
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
                        "obj-4",
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
                        "obj-18",
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
                        "obj-4",
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
                        "obj-20",
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
                        "obj-22",
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
                        "obj-21",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-20",
                        1
                    ],
                    "destination": [
                        "obj-24",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-24",
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
                        "obj-20",
                        1
                    ],
                    "destination": [
                        "obj-25",
                        0
                    ]
                }
            },
            {
                "patchline": {
                    "source": [
                        "obj-20",
                        2
                    ],
                    "destination": [
                        "obj-27",
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
                        "obj-26",
                        0
                    ]
                }
            }
        ],
        "devicewidth": 360.0
    }
}
