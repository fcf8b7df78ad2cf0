"""禹州关注 (Yuzhou Focus): the project package — settings, URLs and site-wide middleware."""
