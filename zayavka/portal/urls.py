from django.urls import path

from zayavka.portal import views

app_name = "portal"
urlpatterns = [
    path("rate/<str:token>/", views.rate, name="rate"),
]
