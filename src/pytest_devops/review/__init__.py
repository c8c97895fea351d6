"""Apply what was reviewed: the digest shown on the pull request that merged, compared
with the plan made after the merge (``pytest-devops reviewed``)."""
