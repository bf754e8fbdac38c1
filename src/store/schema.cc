// The schema of every module, as an ordered list of migrations. Append only: a released
// migration is never edited; a change is a new migration.
#include "store/migrations.h"

#include <algorithm>

namespace threathub::store {

const std::vector<Migration>& SchemaMigrations() {
  static auto* migrations = new std::vector<Migration>{
      {1, "auth: regions, agencies, users, roles, sessions",
       R"sql(
CREATE TABLE regions (
  id {{id}},
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE agencies (
  id {{id}},
  region_id BIGINT NOT NULL REFERENCES regions(id),
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  national INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL
);
CREATE TABLE users (
  id {{id}},
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  username TEXT NOT NULL UNIQUE,
  display_name TEXT NOT NULL,
  email TEXT NOT NULL DEFAULT '',
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  locked INTEGER NOT NULL DEFAULT 0,
  failed_count INTEGER NOT NULL DEFAULT 0,
  first_failure_at BIGINT NOT NULL DEFAULT 0,
  totp_secret TEXT NOT NULL DEFAULT '',
  totp_enabled INTEGER NOT NULL DEFAULT 0,
  totp_last_step BIGINT NOT NULL DEFAULT 0,
  totp_exempt INTEGER NOT NULL DEFAULT 0,
  language TEXT NOT NULL DEFAULT 'ru',
  time_zone TEXT NOT NULL DEFAULT 'Asia/Almaty',
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX users_agency ON users(agency_id);
CREATE TABLE user_roles (
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  PRIMARY KEY (user_id, role)
);
CREATE TABLE sessions (
  id {{id}},
  token_hash TEXT NOT NULL UNIQUE,
  user_id BIGINT NOT NULL REFERENCES users(id),
  stage TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  client TEXT NOT NULL DEFAULT '',
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX sessions_user ON sessions(user_id);
)sql",
       "", ""},
      {2, "audit: append-only audit trail",
       R"sql(
CREATE TABLE audit_log (
  id {{id}},
  at_ms BIGINT NOT NULL,
  actor_id BIGINT,
  actor_name TEXT NOT NULL DEFAULT '',
  agency_id BIGINT,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL DEFAULT '',
  object_id TEXT NOT NULL DEFAULT '',
  client TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL,
  request_id TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log(at_ms);
CREATE INDEX audit_log_actor ON audit_log(actor_id, at_ms);
CREATE INDEX audit_log_object ON audit_log(object_type, object_id);
)sql",
       R"sql(
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
)sql",
       R"sql(
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
)sql"},
      // The ledger (src/ledger, docs/formats/ledger.md). ledger_head's one row counts the leaves
      // and checkpoints; appending locks it, which orders leaf indexes by commit. Leaves and
      // checkpoints are append-only, as the audit log is.
      {3, "ledger: leaves and checkpoints",
       R"sql(
CREATE TABLE ledger_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  size BIGINT NOT NULL,
  checkpoints BIGINT NOT NULL
);
INSERT INTO ledger_head(id, size, checkpoints) VALUES (1, 0, 0);
CREATE TABLE ledger_leaves (
  idx BIGINT PRIMARY KEY,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  appended_at BIGINT NOT NULL,
  data {{blob}} NOT NULL,
  leaf_hash {{blob}} NOT NULL,
  UNIQUE (kind, ref)
);
CREATE TABLE ledger_checkpoints (
  seq BIGINT PRIMARY KEY,
  tree_size BIGINT NOT NULL,
  root_hash {{blob}} NOT NULL,
  note TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)sql",
       R"sql(
CREATE TRIGGER ledger_leaves_no_update BEFORE UPDATE ON ledger_leaves
BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;
CREATE TRIGGER ledger_leaves_no_delete BEFORE DELETE ON ledger_leaves
BEGIN SELECT RAISE(ABORT, 'ledger_leaves is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
CREATE TRIGGER ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
BEGIN SELECT RAISE(ABORT, 'ledger_checkpoints is append-only'); END;
)sql",
       R"sql(
CREATE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER ledger_leaves_no_change BEFORE UPDATE OR DELETE ON ledger_leaves
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_leaves_no_truncate BEFORE TRUNCATE ON ledger_leaves
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_checkpoints_no_change BEFORE UPDATE OR DELETE ON ledger_checkpoints
FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER ledger_checkpoints_no_truncate BEFORE TRUNCATE ON ledger_checkpoints
FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
)sql"},
      {4, "cases: cases, members, shares, notes, tasks",
       R"sql(
ALTER TABLE agencies ADD COLUMN case_number_format TEXT NOT NULL DEFAULT '{code}-{year}-{seq}';
CREATE TABLE case_counters (
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  year INTEGER NOT NULL,
  next_value BIGINT NOT NULL,
  PRIMARY KEY (agency_id, year)
);
CREATE TABLE cases (
  id {{id}},
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  number TEXT NOT NULL,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  articles TEXT NOT NULL DEFAULT '',
  search_text TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL,
  lead_user_id BIGINT NOT NULL REFERENCES users(id),
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (agency_id, number)
);
CREATE INDEX cases_agency ON cases(agency_id, updated_at);
CREATE TABLE case_members (
  case_id BIGINT NOT NULL REFERENCES cases(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  role TEXT NOT NULL,
  added_at BIGINT NOT NULL,
  PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_members_user ON case_members(user_id);
CREATE TABLE case_shares (
  case_id BIGINT NOT NULL REFERENCES cases(id),
  user_id BIGINT NOT NULL REFERENCES users(id),
  added_at BIGINT NOT NULL,
  PRIMARY KEY (case_id, user_id)
);
CREATE INDEX case_shares_user ON case_shares(user_id);
CREATE TABLE case_notes (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  author_id BIGINT NOT NULL REFERENCES users(id),
  text TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX case_notes_case ON case_notes(case_id);
CREATE TABLE case_tasks (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  title TEXT NOT NULL,
  assignee_id BIGINT REFERENCES users(id),
  due_at BIGINT,
  done INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX case_tasks_case ON case_tasks(case_id);
)sql",
       "", ""},
      {6, "evidence: items, custody events, integrity alerts, disposals, bundles, jobs",
       R"sql(
CREATE TABLE evidence_items (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  original_name TEXT NOT NULL,
  size BIGINT NOT NULL,
  mime_type TEXT NOT NULL,
  md5 TEXT NOT NULL,
  sha1 TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  source_type TEXT NOT NULL,
  source_detail TEXT NOT NULL DEFAULT '',
  acquisition_method TEXT NOT NULL DEFAULT '',
  acquisition_tool TEXT NOT NULL DEFAULT '',
  examiner TEXT NOT NULL DEFAULT '',
  acquired_at BIGINT,
  acquired_place TEXT NOT NULL DEFAULT '',
  legal_basis TEXT NOT NULL,
  parent_id BIGINT REFERENCES evidence_items(id),
  categories TEXT NOT NULL DEFAULT '',
  retention_until BIGINT,
  state TEXT NOT NULL,
  sealed INTEGER NOT NULL DEFAULT 0,
  seal_number TEXT NOT NULL DEFAULT '',
  ewf TEXT,
  ingested_by BIGINT NOT NULL REFERENCES users(id),
  ingested_at BIGINT NOT NULL,
  last_verified_at BIGINT,
  last_verification TEXT,
  disposed_at BIGINT
);
CREATE INDEX evidence_items_case ON evidence_items(case_id, id);
CREATE INDEX evidence_items_sha256 ON evidence_items(sha256);
CREATE INDEX evidence_items_parent ON evidence_items(parent_id);
CREATE TABLE custody_events (
  id {{id}},
  item_id BIGINT NOT NULL REFERENCES evidence_items(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  action TEXT NOT NULL,
  actor_id BIGINT REFERENCES users(id),
  actor TEXT NOT NULL,
  at BIGINT NOT NULL,
  place TEXT NOT NULL,
  why TEXT NOT NULL,
  from_party TEXT NOT NULL,
  to_party TEXT NOT NULL,
  hash_before TEXT NOT NULL,
  hash_after TEXT NOT NULL,
  result TEXT NOT NULL,
  case_number TEXT NOT NULL,
  item_sha256 TEXT NOT NULL
);
CREATE INDEX custody_events_item ON custody_events(item_id, id);
CREATE TABLE evidence_alerts (
  id {{id}},
  item_id BIGINT NOT NULL REFERENCES evidence_items(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL,
  expected_sha256 TEXT NOT NULL,
  found_sha256 TEXT NOT NULL,
  detected_at BIGINT NOT NULL,
  state TEXT NOT NULL,
  acknowledged_by BIGINT REFERENCES users(id),
  acknowledged_at BIGINT
);
CREATE INDEX evidence_alerts_agency ON evidence_alerts(agency_id, state);
CREATE TABLE evidence_disposals (
  id {{id}},
  item_id BIGINT NOT NULL REFERENCES evidence_items(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  reason TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_by BIGINT REFERENCES users(id),
  requested_at BIGINT NOT NULL,
  approved_by BIGINT REFERENCES users(id),
  approved_at BIGINT,
  scheduled_for BIGINT,
  decided_reason TEXT NOT NULL DEFAULT '',
  done_at BIGINT
);
CREATE INDEX evidence_disposals_agency ON evidence_disposals(agency_id, state);
CREATE INDEX evidence_disposals_item ON evidence_disposals(item_id);
CREATE TABLE evidence_bundles (
  id {{id}},
  case_id BIGINT NOT NULL REFERENCES cases(id),
  file_name TEXT NOT NULL,
  path TEXT NOT NULL,
  size BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  item_ids TEXT NOT NULL,
  purpose TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX evidence_bundles_case ON evidence_bundles(case_id);
CREATE TABLE scheduled_jobs (
  name TEXT PRIMARY KEY,
  last_run_at BIGINT NOT NULL
);
)sql",
       R"sql(
CREATE TRIGGER custody_events_no_update BEFORE UPDATE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events
BEGIN SELECT RAISE(ABORT, 'custody events are append-only'); END;
)sql",
       R"sql(
CREATE FUNCTION custody_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'custody events are append-only'; END $$;
CREATE TRIGGER custody_events_no_change BEFORE UPDATE OR DELETE ON custody_events
FOR EACH ROW EXECUTE FUNCTION custody_events_append_only();
CREATE TRIGGER custody_events_no_truncate BEFORE TRUNCATE ON custody_events
FOR EACH STATEMENT EXECUTE FUNCTION custody_events_append_only();
)sql"},
      // Monitoring mandates (src/mandates). `mandates` holds the current state; every version,
      // the first included, is a JSON snapshot in `mandate_versions`, which is append-only.
      // `scope` is the JSON array of scope entries.
      {7, "mandates: mandates, versions, personas, agency heads",
       R"sql(
ALTER TABLE agencies ADD COLUMN head_user_id BIGINT REFERENCES users(id);
CREATE TABLE mandates (
  id {{id}},
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  version INTEGER NOT NULL,
  purpose TEXT NOT NULL,
  case_id BIGINT REFERENCES cases(id),
  case_number TEXT NOT NULL DEFAULT '',
  predicate TEXT NOT NULL DEFAULT '',
  level TEXT NOT NULL,
  mechanism TEXT NOT NULL,
  scope TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  storage_days INTEGER NOT NULL,
  justification TEXT NOT NULL,
  requester_id BIGINT NOT NULL REFERENCES users(id),
  state TEXT NOT NULL,
  approved_by BIGINT REFERENCES users(id),
  approved_at BIGINT,
  head_approved_by BIGINT REFERENCES users(id),
  head_approved_at BIGINT,
  rejection_reason TEXT NOT NULL DEFAULT '',
  revocation_reason TEXT NOT NULL DEFAULT '',
  last_action TEXT NOT NULL,
  updated_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX mandates_agency ON mandates(agency_id, updated_at);
CREATE INDEX mandates_requester ON mandates(requester_id);
CREATE INDEX mandates_due ON mandates(state, ends_at);
CREATE TABLE mandate_versions (
  mandate_id BIGINT NOT NULL REFERENCES mandates(id),
  version INTEGER NOT NULL,
  action TEXT NOT NULL,
  snapshot TEXT NOT NULL,
  changed_by BIGINT REFERENCES users(id),
  changed_by_name TEXT NOT NULL,
  changed_at BIGINT NOT NULL,
  PRIMARY KEY (mandate_id, version)
);
CREATE TABLE personas (
  id {{id}},
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  platform TEXT NOT NULL,
  handle TEXT NOT NULL,
  display_name TEXT NOT NULL,
  controller_id BIGINT NOT NULL REFERENCES users(id),
  status TEXT NOT NULL,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  UNIQUE (agency_id, platform, handle)
);
CREATE INDEX personas_controller ON personas(controller_id);
CREATE TABLE persona_mandates (
  persona_id BIGINT NOT NULL REFERENCES personas(id),
  mandate_id BIGINT NOT NULL REFERENCES mandates(id),
  PRIMARY KEY (persona_id, mandate_id)
);
CREATE INDEX persona_mandates_mandate ON persona_mandates(mandate_id);
)sql",
       R"sql(
CREATE TRIGGER mandate_versions_no_update BEFORE UPDATE ON mandate_versions
BEGIN SELECT RAISE(ABORT, 'mandate versions are append-only'); END;
CREATE TRIGGER mandate_versions_no_delete BEFORE DELETE ON mandate_versions
BEGIN SELECT RAISE(ABORT, 'mandate versions are append-only'); END;
)sql",
       R"sql(
CREATE FUNCTION mandate_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'mandate versions are append-only'; END $$;
CREATE TRIGGER mandate_versions_no_change BEFORE UPDATE OR DELETE ON mandate_versions
FOR EACH ROW EXECUTE FUNCTION mandate_versions_append_only();
CREATE TRIGGER mandate_versions_no_truncate BEFORE TRUNCATE ON mandate_versions
FOR EACH STATEMENT EXECUTE FUNCTION mandate_versions_append_only();
)sql"},
      {5, "auth: revocation epoch, failed sign-ins of unknown names",
       R"sql(
CREATE TABLE auth_epoch (
  id INTEGER PRIMARY KEY,
  value BIGINT NOT NULL
);
INSERT INTO auth_epoch(id, value) VALUES (1, 0);
CREATE TABLE login_failures (
  name_hash TEXT PRIMARY KEY,
  failed_count INTEGER NOT NULL,
  first_failure_at BIGINT NOT NULL
);
)sql",
       "", ""},
      // Collection under mandates (src/collect). mandate_id names a mandate of src/mandates
      // (no foreign key: the collect module reads mandates through their service, and a source
      // whose mandate is gone is stopped with "no_mandate"). An item's original bytes are in
      // `raw`, or in the vault under `raw_blob` (its SHA-256) when large. Full text: an FTS5
      // table over collected_items.text (SQLite; rows deleted by a trigger, inserted by the
      // service since migration 9), a tsvector column written
      // with the row (PostgreSQL; the text lower-cased by the service, so case folding does not
      // depend on the server's locale).
      {8, "collect: sources, imports, collected items and media, refusals, purges",
       R"sql(
CREATE TABLE collect_sources (
  id {{id}},
  mandate_id BIGINT NOT NULL,
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  poll_minutes INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  stop_reason TEXT NOT NULL DEFAULT '',
  last_polled_at BIGINT,
  next_poll_at BIGINT,
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL
);
CREATE INDEX collect_sources_mandate ON collect_sources(mandate_id);
CREATE INDEX collect_sources_state ON collect_sources(state, kind);
CREATE TABLE collect_imports (
  id {{id}},
  source_id BIGINT NOT NULL REFERENCES collect_sources(id),
  via TEXT NOT NULL,
  format TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL,
  started_by BIGINT REFERENCES users(id),
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  records BIGINT NOT NULL DEFAULT 0,
  stored BIGINT NOT NULL DEFAULT 0,
  duplicates BIGINT NOT NULL DEFAULT 0,
  refused BIGINT NOT NULL DEFAULT 0,
  errors BIGINT NOT NULL DEFAULT 0,
  refusals TEXT NOT NULL DEFAULT '{}',
  error_sample TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX collect_imports_source ON collect_imports(source_id, id);
CREATE TABLE collected_items (
  id {{id}},
  mandate_id BIGINT NOT NULL,
  source_id BIGINT NOT NULL REFERENCES collect_sources(id),
  import_id BIGINT REFERENCES collect_imports(id),
  platform TEXT NOT NULL,
  channel_id TEXT NOT NULL,
  post_id TEXT NOT NULL,
  author_id TEXT NOT NULL,
  author_name TEXT NOT NULL,
  url TEXT NOT NULL,
  text TEXT NOT NULL,
  created_at BIGINT,
  collected_at BIGINT NOT NULL,
  sha256 TEXT NOT NULL,
  raw_size BIGINT NOT NULL,
  raw_blob TEXT,
  raw {{blob}},
  purge_at BIGINT NOT NULL,
  promoted_evidence_id BIGINT REFERENCES evidence_items(id),
  UNIQUE (platform, channel_id, post_id)
);
CREATE INDEX collected_items_mandate ON collected_items(mandate_id, id);
CREATE INDEX collected_items_source ON collected_items(source_id, id);
CREATE INDEX collected_items_purge ON collected_items(purge_at);
CREATE INDEX collected_items_raw_blob ON collected_items(raw_blob) WHERE raw_blob IS NOT NULL;
CREATE TABLE collected_media (
  item_id BIGINT NOT NULL REFERENCES collected_items(id),
  n INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  name TEXT NOT NULL,
  mime_type TEXT NOT NULL,
  size BIGINT NOT NULL,
  url TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (item_id, n)
);
CREATE INDEX collected_media_sha256 ON collected_media(sha256);
CREATE TABLE collect_refusals (
  source_id BIGINT NOT NULL REFERENCES collect_sources(id),
  reason TEXT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (source_id, reason)
);
CREATE TABLE collect_purges (
  id {{id}},
  purged_at BIGINT NOT NULL,
  items BIGINT NOT NULL,
  media BIGINT NOT NULL,
  record TEXT NOT NULL
);
)sql",
       R"sql(
CREATE VIRTUAL TABLE collected_fts USING fts5(text, content='collected_items',
  content_rowid='id', tokenize='unicode61 remove_diacritics 2');
CREATE TRIGGER collected_items_fts_insert AFTER INSERT ON collected_items BEGIN
  INSERT INTO collected_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER collected_items_fts_delete AFTER DELETE ON collected_items BEGIN
  INSERT INTO collected_fts(collected_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER collected_items_fts_update AFTER UPDATE OF text ON collected_items BEGIN
  INSERT INTO collected_fts(collected_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO collected_fts(rowid, text) VALUES (new.id, new.text);
END;
)sql",
       R"sql(
ALTER TABLE collected_items ADD COLUMN search tsvector;
CREATE INDEX collected_items_search ON collected_items USING GIN (search);
)sql"},
      // Measured with bench/collect_bench.sh: a trigger on collected_items made every insert a
      // multi-write statement with a savepoint, at whose start FTS5 writes its pending terms
      // out, one index segment per item (44% of an import's instructions); the collect service
      // now writes the FTS5 row itself, in the item's transaction, and the delete trigger
      // stays (a purge is one statement). columnsize=0: no per-row size table, which only
      // ranking would read (results are listed newest first).
      {9, "collect: full-text rows written beside each collected item, no size table", "",
       R"sql(
DROP TRIGGER collected_items_fts_insert;
DROP TRIGGER collected_items_fts_delete;
DROP TRIGGER collected_items_fts_update;
DROP TABLE collected_fts;
CREATE VIRTUAL TABLE collected_fts USING fts5(text, content='collected_items',
  content_rowid='id', tokenize='unicode61 remove_diacritics 2', columnsize=0);
INSERT INTO collected_fts(collected_fts) VALUES ('rebuild');
CREATE TRIGGER collected_items_fts_delete AFTER DELETE ON collected_items BEGIN
  INSERT INTO collected_fts(collected_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
)sql",
       ""},
      // Detection (src/detect): indicator lists and their entries (versioned: every change
      // bumps the list's version and appends a row to indicator_list_versions, append-only),
      // hash banks and their hashes, alerts and the scanner's progress. An alert is unique per
      // (item, indicator) for text and per (item, media file, bank hash) for images and exact
      // hashes: 0 stands for "none" in indicator_id, media_n and bank_hash_id, so that one
      // UNIQUE key covers both and a rescan inserts nothing twice. detect_state holds the arrival
      // cursor (the last collected item scanned, advanced in the transaction that inserts the
      // batch's alerts) and the lease of the instance that scans; detect_scans the rescans.
      {10, "detect: indicator lists, hash banks, alerts, scanner state",
       R"sql(
CREATE TABLE indicator_lists (
  id {{id}},
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  version BIGINT NOT NULL DEFAULT 1,
  created_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE indicators (
  id {{id}},
  list_id BIGINT NOT NULL REFERENCES indicator_lists(id),
  kind TEXT NOT NULL,
  pattern TEXT NOT NULL,
  language TEXT NOT NULL,
  category TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL,
  notes TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  retired INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX indicators_list ON indicators(list_id, id);
CREATE TABLE indicator_list_versions (
  list_id BIGINT NOT NULL REFERENCES indicator_lists(id),
  version BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by BIGINT REFERENCES users(id),
  change TEXT NOT NULL,
  PRIMARY KEY (list_id, version)
);
CREATE TABLE hash_banks (
  id {{id}},
  name TEXT NOT NULL UNIQUE,
  algorithm TEXT NOT NULL,
  negative INTEGER NOT NULL DEFAULT 0,
  threshold INTEGER NOT NULL DEFAULT 31,
  quality_gate INTEGER NOT NULL DEFAULT 50,
  labels TEXT NOT NULL DEFAULT '[]',
  description TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  version BIGINT NOT NULL DEFAULT 1,
  created_by BIGINT REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE bank_hashes (
  id {{id}},
  bank_id BIGINT NOT NULL REFERENCES hash_banks(id),
  hash TEXT NOT NULL,
  label TEXT NOT NULL DEFAULT '',
  source TEXT NOT NULL DEFAULT '',
  ideology TEXT NOT NULL DEFAULT '',
  file_type TEXT NOT NULL DEFAULT '',
  active INTEGER NOT NULL DEFAULT 1,
  quarantined INTEGER NOT NULL DEFAULT 0,
  reference_sha256 TEXT,
  created_at BIGINT NOT NULL,
  UNIQUE (bank_id, hash)
);
CREATE TABLE detect_alerts (
  id {{id}},
  item_id BIGINT NOT NULL,
  mandate_id BIGINT NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  list_id BIGINT,
  list_version BIGINT,
  indicator_id BIGINT NOT NULL DEFAULT 0,
  bank_id BIGINT,
  bank_hash_id BIGINT NOT NULL DEFAULT 0,
  media_n INTEGER NOT NULL DEFAULT 0,
  distance INTEGER,
  quality INTEGER,
  low_confidence INTEGER NOT NULL DEFAULT 0,
  highlights TEXT NOT NULL DEFAULT '[]',
  excerpt TEXT NOT NULL DEFAULT '',
  severity TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  decided_by BIGINT REFERENCES users(id),
  decided_at BIGINT,
  reason TEXT NOT NULL DEFAULT '',
  case_id BIGINT,
  evidence_id BIGINT,
  removal_request TEXT,
  UNIQUE (item_id, indicator_id, media_n, bank_hash_id)
);
CREATE INDEX detect_alerts_state ON detect_alerts(state, id);
CREATE INDEX detect_alerts_mandate ON detect_alerts(mandate_id, state, id);
CREATE INDEX detect_alerts_indicator ON detect_alerts(indicator_id);
CREATE INDEX detect_alerts_bank_hash ON detect_alerts(bank_hash_id, created_at);
CREATE TABLE detect_state (
  id INTEGER PRIMARY KEY,
  scanned_through BIGINT NOT NULL,
  lease_owner TEXT NOT NULL DEFAULT '',
  lease_until BIGINT NOT NULL DEFAULT 0
);
INSERT INTO detect_state(id, scanned_through) VALUES (1, 0);
CREATE TABLE detect_scans (
  id {{id}},
  reason TEXT NOT NULL,
  from_time BIGINT NOT NULL,
  from_item BIGINT NOT NULL,
  to_item BIGINT NOT NULL,
  next_item BIGINT NOT NULL,
  items BIGINT NOT NULL,
  scanned BIGINT NOT NULL DEFAULT 0,
  alerts BIGINT NOT NULL DEFAULT 0,
  state TEXT NOT NULL,
  started_by BIGINT REFERENCES users(id),
  started_at BIGINT NOT NULL,
  finished_at BIGINT
);
)sql",
       R"sql(
CREATE TRIGGER indicator_list_versions_no_update BEFORE UPDATE ON indicator_list_versions
BEGIN SELECT RAISE(ABORT, 'indicator list versions are append-only'); END;
CREATE TRIGGER indicator_list_versions_no_delete BEFORE DELETE ON indicator_list_versions
BEGIN SELECT RAISE(ABORT, 'indicator list versions are append-only'); END;
)sql",
       R"sql(
CREATE FUNCTION indicator_list_versions_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'indicator list versions are append-only'; END $$;
CREATE TRIGGER indicator_list_versions_no_change BEFORE UPDATE OR DELETE
ON indicator_list_versions FOR EACH ROW EXECUTE FUNCTION indicator_list_versions_append_only();
CREATE TRIGGER indicator_list_versions_no_truncate BEFORE TRUNCATE ON indicator_list_versions
FOR EACH STATEMENT EXECUTE FUNCTION indicator_list_versions_append_only();
)sql"},
      // Requests to service providers (src/requests). provider_entries: every version of a
      // provider's directory entry (the seed is version 1, changed_by NULL), append-only.
      // provider_requests: the current state of each request; `fields` is the draft as JSON, the
      // other columns what the lifecycle, the chains and the statistics read (`outcome` keeps
      // produced/partly_produced/refused/expired after the request is closed). Events and the
      // frozen documents are append-only. request_reminders: one row per (request, deadline
      // rule, deadline kind, reminder label) with the in-app and the e-mail delivery state.
      {11, "requests: provider directory versions, requests, events, documents, reminders",
       R"sql(
CREATE TABLE provider_entries (
  id {{id}},
  provider_id TEXT NOT NULL,
  version INTEGER NOT NULL,
  entry TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  changed_by BIGINT REFERENCES users(id),
  changed_at BIGINT NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  UNIQUE (provider_id, version)
);
CREATE INDEX provider_entries_hash ON provider_entries(provider_id, content_hash);
CREATE TABLE provider_requests (
  id {{id}},
  agency_id BIGINT NOT NULL REFERENCES agencies(id),
  case_id BIGINT NOT NULL REFERENCES cases(id),
  case_number TEXT NOT NULL,
  chain_id BIGINT NOT NULL,
  previous_id BIGINT REFERENCES provider_requests(id),
  type TEXT NOT NULL,
  provider TEXT NOT NULL DEFAULT '',
  country TEXT NOT NULL DEFAULT '',
  version INTEGER NOT NULL,
  fields TEXT NOT NULL,
  state TEXT NOT NULL,
  provider_hash TEXT NOT NULL DEFAULT '',
  directory_version TEXT NOT NULL DEFAULT '',
  created_by BIGINT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  approved_by BIGINT REFERENCES users(id),
  approved_at BIGINT,
  returned_reason TEXT NOT NULL DEFAULT '',
  sent_at BIGINT,
  channel TEXT NOT NULL DEFAULT '',
  ticket TEXT NOT NULL DEFAULT '',
  acknowledged_at BIGINT,
  preserved_at BIGINT,
  preserved_until BIGINT,
  first_answer_at BIGINT,
  outcome TEXT NOT NULL DEFAULT '',
  outcome_at BIGINT,
  refusal_code TEXT NOT NULL DEFAULT '',
  outcome_text TEXT NOT NULL DEFAULT '',
  closed_at BIGINT
);
CREATE INDEX provider_requests_case ON provider_requests(case_id, id);
CREATE INDEX provider_requests_chain ON provider_requests(chain_id, id);
CREATE INDEX provider_requests_state ON provider_requests(state, id);
CREATE INDEX provider_requests_agency ON provider_requests(agency_id, id);
CREATE TABLE provider_request_events (
  id {{id}},
  request_id BIGINT NOT NULL REFERENCES provider_requests(id),
  action TEXT NOT NULL,
  from_state TEXT NOT NULL DEFAULT '',
  to_state TEXT NOT NULL DEFAULT '',
  actor_id BIGINT REFERENCES users(id),
  at BIGINT NOT NULL,
  detail TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX provider_request_events_request ON provider_request_events(request_id, id);
CREATE TABLE request_documents (
  request_id BIGINT PRIMARY KEY REFERENCES provider_requests(id),
  pdf {{blob}} NOT NULL,
  sha256 TEXT NOT NULL,
  language TEXT NOT NULL,
  size BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE request_reminders (
  id {{id}},
  request_id BIGINT NOT NULL REFERENCES provider_requests(id),
  rule_id TEXT NOT NULL,
  deadline_kind TEXT NOT NULL,
  label TEXT NOT NULL,
  remind_at BIGINT NOT NULL,
  due_at BIGINT NOT NULL,
  dismissed_at BIGINT,
  dismissed_by BIGINT REFERENCES users(id),
  email_state TEXT NOT NULL DEFAULT 'pending',
  email_attempts INTEGER NOT NULL DEFAULT 0,
  email_error TEXT NOT NULL DEFAULT '',
  next_attempt_at BIGINT NOT NULL DEFAULT 0,
  email_sent_at BIGINT,
  UNIQUE (request_id, rule_id, deadline_kind, label)
);
CREATE INDEX request_reminders_due ON request_reminders(email_state, remind_at);
CREATE INDEX request_reminders_remind ON request_reminders(remind_at);
CREATE TABLE request_responses (
  request_id BIGINT NOT NULL REFERENCES provider_requests(id),
  evidence_id BIGINT NOT NULL REFERENCES evidence_items(id),
  received_at BIGINT NOT NULL,
  added_by BIGINT REFERENCES users(id),
  added_at BIGINT NOT NULL,
  PRIMARY KEY (request_id, evidence_id)
);
)sql",
       R"sql(
CREATE TRIGGER provider_entries_no_update BEFORE UPDATE ON provider_entries
BEGIN SELECT RAISE(ABORT, 'provider entry versions are append-only'); END;
CREATE TRIGGER provider_entries_no_delete BEFORE DELETE ON provider_entries
BEGIN SELECT RAISE(ABORT, 'provider entry versions are append-only'); END;
CREATE TRIGGER provider_request_events_no_update BEFORE UPDATE ON provider_request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER provider_request_events_no_delete BEFORE DELETE ON provider_request_events
BEGIN SELECT RAISE(ABORT, 'request events are append-only'); END;
CREATE TRIGGER request_documents_no_update BEFORE UPDATE ON request_documents
BEGIN SELECT RAISE(ABORT, 'sent request documents are frozen'); END;
CREATE TRIGGER request_documents_no_delete BEFORE DELETE ON request_documents
BEGIN SELECT RAISE(ABORT, 'sent request documents are frozen'); END;
)sql",
       R"sql(
CREATE FUNCTION requests_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$;
CREATE TRIGGER provider_entries_no_change BEFORE UPDATE OR DELETE ON provider_entries
FOR EACH ROW EXECUTE FUNCTION requests_append_only();
CREATE TRIGGER provider_entries_no_truncate BEFORE TRUNCATE ON provider_entries
FOR EACH STATEMENT EXECUTE FUNCTION requests_append_only();
CREATE TRIGGER provider_request_events_no_change BEFORE UPDATE OR DELETE
ON provider_request_events FOR EACH ROW EXECUTE FUNCTION requests_append_only();
CREATE TRIGGER provider_request_events_no_truncate BEFORE TRUNCATE ON provider_request_events
FOR EACH STATEMENT EXECUTE FUNCTION requests_append_only();
CREATE TRIGGER request_documents_no_change BEFORE UPDATE OR DELETE ON request_documents
FOR EACH ROW EXECUTE FUNCTION requests_append_only();
CREATE TRIGGER request_documents_no_truncate BEFORE TRUNCATE ON request_documents
FOR EACH STATEMENT EXECUTE FUNCTION requests_append_only();
)sql"},
  };
  // Kept in version order whatever order the blocks above are in.
  static const bool sorted = [] {
    std::sort(
        migrations->begin(), migrations->end(),
        [](const Migration& left, const Migration& right) { return left.version < right.version; });
    return true;
  }();
  (void)sorted;
  return *migrations;
}

int LatestSchemaVersion() { return SchemaMigrations().back().version; }

}  // namespace threathub::store
