from django.urls import path

from zayavka.portal import account, kb, mine, profile, views, webform

app_name = "portal"
urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
    path("portal/new/", webform.new_request, name="new"),
    path("portal/new/thanks/", webform.thanks, name="thanks"),
    *account.urlpatterns,
    *profile.urlpatterns,
    path("portal/", mine.home, name="home"),
    path("portal/t/<int:number>/", mine.ticket_page, name="ticket"),
    path("portal/t/<int:number>/reply/", mine.reply, name="reply"),
    path("portal/t/<int:number>/solve/", mine.solve, name="solve"),
    path("portal/t/<int:number>/reopen/", mine.reopen, name="reopen"),
    path("portal/t/<int:number>/rate/", mine.rate, name="rate-here"),
    path("portal/files/<int:pk>/", mine.attachment, name="attachment"),
    path("portal/open/<str:token>/", mine.open_link, name="open"),
    path("portal/join/<int:pk>/", mine.decide_join, name="join"),
    path("kb/", kb.index, name="kb"),
    path("kb/c/<slug:slug>/", kb.category, name="kb-category"),
    path("kb/suggest/", kb.suggest, name="kb-suggest"),
    path("kb/files/<int:pk>/<str:name>", kb.file, name="kb-file"),
    path("kb/<slug:slug>/", kb.article, name="kb-article"),
    path("kb/<slug:slug>/feedback/", kb.feedback, name="kb-feedback"),
]
