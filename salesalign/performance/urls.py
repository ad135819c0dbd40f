"""URLs of the performance pages (method step 3)."""

from django.urls import path

from salesalign.performance.views import actions, feedback, periods, retrospectives, rounds

app_name = "performance"

urlpatterns = [
    # evaluation periods
    path("", periods.period_list, name="period_list"),
    path("periods/open/", periods.period_open, name="period_open"),
    path("periods/<int:pk>/", periods.period_detail, name="period_detail"),
    path("periods/<int:pk>/close/", periods.period_close, name="period_close"),
    path("periods/<int:pk>/publish/", periods.period_publish, name="period_publish"),
    path("periods/<int:pk>/reopen/", periods.period_reopen, name="period_reopen"),
    # feedback after a closed period
    path("feedback/", feedback.feedback_list, name="feedback_list"),
    path(
        "feedback/<int:period_pk>/people/<int:person_pk>/",
        feedback.feedback_detail,
        name="feedback_detail",
    ),
    path(
        "feedback/<int:period_pk>/people/<int:person_pk>/<str:kind>/",
        feedback.feedback_save,
        name="feedback_save",
    ),
    path("feedback/<int:pk>/actions/", feedback.feedback_action_create, name="feedback_action"),
    # 360° feedback
    path("360/", rounds.round_list, name="round_list"),
    path("360/new/", rounds.round_create, name="round_create"),
    path("360/<int:pk>/", rounds.round_detail, name="round_detail"),
    path("360/<int:pk>/invite/", rounds.round_invite, name="round_invite"),
    path("360/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("360/<int:pk>/actions/", rounds.round_action_create, name="round_action"),
    path("360/invitations/<int:pk>/", rounds.invitation_answer, name="invitation_answer"),
    # improvement actions
    path("actions/", actions.action_list, name="action_list"),
    path("actions/<int:pk>/status/", actions.action_status, name="action_status"),
    # unit retrospectives
    path("retrospectives/", retrospectives.retrospective_list, name="retrospective_list"),
    path(
        "retrospectives/<int:period_pk>/units/<int:unit_pk>/",
        retrospectives.retrospective_detail,
        name="retrospective_detail",
    ),
    path(
        "retrospectives/<int:period_pk>/units/<int:unit_pk>/actions/",
        retrospectives.retrospective_action_create,
        name="retrospective_action",
    ),
]
