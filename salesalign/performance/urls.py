"""URLs of the performance pages (method step 3)."""

from django.urls import path

from salesalign.performance.views import (
    actions,
    development,
    feedback,
    kpis,
    periods,
    retrospectives,
    rounds,
    rules,
    scorecard_templates,
    scorecards,
)
from salesalign.performance.views import statements as statement_views

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
    path("360/<int:pk>/respondents/", rounds.round_respondent_search, name="round_respondents"),
    path("360/<int:pk>/close/", rounds.round_close, name="round_close"),
    path("360/<int:pk>/actions/", rounds.round_action_create, name="round_action"),
    path("360/invitations/<int:pk>/", rounds.invitation_answer, name="invitation_answer"),
    # promotion and improvement plans
    path("promotion/", development.promotion_list, name="promotion_list"),
    path("promotion/<int:pk>/decide/", development.promotion_decide, name="promotion_decide"),
    path("improvement/", development.improvement_list, name="improvement_list"),
    path("improvement/open/", development.improvement_open, name="improvement_open"),
    path("improvement/plans/<int:pk>/", development.improvement_plan, name="improvement_plan"),
    path(
        "improvement/plans/<int:pk>/sessions/",
        development.improvement_session,
        name="improvement_session",
    ),
    path(
        "improvement/plans/<int:pk>/sessions/plan/",
        development.improvement_session_plan,
        name="improvement_session_plan",
    ),
    path(
        "improvement/sessions/<int:pk>/record/",
        development.improvement_session_record,
        name="improvement_session_record",
    ),
    path(
        "improvement/sessions/<int:pk>/cancel/",
        development.improvement_session_cancel,
        name="improvement_session_cancel",
    ),
    path(
        "improvement/plans/<int:pk>/review/",
        development.improvement_review,
        name="improvement_review",
    ),
    # the rules that put people forward and flag them
    path("rules/", rules.rule_list, name="rule_list"),
    path("rules/promotion/new/", rules.promotion_rule_create, name="promotion_rule_create"),
    path("rules/promotion/<int:pk>/", rules.promotion_rule_edit, name="promotion_rule_edit"),
    path(
        "rules/promotion/<int:pk>/delete/",
        rules.promotion_rule_delete,
        name="promotion_rule_delete",
    ),
    path("rules/improvement/new/", rules.improvement_rule_create, name="improvement_rule_create"),
    path("rules/improvement/<int:pk>/", rules.improvement_rule_edit, name="improvement_rule_edit"),
    path(
        "rules/improvement/<int:pk>/delete/",
        rules.improvement_rule_delete,
        name="improvement_rule_delete",
    ),
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
    # bonus statements
    path("statements/", statement_views.statement_list, name="statement_list"),
    path("statements/overview/", statement_views.statement_overview, name="statement_overview"),
    path("statements/<int:pk>/", statement_views.statement_detail, name="statement_detail"),
    path(
        "statements/<int:pk>/questions/",
        statement_views.statement_question,
        name="statement_question",
    ),
    path(
        "statements/questions/<int:pk>/answer/",
        statement_views.statement_answer,
        name="statement_answer",
    ),
    path("statements/<int:pk>/adjust/", statement_views.statement_adjust, name="statement_adjust"),
    path(
        "statements/payout/<int:period_pk>/",
        statement_views.payout_export,
        name="statement_payout",
    ),
    # scorecards
    path("scorecards/", scorecards.scorecard_list, name="scorecard_list"),
    path("scorecards/mine/", scorecards.my_scorecard, name="my_scorecard"),
    path("scorecards/so-far/", scorecards.unit_so_far, name="unit_so_far"),
    path(
        "scorecards/templates/",
        scorecard_templates.scorecard_templates,
        name="scorecard_templates",
    ),
    path(
        "scorecards/templates/new/",
        scorecard_templates.scorecard_template_create,
        name="scorecard_template_create",
    ),
    path(
        "scorecards/templates/<int:pk>/",
        scorecard_templates.scorecard_template_edit,
        name="scorecard_template_edit",
    ),
    path("scorecards/<int:pk>/", scorecards.scorecard_detail, name="scorecard_detail"),
    # the KPI library, managers' ratings, incentive plans
    path("kpis/", kpis.kpi_list, name="kpi_list"),
    path("kpis/new/", kpis.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", kpis.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/delete/", kpis.kpi_delete, name="kpi_delete"),
    path("ratings/", kpis.rating_index, name="rating_index"),
    path("ratings/<int:period_pk>/", kpis.rating_sheet, name="rating_sheet"),
    path("plans/", kpis.plan_list, name="plan_list"),
    path("plans/new/", kpis.plan_create, name="plan_create"),
    path("plans/<int:pk>/", kpis.plan_edit, name="plan_edit"),
]
