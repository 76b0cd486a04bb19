"""The safe-name rule (gan_bench/names.py): what passes, what is refused, and that the advice is a safe name."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gan_bench.errors import GanBenchError
from gan_bench.names import check_name, is_safe, key_path, suggestion


@pytest.mark.parametrize("name", ["mnist", "fashion_mnist", "my-data.v2", "CelebA", "2024", "a" * 64])
def test_ordinary_names_pass(name):
    assert check_name(name, "config key datasets") == name


@pytest.mark.parametrize("name", ["", ".hidden", "-rf", "_x", "a..b", "../x", "a/b", "a b", "a\nb", "d&touch x&",
                                  "`id`", "$(id)", "a;b", "é", "a" * 65])
def test_names_that_would_leave_results_or_run_something_are_refused(name):
    with pytest.raises(GanBenchError, match=r"^config key datasets: name .* is not allowed, .*rename it, e\.g\. to "):
        check_name(name, "config key datasets")


@settings(max_examples=200, derandomize=True, database=None)
@given(st.text(max_size=80))
def test_any_text_is_taken_or_refused_in_one_line_whose_advice_is_a_safe_name(text):
    try:
        assert is_safe(check_name(text, "config key datasets"))
    except GanBenchError as error:
        assert "\n" not in str(error)
        assert is_safe(suggestion(text)) and str(error).endswith(f"e.g. to {suggestion(text)}")


def test_a_key_path_quotes_only_the_parts_that_are_not_safe_names():
    assert key_path(["models", "dcgan", "lr"]) == "models.dcgan.lr"
    assert key_path(["seeds", 0]) == "seeds.0"
    assert key_path(["datasets", "a\nb"]) == "datasets.'a\\nb'"
