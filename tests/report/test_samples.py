from gan_bench.report.samples import collect, title_of
from synthetic import build_results


def test_run_images_are_copied_into_the_report(tmp_path):
    build_results(tmp_path / "results", models=("cgan",), datasets=("mnist",), seeds=(1,), batch_sizes=(64,),
                  failures=())
    run_dir = "runs/mnist/cgan/bs64/seed1"
    images = collect(tmp_path / "results", run_dir, tmp_path / "reports")
    assert images.final.path == f"samples/{run_dir}/final.png"
    assert (tmp_path / "reports" / images.final.path).read_bytes() == \
        (tmp_path / "results" / run_dir / "samples" / "final.png").read_bytes()
    assert [i.title for i in images.progression] == ["step 30", "step 60"]
    assert [i.title for i in images.artifacts] == [title_of("class_grid")]


def test_a_run_without_images_is_empty(tmp_path):
    assert collect(tmp_path, "runs/x/y/bs1/seed1", tmp_path / "reports").empty


def test_artifact_titles_are_readable():
    assert title_of("class_grid").startswith("Class grid")
    assert title_of("code_sweep_1").startswith("Code sweep, code 1")
    assert title_of("my_new_thing") == "My new thing"


def test_copies_are_named_by_the_given_key(tmp_path):
    build_results(tmp_path / "results", models=("dcgan",), datasets=("digits",), seeds=(1,), batch_sizes=(64,),
                  failures=())
    images = collect(tmp_path / "results", "runs/digits/dcgan/bs64/seed1", tmp_path / "reports", key="k/run")
    assert images.final.path == "samples/k/run/final.png"
    source = tmp_path / "results" / "runs/digits/dcgan/bs64/seed1/samples/final.png"
    assert (tmp_path / "reports" / images.final.path).read_bytes() == source.read_bytes()
