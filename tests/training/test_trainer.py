"""The training loop: it learns, tones stay independent, and Ctrl-C is clean."""

import numpy as np
import pytest
import torch

from grower.synth.spectral import log_spectral_distance_db
from grower.training.config import RunConfig
from grower.training.optim import PerToneAdam
from grower.training.tone_set import crop_size_for, draw_crops
from grower.training.trainer import SpectralStep, new_state, reconstruct, train

from .helpers import prepared, small_config


def mean_lsd(state, tones, config):
    results = reconstruct(state.decoders, tones, config)
    return np.mean([log_spectral_distance_db(t.audio.numpy(), r["audio"].numpy()) for t, r in zip(tones, results)])


def test_a_tiny_run_lowers_the_loss():
    config = small_config(max_steps=40, warm_start_steps=0)
    tones = [prepared(220.0, config), prepared(523.0, config, duration_s=1.1)]
    before = mean_lsd(new_state(tones, config), tones, config)
    state = train(tones, config, RunConfig(), progress=False)
    after = mean_lsd(state, tones, config)
    assert after < before - 3.0
    first, last = np.mean(state.loss_history[:5]), np.mean(state.loss_history[-5:])
    assert last < first


def test_the_warm_start_alone_reaches_a_usable_timbre():
    config = small_config(max_steps=0, warm_start_steps=200)
    tones = [prepared(220.0, config)]
    untrained = mean_lsd(new_state(tones, config), tones, config)
    state = train(tones, config, RunConfig(), progress=False)
    assert mean_lsd(state, tones, config) < untrained - 5.0


def test_batched_training_equals_training_alone():
    config = small_config(max_steps=8)
    together = [prepared(f, config, duration_s=d) for f, d in ((196.0, 0.8), (311.1, 1.2), (440.0, 0.9))]
    alone = [prepared(311.1, config, duration_s=1.2)]
    initial = new_state(alone, config).decoders.tone_state(0)
    batched = train(together, config, RunConfig(), progress=False).decoders.tone_state(1)
    single = train(alone, config, RunConfig(), progress=False).decoders.tone_state(0)
    for name, value in batched.items():
        learned = np.abs(single[name] - initial[name]).max()
        deviation = np.abs(value - single[name]).max()
        # Same seed, same crops, same noise, same updates: they differ only by
        # float32 rounding in batched matmuls, far below what training moved.
        assert deviation < 1e-2 * learned, (name, deviation, learned)


def test_inactive_tones_are_frozen_by_the_optimizer():
    weight = torch.nn.Parameter(torch.ones(3, 4, 5))
    optimizer = PerToneAdam([weight], lr=0.1, grad_clip=1.0)
    weight.grad = torch.ones_like(weight)
    optimizer.step(torch.tensor([True, False, True]))
    assert torch.all(weight[1] == 1.0)
    assert torch.all(weight[0] < 1.0) and torch.all(weight[2] < 1.0)
    assert optimizer.steps.tolist() == [1.0, 0.0, 1.0]


def test_gradient_clipping_is_per_tone():
    weight = torch.nn.Parameter(torch.zeros(2, 3))
    optimizer = PerToneAdam([weight], lr=1.0, grad_clip=1.0)
    weight.grad = torch.tensor([[100.0, 0, 0], [0.001, 0, 0]])
    norms = optimizer.step(torch.tensor([True, True]))
    assert norms.tolist() == pytest.approx([100.0, 0.001], rel=1e-5)
    # Adam normalises the first step to lr either way; what matters is that
    # the small tone's gradient was not scaled down by the large one.
    assert optimizer.exp_avg[0][1, 0].item() == pytest.approx(0.1 * 0.001, rel=1e-4)


def test_ctrl_c_stops_with_the_state_so_far():
    config = small_config(max_steps=50)
    tones = [prepared(220.0, config)]

    def interrupt(state):
        raise KeyboardInterrupt

    state = train(tones, config, RunConfig(checkpoint_every_s=0.0), checkpoint=interrupt, progress=False)
    assert state.stop_reason == "interrupted"
    assert state.step == 1


def test_a_tone_stops_when_its_loss_stops_improving():
    config = small_config(max_steps=60, converge_window=5, converge_tolerance=1.0)
    tones = [prepared(220.0, config)]
    state = train(tones, config, RunConfig(), progress=False)
    assert state.stop_reason == "converged"
    assert state.step == 11  # the first step at which a window-long comparison exists


def test_the_warm_start_shows_its_own_bar_advancing_step_by_step(capsys):
    config = small_config(max_steps=2, warm_start_steps=7)
    tones = [prepared(220.0, config)]
    train(tones, config, RunConfig(), progress=True)
    err = capsys.readouterr().err
    assert "warm start: 100%" in err and "7/7" in err  # then the spectral steps' bar
    assert "training: 100%" in err and "2/2" in err
    assert err.index("warm start") < err.index("training")
    train(tones, config, RunConfig(), progress=False)
    assert capsys.readouterr().err == ""  # --quiet: no bars


def test_after_a_second_ctrl_c_training_raises_instead_of_returning():
    config = small_config(max_steps=50)
    tones = [prepared(220.0, config)]

    class Forced:
        requested = forced = True

        def check(self):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(tones, config, RunConfig(), progress=False, interrupt=Forced())


def test_a_frozen_tones_weights_survive_an_infinite_gradient():
    weight = torch.nn.Parameter(torch.ones(2, 3))
    optimizer = PerToneAdam([weight], lr=0.1, grad_clip=1.0)
    weight.grad = torch.tensor([[1.0, 1.0, 1.0], [float("inf"), float("nan"), 1.0]])
    optimizer.step(torch.tensor([True, False]))
    assert torch.all(torch.isfinite(weight)) and torch.all(weight[1] == 1.0)
    assert torch.all(torch.isfinite(optimizer.exp_avg[0])) and torch.all(torch.isfinite(optimizer.exp_avg_sq[0]))


@pytest.mark.parametrize("stretched", [False, True])
def test_every_tensor_a_step_touches_follows_the_decoders_to_their_device(stretched):
    # The meta device stands in for CUDA, which CI has not: a CPU tensor meeting a meta one raises,
    # as it would against a GPU tensor (the warm start's optimizer once kept its step counts on the CPU).
    import dataclasses

    from grower.training.features import analyse
    from grower.training.tone_set import crop_size_for, draw_crops, prepare_tone
    from grower.training.trainer import SpectralStep, to_device, warm_start

    from ..conftest import harmonic_tone

    config = small_config(warm_start_steps=2)
    tones = [prepared(f, config) for f in (220.0, 440.0)]
    if stretched:
        audio = harmonic_tone(262.0, 0.8, config.features.sample_rate, noise_level=0.01)
        features = dataclasses.replace(analyse(audio, config.features, config.model.n_harmonics, config.model.n_noise_bands), inharmonicity=1e-4)
        tones.append(prepare_tone("stretched", "ab" * 32, audio, features, config))
    meta = torch.device("meta")
    state = to_device(new_state(tones, config), meta)
    warm_start(state, tones, config)
    step = SpectralStep(state.decoders, config, None, meta, False)
    losses = step(draw_crops(tones, crop_size_for(config), config))
    state.optimizer.zero_grad()
    losses.sum().backward()
    state.optimizer.step(state.active)
    assert losses.device == meta and all(p.grad is not None and p.device == meta for p in state.optimizer.params)
    # A batch of the tones still training (the others have stopped) takes their own decoders.
    index = torch.tensor([0, len(tones) - 1])
    subset = step(draw_crops([tones[0], tones[-1]], crop_size_for(config), config), index)
    assert subset.shape == (2,) and subset.device == meta


@pytest.mark.parametrize("stretched", [False, True], ids=["harmonic", "stretched"])
def test_a_steps_gradients_do_not_depend_on_the_thread_count(stretched):
    # The thread cap (training.cpu_share) moves torch between 1 and 2 threads as other processes come and go;
    # torch's complex abs and multiply rounded the elements at the end of each thread's share differently,
    # so the tones there trained to other weights on a busy machine than on a quiet one.
    config = small_config(crop_size=8192)
    tones = [prepared(110.0 * 2 ** (k / 5), config, duration_s=0.8 + 0.05 * k) for k in range(12)]
    if stretched:
        tones[3].inharmonicity = 3e-4
    threads = torch.get_num_threads()

    def gradients(n_threads: int) -> list:
        torch.set_num_threads(n_threads)
        for tone in tones:
            tone.generator.manual_seed(tone.seed + 1)
        state = new_state(tones, config)
        losses = SpectralStep(state.decoders, config, None, torch.device("cpu"), compile_=False)(draw_crops(tones, crop_size_for(config), config))
        losses.sum().backward()
        return [losses.detach()] + [w.grad.clone() for w in state.decoders.weights]

    try:
        one, two = gradients(1), gradients(2)
    finally:
        torch.set_num_threads(threads)
    for a, b in zip(one, two):
        differing = (a != b).reshape(len(tones), -1).any(dim=1).nonzero()[:, 0].tolist()
        assert differing == [], f"tones {differing} got other values on 2 threads than on 1"


def test_the_stft_magnitudes_gradient_is_torchs_and_zero_where_the_magnitude_is():
    from grower.training.tone_set import _Magnitude

    spec = torch.randn(3, 40, 17, dtype=torch.complex64)
    spec[0, 0, 0] = 0
    spec[1, 0, 0] = 1e-38  # a subnormal bin under a large gradient: nothing overflows
    weights = torch.randn(3, 40, 17)
    weights[1, 0, 0] = 1e4
    ours, theirs = spec.clone().requires_grad_(True), spec.clone().requires_grad_(True)
    (_Magnitude.apply(ours) * weights).sum().backward()
    (theirs.abs() * weights).sum().backward()
    assert torch.equal(_Magnitude.apply(spec), spec.abs())
    assert ours.grad[0, 0, 0] == 0
    assert torch.isfinite(torch.view_as_real(ours.grad)).all()
    normal = torch.ones_like(weights, dtype=torch.bool)
    normal[1, 0, 0] = False  # below 1e-30 the gradient shrinks with the bin
    assert torch.allclose(ours.grad[normal], theirs.grad[normal], rtol=1e-5, atol=1e-7)
