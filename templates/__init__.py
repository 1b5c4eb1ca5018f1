"""The default theme: Jinja templates and static files, installed as briefgen.theme."""
