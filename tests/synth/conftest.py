"""A bank with known controls, written without training."""

import pytest

from grower.synth.synthetic_bank import make_bank


@pytest.fixture
def bank(tmp_path):
    return make_bank(tmp_path / "bank", [("low", 110.0, 2.0, 0.0), ("mid", 200.0, 2.0, 0.0), ("breathy", 300.0, 2.0, 0.02)])
