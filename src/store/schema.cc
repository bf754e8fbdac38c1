// The schema of every module, as an ordered list of migrations. Append only: a released
// migration is never edited; a change is a new migration.
#include "store/migrations.h"

namespace threathub::store {

const std::vector<Migration>& SchemaMigrations() {
  static const auto* migrations = new std::vector<Migration>{
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
  };
  return *migrations;
}

int LatestSchemaVersion() { return SchemaMigrations().back().version; }

}  // namespace threathub::store
