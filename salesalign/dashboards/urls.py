from django.urls import path

from salesalign.dashboards import views

urlpatterns = [
    path("", views.home, name="home"),
]
