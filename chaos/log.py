"""One place that prints progress: every line is flushed at once, so a CI log shows it while the suite runs."""


def log(message):
    print(message, flush=True)
