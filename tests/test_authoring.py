"""`briefgen claims` and `briefgen quote` on the example project, as a user runs them."""

from __future__ import annotations

from support import REPO, run_briefgen

ARTICLE = "content/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite.md"
SIDECAR = "content/articles/seoul-says-russia-helped-north-korea-launch-spy-satellite.yaml"


def test_claims_lists_each_claim_with_its_place_reports_origins_and_status():
    done = run_briefgen("claims", REPO, "--grep", "GUAM")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:4] == [
        f"kim-saw-satellite-images-of-guam  {SIDECAR}:99  disputed",
        "    Kim Jong Un has seen images of U.S. military facilities on Guam taken by North Korea's new "
        "reconnaissance satellite.",
        "    origins: north-korean-state-media",
        f"    report {SIDECAR}:99  2023-11-23  Kyiv Independent  D6, sets disputed  (defines it)",
    ]
    assert "2 claims matching 'GUAM'" in done.stderr
    every = run_briefgen("claims", REPO)
    assert "11 claims" in every.stderr
    assert (REPO / SIDECAR).read_text(encoding="utf-8").splitlines()[98].strip() == "- id: kim-saw-satellite-images-of-guam"


def test_quote_gives_the_exact_passage():
    done = run_briefgen("quote", REPO / ARTICLE, "the National Intelligence  Service assessed that there was")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "the National Intelligence Service assessed that there was\n"
    assert done.stderr == ""
    typed = run_briefgen("quote", REPO / ARTICLE, "the national intelligence service assessed that there was")
    assert typed.stdout == "the National Intelligence Service assessed that there was\n"
    assert "the article has 'National Int' where the quote has 'national int'" in typed.stderr


def test_quote_with_a_word_missing_gives_the_passage_and_the_first_difference():
    done = run_briefgen("quote", REPO / ARTICLE,
                        "the National Intelligence Service assessed there was assistance from Russia")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "the National Intelligence Service assessed that there was assistance from Russia\n"
    assert "first difference at character 44: the article has 'that there w' where the quote has 'there was as'" in done.stderr


def test_quote_of_words_not_in_the_article_is_an_error_without_traceback():
    done = run_briefgen("quote", REPO / ARTICLE, "bananas are yellow and grow in bunches on tall plants")
    assert done.returncode == 1
    assert done.stderr.startswith("error: no passage of")
    assert "Traceback" not in done.stderr
