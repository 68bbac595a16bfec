"""The bench's percentiles, read from every response time the load recorded (bench/run.py)."""

from bench.run import percentile


def test_nearest_rank_percentile_is_a_recorded_figure_that_p_percent_do_not_exceed():
    times = list(range(1, 21))  # 20 figures, 1…20 ms
    assert percentile(times, 50) == 10
    assert percentile(times, 95) == 19
    assert percentile(times, 100) == 20
    assert percentile([7], 95) == 7
    assert percentile([3, 900], 50) == 3
    assert percentile([3, 900], 95) == 900


def test_no_figure_has_no_percentile():
    assert percentile([], 95) is None
