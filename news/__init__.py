"""The news apps: articles (label ``news``), comments, viewcounts, search and legacy."""
