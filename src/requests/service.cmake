# The requests service over the database (requests.h): the versioned provider directory,
# requests and their lifecycle, frozen documents, deadlines, reminders (in the application and
# by e-mail) and statistics. Included by CMakeLists.txt. The test runs on SQLite and, with
# THREATHUB_TEST_PG_URI (tools/pg_temp.sh run -- ...), on PostgreSQL.
threathub_module(requests
  SOURCES requests.cc internal/service_mail.cc
  DEPS threathub_requests_core threathub_requests_document threathub_requests_mailer
       threathub_evidence threathub_cases threathub_audit threathub_store threathub_vault
       threathub_auth threathub_base nlohmann_json::nlohmann_json absl::time absl::status
       absl::statusor absl::strings)
threathub_test(requests_service_test
  SOURCES requests_test.cc
  DEPS threathub_requests threathub_ledger)
