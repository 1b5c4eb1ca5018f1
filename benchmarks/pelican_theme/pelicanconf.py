# Pelican side of the briefgen benchmark: comparable pages to a briefing site. Topics are tags
# (topics/<id>/), actors are authors (actors/<id>/); the YAML sidecars, topics and actors are
# read by plugins/bench_sidecar.py, which also writes the claim pages (claims/<id>/). Category, archive-by-date and per-term feed pages are off.
AUTHOR = "briefgen benchmarks"
SITENAME = "Benchmark briefing"
SITEURL = ""
PATH = "content"
ARTICLE_PATHS = ["articles"]
PAGE_PATHS = []
STATIC_PATHS = []
THEME = "theme"
TIMEZONE = "UTC"
DEFAULT_LANG = "en"
# Bounded pages, as briefgen's: every list a page shows is capped at 20 (briefgen's caps) and
# the complete lists are paginated 20 to a page at /page/N/ (briefgen's pagination.per_page).
DEFAULT_PAGINATION = 20
PAGINATED_TEMPLATES = {"tag": None, "author": None, "archives": None, "timeline": None, "claims": None}
PAGINATION_PATTERNS = (
    (1, "{url}", "{save_as}"),
    (2, "{base_name}/page/{number}/", "{base_name}/page/{number}/index.html"),
)
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["bench_sidecar"]
JINJA_ENVIRONMENT = {"trim_blocks": True, "lstrip_blocks": True, "autoescape": True}

# Pelican's own incremental mode: reuse parsed Markdown when the file's mtime is unchanged
CACHE_CONTENT = True
LOAD_CONTENT_CACHE = True
CACHE_PATH = "cache"

ARTICLE_URL = "articles/{slug}/"
ARTICLE_SAVE_AS = "articles/{slug}/index.html"
TAG_URL = "topics/{slug}/"
TAG_SAVE_AS = "topics/{slug}/index.html"
TAGS_SAVE_AS = "topics/index.html"
AUTHOR_URL = "actors/{slug}/"
AUTHOR_SAVE_AS = "actors/{slug}/index.html"
AUTHORS_SAVE_AS = "actors/index.html"
ARCHIVES_SAVE_AS = "articles/index.html"
ARCHIVES_URL = "articles/"  # the first page of its pagination
INDEX_SAVE_AS = "index.html"
CATEGORY_SAVE_AS = ""
CATEGORIES_SAVE_AS = ""
YEAR_ARCHIVE_SAVE_AS = ""
MONTH_ARCHIVE_SAVE_AS = ""
DAY_ARCHIVE_SAVE_AS = ""
DRAFT_SAVE_AS = ""
PAGE_SAVE_AS = ""
DIRECT_TEMPLATES = ["index", "tags", "authors", "archives", "claims", "timeline", "404"]  # 404 -> 404.html
CLAIMS_SAVE_AS = "claims/index.html"
CLAIMS_URL = "claims/"  # the first page of its pagination
TIMELINE_SAVE_AS = "timeline/index.html"
TIMELINE_URL = "timeline/"  # the first page of its pagination

# one feed of the 20 latest articles, like Hugo's home RSS
FEED_ALL_ATOM = "feeds/all.atom.xml"
FEED_MAX_ITEMS = 20
CATEGORY_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None
TRANSLATION_FEED_ATOM = None
