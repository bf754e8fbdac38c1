#include "auth/sessions.h"

#include <sys/stat.h>
#include "base/strings.h"

#include <algorithm>

#include "auth/totp.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/file.h"
#include "base/status_macros.h"

namespace threathub::auth {
namespace {

constexpr char kPrincipalQuery[] =
    "SELECT u.id, u.username, u.display_name, u.agency_id, a.name, a.national, u.language, "
    "u.time_zone, u.totp_enabled, u.disabled, a.disabled "
    "FROM users u JOIN agencies a ON a.id = u.agency_id WHERE u.id = $1";

std::string HashToken(std::string_view token) { return base::HexEncode(base::Sha256(token)); }

absl::Status Expired() {
  return base::WithReason(absl::UnauthenticatedError("your session has ended; sign in again"),
                          "session_expired");
}

absl::Status BadCredentials() {
  return base::WithReason(absl::UnauthenticatedError("wrong username or password"),
                          "bad_credentials");
}

absl::Status Locked() {
  return base::WithReason(
      absl::UnauthenticatedError(
          "this account is locked after repeated failed sign-ins; ask an administrator to "
          "unlock it"),
      "account_locked");
}

absl::Status Disabled() {
  return base::WithReason(absl::UnauthenticatedError("this account is disabled"),
                          "account_disabled");
}

SessionStage ParseStage(std::string_view name) {
  if (name == "totp") return SessionStage::kTotp;
  if (name == "enroll") return SessionStage::kEnroll;
  return SessionStage::kFull;
}

// Fills the user part of a principal. Unauthenticated when the account or agency is disabled.
absl::Status LoadPrincipal(store::Transaction& tx, int64_t user_id, Principal& principal) {
  ASSIGN_OR_RETURN(store::Result result, tx.Execute(kPrincipalQuery, {user_id}));
  if (result.rows.empty()) return Expired();
  const store::Row& row = result.rows[0];
  if (row.Int(9) != 0 || row.Int(10) != 0) return Disabled();
  principal.user_id = row.Int(0);
  principal.username = row.Text(1);
  principal.display_name = row.Text(2);
  principal.agency_id = row.Int(3);
  principal.agency_name = row.Text(4);
  principal.national_agency = row.Int(5) != 0;
  principal.language = row.Text(6);
  principal.time_zone = row.Text(7);
  principal.totp_enabled = row.Int(8) != 0;
  ASSIGN_OR_RETURN(store::Result roles,
                   tx.Execute("SELECT role FROM user_roles WHERE user_id = $1", {user_id}));
  principal.roles.clear();
  for (const store::Row& role_row : roles.rows) {
    if (auto role = ParseRole(role_row.Text(0))) principal.roles.push_back(*role);
  }
  std::sort(principal.roles.begin(), principal.roles.end());
  principal.permissions = PermissionsFor(principal.roles, principal.national_agency);
  return absl::OkStatus();
}

bool IsKnownLanguage(std::string_view language) {
  return language == "kk" || language == "ru" || language == "en";
}

bool IsPlausibleTimeZone(std::string_view zone) {
  if (zone.empty() || zone.size() > 64) return false;
  for (char symbol : zone) {
    if (!std::isalnum(static_cast<unsigned char>(symbol)) && symbol != '/' && symbol != '_' &&
        symbol != '-' && symbol != '+') {
      return false;
    }
  }
  return zone == "UTC" || zone.find('/') != std::string_view::npos;
}

}  // namespace

Authenticator::Authenticator(store::Database& database, audit::AuditTrail& trail,
                             const base::Clock& clock, SessionPolicy policy)
    : database_(database),
      trail_(trail),
      clock_(clock),
      policy_(policy),
      last_seen_write_interval_(std::min(kLastSeenWriteInterval, policy.idle_timeout / 4)) {
  dummy_hash_ = HashPassword(base::HexEncode(base::RandomBytes(16)), policy_.cost).value_or("");
}

absl::Status Authenticator::Audit(std::optional<int64_t> user_id, std::optional<int64_t> agency_id,
                                  std::string_view name, std::string action, audit::Outcome outcome,
                                  const ClientInfo& client, std::string detail) {
  audit::Record record;
  record.actor_id = user_id;
  record.actor_name = std::string(name);
  record.agency_id = agency_id;
  record.action = std::move(action);
  record.object_type = "user";
  record.object_id = user_id ? std::to_string(*user_id) : "";
  record.client = client.address;
  record.request_id = client.request_id;
  record.outcome = outcome;
  record.detail = std::move(detail);
  return trail_.Append(record);
}

absl::StatusOr<bool> Authenticator::RecordUnknownFailure(const std::string& username) {
  std::string name_hash = base::HexEncode(base::Sha256(base::AsciiStrToLower(username)));
  base::Millis now = clock_.NowMillis();
  bool locked = false;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(store::Result found,
                         tx.Execute("SELECT failed_count, first_failure_at FROM login_failures "
                                    "WHERE name_hash = $1",
                                    {name_hash}));
        int64_t count = found.rows.empty() ? 0 : found.rows[0].Int(0);
        base::Millis first = found.rows.empty() ? now : found.rows[0].Int(1);
        if (count >= kMaxFailedSignIns) {
          locked = true;  // locked names stay locked, as accounts do until an admin acts
          return absl::OkStatus();
        }
        if (count == 0 || now - first > kFailureWindow) {
          count = 0;
          first = now;
        }
        ++count;
        locked = count >= kMaxFailedSignIns;
        return tx
            .Execute(
                "INSERT INTO login_failures(name_hash, failed_count, first_failure_at) "
                "VALUES ($1, $2, $3) ON CONFLICT (name_hash) DO UPDATE SET "
                "failed_count = excluded.failed_count, "
                "first_failure_at = excluded.first_failure_at",
                {name_hash, count, first})
            .status();
      }));
  return locked;
}

absl::Status Authenticator::AuditOwn(store::Transaction& tx, const Principal& principal,
                                     std::string action, const ClientInfo& client) {
  audit::Record record{.actor_id = principal.user_id,
                       .actor_name = principal.username,
                       .agency_id = principal.agency_id,
                       .action = std::move(action),
                       .object_type = "user",
                       .object_id = std::to_string(principal.user_id),
                       .client = client.address,
                       .request_id = client.request_id};
  return trail_.Append(tx, record);
}

absl::StatusOr<int64_t> Authenticator::CurrentEpoch() {
  ASSIGN_OR_RETURN(
      store::Result result,
      database_.Execute("SELECT value FROM auth_epoch WHERE id = 1", {}, store::TxMode::kRead));
  if (result.rows.empty()) return absl::InternalError("auth_epoch row is missing");
  return result.rows[0].Int(0);
}

absl::StatusOr<int64_t> Authenticator::ObservedEpoch() {
  if (policy_.epoch_file.empty()) return CurrentEpoch();
  struct stat info {};
  std::string state = "absent";
  if (::stat(policy_.epoch_file.c_str(), &info) == 0) {
    state = base::StrCat(info.st_ino, ":", info.st_size, ":", info.st_mtim.tv_sec, ":",
                         info.st_mtim.tv_nsec);
  }
  {
    absl::MutexLock lock(&epoch_mutex_);
    if (state == epoch_file_state_ && epoch_value_ >= 0) return epoch_value_;
  }
  // The file changed after a commit elsewhere: the database has the new epoch.
  ASSIGN_OR_RETURN(int64_t epoch, CurrentEpoch());
  absl::MutexLock lock(&epoch_mutex_);
  epoch_file_state_ = state;
  epoch_value_ = epoch;
  return epoch;
}

void Authenticator::SignalChange() {
  if (policy_.epoch_file.empty()) return;
  // Written after the commit, so a reader that sees the new file state reads the new epoch.
  // The content only makes each write differ; losing it in a crash loses nothing (a restarted
  // reader always reads the database first).
  std::string marker = base::StrCat(clock_.NowMillis(), " ", base::HexEncode(base::RandomBytes(8)));
  base::WriteFileDurably(policy_.epoch_file, marker, 0644).IgnoreError();
}

absl::Status Authenticator::BumpEpoch(store::Transaction& tx) {
  return tx.Execute("UPDATE auth_epoch SET value = value + 1 WHERE id = 1").status();
}

absl::Status Authenticator::RecordFailure(store::Transaction& tx, int64_t user_id,
                                          bool& now_locked) {
  base::Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(
      store::Result result,
      tx.Execute("SELECT failed_count, first_failure_at FROM users WHERE id = $1", {user_id}));
  int64_t count = result.rows.at(0).Int(0);
  base::Millis first = result.rows.at(0).Int(1);
  if (count == 0 || now - first > kFailureWindow) {
    count = 0;
    first = now;
  }
  ++count;
  now_locked = count >= kMaxFailedSignIns;
  return tx
      .Execute(
          "UPDATE users SET failed_count = $1, first_failure_at = $2, locked = $3 "
          "WHERE id = $4",
          {count, first, int64_t{now_locked}, user_id})
      .status();
}

absl::StatusOr<LoginResult> Authenticator::StartSession(store::Transaction& tx, int64_t user_id,
                                                        SessionStage stage,
                                                        const ClientInfo& client) {
  LoginResult result;
  RETURN_IF_ERROR(LoadPrincipal(tx, user_id, result.principal));
  result.token = base::Base64UrlEncode(base::RandomBytes(32));
  base::Millis now = clock_.NowMillis();
  std::string csrf = base::Base64UrlEncode(base::RandomBytes(24));
  ASSIGN_OR_RETURN(store::Result inserted,
                   tx.Execute("INSERT INTO sessions(token_hash, user_id, stage, csrf_token, "
                              "client, created_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6, "
                              "$6) RETURNING id",
                              {HashToken(result.token), user_id,
                               std::string(SessionStageName(stage)), csrf, client.address, now}));
  Principal& principal = result.principal;
  principal.session_id = inserted.rows.at(0).Int(0);
  principal.stage = stage;
  principal.csrf_token = csrf;
  principal.session_created_at = now;
  principal.session_expires_at = now + policy_.absolute_lifetime;
  result.status = stage == SessionStage::kTotp     ? LoginStatus::kTotpRequired
                  : stage == SessionStage::kEnroll ? LoginStatus::kEnrollmentRequired
                                                   : LoginStatus::kOk;
  return result;
}

absl::StatusOr<LoginResult> Authenticator::Login(std::string_view username,
                                                 std::string_view password, bool banner_accepted,
                                                 const ClientInfo& client) {
  if (!banner_accepted) {
    return base::WithReason(
        base::InvalidField("banner_accepted", "acknowledge the system-use notice to sign in"),
        "banner_not_accepted");
  }
  if (username.empty() || username.size() > 64 || password.size() > 4096 ||
      !base::IsValidUtf8(username)) {
    return BadCredentials();
  }
  std::string name(username);
  ASSIGN_OR_RETURN(store::Result found,
                   database_.Execute("SELECT u.id, u.password_hash, u.locked, u.disabled, "
                                     "a.disabled, u.totp_enabled, u.totp_exempt, u.agency_id "
                                     "FROM users u JOIN agencies a ON a.id = u.agency_id "
                                     "WHERE u.username = $1",
                                     {name}, store::TxMode::kRead));
  if (found.rows.empty()) {
    VerifyPassword(password, dummy_hash_);
    ASSIGN_OR_RETURN(bool locked, RecordUnknownFailure(name));
    RETURN_IF_ERROR(Audit(std::nullopt, std::nullopt, name, "auth.login", audit::Outcome::kFailure,
                          client, locked ? "locked" : "bad credentials"));
    return locked ? Locked() : BadCredentials();
  }
  const store::Row& row = found.rows[0];
  int64_t user_id = row.Int(0);
  int64_t agency_id = row.Int(7);
  if (row.Int(2) != 0) {
    RETURN_IF_ERROR(Audit(user_id, agency_id, name, "auth.login", audit::Outcome::kDenied, client,
                          "account locked"));
    return Locked();
  }
  if (!VerifyPassword(password, row.Text(1))) {
    bool now_locked = false;
    RETURN_IF_ERROR(database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) {
      return RecordFailure(tx, user_id, now_locked);
    }));
    RETURN_IF_ERROR(Audit(user_id, agency_id, name, "auth.login", audit::Outcome::kFailure, client,
                          now_locked ? "bad credentials; account locked" : "bad credentials"));
    return now_locked ? Locked() : BadCredentials();
  }
  if (row.Int(3) != 0 || row.Int(4) != 0) {
    RETURN_IF_ERROR(Audit(user_id, agency_id, name, "auth.login", audit::Outcome::kDenied, client,
                          "account disabled"));
    return Disabled();
  }
  SessionStage stage = SessionStage::kFull;
  if (policy_.totp_required && row.Int(6) == 0) {
    stage = row.Int(5) != 0 ? SessionStage::kTotp : SessionStage::kEnroll;
  } else if (row.Int(5) != 0) {
    stage = SessionStage::kTotp;  // enrolled voluntarily: the code is still asked for
  }
  LoginResult result;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        if (stage != SessionStage::kTotp) {
          RETURN_IF_ERROR(
              tx.Execute("UPDATE users SET failed_count = 0 WHERE id = $1", {user_id}).status());
        }
        ASSIGN_OR_RETURN(result, StartSession(tx, user_id, stage, client));
        audit::Record record{.actor_id = user_id,
                             .actor_name = name,
                             .agency_id = agency_id,
                             .action = "auth.login",
                             .object_type = "user",
                             .object_id = std::to_string(user_id),
                             .client = client.address,
                             .outcome = audit::Outcome::kSuccess,
                             .request_id = client.request_id,
                             .detail = stage == SessionStage::kTotp ? "password ok; TOTP code next"
                                       : stage == SessionStage::kEnroll
                                           ? "password ok; TOTP enrolment required"
                                           : "signed in"};
        return trail_.Append(tx, record);
      }));
  return result;
}

absl::StatusOr<LoginResult> Authenticator::CompleteTotp(std::string_view challenge,
                                                        std::string_view code,
                                                        const ClientInfo& client) {
  std::string challenge_hash = HashToken(challenge);
  base::Millis now = clock_.NowMillis();
  ASSIGN_OR_RETURN(store::Result found,
                   database_.Execute("SELECT s.id, s.user_id, s.created_at, u.totp_secret, "
                                     "u.totp_last_step, u.locked, u.username, u.agency_id "
                                     "FROM sessions s JOIN users u ON u.id = s.user_id "
                                     "WHERE s.token_hash = $1 AND s.stage = 'totp' AND "
                                     "s.revoked = 0",
                                     {challenge_hash}, store::TxMode::kRead));
  if (found.rows.empty() || now - found.rows[0].Int(2) > kTotpChallengeLifetime) {
    return base::WithReason(
        absl::UnauthenticatedError("the sign-in took too long; enter your password again"),
        "session_expired");
  }
  const store::Row& row = found.rows[0];
  int64_t challenge_id = row.Int(0);
  int64_t user_id = row.Int(1);
  std::string username = row.Text(6);
  int64_t agency_id = row.Int(7);
  if (row.Int(5) != 0) return Locked();
  std::optional<std::string> secret = base::Base32Decode(row.Text(3));
  absl::StatusOr<int64_t> step = VerifyTotp(secret.value_or(""), code, now, row.Int(4));
  if (!step.ok()) {
    bool now_locked = false;
    RETURN_IF_ERROR(
        database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
          RETURN_IF_ERROR(RecordFailure(tx, user_id, now_locked));
          if (!now_locked) return absl::OkStatus();
          return tx.Execute("UPDATE sessions SET revoked = 1 WHERE id = $1", {challenge_id})
              .status();
        }));
    RETURN_IF_ERROR(Audit(user_id, agency_id, username, "auth.totp", audit::Outcome::kFailure,
                          client, now_locked ? "wrong code; account locked" : "wrong code"));
    if (now_locked) return Locked();
    return step.status();
  }
  LoginResult result;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        // The step is stored with a guard on the old value so a code cannot be used twice even by
        // two requests racing each other.
        ASSIGN_OR_RETURN(store::Result used,
                         tx.Execute("UPDATE users SET totp_last_step = $1, failed_count = 0 "
                                    "WHERE id = $2 AND totp_last_step < $1",
                                    {*step, user_id}));
        if (used.affected_rows == 0) {
          return base::WithReason(absl::UnauthenticatedError("this code was already used"),
                                  "bad_totp");
        }
        ASSIGN_OR_RETURN(store::Result revoked,
                         tx.Execute("UPDATE sessions SET revoked = 1 WHERE id = $1 AND revoked = 0",
                                    {challenge_id}));
        if (revoked.affected_rows == 0) return Expired();
        ASSIGN_OR_RETURN(result, StartSession(tx, user_id, SessionStage::kFull, client));
        audit::Record record{.actor_id = user_id,
                             .actor_name = username,
                             .agency_id = agency_id,
                             .action = "auth.totp",
                             .object_type = "user",
                             .object_id = std::to_string(user_id),
                             .client = client.address,
                             .outcome = audit::Outcome::kSuccess,
                             .request_id = client.request_id,
                             .detail = "signed in"};
        return trail_.Append(tx, record);
      }));
  return result;
}

absl::StatusOr<Authenticator::CachedSession> Authenticator::LoadSession(
    const std::string& token_hash) {
  CachedSession cached;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(
            store::Result found,
            tx.Execute("SELECT id, user_id, stage, csrf_token, created_at, last_seen_at, "
                       "revoked FROM sessions WHERE token_hash = $1",
                       {token_hash}));
        if (found.rows.empty()) return Expired();
        const store::Row& row = found.rows[0];
        if (row.Int(6) != 0) return Expired();
        Principal& principal = cached.principal;
        principal.session_id = row.Int(0);
        principal.stage = ParseStage(row.Text(2));
        principal.csrf_token = row.Text(3);
        principal.session_created_at = row.Int(4);
        principal.session_expires_at = principal.session_created_at + policy_.absolute_lifetime;
        cached.last_seen = cached.last_seen_written = row.Int(5);
        absl::Status loaded = LoadPrincipal(tx, row.Int(1), principal);
        if (!loaded.ok()) return Expired();
        return absl::OkStatus();
      }));
  cached.validated_at = clock_.NowMillis();
  return cached;
}

absl::StatusOr<Principal> Authenticator::PrincipalForUser(std::string_view username) {
  Principal principal;
  RETURN_IF_ERROR(database_.Transact(store::TxMode::kRead, [&](store::Transaction& tx) {
    ASSIGN_OR_RETURN(store::Result found, tx.Execute("SELECT id FROM users WHERE username = $1",
                                                     {std::string(username)}));
    if (found.rows.empty()) {
      return absl::NotFoundError(base::StrCat("no user named \"", username, "\""));
    }
    return LoadPrincipal(tx, found.rows[0].Int(0), principal);
  }));
  principal.stage = SessionStage::kFull;
  return principal;
}

absl::StatusOr<Principal> Authenticator::Authenticate(std::string_view token) {
  if (token.empty() || token.size() > 128) return Expired();
  std::string token_hash = HashToken(token);
  base::Millis now = clock_.NowMillis();
  // One small read per request: a revocation by any process (another server instance, the
  // command line) takes effect on the very next request.
  ASSIGN_OR_RETURN(int64_t epoch, ObservedEpoch());
  std::optional<CachedSession> cached;
  {
    absl::MutexLock lock(&mutex_);
    auto entry = cache_.find(token_hash);
    if (entry != cache_.end() && entry->second.epoch == epoch &&
        now - entry->second.validated_at < kRevalidateInterval) {
      cached = entry->second;
    }
  }
  if (!cached) {
    absl::StatusOr<CachedSession> loaded = LoadSession(token_hash);
    if (!loaded.ok()) {
      Forget(token_hash);
      return loaded.status();
    }
    loaded->epoch = epoch;
    absl::MutexLock lock(&mutex_);
    auto entry = cache_.find(token_hash);
    if (entry != cache_.end()) {
      loaded->last_seen = std::max(loaded->last_seen, entry->second.last_seen);
      loaded->last_seen_written =
          std::max(loaded->last_seen_written, entry->second.last_seen_written);
    }
    if (cache_.size() > 200'000) cache_.clear();  // bounded memory; entries reload on demand
    cache_[token_hash] = *loaded;
    cached = *loaded;
  }
  const Principal& principal = cached->principal;
  bool idle = now - cached->last_seen > policy_.idle_timeout;
  bool too_old = now >= principal.session_expires_at;
  bool wrong_stage = principal.stage == SessionStage::kTotp;  // a challenge is not a session
  if (idle || too_old || wrong_stage) {
    if (!wrong_stage) {
      database_.Execute("UPDATE sessions SET revoked = 1 WHERE id = $1", {principal.session_id})
          .IgnoreError();  // best effort: the session is refused whether or not this lands
    }
    Forget(token_hash);
    return Expired();
  }
  bool write_last_seen = false;
  {
    absl::MutexLock lock(&mutex_);
    auto entry = cache_.find(token_hash);
    if (entry != cache_.end()) {
      entry->second.last_seen = now;
      if (now - entry->second.last_seen_written >= last_seen_write_interval_) {
        entry->second.last_seen_written = now;
        write_last_seen = true;
      }
    }
  }
  if (write_last_seen) {
    database_
        .Execute("UPDATE sessions SET last_seen_at = $1 WHERE id = $2", {now, principal.session_id})
        .IgnoreError();  // losing one refresh only shortens the idle window
  }
  return principal;
}

void Authenticator::Forget(const std::string& token_hash) {
  absl::MutexLock lock(&mutex_);
  cache_.erase(token_hash);
}

// Entries stay (they hold the exact last-seen time) but are re-read on their next use.
void Authenticator::ForgetUser(int64_t user_id) {
  SignalChange();
  absl::MutexLock lock(&mutex_);
  for (auto& [token_hash, cached] : cache_) {
    if (cached.principal.user_id == user_id) cached.validated_at = 0;
  }
}

void Authenticator::ForgetAgency(int64_t agency_id) {
  SignalChange();
  absl::MutexLock lock(&mutex_);
  for (auto& [token_hash, cached] : cache_) {
    if (cached.principal.agency_id == agency_id) cached.validated_at = 0;
  }
}

absl::Status Authenticator::RevokeUserSessions(store::Transaction& tx, int64_t user_id) {
  RETURN_IF_ERROR(
      tx.Execute("UPDATE sessions SET revoked = 1 WHERE user_id = $1 AND revoked = 0", {user_id})
          .status());
  return BumpEpoch(tx);
}

absl::Status Authenticator::Logout(const Principal& principal, const ClientInfo& client) {
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(
            tx.Execute("UPDATE sessions SET revoked = 1 WHERE id = $1", {principal.session_id})
                .status());
        RETURN_IF_ERROR(BumpEpoch(tx));
        return AuditOwn(tx, principal, "auth.logout", client);
      }));
  SignalChange();
  absl::MutexLock lock(&mutex_);
  absl::erase_if(cache_, [&](const auto& entry) {
    return entry.second.principal.session_id == principal.session_id;
  });
  return absl::OkStatus();
}

absl::StatusOr<TotpEnrollment> Authenticator::BeginTotpEnrollment(const Principal& principal,
                                                                  const ClientInfo& client) {
  std::string secret = GenerateTotpSecret();
  TotpEnrollment enrollment{base::Base32Encode(secret),
                            OtpauthUri("threathub", principal.username, secret)};
  // A new secret replaces any pending one; an enabled TOTP stays on until confirmed anew.
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Execute("UPDATE users SET totp_secret = $1, totp_enabled = 0, "
                                   "totp_last_step = 0 WHERE id = $2",
                                   {enrollment.secret_base32, principal.user_id})
                            .status());
        return AuditOwn(tx, principal, "auth.totp_enroll", client);
      }));
  ForgetUser(principal.user_id);
  return enrollment;
}

absl::StatusOr<Principal> Authenticator::ConfirmTotp(const Principal& principal,
                                                     std::string_view code,
                                                     const ClientInfo& client) {
  ASSIGN_OR_RETURN(store::Result found,
                   database_.Execute("SELECT totp_secret, totp_last_step FROM users WHERE id = $1",
                                     {principal.user_id}, store::TxMode::kRead));
  if (found.rows.empty() || found.rows[0].Text(0).empty()) {
    return base::FieldError(absl::StatusCode::kFailedPrecondition, "code",
                            "start the enrolment first");
  }
  std::optional<std::string> secret = base::Base32Decode(found.rows[0].Text(0));
  ASSIGN_OR_RETURN(int64_t step,
                   VerifyTotp(secret.value_or(""), code, clock_.NowMillis(), found.rows[0].Int(1)));
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Execute("UPDATE users SET totp_enabled = 1, totp_last_step = $1 "
                                   "WHERE id = $2",
                                   {step, principal.user_id})
                            .status());
        RETURN_IF_ERROR(
            tx.Execute("UPDATE sessions SET stage = 'full' WHERE id = $1", {principal.session_id})
                .status());
        return AuditOwn(tx, principal, "auth.totp_confirm", client);
      }));
  ForgetUser(principal.user_id);
  Principal upgraded = principal;
  upgraded.stage = SessionStage::kFull;
  upgraded.totp_enabled = true;
  return upgraded;
}

absl::Status Authenticator::ChangePassword(const Principal& principal,
                                           std::string_view current_password,
                                           std::string_view new_password,
                                           const ClientInfo& client) {
  ASSIGN_OR_RETURN(store::Result found,
                   database_.Execute("SELECT password_hash FROM users WHERE id = $1",
                                     {principal.user_id}, store::TxMode::kRead));
  if (found.rows.empty() || !VerifyPassword(current_password, found.rows[0].Text(0))) {
    return base::WithReason(
        base::FieldError(absl::StatusCode::kInvalidArgument, "current_password", "wrong password"),
        "bad_credentials");
  }
  RETURN_IF_ERROR(CheckPasswordPolicy(new_password, principal.username, "new_password"));
  ASSIGN_OR_RETURN(std::string hash, HashPassword(new_password, policy_.cost));
  return database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
    RETURN_IF_ERROR(tx.Execute("UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
                               {hash, clock_.NowMillis(), principal.user_id})
                        .status());
    // Other sessions of the account end; this one goes on.
    RETURN_IF_ERROR(tx.Execute("UPDATE sessions SET revoked = 1 WHERE user_id = $1 AND id <> $2",
                               {principal.user_id, principal.session_id})
                        .status());
    return AuditOwn(tx, principal, "auth.password_change", client);
  });
}

absl::StatusOr<Principal> Authenticator::UpdatePreferences(const Principal& principal,
                                                           const Preferences& preferences,
                                                           const ClientInfo& client) {
  if (preferences.language && !IsKnownLanguage(*preferences.language)) {
    return base::InvalidField("language", "expected kk, ru or en");
  }
  if (preferences.time_zone && !IsPlausibleTimeZone(*preferences.time_zone)) {
    return base::InvalidField("time_zone", "expected an IANA time zone such as Asia/Almaty");
  }
  if (preferences.display_name &&
      (preferences.display_name->empty() || preferences.display_name->size() > 200 ||
       !base::IsValidUtf8(*preferences.display_name))) {
    return base::InvalidField("display_name", "1 to 200 bytes of UTF-8");
  }
  Principal updated = principal;
  RETURN_IF_ERROR(
      database_.Transact(store::TxMode::kWrite, [&](store::Transaction& tx) -> absl::Status {
        if (preferences.language) {
          updated.language = *preferences.language;
          RETURN_IF_ERROR(tx.Execute("UPDATE users SET language = $1 WHERE id = $2",
                                     {*preferences.language, principal.user_id})
                              .status());
        }
        if (preferences.time_zone) {
          updated.time_zone = *preferences.time_zone;
          RETURN_IF_ERROR(tx.Execute("UPDATE users SET time_zone = $1 WHERE id = $2",
                                     {*preferences.time_zone, principal.user_id})
                              .status());
        }
        if (preferences.display_name) {
          updated.display_name = *preferences.display_name;
          RETURN_IF_ERROR(tx.Execute("UPDATE users SET display_name = $1 WHERE id = $2",
                                     {*preferences.display_name, principal.user_id})
                              .status());
        }
        return AuditOwn(tx, principal, "user.preferences", client);
      }));
  ForgetUser(principal.user_id);
  return updated;
}

}  // namespace threathub::auth
