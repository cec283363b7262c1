"""The knowledge base in the workspace: the list, writing and editing articles, their
files and versions, publishing; articles made from solved tickets; the failing ones."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zayavka.accounts.models import User
from zayavka.kb import stats
from zayavka.kb.actions import articles as kb_actions
from zayavka.kb.actions.files import attach_files, remove_file
from zayavka.kb.models import Article, ArticleFile, ArticleRevision, KbCategory
from zayavka.kb.search import search_articles
from zayavka.tickets import access
from zayavka.tickets.models import Message, StatusCategory, Ticket
from zayavka.tickets.policy import default_policy
from zayavka.tickets.threads import thread_tickets
from zayavka.tickets.uploads import check_files, describe_uploads, max_total_bytes, read_uploads
from zayavka.workspace.articles import ArticleForm
from zayavka.workspace.auth import agent_required
from zayavka.workspace.views.common import nav_context

PER_PAGE = 50
DONE = (StatusCategory.RESOLVED, StatusCategory.CLOSED)


def _agent(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


@agent_required
@require_GET
def article_list(request: HttpRequest) -> HttpResponse:
    rows = Article.objects.select_related("category", "author").order_by("-updated_at", "pk")
    state = request.GET.get("state", "")
    if state in Article.State.values:
        rows = rows.filter(state=state)
    visibility = request.GET.get("visibility", "")
    if visibility in Article.Visibility.values:
        rows = rows.filter(visibility=visibility)
    category = request.GET.get("category", "")
    if category.isdigit():
        rows = rows.filter(category_id=int(category))
    query = request.GET.get("q", "")[:1000].strip()
    if query:
        hits = search_articles(query, rows, limit=PER_PAGE)
        rows = [hit.article for hit in hits]  # type: ignore[assignment]
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "workspace/kb_list.html",
        {
            "page": page,
            "categories": KbCategory.objects.all(),
            "states": Article.State.choices,
            "visibilities": Article.Visibility.choices,
            "chosen": {"state": state, "visibility": visibility, "category": category, "q": query},
            **nav_context(request),
        },
    )


@agent_required
@require_http_methods(["GET", "POST"])
def new_article(request: HttpRequest) -> HttpResponse:
    """A new article; `?ticket=N` prefills it from a solved ticket's thread."""
    ticket = _solved_ticket(request)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                article = kb_actions.create_article(
                    form.article_text(),
                    by=_agent(request),
                    publish="publish" in request.POST,
                    source_ticket=ticket,
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Article saved."))
                return redirect("workspace:kb-edit", pk=article.pk)
        return _editor(request, form, None, ticket=ticket, status=400)
    initial = _from_ticket(ticket) if ticket is not None else {}
    return _editor(request, ArticleForm(initial=initial), None, ticket=ticket)


def _solved_ticket(request: HttpRequest) -> Ticket | None:
    number = request.GET.get("ticket") or request.POST.get("ticket") or ""
    if not number.isdigit():
        return None
    ticket = access.access_ticket(request.user, int(number))
    if ticket.state not in DONE:
        raise Http404("only a solved ticket becomes an article")
    return ticket


def _from_ticket(ticket: Ticket) -> dict[str, Any]:
    """The article's first draft: the subject as the title, the requester's first
    message as the problem, the desk's public replies as the solution. Internal by
    default: the agent takes the client's details out before anyone else reads it."""
    thread = list(
        Message.objects.filter(
            ticket_id__in=thread_tickets(ticket), kind=Message.Kind.REPLY
        ).order_by("created_at", "pk")
    )
    asked = next((m.text for m in thread if m.direction == Message.Direction.INBOUND), "")
    answers = [m.text.strip() for m in thread if m.direction == Message.Direction.OUTBOUND]
    english = (ticket.requester.language or "").startswith("en")
    problem, solution = ("Problem", "Solution") if english else ("Проблема", "Решение")
    body = f"## {problem}\n\n{asked.strip()}\n\n## {solution}\n\n" + "\n\n".join(
        a for a in answers if a
    )
    lang = "en" if english else "ru"
    category = KbCategory.objects.filter(ticket_category_id=ticket.category_id).first()
    return {
        f"title_{lang}": ticket.subject,
        f"body_{lang}": body.strip() + "\n",
        "category": category,
        "visibility": Article.Visibility.INTERNAL,
        "note": _("Made from ticket #%(number)s") % {"number": ticket.display_number},
    }


def _editor(
    request: HttpRequest,
    form: ArticleForm,
    article: Article | None,
    *,
    ticket: Ticket | None = None,
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {"form": form, "article": article, "ticket": ticket}
    if article is not None:
        context["revisions"] = article.revisions.select_related("saved_by")[:50]
        context["files"] = list(article.files.all())
    return render(
        request, "workspace/kb_edit.html", {**context, **nav_context(request)}, status=status
    )


@agent_required
@require_http_methods(["GET", "POST"])
def edit_article(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                changed = kb_actions.update_article(
                    article,
                    form.article_text(),
                    by=_agent(request),
                    note=form.cleaned_data["note"],
                )
                if "publish" in request.POST:
                    changed = kb_actions.publish_article(article, by=_agent(request)) or changed
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("Article saved.") if changed else _("Nothing changed."))
                return redirect("workspace:kb-edit", pk=article.pk)
        return _editor(request, form, article, status=400)
    return _editor(request, ArticleForm(initial=ArticleForm.initial_of(article)), article)


@agent_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    if request.POST.get("state") == Article.State.DRAFT:
        kb_actions.withdraw_article(article, by=_agent(request))
        messages.success(request, _("The article is a draft again: only agents see it."))
    else:
        kb_actions.publish_article(article, by=_agent(request))
        messages.success(request, _("The article is published."))
    return redirect("workspace:kb-edit", pk=article.pk)


@agent_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    article = get_object_or_404(Article, pk=pk)
    files = request.FILES.getlist("files")
    try:
        check_files(describe_uploads(files), default_policy(), max_total=max_total_bytes())
        stored = attach_files(article, read_uploads(files), by=_agent(request))
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        if stored:
            messages.success(request, _("Files added: insert them into the text as shown."))
    return redirect("workspace:kb-edit", pk=article.pk)


@agent_required
@require_POST
def remove_upload(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    found = get_object_or_404(ArticleFile, pk=file_pk, article_id=pk)
    remove_file(found, by=_agent(request))
    messages.success(request, _("File removed."))
    return redirect("workspace:kb-edit", pk=pk)


@agent_required
@require_GET
def version(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    found = get_object_or_404(
        ArticleRevision.objects.select_related("article", "saved_by", "category"),
        article_id=pk,
        number=number,
    )
    return render(request, "workspace/kb_version.html", {"version": found, **nav_context(request)})


@agent_required
@require_GET
def failing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "workspace/kb_failing.html",
        {
            "rows": stats.failing_articles(),
            "deflected": stats.deflections(),
            **nav_context(request),
        },
    )
