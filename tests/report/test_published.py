from gan_bench.report import published


def test_memory_table_holds_the_sources_figures():
    table = published.memory_table().set_index(["model", "dataset", "batch_size"])["published_mb"]
    assert table[("dcgan", "mnist", 128)] == 939 and table[("dcgan", "mnist", 2048)] == 6011
    assert table[("dcgan", "celeba", 64)] == 773 and table[("dcgan", "celeba", 2048)] == 6283
    assert table[("cgan", "mnist", 128)] == 729 and table[("infogan", "mnist", 64)] == 833


def test_time_table_gives_minutes_per_epoch():
    table = published.time_table().set_index(["model", "dataset"])
    assert table.loc[("dcgan", "mnist"), "min_per_epoch"] == 13 / 25
    assert table.loc[("infogan", "mnist"), "minutes"] == 120


def test_only_the_sources_architecture_is_comparable():
    assert published.uses_source_configuration("dcgan", {"image_size": 64, "width": 64})
    assert published.uses_source_configuration("dcgan", {})  # our defaults are the source's
    assert not published.uses_source_configuration("dcgan", {"image_size": 32, "width": 16})
    assert not published.uses_source_configuration("wgan_gp", {})
    assert published.source_dataset("MNIST") == "mnist" and published.source_dataset("digits") is None
