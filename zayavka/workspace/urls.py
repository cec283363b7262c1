"""The agent workspace, under /desk/."""

from django.contrib.auth import views as auth_views
from django.urls import path

from zayavka.workspace.auth import AgentAuthenticationForm, AgentLoginView
from zayavka.workspace.views import files, joins, kb, phone, queues, security, tickets, update

app_name = "workspace"
urlpatterns = [
    path(
        "login/",
        AgentLoginView.as_view(
            authentication_form=AgentAuthenticationForm,
            redirect_authenticated_user=False,
            next_page="workspace:home",
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="workspace:login"), name="logout"),
    path("", queues.home, name="home"),
    path("q/<slug:slug>/", queues.queue, name="queue"),
    path("bulk/", queues.bulk, name="bulk"),
    path("counts/", queues.counts, name="counts"),
    path("t/<int:number>/", tickets.ticket_page, name="ticket"),
    path("t/<int:number>/reply/", tickets.post_message, {"kind": "reply"}, name="reply"),
    path("t/<int:number>/note/", tickets.post_message, {"kind": "note"}, name="note"),
    path("t/<int:number>/update/", update.update, name="update"),
    path("t/<int:number>/status/", tickets.change_status, name="status"),
    path("t/<int:number>/priority/", tickets.change_priority, name="priority"),
    path("t/<int:number>/category/", tickets.change_category, name="category"),
    path("t/<int:number>/assign/", tickets.assign, name="assign"),
    path("t/<int:number>/take/", tickets.take, name="take"),
    path("t/<int:number>/merge/", tickets.merge, name="merge"),
    path("t/<int:number>/link/", tickets.link, name="link"),
    path("t/<int:number>/unlink/<int:other>/", tickets.unlink, name="unlink"),
    path("t/<int:number>/canned/", tickets.canned, name="canned"),
    path("t/<int:number>/article/", tickets.insert_article, name="insert-article"),
    path("t/<int:number>/category/fields/", tickets.category_fields, name="category-fields"),
    path("t/<int:number>/presence/", tickets.presence, name="presence"),
    path("t/<int:number>/m/<int:pk>/abusive/", tickets.abusive, name="abusive"),
    path("t/<int:number>/close-silently/", tickets.close_without_reply, name="close-silently"),
    path("new/phone/", phone.new_call, name="phone"),
    path("new/phone/callers/", phone.callers, name="phone-callers"),
    path("new/phone/fields/", phone.category_fields, name="phone-fields"),
    path("files/<int:pk>/", files.attachment, name="attachment"),
    path("kb/", kb.article_list, name="kb"),
    path("kb/new/", kb.new_article, name="kb-new"),
    path("kb/failing/", kb.failing, name="kb-failing"),
    path("kb/<int:pk>/", kb.edit_article, name="kb-edit"),
    path("kb/<int:pk>/state/", kb.publish, name="kb-state"),
    path("kb/<int:pk>/files/", kb.upload, name="kb-upload"),
    path("kb/<int:pk>/files/<int:file_pk>/remove/", kb.remove_upload, name="kb-remove-file"),
    path("kb/<int:pk>/v/<int:number>/", kb.version, name="kb-version"),
    path("joins/", joins.pending, name="joins"),
    path("security/", security.two_factor, name="two-factor"),
    path("joins/<int:pk>/decide/", joins.decide, name="join-decide"),
]
