//! The integration tests that touch the store, run again with the store in a PostgreSQL
//! database of their own (see `support::on_postgres`): `pg::conformance::MODULE::NAME` runs
//! `MODULE::NAME` there. They need `CONTENTHUB_TEST_PG_URL` and are ignored without it, so the
//! set never passes by skipping; `.ci/run` runs it with `--ignored pg::`.
//!
//! Left out, each group for its reason:
//! - `cli`: the store file's creation, modes and directories, SQLite's WAL settings, the XDG
//!   default path and `--db` between two files; completions and help do not open a store.
//! - `config::precedence_is_flag_then_env_then_file_then_default`: the flag's and the config
//!   file's stores are file paths by design, and it checks that the file store is created.
//!   The other `config` tests run here: `config show` prints the store, which is the URL
//!   (password masked) on PostgreSQL, and they check only where it came from.
//! - `daemon::hundred_tasks_keep_exactly_max_concurrent_requests_in_flight`: a timing bar set
//!   by SQLite in this process (a freed slot refilled within ~3 ms). On PostgreSQL a refill
//!   costs the result's commit and the next claim, some twenty round trips to the server
//!   (~40 ms in a debug build on a busy machine), so the bar does not carry over; the
//!   cluster benchmark measures concurrency on PostgreSQL instead (latency-bound efficiency,
//!   `cargo bench --bench cluster`). The limit itself (never more than `max_concurrent`) is
//!   checked on PostgreSQL by `daemon::per_profile_max_concurrent_is_honoured_under_the_global_limit`.
//! - `full_disk`: a full SQLite file (`SQLITE_FULL`) and a filled tmpfs under it.
//! - `layout`, `readme`: the source tree and the README, no store of the test's own.
//! - `mock::between`: a check of the mock's helper.
//! - `monitor::store_problems_are_critical_or_unknown`: a file that is not a database, and
//!   `PRAGMA user_version`; `monitor::a_missing_or_stale_daemon_is_critical_unless_not_expected`
//!   holds the daemon's lock file beside the SQLite store, and on PostgreSQL a daemon is alive
//!   by its heartbeat alone, with the stale window of a shared store, so its outcome differs.
//! - `old_stores`: SQLite stores of earlier schema versions, kept as files.
//! - `page::browser`: layout and the DOM in headless Chromium; the pages' numbers are checked
//!   on PostgreSQL by the other `page` tests.
//! - `snapshots::help_*`: help text, no store. The table snapshots run here: they print no
//!   store location, and their timestamps and ids are redacted as on SQLite.
//! - `store`, but for `task_log_shows_a_retry_delay_as_it_is`: `store info`, `check`,
//!   `backup` and `restore` of the SQLite file (PostgreSQL's are refused or report other
//!   figures), and a file that is not a database.

/// For each `module: [name, …]`, a module `module` of tests `name` that run
/// `crate::module::name` on PostgreSQL.
macro_rules! on_postgres {
    ($($module:ident: [$($name:ident),* $(,)?];)*) => {
        $(
            mod $module {
                $(
                    #[test]
                    #[ignore = "needs CONTENTHUB_TEST_PG_URL"]
                    fn $name() {
                        crate::support::on_postgres(crate::$module::$name)
                    }
                )*
            }
        )*
    };
}

on_postgres! {
    support: [
        the_helpers_reach_the_store,
    ];
    accounts: [
        add_list_show_and_edit,
        remove_is_refused_while_tasks_are_unfinished,
        a_name_freed_by_remove_can_be_used_again,
    ];
    alerts: [
        an_alert_fires_once_and_resolves_once_on_every_channel,
        rules_name_their_channels_hold_down_and_renotify,
        without_rules_the_old_defaults_apply,
        bad_rules_and_channels_are_refused_with_their_line,
        the_daemon_evaluates_rules_and_notifies_through_the_outbox,
    ];
    api: [
        submit_warns_of_a_similar_topic_and_skip_similar_returns_the_other_task,
        endpoints_happy_paths_agree_with_the_cli,
        endpoints_error_paths_change_nothing,
        bearer_token_guards_everything_but_health_and_callbacks,
        body_limit_is_checked_before_the_body_is_read,
        submits_are_rate_limited_per_client,
        health_metrics_and_openapi,
        webhook_rejections_change_nothing,
        webhook_without_a_secret_hears_loopback_and_settles_once,
        webhook_without_a_secret_refuses_other_machines,
        webhook_completion_frees_the_worker_at_once_even_sent_5_times,
        webhook_failure_retries_with_a_new_remote_job,
        an_unsigned_callback_with_its_token_settles_the_task,
        callback_token_refusals_change_nothing,
        the_callback_url_carries_the_token_of_each_attempt,
        a_failed_callback_carries_its_reason_into_the_task,
        a_late_completion_after_a_cancel_changes_nothing,
        daemon_run_listen_serves_until_sigterm,
        daemon_refuses_a_public_address_without_a_token,
        daemon_run_gives_content_creator_a_url_with_the_configured_secrets_token,
        the_server_enforces_what_the_openapi_document_states,
    ];
    bad_input: [
        every_bad_invocation_is_refused_and_changes_nothing,
        the_store_dump_sees_every_change,
    ];
    cc_sync: [
        a_sync_submit_stores_the_recorded_article,
        kill_9_during_a_sync_request_takes_a_new_key_and_says_why,
        a_sync_request_that_outlives_the_profile_timeout_says_so,
        twenty_sync_tasks_at_five_at_once_take_about_four_seconds,
        an_async_submit_that_kills_the_service_is_explained,
        a_retry_after_a_cancel_during_a_sync_request_takes_a_new_key,
    ];
    concurrency: [
        eight_writers_submit_two_hundred_tasks_each,
        processes_racing_to_create_a_store_all_succeed,
    ];
    batch: [
        a_batch_completes_with_successes_and_per_line_errors,
        kill_9_between_upload_and_completion_neither_uploads_nor_creates_again,
        a_crash_between_upload_and_create_creates_the_recorded_file_once,
        an_expired_batch_returns_its_tasks_with_a_retry_counted,
        a_deadline_shorter_than_the_window_fails_or_falls_back,
        a_batch_is_cancelled_only_when_all_its_tasks_are,
        a_shutdown_returns_collected_tasks_and_leaves_sent_ones_to_the_next_daemon,
    ];
    config: [
        path_init_and_show,
        show_without_a_file_says_so,
        show_never_prints_a_secret,
        a_key_written_where_its_variable_name_belongs_is_refused_without_echoing_it,
        image_base_url_is_checked_and_shown,
        fallbacks_are_checked_and_shown,
        batch_profiles_are_checked_and_shown,
    ];
    crash: [
        kill_9_at_random_moments_loses_nothing_and_never_posts_a_key_twice,
        kill_9_takes_the_command_programs_with_it_and_each_task_costs_one_completed_run,
    ];
    daemon: [
        content_without_a_signature_is_signed_at_daemon_start,
        queued_tasks_reach_the_generator_in_priority_order,
        per_profile_max_concurrent_is_honoured_under_the_global_limit,
        a_full_generator_s_backlog_does_not_hide_other_generators_tasks,
        a_backlog_behind_a_full_generator_costs_an_idle_daemon_nothing,
        sigterm_lets_in_flight_work_finish_and_leaves_nothing_claimed,
        sigterm_past_the_grace_period_returns_unfinished_tasks_to_pending,
        a_second_daemon_is_refused_unless_allow_multiple_and_then_nothing_runs_twice,
        until_idle_exit_code_counts_only_the_tasks_it_worked_on,
        waiting_commands_and_pickup_latency_with_a_running_daemon,
        daemon_start_status_and_stop,
        template_content_review_and_idempotent_export,
    ];
    budgets: [
        a_daily_budget_stops_dispatch_and_resumes_in_the_next_period,
        budgets_are_validated_with_their_line,
        a_budget_wait_longer_than_fallback_after_moves_the_task,
    ];
    fallback: [
        an_unavailable_profile_moves_the_task_to_its_fallback,
        falling_back_to_the_template_holds_the_content_for_review,
        an_exhausted_fallback_list_fails_the_task,
        a_rate_limit_wait_longer_than_fallback_after_moves_the_task,
        a_plain_bad_request_fails_without_a_move,
    ];
    generators: [
        openai_success_stores_title_body_and_tokens_and_never_leaks_the_key,
        openai_429_waits_for_retry_after_without_using_a_retry,
        openai_5xx_backs_off_then_fails_after_max_retries_with_the_error_shown,
        openai_401_fails_at_once,
        openai_garbage_empty_slow_and_refused_replies_are_classified,
        content_creator_submit_stores_the_job_before_polling_then_maps_the_result,
        content_creator_cancel_and_timeout_send_no_delete_by_default,
        content_creator_cancel_sends_delete_within_a_second,
        content_creator_failed_job_is_retried_with_a_new_key_after_it_failed,
        content_creator_recorded_async_result_is_stored_as_the_final_article,
        content_creator_recorded_images_resolve_with_image_base_url_and_export_downloads_them,
        content_creator_failed_job_reason_is_read_from_the_task_detail,
    ];
    review: [
        an_article_that_passes_every_rule_is_approved_by_the_rules,
        a_forbidden_word_holds_the_article_with_the_word_and_its_line,
        a_short_draft_is_regenerated_with_feedback_in_the_next_prompt,
        regenerations_stop_at_the_cap_and_the_article_is_held,
        a_template_fallback_after_a_regeneration_keeps_the_sent_back_draft,
        structure_placeholder_and_language_findings_are_recorded,
        a_command_generator_gets_the_feedback_and_a_low_quality_score_holds,
        recheck_after_a_config_change_and_an_operator_overrides_the_rules,
        review_modes_and_their_old_flags,
        a_review_key_in_the_config_file_is_checked,
    ];
    json: [
        every_read_command_round_trips_through_typed_structs,
        typed_fields_hold_the_right_values,
        timestamps_are_utc_rfc3339_with_z,
        csv_headers_are_the_json_keys,
        json_lists_are_arrays_even_when_empty,
        json_keys_are_stable_snake_case,
    ];
    monitor: [
        perfdata_ranges_give_a_consumer_the_same_state,
        a_quiet_store_is_ok_with_perfdata,
        failure_rate_warns_above_10_and_is_critical_above_20_percent,
        rates_need_five_finished_tasks,
        timeout_rate_warns_above_10_percent,
        rates_cover_exactly_the_stated_window,
        backlog_warns_above_50_and_is_critical_above_200,
        oldest_pending_age_warns_at_30m_and_is_critical_at_2h,
        expired_leases_warn,
        scheduler_lag_warns_at_10m_and_is_critical_at_1h,
        usage_errors_are_unknown,
        probe_asks_each_generator,
        probe_fails_a_model_the_service_does_not_list,
        prometheus_text_parses_and_says_what_the_store_holds,
        textfile_is_written_atomically_whatever_the_format,
        metrics_durations_and_breakdowns,
        daily_stats_count_each_day_once,
        daemon_metrics_serve_the_same_text,
        every_documented_metric_is_emitted_and_every_emitted_one_documented,
        generator_requests_are_counted_by_outcome,
    ];
    outbox: [
        completed_task_is_delivered_signed_with_the_task_and_a_content_summary,
        receiver_down_then_failing_then_back_gets_the_event,
        permanently_failing_receiver_gives_up_then_deliveries_retry_sends_it,
        delivery_in_flight_when_the_daemon_is_killed_is_sent_after_restart,
        failed_task_sends_task_failed_unsigned_without_a_secret,
        deliveries_list_is_empty_json_and_task_show_has_a_null_callback,
        daemon_refuses_to_start_when_the_signing_secret_is_missing,
    ];
    scheduler: [
        after_three_days_down_latest_fires_once_and_skip_fires_nothing,
        a_plan_with_skip_similar_skips_a_topic_like_a_pending_task,
        ten_concurrent_runs_fire_a_slot_exactly_once,
        a_slot_in_the_spring_forward_gap_fires_once_just_after_it,
        a_slot_in_the_fall_back_overlap_fires_once,
        an_hourly_plan_fires_each_wall_clock_hour_once_across_the_overlap,
        a_quarter_hourly_plan_neither_stalls_in_the_overlap_nor_fires_before_it_existed,
        gap_slots_of_lists_steps_and_half_hour_shifts_fire_just_after_the_gap,
        day_of_month_and_day_of_week_combine_as_in_crontab,
        every_topic_is_used_before_any_repeats_per_account,
        a_topics_file_is_read_again_at_each_fire,
        a_plan_without_topics_uses_the_category_and_a_dated_title_and_says_so,
        a_run_where_a_plan_failed_exits_non_zero_and_says_why,
        a_dry_run_says_what_would_fire_and_writes_nothing,
        invalid_cron_and_time_zone_exit_2_with_the_reason,
        expressions_that_never_fire_or_have_an_empty_item_exit_2,
        trigger_records_a_manual_run_and_its_tasks_know_their_plan,
        history_next_and_status,
        enabling_after_a_long_disable_does_not_catch_up,
        remove_requires_yes_without_a_terminal_and_keeps_the_tasks,
        the_daemon_fires_due_plans_and_no_scheduler_leaves_them,
    ];
    snapshots: [
        table_task_list,
        table_task_stats,
        table_account_list,
        table_task_show,
    ];
    sockets: [
        a_thousand_idle_sockets_leave_healthz_and_generation_working_at_1024_descriptors,
        the_daemon_raises_its_soft_open_file_limit_and_caps_connections_at_half_of_it,
        slow_headers_and_idle_connections_are_closed_after_their_timeouts,
        sigterm_closes_idle_connections_at_once_and_lets_a_request_in_flight_finish,
    ];
    steps: [
        three_steps_feed_each_other_and_content_show_steps_shows_them,
        a_profile_without_steps_writes_in_one_request_and_shows_no_steps,
        kill_9_after_the_outline_resumes_at_the_draft,
        a_failed_step_is_retried_alone_on_the_steps_already_finished,
        steps_and_step_profiles_are_checked_and_shown,
    ];
    store: [
        task_log_shows_a_retry_delay_as_it_is,
    ];
    submit: [
        submit_prints_the_new_id_and_stores_every_field,
        a_nearly_identical_topic_warns_and_skip_similar_skips_it,
        submit_defaults_come_from_flags_config_env_and_account,
        quiet_prints_only_the_id,
        an_idempotency_key_returns_the_first_task,
        bulk_jsonl_takes_both_keyword_shapes_and_flags_as_defaults,
        bulk_csv_uses_its_header_and_reads_stdin,
        ids_are_random_hex_and_stored_as_48_bit_integers,
        bulk_files_may_start_with_a_byte_order_mark,
        a_bulk_line_that_is_not_utf8_is_invalid_input_naming_its_line,
        a_bulk_import_streams_the_file_in_bounded_memory,
        a_bulk_pipe_is_read_before_the_store_is_locked,
    ];
    page: [
        the_page_numbers_match_task_stats_and_monitor_metrics,
        signing_in_takes_the_api_token_and_the_cookie_reaches_only_the_pages,
        topics_errors_and_display_names_render_as_text,
    ];
    rates: [
        a_daemon_keeps_to_the_providers_rpm,
        two_daemons_keep_to_one_rpm_together,
        a_daemon_keeps_to_the_providers_tpm,
        headers_that_lower_the_limit_are_followed,
        nonsense_headers_are_ignored,
        task_show_gives_the_wait_reason,
    ];
    tasks: [
        list_filters_by_status_account_and_time,
        list_limits_and_sorts,
        show_accepts_the_full_id_a_prefix_and_the_status_alias,
        cancel_then_retry_counts_against_max_retries,
        cancel_and_retry_several_report_each_and_the_worst_code,
        retry_all_failed_takes_failed_and_timed_out_tasks_only,
        stats_count_every_status,
        cleanup_deletes_old_terminal_tasks_only,
        ids_of_a_bulk_submit_can_be_listed_back,
    ];
    watch: [
        plain_lines_show_the_queue_then_the_outcomes,
        json_lines_have_the_same_fields,
        bad_arguments_exit_2_with_a_clear_message,
        signals_end_it_at_once_with_exit_0,
        a_closed_pipe_ends_it_quietly,
        on_a_terminal_the_live_view_quits_on_q_esc_and_ctrl_c_and_restores_the_terminal,
        each_line_reads_the_store_again,
        plain_lines_keep_an_ignored_hangup_ignored,
    ];
}
