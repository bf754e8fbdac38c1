// Sign-in, lockout, TOTP, sessions and the organisation, against a real SQLite database with a
// fake clock.
#include <gtest/gtest.h>

#include <filesystem>

#include "audit/audit.h"
#include "auth/need_to_know.h"
#include "auth/org.h"
#include "auth/sessions.h"
#include "auth/totp.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "store/migrations.h"

namespace threathub::auth {
namespace {

constexpr char kPassword[] = "granite-steppe-eagle";

class AuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("threathub-auth-" + base::HexEncode(base::RandomBytes(6)));
    std::filesystem::create_directories(directory_);
    database_ = store::OpenDatabase("sqlite", directory_).value();
    ASSERT_TRUE(store::Migrate(*database_).ok());
    trail_ = std::make_unique<audit::AuditTrail>(*database_, clock_);
    SessionPolicy policy;
    policy.cost = Argon2Cost{.ops = 1, .memory_bytes = 64 << 10};
    sessions_ = std::make_unique<Authenticator>(*database_, *trail_, clock_, policy);
    org_ = std::make_unique<OrgService>(*database_, *trail_, *sessions_, clock_, policy.cost);
    Actor root = Actor::CommandLine();
    int64_t region = org_->CreateRegion(root, "almaty", "Алматы").value().id;
    national_ = org_->CreateAgency(root, region, "kz-cyber", "ДПК МВД", true).value().id;
    almaty_ = org_->CreateAgency(root, region, "almaty-cyber", "УПК Алматы", false).value().id;
    astana_ = org_->CreateAgency(root, region, "astana-cyber", "УПК Астана", false).value().id;
  }

  void TearDown() override {
    org_.reset();
    sessions_.reset();
    trail_.reset();
    database_.reset();
    std::filesystem::remove_all(directory_);
  }

  User MakeUser(const std::string& username, int64_t agency, std::vector<Role> roles,
                bool totp_exempt = true) {
    return org_
        ->CreateUser(Actor::CommandLine(), NewUser{.agency_id = agency,
                                                   .username = username,
                                                   .display_name = username,
                                                   .roles = std::move(roles),
                                                   .password = kPassword,
                                                   .totp_exempt = totp_exempt})
        .value();
  }

  absl::StatusOr<LoginResult> Login(const std::string& username,
                                    const std::string& password = kPassword) {
    return sessions_->Login(username, password, true, ClientInfo{"10.0.0.7", "req"});
  }

  static std::string Reason(const absl::Status& status) {
    return base::StatusReason(status).value_or("");
  }

  std::vector<audit::Record> Audit(const std::string& action) {
    audit::Query query;
    query.action = action;
    query.limit = 1000;
    return trail_->Search(query).value().records;
  }

  base::FakeClock clock_;
  std::filesystem::path directory_;
  std::unique_ptr<store::Database> database_;
  std::unique_ptr<audit::AuditTrail> trail_;
  std::unique_ptr<Authenticator> sessions_;
  std::unique_ptr<OrgService> org_;
  int64_t national_ = 0, almaty_ = 0, astana_ = 0;
};

TEST_F(AuthTest, BannerMustBeAccepted) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  absl::StatusOr<LoginResult> result =
      sessions_->Login("d.akhmetov", kPassword, false, ClientInfo{});
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Reason(result.status()), "banner_not_accepted");
}

TEST_F(AuthTest, SignInGivesSessionThatAuthenticates) {
  User user = MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  absl::StatusOr<LoginResult> result = Login("d.akhmetov");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->status, LoginStatus::kOk);
  EXPECT_EQ(base::Base64UrlEncode(std::string(32, 'x')).size(), result->token.size());
  absl::StatusOr<Principal> principal = sessions_->Authenticate(result->token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->user_id, user.id);
  EXPECT_TRUE(Has(principal->permissions, Permission::kOrgRead));
  EXPECT_FALSE(Has(principal->permissions, Permission::kUsersManage));
  // Only the hash of the token is stored.
  store::Result stored = database_->Execute("SELECT token_hash FROM sessions").value();
  EXPECT_EQ(stored.rows.at(0).Text(0), base::HexEncode(base::Sha256(result->token)));
}

TEST_F(AuthTest, FiveFailuresLockUntilAdminUnlocks) {
  User user = MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  for (int attempt = 1; attempt <= 4; ++attempt) {
    EXPECT_EQ(Reason(Login("d.akhmetov", "wrong-password-123").status()), "bad_credentials");
  }
  EXPECT_EQ(Reason(Login("d.akhmetov", "wrong-password-123").status()), "account_locked");
  // Now even the right password is refused, and time alone does not unlock.
  clock_.Advance(24 * 3600 * 1000);
  EXPECT_EQ(Reason(Login("d.akhmetov").status()), "account_locked");
  ASSERT_TRUE(org_->Unlock(Actor::CommandLine(), user.id).ok());
  EXPECT_TRUE(Login("d.akhmetov").ok());
}

TEST_F(AuthTest, FailuresSpreadBeyondFifteenMinutesDoNotLock) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  for (int attempt = 0; attempt < 4; ++attempt)
    Login("d.akhmetov", "wrong-password-123").IgnoreError();
  clock_.Advance(16 * 60 * 1000);
  EXPECT_EQ(Reason(Login("d.akhmetov", "wrong-password-123").status()), "bad_credentials");
  EXPECT_TRUE(Login("d.akhmetov").ok());
}

TEST_F(AuthTest, SuccessResetsTheFailureCount) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  for (int attempt = 0; attempt < 4; ++attempt)
    Login("d.akhmetov", "wrong-password-123").IgnoreError();
  ASSERT_TRUE(Login("d.akhmetov").ok());
  for (int attempt = 0; attempt < 4; ++attempt) {
    EXPECT_EQ(Reason(Login("d.akhmetov", "wrong-password-123").status()), "bad_credentials");
  }
}

TEST_F(AuthTest, UnknownUsersAnswerLikeRealOnes) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  absl::Status real = Login("d.akhmetov", "wrong-password-123").status();
  absl::Status unknown = Login("nobody.here", "wrong-password-123").status();
  EXPECT_EQ(real.code(), unknown.code());
  EXPECT_EQ(real.message(), unknown.message());
  EXPECT_EQ(Reason(real), Reason(unknown));
  for (int attempt = 0; attempt < 3; ++attempt)
    Login("nobody.here", "x-wrong-password").IgnoreError();
  EXPECT_EQ(Reason(Login("nobody.here", "x-wrong-password").status()), "account_locked");
}

TEST_F(AuthTest, DisabledAccountsCannotSignInAndLoseTheirSessions) {
  User user = MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  LoginResult session = Login("d.akhmetov").value();
  ASSERT_TRUE(org_->SetDisabled(Actor::CommandLine(), user.id, true).ok());
  EXPECT_EQ(Reason(sessions_->Authenticate(session.token).status()), "session_expired");
  EXPECT_EQ(Reason(Login("d.akhmetov").status()), "account_disabled");
  // A wrong password on a disabled account says nothing about the account.
  EXPECT_EQ(Reason(Login("d.akhmetov", "wrong-password-123").status()), "bad_credentials");
}

TEST_F(AuthTest, IdleAndAbsoluteTimeouts) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  LoginResult session = Login("d.akhmetov").value();
  for (int minute = 0; minute < 40; minute += 20) {
    clock_.Advance(20 * 60 * 1000);  // active every 20 minutes: stays signed in
    ASSERT_TRUE(sessions_->Authenticate(session.token).ok()) << minute;
  }
  clock_.Advance(31 * 60 * 1000);
  EXPECT_EQ(Reason(sessions_->Authenticate(session.token).status()), "session_expired");

  LoginResult active = Login("d.akhmetov").value();
  for (int step = 0; step < 12 * 3; ++step) {
    clock_.Advance(20 * 60 * 1000);
    absl::Status status = sessions_->Authenticate(active.token).status();
    if (step < 35) ASSERT_TRUE(status.ok()) << step;  // 35 * 20 min < 12 h
    if (step == 35) EXPECT_EQ(Reason(status), "session_expired");
  }
}

TEST_F(AuthTest, LogoutEndsTheSession) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  LoginResult session = Login("d.akhmetov").value();
  Principal principal = sessions_->Authenticate(session.token).value();
  ASSERT_TRUE(sessions_->Logout(principal, ClientInfo{}).ok());
  EXPECT_FALSE(sessions_->Authenticate(session.token).ok());
}

TEST_F(AuthTest, TotpEnrolmentThenChallengeWithCodesUsedOnce) {
  User user = MakeUser("d.akhmetov", almaty_, {Role::kInvestigator}, /*totp_exempt=*/false);
  LoginResult first = Login("d.akhmetov").value();
  ASSERT_EQ(first.status, LoginStatus::kEnrollmentRequired);
  Principal enrolling = sessions_->Authenticate(first.token).value();
  EXPECT_EQ(enrolling.stage, SessionStage::kEnroll);
  TotpEnrollment enrollment = sessions_->BeginTotpEnrollment(enrolling, ClientInfo{}).value();
  std::string secret = *base::Base32Decode(enrollment.secret_base32);
  int64_t step = clock_.NowMillis() / 1000 / kTotpStepSeconds;
  EXPECT_EQ(sessions_->ConfirmTotp(enrolling, "000000", ClientInfo{}).status().code(),
            absl::StatusCode::kUnauthenticated);
  Principal full = sessions_->ConfirmTotp(enrolling, TotpCode(secret, step), ClientInfo{}).value();
  EXPECT_EQ(full.stage, SessionStage::kFull);
  EXPECT_EQ(sessions_->Authenticate(first.token)->stage, SessionStage::kFull);

  clock_.Advance(kTotpStepSeconds * 1000);
  LoginResult second = Login("d.akhmetov").value();
  ASSERT_EQ(second.status, LoginStatus::kTotpRequired);
  // The challenge is not a session.
  EXPECT_FALSE(sessions_->Authenticate(second.token).ok());
  std::string code = TotpCode(secret, step + 1);
  absl::StatusOr<LoginResult> completed = sessions_->CompleteTotp(second.token, code, ClientInfo{});
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->status, LoginStatus::kOk);
  EXPECT_EQ(sessions_->Authenticate(completed->token)->user_id, user.id);

  // The same code cannot be used again, even with a fresh challenge.
  LoginResult third = Login("d.akhmetov").value();
  EXPECT_EQ(Reason(sessions_->CompleteTotp(third.token, code, ClientInfo{}).status()), "bad_totp");
}

TEST_F(AuthTest, TotpChallengeExpires) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator}, false);
  LoginResult first = Login("d.akhmetov").value();
  Principal enrolling = sessions_->Authenticate(first.token).value();
  std::string secret =
      *base::Base32Decode(sessions_->BeginTotpEnrollment(enrolling, ClientInfo{})->secret_base32);
  ASSERT_TRUE(sessions_
                  ->ConfirmTotp(enrolling,
                                TotpCode(secret, clock_.NowMillis() / 1000 / kTotpStepSeconds),
                                ClientInfo{})
                  .ok());
  LoginResult challenge = Login("d.akhmetov").value();
  clock_.Advance(kTotpChallengeLifetime + 1000);
  std::string code = TotpCode(secret, clock_.NowMillis() / 1000 / kTotpStepSeconds);
  EXPECT_EQ(Reason(sessions_->CompleteTotp(challenge.token, code, ClientInfo{}).status()),
            "session_expired");
}

TEST_F(AuthTest, AgencyAdminManagesOnlyTheirAgency) {
  MakeUser("almaty.admin", almaty_, {Role::kAdmin});
  User other = MakeUser("astana.investigator", astana_, {Role::kInvestigator});
  LoginResult session = Login("almaty.admin").value();
  Principal principal = sessions_->Authenticate(session.token).value();
  Actor actor = Actor::FromPrincipal(principal, "10.0.0.7", "req");
  EXPECT_FALSE(actor.Can(Permission::kOrgManageAll));
  // Own agency: allowed.
  EXPECT_TRUE(org_->CreateUser(actor, NewUser{.agency_id = almaty_,
                                              .username = "new.one",
                                              .display_name = "New One",
                                              .password = kPassword})
                  .ok());
  // Another agency: refused, for creation, changes and reads.
  EXPECT_EQ(org_->CreateUser(actor, NewUser{.agency_id = astana_,
                                            .username = "new.two",
                                            .display_name = "New Two",
                                            .password = kPassword})
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(org_->SetDisabled(actor, other.id, true).status().code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(org_->GetUser(actor, other.id).status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(org_->CreateRegion(actor, "x", "X").status().code(),
            absl::StatusCode::kPermissionDenied);
  std::vector<User> listed = org_->ListUsers(actor, UserFilter{}).value();
  for (const User& user : listed) EXPECT_EQ(user.agency_id, almaty_);
}

TEST_F(AuthTest, NationalAdminManagesAll) {
  MakeUser("national.admin", national_, {Role::kAdmin});
  User other = MakeUser("astana.investigator", astana_, {Role::kInvestigator});
  Principal principal = sessions_->Authenticate(Login("national.admin")->token).value();
  Actor actor = Actor::FromPrincipal(principal, "", "");
  EXPECT_TRUE(actor.Can(Permission::kOrgManageAll));
  EXPECT_TRUE(org_->SetDisabled(actor, other.id, true).ok());
  EXPECT_TRUE(org_->CreateRegion(actor, "astana", "Астана").ok());
}

TEST_F(AuthTest, TheHeadOfAnAgencyIsAnActiveUserOfIt) {
  User chief = MakeUser("chief", almaty_, {Role::kSupervisor});
  User stranger = MakeUser("stranger", astana_, {Role::kSupervisor});
  Actor root = Actor::CommandLine();
  EXPECT_FALSE(org_->GetAgency(almaty_)->head_user_id.has_value());
  Agency headed =
      org_->UpdateAgency(root, almaty_, AgencyChanges{.head_user_id = chief.id}).value();
  EXPECT_EQ(headed.head_user_id, chief.id);
  EXPECT_EQ(org_->FindAgency("almaty-cyber")->head_user_id, chief.id);
  absl::Status other_agency =
      org_->UpdateAgency(root, almaty_, AgencyChanges{.head_user_id = stranger.id}).status();
  EXPECT_EQ(other_agency.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(base::StatusField(other_agency), "head_user_id");
  ASSERT_TRUE(org_->SetDisabled(root, chief.id, true).ok());
  EXPECT_EQ(
      org_->UpdateAgency(root, almaty_, AgencyChanges{.head_user_id = chief.id}).status().code(),
      absl::StatusCode::kInvalidArgument)
      << "a disabled account heads nothing";
  Agency cleared =
      org_->UpdateAgency(root, almaty_, AgencyChanges{.head_user_id = std::optional<int64_t>()})
          .value();
  EXPECT_FALSE(cleared.head_user_id.has_value());
  ASSERT_FALSE(Audit("agency.update").empty());
  EXPECT_EQ(Audit("agency.update").front().detail, "head=none");
}

TEST_F(AuthTest, RoleChangesTakeEffectOnTheNextRequest) {
  User user = MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  LoginResult session = Login("d.akhmetov").value();
  EXPECT_FALSE(Has(sessions_->Authenticate(session.token)->permissions, Permission::kAuditRead));
  ASSERT_TRUE(org_->UpdateUser(Actor::CommandLine(), user.id,
                               UserChanges{.roles = std::vector<Role>{Role::kSupervisor}})
                  .ok());
  EXPECT_TRUE(Has(sessions_->Authenticate(session.token)->permissions, Permission::kAuditRead));
}

TEST_F(AuthTest, ValidationErrorsNameTheField) {
  Actor root = Actor::CommandLine();
  auto field_of = [](const absl::Status& status) { return base::StatusField(status).value_or(""); };
  EXPECT_EQ(field_of(org_->CreateUser(root, NewUser{.agency_id = almaty_,
                                                    .username = "Bad Name",
                                                    .display_name = "x",
                                                    .password = kPassword})
                         .status()),
            "username");
  EXPECT_EQ(field_of(org_->CreateUser(root, NewUser{.agency_id = almaty_,
                                                    .username = "ok.name",
                                                    .display_name = "x",
                                                    .password = "short"})
                         .status()),
            "password");
  MakeUser("taken", almaty_, {});
  absl::Status duplicate = org_->CreateUser(root, NewUser{.agency_id = almaty_,
                                                          .username = "taken",
                                                          .display_name = "x",
                                                          .password = kPassword})
                               .status();
  EXPECT_EQ(duplicate.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(field_of(duplicate), "username");
  EXPECT_EQ(field_of(org_->CreateAgency(root, 999, "zz", "Z", false).status()), "region_id");
  EXPECT_EQ(field_of(ParseRoles({"investigator", "wizard"}).status()), "roles");
}

TEST_F(AuthTest, AuditRecordsSignInsAndChangesWithoutSecrets) {
  MakeUser("d.akhmetov", almaty_, {Role::kInvestigator});
  Login("d.akhmetov", "wrong-password-123").IgnoreError();
  LoginResult session = Login("d.akhmetov").value();
  std::vector<audit::Record> logins = Audit("auth.login");
  ASSERT_EQ(logins.size(), 2u);
  EXPECT_EQ(logins[0].outcome, audit::Outcome::kSuccess);
  EXPECT_EQ(logins[1].outcome, audit::Outcome::kFailure);
  EXPECT_EQ(logins[0].client, "10.0.0.7");
  EXPECT_EQ(Audit("user.create").size(), 1u);
  store::Result everything = database_->Execute("SELECT * FROM audit_log").value();
  for (const store::Row& row : everything.rows) {
    for (size_t column = 0; column < row.size(); ++column) {
      EXPECT_EQ(row.Text(column).find(kPassword), std::string::npos);
      EXPECT_EQ(row.Text(column).find("wrong-password-123"), std::string::npos);
      EXPECT_EQ(row.Text(column).find(session.token), std::string::npos);
    }
  }
}

TEST_F(AuthTest, NeedToKnow) {
  MakeUser("member", almaty_, {Role::kInvestigator});
  MakeUser("colleague", almaty_, {Role::kInvestigator});
  MakeUser("boss", almaty_, {Role::kSupervisor});
  MakeUser("outsider", astana_, {Role::kSupervisor});
  MakeUser("prosecutor", astana_, {Role::kProsecutor});
  auto principal = [&](const std::string& name) {
    return sessions_->Authenticate(Login(name)->token).value();
  };
  Principal member = principal("member"), colleague = principal("colleague"),
            boss = principal("boss"), outsider = principal("outsider"),
            prosecutor = principal("prosecutor");
  ObjectScope scope{.agency_id = almaty_,
                    .member_user_ids = {member.user_id},
                    .shared_with_user_ids = {prosecutor.user_id}};
  EXPECT_TRUE(CanAccess(member, scope));
  EXPECT_TRUE(CanAccess(member, scope, AccessMode::kWrite));
  EXPECT_TRUE(CanAccess(boss, scope));
  EXPECT_TRUE(CanAccess(prosecutor, scope));
  EXPECT_FALSE(CanAccess(prosecutor, scope, AccessMode::kWrite));
  EXPECT_FALSE(CanAccess(colleague, scope));
  EXPECT_FALSE(CanAccess(outsider, scope));
  EXPECT_EQ(CheckAccess(outsider, scope).code(), absl::StatusCode::kNotFound);
  scope.agency_wide = true;
  EXPECT_TRUE(CanAccess(colleague, scope));
  EXPECT_FALSE(CanAccess(outsider, scope));
}

}  // namespace
}  // namespace threathub::auth
