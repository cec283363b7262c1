"""The public knowledge base (R30) at /kb/: sections, articles, «Помогло / Не помогло».

Anyone reads public articles; the desk's agents also internal ones and drafts
(`kb.access`). An article is shown in the reader's language, or in the other one when
it has no version in theirs. The HTML was rendered and sanitised when it was saved.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from zayavka.core.downloads import attachment_response, download_type
from zayavka.kb.access import access_article, readable_articles
from zayavka.kb.actions import readers
from zayavka.kb.models import Article, ArticleFile, KbCategory, Placement
from zayavka.kb.render import plain_text
from zayavka.kb.search import search_articles
from zayavka.portal.visitors import VISITOR, remember_shown, visitor_of
from zayavka.portal.webform import contact_of
from zayavka.tickets.access import is_agent

PER_PAGE = 30
SEARCH_RESULTS = 20
SUGGESTIONS = 3
MAX_QUERY = 1000


def _categories(request: HttpRequest) -> list[KbCategory]:
    visible = readable_articles(request.user)
    return list(
        KbCategory.objects.annotate(
            count=Count("articles", filter=Q(articles__in=visible), distinct=True)
        ).filter(count__gt=0)
    )


SNIPPET_CHARS = 220


def snippet(article: Article, language: str | None = None) -> str:
    text = plain_text(article.html_in(language)).replace("\n", " ")
    return text if len(text) <= SNIPPET_CHARS else text[:SNIPPET_CHARS].rsplit(" ", 1)[0] + "…"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The sections with their most helpful articles; with `q`, what the search finds."""
    articles = readable_articles(request.user)
    query = request.GET.get("q", "")[:MAX_QUERY].strip()
    if query:
        hits = search_articles(query, articles, limit=SEARCH_RESULTS)
        return render(
            request,
            "portal/kb/search.html",
            {
                "query": query,
                "hits": [(hit.article, snippet(hit.article)) for hit in hits],
            },
        )
    categories = _categories(request)
    top = {
        category.pk: list(
            articles.filter(category=category).order_by("-helpful", "-views", "pk")[:5]
        )
        for category in categories
    }
    for category in categories:
        category.top = top[category.pk]  # type: ignore[attr-defined]
    popular = list(articles.order_by("-views", "pk")[:5])
    return render(
        request,
        "portal/kb/index.html",
        {"categories": categories, "popular": popular},
    )


@require_GET
def category(request: HttpRequest, slug: str) -> HttpResponse:
    section = get_object_or_404(KbCategory, slug=slug)
    articles = readable_articles(request.user).filter(category=section).order_by("-helpful", "pk")
    page = Paginator(articles, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "portal/kb/category.html",
        {"category": section, "page": page, "categories": _categories(request)},
    )


@require_GET
def article(request: HttpRequest, slug: str) -> HttpResponse:
    found = access_article(request.user, slug)
    agent = is_agent(request.user)
    if found.is_published and not agent:
        readers.count_view(found)
        remember_shown(request, [found], Placement.PAGE, contact_of(request))
    language = found.language_for(get_language())
    related = (
        readable_articles(request.user)
        .filter(category_id=found.category_id)
        .exclude(pk=found.pk)
        .order_by("-helpful", "-views", "pk")[:5]
        if found.category_id
        else []
    )
    return render(
        request,
        "portal/kb/article.html",
        {
            "article": found,
            "title": getattr(found, f"title_{language}"),
            "html": getattr(found, f"html_{language}"),
            "language": language,
            "fallback": not (get_language() or "ru").startswith(language),
            "related": related,
            "files": [f for f in found.files.all() if not f.is_image],
            "is_agent": agent,
            "voted": _vote_of(request, found),
            "placement": _placement(request),
        },
    )


def _placement(request: HttpRequest) -> str:
    wanted = request.GET.get("from") or request.POST.get("from") or ""
    return wanted if wanted in Placement.values else Placement.PAGE


def _vote_of(request: HttpRequest, found: Article) -> bool | None:
    key = request.session.get(VISITOR)
    if not key:
        return None
    vote: bool | None = found.feedback.filter(visitor=key).values_list("helpful", flat=True).first()
    return vote


# No CSRF check: a vote speaks only for the visitor's own session, and the request
# form that offers it may be inside a provider's iframe, where browsers withhold our
# cookies (see webform.new_request). A forged vote is no more than anyone may cast.
@csrf_exempt
@require_POST
def feedback(request: HttpRequest, slug: str) -> HttpResponse:
    """«Помогло» (helpful=1) or «Не помогло» (helpful=0): the buttons answer in place
    (htmx) or on the article page again."""
    found = access_article(request.user, slug)
    if not found.is_published or request.POST.get("helpful") not in {"0", "1"}:
        raise Http404("no such article")
    helpful = request.POST["helpful"] == "1"
    placement = _placement(request)
    readers.give_feedback(
        found,
        helpful,
        placement=placement,
        visitor=visitor_of(request),
        contact=contact_of(request),
    )
    if request.headers.get("HX-Request") == "true":
        if request.POST.get("compact") == "1" and helpful:
            return render(request, "portal/kb/_helped.html", {"article": found})
        context = {"article": found, "voted": helpful, "placement": placement}
        return render(request, "portal/kb/_feedback.html", context)
    return redirect(reverse("portal:kb-article", args=[found.slug]) + "#feedback")


@require_GET
def file(request: HttpRequest, pk: int, name: str) -> HttpResponseBase:
    """A file or image of an article the reader may read."""
    found = get_object_or_404(ArticleFile.objects.select_related("article"), pk=pk)
    access_article(request.user, found.article.slug)
    if name != found.filename:
        raise Http404("no such file")
    return attachment_response(found, download_type(found.content_type))


@require_GET
def suggest(request: HttpRequest) -> HttpResponse:
    """The top public articles for what a client is typing into the request form (htmx,
    debounced by the form): the subject and the description. Each article is recorded
    as suggested to this visitor the first time."""
    typed = f"{request.GET.get('subject', '')}\n{request.GET.get('description', '')}"
    typed = typed[-MAX_QUERY:].strip()
    hits = search_articles(typed, Article.objects.public(), limit=SUGGESTIONS, prefix=True)
    articles = [hit.article for hit in hits]
    remember_shown(request, articles, Placement.SUGGESTION, contact_of(request))
    return render(
        request,
        "portal/kb/_suggestions.html",
        {"suggestions": [(a, snippet(a)) for a in articles]},
    )
