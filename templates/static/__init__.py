"""Theme static files (CSS, JS), copied to site/static/ with content-hashed names."""
