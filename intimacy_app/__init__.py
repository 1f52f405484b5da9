"""Stay in the Room: the project package (settings, urls, site pages and the shared apps)."""
