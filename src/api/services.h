// Everything the HTTP handlers call, assembled once by App. Handlers hold a reference.
#pragma once

#include "audit/audit.h"
#include "auth/org.h"
#include "auth/sessions.h"
#include "base/clock.h"
#include "base/config.h"
#include "cases/cases.h"
#include "collect/collect.h"
#include "detect/detect.h"
#include "evidence/evidence.h"
#include "http/json.h"
#include "http/router.h"
#include "ledger/ledger.h"
#include "mandates/mandates.h"
#include "requests/requests.h"
#include "store/database.h"

namespace threathub::api {

struct Services {
  const base::Config& config;
  const base::Clock& clock;
  store::Database& database;
  audit::AuditTrail& trail;
  auth::Authenticator& sessions;
  auth::OrgService& org;
  cases::CaseService& cases;
  ledger::Ledger& ledger;
  evidence::EvidenceService& evidence;
  mandates::MandateService& mandates;
  collect::CollectService& collect;
  detect::DetectService& detect;
  requests::RequestService& requests;
};

// Each module's routes; app.cc calls them all.
void AddAuthRoutes(http::Router& router, Services& services);
void AddOrgRoutes(http::Router& router, Services& services);
void AddAuditRoutes(http::Router& router, Services& services);
void AddCaseRoutes(http::Router& router, Services& services);
void AddLedgerRoutes(http::Router& router, Services& services);
void AddEvidenceRoutes(http::Router& router, Services& services);
void AddMandateRoutes(http::Router& router, Services& services);
void AddCollectRoutes(http::Router& router, Services& services);
void AddDetectRoutes(http::Router& router, Services& services);
void AddRequestRoutes(http::Router& router, Services& services);

// An evidence item as the evidence routes render it (evidence_api.cc), for other modules' routes
// that make one (promotion of a collected item).
http::Json RenderEvidenceItem(const evidence::Item& item);

// The actor of an HTTP request (a route that needs sign-in has a principal).
auth::Actor ActorOf(const http::Request& request);
auth::ClientInfo ClientOf(const http::Request& request);

}  // namespace threathub::api
