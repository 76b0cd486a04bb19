"""The HTML report: leaderboards, statistics, figures and sample galleries built only from `results/`."""
