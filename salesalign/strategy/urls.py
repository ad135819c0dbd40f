"""URLs of the strategy app. Two blocks, each kept by the module that owns its views."""

from django.urls import path

from salesalign.strategy.views import documents, goals

app_name = "strategy"

urlpatterns = [
    # --- goals block: views/goals.py (editions, values, goals, "Our strategy") ---
    path("", goals.our_strategy, name="our_strategy"),
    path("editions/", goals.edition_list, name="edition_list"),
    path("editions/new/", goals.edition_create, name="edition_create"),
    path("editions/<int:pk>/", goals.edition_detail, name="edition_detail"),
    path("editions/<int:pk>/edit/", goals.edition_update, name="edition_update"),
    path("editions/<int:pk>/publish/", goals.edition_publish, name="edition_publish"),
    path("editions/<int:pk>/values/add/", goals.core_value_add, name="core_value_add"),
    path("values/<int:pk>/edit/", goals.core_value_update, name="core_value_update"),
    path("values/<int:pk>/delete/", goals.core_value_delete, name="core_value_delete"),
    path(
        "values/<int:pk>/move/<str:direction>/",
        goals.core_value_move,
        name="core_value_move",
    ),
    path("goals/", goals.goal_list, name="goal_list"),
    path("goals/strategic/new/", goals.strategic_goal_create, name="strategic_goal_create"),
    path("goals/strategic/<int:pk>/", goals.strategic_goal_detail, name="strategic_goal_detail"),
    path(
        "goals/strategic/<int:pk>/edit/", goals.strategic_goal_update, name="strategic_goal_update"
    ),
    path(
        "goals/strategic/<int:pk>/delete/",
        goals.strategic_goal_delete,
        name="strategic_goal_delete",
    ),
    path("goals/tactical/new/", goals.tactical_goal_create, name="tactical_goal_create"),
    path("goals/tactical/<int:pk>/", goals.tactical_goal_detail, name="tactical_goal_detail"),
    path("goals/tactical/<int:pk>/edit/", goals.tactical_goal_update, name="tactical_goal_update"),
    path(
        "goals/tactical/<int:pk>/delete/", goals.tactical_goal_delete, name="tactical_goal_delete"
    ),
    # --- end goals block ---
    # --- documents block: views/documents.py (documents, confirmations, questions) ---
    path("documents/", documents.document_list, name="document_list"),
    path("documents/new/", documents.document_create, name="document_create"),
    path("documents/<int:pk>/", documents.document_detail, name="document_detail"),
    path("documents/<int:pk>/edit/", documents.document_update, name="document_update"),
    path("documents/<int:pk>/publish/", documents.document_publish, name="document_publish"),
    path("documents/<int:pk>/withdraw/", documents.document_withdraw, name="document_withdraw"),
    path(
        "documents/<int:pk>/new-version/",
        documents.document_new_version,
        name="document_new_version",
    ),
    path("documents/<int:pk>/confirm/", documents.document_confirm, name="document_confirm"),
    path("documents/<int:pk>/questions/", documents.question_ask, name="question_ask"),
    path("documents/<int:pk>/status/", documents.document_status, name="document_status"),
    path("documents/<int:pk>/attachments/", documents.attachment_add, name="attachment_add"),
    path(
        "documents/attachments/<int:pk>/",
        documents.attachment_download,
        name="attachment_download",
    ),
    path(
        "documents/attachments/<int:pk>/remove/",
        documents.attachment_remove,
        name="attachment_remove",
    ),
    path("documents/questions/", documents.question_list, name="question_list"),
    path(
        "documents/questions/<int:pk>/answer/",
        documents.question_answer,
        name="question_answer",
    ),
    # --- end documents block ---
]
