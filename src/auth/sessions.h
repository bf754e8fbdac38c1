// Sign-in and sessions.
//
// Sign-in: banner acknowledged, password (Argon2id), then a TOTP code when the account has one;
// accounts without TOTP (where it is required) get an enrolment-only session. After 5
// consecutive failures within 15 minutes an account locks until an admin unlocks it. Answers
// never reveal whether a username exists: unknown names fail, and lock, exactly like real ones.
//
// Sessions: 256-bit random tokens, stored only as SHA-256 hashes; idle timeout and absolute
// lifetime from the config; ended at logout and when the account is disabled. Authenticate() is
// the hot path of every request: it answers from an in-memory cache, re-reading the database at
// most every few seconds (so a revocation by another instance takes effect within that time)
// and writing last-seen times at most once a minute.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "audit/audit.h"
#include "auth/password.h"
#include "auth/principal.h"
#include "base/clock.h"
#include "store/database.h"

namespace threathub::auth {

struct SessionPolicy {
  base::Millis idle_timeout = 30 * 60 * 1000;
  base::Millis absolute_lifetime = 12 * 60 * 60 * 1000;
  bool totp_required = true;
  Argon2Cost cost;
  // A file every process sharing the data directory touches after it commits a change to who
  // may do what; Authenticate re-reads the database's auth epoch only when the file changed (one
  // stat() per request instead of a query). Empty: query the epoch on every request.
  std::string epoch_file;
};

struct ClientInfo {
  std::string address;
  std::string request_id;
};

enum class LoginStatus { kOk, kTotpRequired, kEnrollmentRequired };

struct LoginResult {
  LoginStatus status = LoginStatus::kOk;
  std::string token;  // the session token, or the TOTP challenge when kTotpRequired
  Principal principal;
};

struct TotpEnrollment {
  std::string secret_base32;
  std::string otpauth_uri;
};

struct Preferences {
  std::optional<std::string> language;
  std::optional<std::string> time_zone;
  std::optional<std::string> display_name;
};

class Authenticator {
 public:
  Authenticator(store::Database& database, audit::AuditTrail& trail, const base::Clock& clock,
                SessionPolicy policy);

  const SessionPolicy& policy() const { return policy_; }

  absl::StatusOr<LoginResult> Login(std::string_view username, std::string_view password,
                                    bool banner_accepted, const ClientInfo& client);
  absl::StatusOr<LoginResult> CompleteTotp(std::string_view challenge, std::string_view code,
                                           const ClientInfo& client);

  // Unauthenticated (reason session_expired) when the token is unknown, revoked or timed out.
  // Refreshes the idle timer.
  absl::StatusOr<Principal> Authenticate(std::string_view token);
  // The principal of an active account, for the local operator's command line acting in that
  // user's name (`threathub evidence add --user NAME`). NotFound for an unknown name.
  absl::StatusOr<Principal> PrincipalForUser(std::string_view username);

  absl::Status Logout(const Principal& principal, const ClientInfo& client);

  absl::StatusOr<TotpEnrollment> BeginTotpEnrollment(const Principal& principal,
                                                     const ClientInfo& client);
  // Turns TOTP on and upgrades an enrolment-only session to a full one.
  absl::StatusOr<Principal> ConfirmTotp(const Principal& principal, std::string_view code,
                                        const ClientInfo& client);

  absl::Status ChangePassword(const Principal& principal, std::string_view current_password,
                              std::string_view new_password, const ClientInfo& client);
  absl::StatusOr<Principal> UpdatePreferences(const Principal& principal,
                                              const Preferences& preferences,
                                              const ClientInfo& client);

  // Marks every session of the user revoked, inside the caller's transaction. Call ForgetUser
  // after the commit.
  static absl::Status RevokeUserSessions(store::Transaction& tx, int64_t user_id);
  // Tells every server process sharing the database that sessions must be re-read: called in
  // the transaction of any change to who may do what (revocation, disabling, roles).
  static absl::Status BumpEpoch(store::Transaction& tx);
  // Drops cached sessions so that the next request re-reads the user (roles, disabled...).
  void ForgetUser(int64_t user_id);
  void ForgetAgency(int64_t agency_id);

 private:
  struct CachedSession {
    Principal principal;
    base::Millis last_seen = 0;          // in memory, exact
    base::Millis last_seen_written = 0;  // as stored in the database
    base::Millis validated_at = 0;       // when the database row was last read
    int64_t epoch = -1;                  // the auth epoch it was read under
  };

  absl::StatusOr<int64_t> CurrentEpoch();
  // The epoch as of the latest change signalled through policy_.epoch_file.
  absl::StatusOr<int64_t> ObservedEpoch();
  // Signals a committed change to every process watching policy_.epoch_file.
  void SignalChange();

  absl::StatusOr<CachedSession> LoadSession(const std::string& token_hash);
  absl::StatusOr<LoginResult> StartSession(store::Transaction& tx, int64_t user_id,
                                           SessionStage stage, const ClientInfo& client);
  absl::Status RecordFailure(store::Transaction& tx, int64_t user_id, bool& now_locked);
  // Records an action of a signed-in user on their own account, inside `tx`.
  absl::Status AuditOwn(store::Transaction& tx, const Principal& principal, std::string action,
                        const ClientInfo& client);
  absl::Status Audit(std::optional<int64_t> user_id, std::optional<int64_t> agency_id,
                     std::string_view name, std::string action, audit::Outcome outcome,
                     const ClientInfo& client, std::string detail);
  // Failed sign-ins of names that are no account, kept in the database like real accounts'
  // so that a restart does not tell the two apart. Returns whether the name is now locked.
  absl::StatusOr<bool> RecordUnknownFailure(const std::string& username);
  void Forget(const std::string& token_hash);

  store::Database& database_;
  audit::AuditTrail& trail_;
  const base::Clock& clock_;
  SessionPolicy policy_;
  // How stale the stored last-seen time may get: short enough that another instance (or this
  // one after a cache reload) never sees an active session as idle.
  base::Millis last_seen_write_interval_;
  std::string dummy_hash_;  // verified against for unknown users, so timing reveals nothing

  absl::Mutex epoch_mutex_;
  std::string epoch_file_state_ ABSL_GUARDED_BY(epoch_mutex_);  // "" before the first look
  int64_t epoch_value_ ABSL_GUARDED_BY(epoch_mutex_) = -1;

  absl::Mutex mutex_;
  absl::flat_hash_map<std::string, CachedSession> cache_ ABSL_GUARDED_BY(mutex_);
};

inline constexpr int kMaxFailedSignIns = 5;
inline constexpr base::Millis kFailureWindow = 15 * 60 * 1000;
inline constexpr base::Millis kTotpChallengeLifetime = 5 * 60 * 1000;
inline constexpr base::Millis kRevalidateInterval = 2000;
inline constexpr base::Millis kLastSeenWriteInterval = 60 * 1000;

}  // namespace threathub::auth
