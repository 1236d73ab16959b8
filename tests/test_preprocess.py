import torch

from sganctl.api import ImageSpec
from sganctl.preprocess import to_model_input, to_pixels
from sganctl.sampling import grid_image


def test_scales_to_minus_one_one_and_back():
    pixels = torch.tensor([0, 127, 255], dtype=torch.uint8).view(1, 1, 1, 3)
    x = to_model_input(pixels, ImageSpec(1, 1, 3))
    torch.testing.assert_close(x.flatten(), torch.tensor([-1.0, 127 / 127.5 - 1, 1.0]))
    assert torch.equal(to_pixels(x), pixels)


def test_resizes_and_converts_channels():
    grey = torch.randint(0, 256, (2, 1, 28, 28), dtype=torch.uint8)
    x = to_model_input(grey, ImageSpec(3, 64, 64))
    assert x.shape == (2, 3, 64, 64) and x.min() >= -1 and x.max() <= 1
    rgb = torch.full((1, 3, 40, 30), 200, dtype=torch.uint8)
    y = to_model_input(rgb, ImageSpec(1, 28, 28))
    assert y.shape == (1, 1, 28, 28)
    torch.testing.assert_close(y, torch.full_like(y, 200 / 127.5 - 1))


def test_grid_image_has_rows_and_columns():
    pixels = torch.zeros(6, 1, 28, 28, dtype=torch.uint8)
    image = grid_image(pixels, rows=2, cols=3)
    assert image.size == (3 * 30 + 2, 2 * 30 + 2) and image.mode == "L"


def test_a_sample_grid_is_generated_on_one_cpu_thread_and_the_thread_count_comes_back():
    # with several threads a convolution's sums may be added in another order from one process to the next, and
    # "same seed, same picture" failed by one level in two pixels (two of eight runs with two threads)
    from sganctl.sampling import generate

    seen = []

    class Spy(torch.nn.Module):
        def forward(self, z):
            seen.append(torch.get_num_threads())
            return torch.tanh(z.view(-1, 1, 2, 2))

    threads = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        first = generate(Spy(), 3, 4, seed=5, device=torch.device("cpu"))
        assert seen == [1] and torch.get_num_threads() == 2
        assert torch.equal(first, generate(Spy(), 3, 4, seed=5, device=torch.device("cpu")))
    finally:
        torch.set_num_threads(threads)
