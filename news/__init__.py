"""News: articles, categories, sources, tags, the public pages and site settings."""
