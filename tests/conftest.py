import os
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = Path(os.environ.get("GAN_BENCH_TEST_DATA", ROOT.parent / "shared" / "data")).resolve()

# Two cores on CI: one thread per test process keeps timings steady and avoids oversubscription.
torch.set_num_threads(1)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not (SHARED_DATA / "mnist").is_dir():
        pytest.fail(f"offline test data not found at {SHARED_DATA}; set GAN_BENCH_TEST_DATA to the folder "
                    f"holding mnist/ and fashion-mnist/")
    return SHARED_DATA


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Every test starts with one torch thread, whatever an earlier in-process CLI call set.

    Results compared bit for bit with a subprocess run (`--num-threads 1`) depend on the thread count: a CPU
    reduction split over two threads sums in another order.
    """
    torch.set_num_threads(1)
    yield


def pytest_addoption(parser):
    parser.addoption("--cuda", action="store_true",
                     help="device-parametrised tests must run on CUDA too: fail, rather than skip, without a GPU "
                          "(`python -m gan_bench gpu-check` passes it)")


@pytest.fixture(params=["cpu", "cuda"])
def device(request) -> torch.device:
    """The device a device-parametrised test runs on: the CPU always, CUDA where there is one (or `--cuda`)."""
    if request.param == "cuda" and not torch.cuda.is_available():
        if request.config.getoption("--cuda"):
            pytest.fail("--cuda was given but torch sees no CUDA device")
        pytest.skip("needs a CUDA GPU (run with --cuda on a GPU machine)")
    return torch.device(request.param)
