from gan_bench.report.html import decimals_for, decimals_for_pair, number, pvalue, render


def test_numbers_show_as_many_decimals_as_they_need():
    assert [number(v) for v in (1234.5, 45.23, 3.14159, 0.012345, None, float("nan"))] == \
        ["1,234", "45.2", "3.14", "0.0123", "–", "–"]
    assert number(60.0) == "60" and number(2.0) == "2"


def test_spread_sets_the_decimals():
    assert [decimals_for(v) for v in (0.52, 0.0027, 3.2, 11.0)] == [2, 4, 1, 0]
    assert [decimals_for_pair(m, 0.0093) for m in (2080.2, 133.9, 48.7, 0.05)] == [0, 1, 2, 4]


def test_tiny_p_values_are_bounded():
    assert pvalue(1e-9) == "< 0.001" and pvalue(0.0421) == "0.042" and pvalue(None) == "–"


def test_templates_escape_text_from_run_records():
    html = render("macros.html")
    assert html.strip() == ""   # macros only: nothing rendered by itself
    from gan_bench.report.html import environment
    template = environment().from_string("{{ reason }}")
    assert template.render(reason="<script>") == "&lt;script&gt;"
