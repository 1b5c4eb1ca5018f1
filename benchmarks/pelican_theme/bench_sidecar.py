"""Pelican plugin for the briefgen benchmark: reads briefgen-style YAML (article sidecars,
content/topics/*.yaml, content/actors/*.yaml) and exposes it to the templates as
``article.annotations``, ``TOPICS``, ``ACTORS``, ``CLAIMS`` (claim id -> defining entry) and
``ARTICLES_BY_SLUG``."""

import os

import yaml
from pelican import signals

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load(path):
    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=Loader) or {}


def _load_dir(path):
    out = {}
    if os.path.isdir(path):
        for name in sorted(os.listdir(path)):
            if name.endswith(".yaml"):
                out[name[:-5]] = _load(os.path.join(path, name))
    return out


def load_entities(generator):
    generator.context["TOPICS"] = _load_dir(os.path.join(generator.path, "topics"))
    generator.context["ACTORS"] = _load_dir(os.path.join(generator.path, "actors"))


def attach_annotations(generator):
    # Done after reading (not on content_object_init) so that articles restored from Pelican's
    # content cache also see edited sidecars.
    claims, by_slug = {}, {}
    for article in generator.articles:
        sidecar = os.path.splitext(article.source_path)[0] + ".yaml"
        ann = _load(sidecar) if os.path.exists(sidecar) else {}
        ann["actor_ids"] = [m["id"] if isinstance(m, dict) else m for m in ann.get("actors", [])]
        article.annotations = ann
        by_slug[article.slug] = article
    # claims: the defining entry plus every article that reports the claim
    for article in sorted(generator.articles, key=lambda a: a.date):
        for entry in article.annotations.get("claims", []):
            claim = claims.setdefault(entry["id"], {"id": entry["id"], "sources": [],
                                                    "topics": set(), "outlets": set()})
            if entry.get("statement"):
                claim.update({k: v for k, v in entry.items() if k not in ("quote", "grade", "via")})
            claim["sources"].append({"article": article, "quote": entry["quote"],
                                     "grade": entry["grade"], "via": entry.get("via", [])})
            claim["topics"].update(article.annotations.get("topics", []))
            claim["outlets"].add(getattr(article, "outlet", None))
    for claim in claims.values():
        claim["best"] = min(s["grade"] for s in claim["sources"])
        claim["topics"] = sorted(claim["topics"])
    generator.context["CLAIMS"] = claims
    generator.context["ARTICLES_BY_SLUG"] = by_slug


def write_claim_pages(generator, writer):
    template = generator.get_template("claim")
    for cid, claim in generator.context["CLAIMS"].items():
        writer.write_file(f"claims/{cid}/index.html", template, generator.context,
                          claim=claim, url=f"claims/{cid}/")


def register():
    signals.article_generator_init.connect(load_entities)
    signals.article_generator_pretaxonomy.connect(attach_annotations)
    signals.article_writer_finalized.connect(write_claim_pages)
