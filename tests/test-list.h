/*
 * test-list.h -- every test, listed once. Groups by module; add a test by adding
 * one X(name) line in its group, for the TEST_IMPL(name) in its test-<module>.c:
 * the runner (runner.c) declares and lists them all from this one table.
 */
#define TEST_GROUPS(X)                                                                             \
    /* error-*: error codes and located errors */                                                  \
    X(error_names)                                                                                 \
    X(error_utf8_clip)                                                                             \
    X(money_parse)                                                                                 \
    X(money_refused)                                                                               \
    X(money_surcharge)                                                                             \
    /* time-*, calendar-*, period-*: legal periods (tests/test-period.c) */                        \
    X(time_parse)                                                                                  \
    X(calendar_shipped)                                                                            \
    X(calendar_load_errors)                                                                        \
    X(period_table)                                                                                \
    X(period_r1_start_day_not_counted)                                                             \
    X(period_r2_short_periods_working_days)                                                        \
    X(period_r3_working_day_counting)                                                              \
    X(period_r4_end_on_rest_day)                                                                   \
    X(period_r5_end_of_day_china_time)                                                             \
    X(period_r6_hours)                                                                             \
    X(period_r7_months)                                                                            \
    X(period_r10_outside_calendar)                                                                 \
    X(period_explain)                                                                              \
    X(period_elapsed)                                                                              \
    X(period_parse)                                                                                \
    X(lunar_known_dates)                                                                           \
    X(calendar_provisional_in_shipped)                                                             \
    X(calendar_provisional)                                                                        \
    X(period_provisional)                                                                          \
    X(period_count_once)                                                                           \
    X(legal_periods_table)                                                                         \
    X(legal_periods_calendars_match)                                                               \
    X(legal_periods_natural_days)                                                                  \
    /* PERIOD-TESTS */                                                                             \
    /* guard-*: the guard expression language (tests/test-guard.c) */                              \
    X(guard_literals)                                                                              \
    X(guard_whitespace)                                                                            \
    X(guard_precedence)                                                                            \
    X(guard_compare_numbers)                                                                       \
    X(guard_compare_strings)                                                                       \
    X(guard_compare_bools)                                                                         \
    X(guard_absent_facts)                                                                          \
    X(guard_type_mismatch)                                                                         \
    X(guard_logic)                                                                                 \
    X(guard_actor_role)                                                                            \
    X(guard_fn_has_done)                                                                           \
    X(guard_fn_count_distinct)                                                                     \
    X(guard_fn_contains)                                                                           \
    X(guard_fn_lowest)                                                                             \
    X(guard_fn_elapsed)                                                                            \
    X(guard_unary_minus)                                                                           \
    X(guard_err_syntax)                                                                            \
    X(guard_err_lexical)                                                                           \
    X(guard_err_calls)                                                                             \
    X(guard_err_types)                                                                             \
    X(guard_err_depth)                                                                             \
    X(guard_long_chain)                                                                            \
    X(guard_err_args)                                                                              \
    X(guard_refs)                                                                                  \
    X(guard_eval_env)                                                                              \
    X(guard_eval_callback_errors)                                                                  \
    X(guard_format_canonical)                                                                      \
    X(guard_format_roundtrip)                                                                      \
    X(guard_format_truncate)                                                                       \
    X(guard_running)                                                                               \
    X(guard_ledger)                                                                                \
    X(guard_waited)                                                                                \
    X(guard_waited_until)                                                                          \
    /* GUARD-TESTS */                                                                              \
    /* import-*: the 权责清单 importer (tests/test-import*.c) */                               \
    X(import_seed_000_table)                                                                       \
    X(import_seed_001_shifted)                                                                     \
    X(import_seed_002_fields)                                                                      \
    X(import_seed_003_cards)                                                                       \
    X(import_seed_004_two_row_header)                                                              \
    X(import_family_synonyms)                                                                      \
    X(import_family_sub_items)                                                                     \
    X(import_family_two_row_header)                                                                \
    X(import_family_sub_labels)                                                                    \
    X(import_family_split_header)                                                                  \
    X(import_family_sheets)                                                                        \
    X(import_sheets_row)                                                                           \
    X(import_sheets_row_xlsx)                                                                      \
    X(import_family_page_charset)                                                                  \
    X(import_options)                                                                              \
    X(import_bad_empty)                                                                            \
    X(import_bad_binary)                                                                           \
    X(import_bad_encoding)                                                                         \
    X(import_bad_truncated)                                                                        \
    X(import_bad_no_header)                                                                        \
    X(import_catalog_roundtrip)                                                                    \
    X(import_catalog_errors)                                                                       \
    X(import_catalog_append)                                                                       \
    /* import-5: lists as other regions' systems export them (tests/test-import-exports.c) */      \
    X(import_export_csv)                                                                           \
    X(import_export_csv_gbk)                                                                       \
    X(import_export_unicode_text)                                                                  \
    X(import_export_unicode_cut)                                                                   \
    X(import_export_csv_loose_quotes)                                                              \
    /* shapes-*: plain-text shapes of the seeds (tests/test-shapes.c) */                           \
    X(shapes_pipes)                                                                                \
    X(shapes_markdown)                                                                             \
    X(shapes_aligned)                                                                              \
    X(shapes_together)                                                                             \
    X(shapes_cells)                                                                                \
    X(shapes_labeled)                                                                              \
    X(shapes_numbered)                                                                             \
    X(shapes_prose)                                                                                \
    X(shapes_broken_header)                                                                        \
    X(shapes_wrapped_together)                                                                     \
    X(shapes_gbk)                                                                                  \
    X(shapes_headers_data)                                                                         \
    X(shapes_sections)                                                                             \
    X(shapes_other_lists)                                                                          \
    X(shapes_lenient_list)                                                                         \
    X(shapes_limit_unit_label)                                                                     \
    X(shapes_combined_labels)                                                                      \
    X(shapes_merged_cells)                                                                         \
    X(shapes_html)                                                                                 \
    X(shapes_traditional)                                                                          \
    X(shapes_pinyin)                                                                               \
    X(shapes_fold_learned)                                                                         \
    X(shapes_real_recall)                                                                          \
    X(shapes_declared_count)                                                                       \
    X(shapes_xlsx)                                                                                 \
    X(shapes_docx)                                                                                 \
    X(shapes_pdf)                                                                                  \
    X(shapes_xls)                                                                                  \
    /* IMPORT-TESTS */                                                                             \
    /* workflow-*, engine-*, chain-*, store-*: core (tests/test-workflow.c ...) */                 \
    X(workflow_invalid_fixtures)                                                                   \
    X(workflow_problem_location)                                                                   \
    X(workflow_valid_mini)                                                                         \
    X(workflow_shipped_valid)                                                                      \
    X(workflow_shipped_bases_chinese)                                                              \
    X(engine_walk_full)                                                                            \
    X(engine_guard_branch)                                                                         \
    X(engine_early_exit)                                                                           \
    X(engine_refuse_illegal_action)                                                                \
    X(engine_refuse_wrong_role)                                                                    \
    X(engine_refuse_requirements)                                                                  \
    X(engine_refuse_blank_facts)                                                                   \
    X(engine_rules)                                                                                \
    X(engine_suspend_resume)                                                                       \
    X(engine_clock_extension)                                                                      \
    X(engine_outside_calendar)                                                                     \
    X(engine_warn_points)                                                                          \
    X(engine_open_facts)                                                                           \
    X(engine_clocks_end_with_case)                                                                 \
    X(engine_party_clock)                                                                          \
    X(engine_decision_period)                                                                      \
    X(engine_provisional_clock)                                                                    \
    X(engine_counting_versions)                                                                    \
    X(engine_counting_v1_replays)                                                                  \
    X(engine_penalty_rules)                                                                        \
    X(engine_summary_officers_fixed)                                                               \
    X(engine_closing_conditions)                                                                   \
    X(engine_elapsed_rule)                                                                         \
    X(engine_waited_rule)                                                                          \
    X(engine_waited_months)                                                                        \
    X(engine_from_end_of)                                                                          \
    X(engine_from_fact)                                                                            \
    X(store_chain_recompute)                                                                       \
    X(store_chain_sm3)                                                                             \
    X(store_case_copy)                                                                             \
    X(store_fold_refused_untouched)                                                                \
    X(store_statement_cache)                                                                       \
    X(store_snapshot_text)                                                                         \
    X(store_canonical_is_jansson)                                                                  \
    X(store_jsonr_is_jansson)                                                                      \
    X(store_jsonr_canonical)                                                                       \
    X(store_conflict)                                                                              \
    X(store_conflict_same_state)                                                                   \
    X(store_case_update_by_key)                                                                    \
    X(store_fault_injection)                                                                       \
    X(store_append_only)                                                                           \
    X(store_unsaved)                                                                               \
    X(store_two_nodes_commit_order)                                                                \
    X(store_one_use_in_tx)                                                                         \
    X(store_place_by_index)                                                                        \
    X(store_workflow_versions)                                                                     \
    X(store_due_and_links)                                                                         \
    X(walk_fixtures)                                                                               \
    X(audit_conformant)                                                                            \
    X(audit_service_late)                                                                          \
    X(audit_notice_skipped)                                                                        \
    X(audit_wrong_role)                                                                            \
    X(audit_extension_unapproved)                                                                  \
    X(audit_emergency_late)                                                                        \
    X(audit_decision_in_window)                                                                    \
    X(audit_event_edited)                                                                          \
    X(audit_event_deleted)                                                                         \
    X(audit_bundle)                                                                                \
    X(audit_cli)                                                                                   \
    X(audit_cli_jobs)                                                                              \
    X(audit_cli_failure)                                                                           \
    X(audit_cli_unreadable)                                                                        \
    X(audit_store_rows)                                                                            \
    X(audit_cache_snapshot_bytes)                                                                  \
    X(audit_rehashed_as_read)                                                                      \
    X(audit_report_summary)                                                                        \
    X(audit_report_formats)                                                                        \
    /* serve-*: the daemon (tests/test-serve*.c) */                                                \
    X(serve_store_batch)                                                                           \
    X(serve_store_commit_fails)                                                                    \
    X(serve_store_alerts)                                                                          \
    X(serve_store_tokens)                                                                          \
    X(serve_walk_full)                                                                             \
    X(serve_walk_every)                                                                            \
    X(serve_walk_refusal_allowed)                                                                  \
    X(serve_status_codes)                                                                          \
    X(serve_agency)                                                                                \
    X(serve_queries)                                                                               \
    X(serve_group_commit)                                                                          \
    X(serve_case_cache)                                                                            \
    X(serve_checkpointer)                                                                          \
    X(serve_stream_notices)                                                                        \
    X(serve_token_cache)                                                                           \
    X(serve_unsaved_redo)                                                                          \
    X(operate_1_token_store)                                                                       \
    X(operate_2_token_daemon)                                                                      \
    X(operate_3_public_text)                                                                       \
    X(operate_3_html_report)                                                                       \
    X(operate_4_sighup_reload)                                                                     \
    X(operate_5_logs)                                                                              \
    X(serve_sigterm)                                                                               \
    X(serve_slow_client)                                                                           \
    X(serve_alert_delivery)                                                                        \
    X(serve_alert_delivered_text)                                                                  \
    X(serve_alert_restart)                                                                         \
    X(serve_alert_chunks)                                                                          \
    X(serve_alert_stream_burst)                                                                    \
    X(serve_alert_stream_overflow)                                                                 \
    X(serve_alert_sync_clock_only)                                                                 \
    X(serve_clock_ms)                                                                              \
    X(serve_clock_behind)                                                                          \
    X(serve_alert_prefetch)                                                                        \
    X(serve_calendar_pickup)                                                                       \
    /* outbox-1.*: the webhook outbox (tests/test-serve-outbox.c) */                               \
    X(store_outbox_lease)                                                                          \
    X(serve_outbox_restart)                                                                        \
    X(serve_outbox_delivered_once)                                                                 \
    X(serve_outbox_given_up)                                                                       \
    X(store_outbox_agency)                                                                         \
    X(serve_outbox_list_retry)                                                                     \
    X(serve_outbox_escalation_restart)                                                             \
    X(store_outbox_texts_once)                                                                     \
    X(store_outbox_migration)                                                                      \
    X(store_pg_unreachable)                                                                        \
    /* serve-web-*: the workbench's files and sessions (tests/test-serve-web*.c) */                \
    X(serve_web_1_static)                                                                          \
    X(serve_web_2_sessions)                                                                        \
    X(serve_web_3_alerts)                                                                          \
    X(serve_web_4_workflow)                                                                        \
    X(serve_web_5_causes)                                                                          \
    X(serve_web_6_replay)                                                                          \
    X(serve_web_7_settings)                                                                        \
    X(serve_web_8_files)                                                                           \
    X(serve_web_9_search)                                                                          \
    X(serve_web_11_export)                                                                         \
    X(serve_web_12_doc_list)                                                                       \
    X(serve_web_10_filters)                                                                        \
    /* agencykey-*: the agency in every case key (tests/test-agency-key.c) */                      \
    X(agencykey_catalog)                                                                           \
    X(agencykey_rows)                                                                              \
    X(agencykey_migration)                                                                         \
    X(agencykey_bound_plans)                                                                       \
    /* alertid-*: alert ids without epoch seconds (tests/test-alert-id.c) */                       \
    X(alert_id_form)                                                                               \
    X(alert_id_migration)                                                                          \
    X(alert_id_daemon_rows)                                                                        \
    /* alertfold-*: acknowledgements as alerts' columns (tests/test-alert-fold.c) */               \
    X(alertfold_calls)                                                                             \
    X(alertfold_migration)                                                                         \
    /* alertrows-*: alerts clustered by due, the log while they fire (tests/test-alert-rows.c) */  \
    X(alertrows_clustered)                                                                         \
    X(alertrows_migration)                                                                         \
    X(alertrows_wal_written)                                                                       \
    X(alertrows_no_restart_firing)                                                                 \
    X(alertrows_ckpt_firing)                                                                       \
    X(alertrows_bound_waits)                                                                       \
    X(alertrows_bound_ahead)                                                                       \
    /* fireahead-*: firing a case read ahead, changed since (tests/test-fire-ahead.c) */           \
    X(fireahead_changed_since)                                                                     \
    X(fireahead_table_agency)                                                                      \
    X(fireahead_failure_redone)                                                                    \
    X(fireahead_sealed_same)                                                                       \
    X(fireahead_sealed_changed)                                                                    \
    X(fireahead_sealed_next_second)                                                                \
    X(fireahead_sealed_crash)                                                                      \
    /* session-key-*: the cookies' key made with the database (tests/test-session-key.c) */        \
    X(session_key_1_made_with_database)                                                            \
    X(session_key_2_older_database)                                                                \
    X(session_key_3_copy)                                                                          \
    /* health-*: /metrics and /readyz for monitoring (tests/test-health.c) */                      \
    X(health_metrics)                                                                              \
    X(health_readyz_writer_stuck)                                                                  \
    X(health_route_labels)                                                                         \
    /* storm-1.* to storm-4.*: deadline storms, firing (tests/test-serve-storm.c) */               \
    X(storm_due_order_indexed)                                                                     \
    X(storm_restart_due_order)                                                                     \
    X(storm_fire_yields)                                                                           \
    X(storm_wal_restart)                                                                           \
    /* storm-5.*: the loop a turn at a time in a storm (tests/test-serve-storm-log.c) */           \
    X(storm_log_lines)                                                                             \
    X(storm_log_reals)                                                                             \
    X(storm_log_utf8)                                                                              \
    X(storm_db_check_once_a_turn)                                                                  \
    /* storm-6.*, storm-7.*: reading ahead, fairness (tests/test-serve-storm.c) */                 \
    X(storm_ahead_table)                                                                           \
    X(storm_ahead_burst)                                                                           \
    X(storm_ahead_lead)                                                                            \
    X(storm_mark_by_row)                                                                           \
    X(storm_post_shares_fire_commit)                                                               \
    X(storm_fire_pages)                                                                            \
    X(storm_fire_chunk_numbers)                                                                    \
    /* storm-8: requests answered before a chunk's alerts (tests/test-serve-fair.c) */             \
    X(storm_answers_before_alerts)                                                                 \
    X(storm_write_phases_counted)                                                                  \
    /* serve-hard-*: the daemon hardened (tests/test-serve-hard*.c) */                             \
    X(serve_hard_framing)                                                                          \
    X(serve_hard_head_ambiguous)                                                                   \
    X(serve_hard_allowed_host)                                                                     \
    X(serve_hard_allowed_host_config)                                                              \
    X(serve_hard_http1_only)                                                                       \
    X(serve_hard_h2o_errors_json)                                                                  \
    X(serve_hard_hostile_names)                                                                    \
    X(serve_hard_query_paths)                                                                      \
    X(serve_hard_foreign_hash)                                                                     \
    X(serve_hard_numbers)                                                                          \
    X(serve_hard_settings)                                                                         \
    X(serve_hard_metrics_token)                                                                    \
    X(serve_hard_test_clock_loopback)                                                              \
    X(serve_hard_db_deleted)                                                                       \
    X(serve_hard_db_replaced)                                                                      \
    X(serve_hard_db_deleted_before_commit)                                                         \
    X(serve_hard_cli_busy)                                                                         \
    X(serve_hard_export_key)                                                                       \
    X(serve_hard_check_config)                                                                     \
    X(serve_hard_cli_read_only_mount)                                                              \
    X(serve_hard_store_readonly)                                                                   \
    X(serve_hard_stream_memory_cap)                                                                \
    X(serve_hard_stream_per_token)                                                                 \
    X(serve_hard_paging)                                                                           \
    X(serve_hard_reads_off_loop)                                                                   \
    X(serve_hard_stall_keepalive)                                                                  \
    /* SERVE-HARD-TESTS */                                                                         \
    /* start-*: the start after a downtime (tests/test-serve-start.c) */                           \
    X(start_answers_while_backlog_fires)                                                           \
    /* unix-*: listening on a Unix socket (tests/test-serve-unix.c) */                             \
    X(serve_unix_1_answers)                                                                        \
    X(serve_unix_2_stale)                                                                          \
    X(serve_unix_3_not_a_socket)                                                                   \
    X(serve_unix_4_too_long)                                                                       \
    X(serve_unix_5_setting)                                                                        \
    X(serve_unix_6_binary)                                                                         \
    X(overlay_example)                                                                             \
    X(overlay_problems)                                                                            \
    /* cause-*: the 案由 dictionaries (tests/test-cause.c) */                                    \
    X(cause_shipped)                                                                               \
    X(cause_lookup)                                                                                \
    X(cause_load_errors)                                                                           \
    X(cause_party)                                                                                 \
    X(cause_store)                                                                                 \
    X(cause_case_record)                                                                           \
    /* cli-*: the command line's contract (tests/test-cli.c) */                                    \
    X(cli_table_consistent)                                                                        \
    X(cli_help_every_command)                                                                      \
    X(cli_unknown_option_every_command)                                                            \
    X(cli_usage_errors)                                                                            \
    X(cli_top_level)                                                                               \
    X(cli_read_file_limit)                                                                         \
    /* fuzz-*, concurrency-*: reliability (tests/test-fuzz.c, test-concurrency.c) */               \
    X(fuzz_regressions)                                                                            \
    X(fuzz_targets_on_seeds)                                                                       \
    X(fuzz_request_over_http)                                                                      \
    X(fuzz_empty_documents)                                                                        \
    X(concurrency_same_version)                                                                    \
    X(concurrency_retry_storm)                                                                     \
    /* merkle-*, anchor-*: the log's Merkle tree and signed checkpoints (tests/test-merkle.c) */   \
    X(merkle_rfc6962_roots)                                                                        \
    X(merkle_inclusion_round_trip)                                                                 \
    X(merkle_consistency_round_trip)                                                               \
    X(anchor_signature)                                                                            \
    X(anchor_check)                                                                                \
    X(anchor_untouched_and_grown)                                                                  \
    X(anchor_rewrite_caught)                                                                       \
    X(anchor_truncation_caught)                                                                    \
    X(anchor_deletion_caught)                                                                      \
    X(anchor_forged_checkpoint)                                                                    \
    X(anchor_prove)                                                                                \
    X(anchor_daemon_interval)                                                                      \
    X(anchor_migration_numbers_events)                                                             \
    X(cache_row_state_forged)                                                                      \
    X(cache_snapshot_forged)                                                                       \
    /* wenshu-*: 文书 filled from a case (tests/test-wenshu.c) */                                \
    X(wenshu_capitals)                                                                             \
    X(wenshu_figures_fen)                                                                          \
    X(wenshu_date)                                                                                 \
    X(wenshu_load_errors)                                                                          \
    X(wenshu_shipped_check)                                                                        \
    X(wenshu_fill)                                                                                 \
    X(wenshu_fill_missing)                                                                         \
    X(wenshu_basis_notes)                                                                          \
    X(wenshu_fill_text_facts)                                                                      \
    /* ops-1.*: the operation layer through both front ends (tests/test-ops.c) */                  \
    X(ops_cli_rewrites_alerts)                                                                     \
    X(ops_parity)                                                                                  \
    X(ops_parity_ack)                                                                              \
    X(ops_case_file)                                                                               \
    X(ops_clock_stopped_view)                                                                      \
    X(ops_parity_payment)                                                                          \
    /* ops-4.*: the webhook outbox through both front ends (tests/test-ops-outbox.c) */            \
    X(ops_parity_deliveries)                                                                       \
    X(ops_deliveries_cli_only)                                                                     \
    /* ops-2.*, ops-3.*, ops-4.1: what the layer refuses (tests/test-ops-checks.c) */              \
    X(ops_json_depth_cli)                                                                          \
    X(ops_json_depth_http)                                                                         \
    X(ops_store_unreadable)                                                                        \
    X(ops_documents)                                                                               \
    X(ops_backdate)                                                                                \
    X(ops_daemon_earlier_now)                                                                      \
    X(ops_replay_out_of_order)                                                                     \
    X(ops_single_daemon)                                                                           \
    X(ops_stats_csv_formula)                                                                       \
    /* evidence-*: the evidence register and records (tests/test-evidence.c) */                    \
    X(evidence_engine_refusals)                                                                    \
    X(evidence_engine_items)                                                                       \
    X(evidence_snapshot)                                                                           \
    X(evidence_rule)                                                                               \
    X(evidence_replay)                                                                             \
    X(evidence_cli)                                                                                \
    X(evidence_http)                                                                               \
    X(evidence_parity)                                                                             \
    X(evidence_wenshu)                                                                             \
    /* casefile-*: numbers, summaries, the report (tests/test-casefile.c) */                       \
    X(casefile_ref_numbers)                                                                        \
    X(casefile_summary_counts)                                                                     \
    X(casefile_summary_text)                                                                       \
    X(casefile_summary_cache)                                                                      \
    X(casefile_counts_per_commit)                                                                  \
    X(casefile_counts_savepoint)                                                                   \
    X(casefile_counts_merge)                                                                       \
    X(casefile_stats_period)                                                                       \
    X(casefile_stats_csv)                                                                          \
    /* nodes-*: several daemons on one database, one restarted (tests/test-nodes.c) */             \
    X(nodes_1_sessions_restart)                                                                    \
    X(nodes_2_alert_claims)                                                                        \
    X(nodes_3_claim_failover)                                                                      \
    X(nodes_4_stream_follow)                                                                       \
    X(nodes_5_claims_released_at_stop)                                                             \
    X(nodes_6_two_daemons)                                                                         \
    /* pipeline-*: PostgreSQL's writes sent ahead (tests/test-pipeline.c) */                       \
    X(pipeline_round_trips)                                                                        \
    X(pipeline_conflict)                                                                           \
    X(pipeline_failure)                                                                            \
    X(pipeline_stale_cache)                                                                        \
    X(pipeline_stale_head)                                                                         \
    X(pipeline_returning)                                                                          \
    /* ready-*: a transition prepared off the writer thread (tests/test-ready*.c) */               \
    X(ready_same)                                                                                  \
    X(ready_moved)                                                                                 \
    X(ready_left)                                                                                  \
    X(ready_daemon)                                                                                \
    X(ready_auto)                                                                                  \
    X(ready_redo)                                                                                  \
    X(ready_stream_late)                                                                           \
    X(ready_given_back)                                                                            \
    /* hotpath-*: the HTTP transition path made cheaper (tests/test-hotpath.c) */                  \
    X(hotpath_request_id)                                                                          \
    X(hotpath_sqlite_memstatus)                                                                    \
    X(hotpath_sqlite_nomutex)                                                                      \
    X(hotpath_jsonw_escape)                                                                        \
    X(hotpath_latency_ms)                                                                          \
    X(hotpath_time_format)                                                                         \
    X(hotpath_jsonw_sorted)                                                                        \
    X(hotpath_event_sorted)                                                                        \
    X(hotpath_answer_stored)                                                                       \
    X(hotpath_no_state_index)                                                                      \
    X(hotpath_store_sealed)                                                                        \
    X(hotpath_event_positions)                                                                     \
    /* CORE-TESTS */
