// The ledger's public side: the latest signed checkpoint, the verifier key, and proofs. These
// reveal hashes only, so any signed-in user (a prosecutor checking a bundle) may ask.
#include "api/render.h"
#include "api/services.h"
#include "base/encoding.h"
#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"

namespace threathub::api {
namespace {

using auth::Permission;
using http::Json;
using http::Method;
using http::Request;
using http::Response;

std::string Base64(const ledger::Hash& hash) {
  return base::Base64Encode(
      std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

Json Path(const std::vector<ledger::Hash>& path) {
  Json hashes = Json::array();
  for (const ledger::Hash& hash : path) hashes.push_back(Base64(hash));
  return hashes;
}

absl::StatusOr<uint64_t> Unsigned(const Request& request, const std::string& name,
                                  std::optional<uint64_t> fallback = std::nullopt) {
  ASSIGN_OR_RETURN(std::optional<int64_t> value, http::OptionalIntParam(request.query, name));
  if (!value) {
    if (fallback) return *fallback;
    return base::InvalidField(name, "required");
  }
  if (*value < 0) return base::InvalidField(name, "must not be negative");
  return static_cast<uint64_t>(*value);
}

}  // namespace

void AddLedgerRoutes(http::Router& router, Services& services) {
  ledger::Ledger& ledger = services.ledger;

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/ledger/checkpoint",
              .permission = Permission::kSignedIn,
              .handler = [&ledger](Request&) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::optional<ledger::StoredCheckpoint> latest,
                                 ledger.LatestCheckpoint());
                if (!latest) return absl::NotFoundError("no checkpoint has been signed yet");
                return http::JsonResponse(
                    Json{{"origin", latest->checkpoint.origin},
                         {"size", latest->checkpoint.size},
                         {"root", Base64(latest->checkpoint.root)},
                         {"note", latest->note},
                         {"created_at", base::FormatUtc(latest->created_at)}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/ledger/public-key",
              .permission = Permission::kSignedIn,
              .handler = [&ledger](Request&) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(std::string pem, ledger.signer().PublicKeyPem());
                return http::JsonResponse(Json{{"origin", ledger.origin()},
                                               {"verifier_key", ledger.signer().VerifierKey()},
                                               {"pem", pem}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/ledger/proof/inclusion",
              .permission = Permission::kSignedIn,
              .handler = [&ledger](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(uint64_t size, ledger.Size());
                ASSIGN_OR_RETURN(uint64_t index, Unsigned(request, "index"));
                ASSIGN_OR_RETURN(uint64_t tree_size, Unsigned(request, "tree_size", size));
                ASSIGN_OR_RETURN(ledger::LeafInclusion proof,
                                 ledger.ProveInclusion(index, tree_size));
                return http::JsonResponse(Json{{"index", proof.index},
                                               {"tree_size", proof.tree_size},
                                               {"leaf_hash", Base64(proof.leaf_hash)},
                                               {"path", Path(proof.path)},
                                               {"root", Base64(proof.root)}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/ledger/proof/consistency",
              .permission = Permission::kSignedIn,
              .handler = [&ledger](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(uint64_t size, ledger.Size());
                ASSIGN_OR_RETURN(uint64_t old_size, Unsigned(request, "old_size"));
                ASSIGN_OR_RETURN(uint64_t new_size, Unsigned(request, "new_size", size));
                ASSIGN_OR_RETURN(ledger::TreeConsistency proof,
                                 ledger.ProveConsistency(old_size, new_size));
                return http::JsonResponse(Json{{"old_size", proof.old_size},
                                               {"new_size", proof.new_size},
                                               {"path", Path(proof.path)},
                                               {"old_root", Base64(proof.old_root)},
                                               {"new_root", Base64(proof.new_root)}});
              }});

  router.Add({.method = Method::kGet,
              .pattern = "/api/v1/ledger/leaves/{index}",
              .permission = Permission::kAuditRead,
              .handler = [&ledger](Request& request) -> absl::StatusOr<Response> {
                ASSIGN_OR_RETURN(int64_t index, http::IntParam(request.path_params, "index"));
                if (index < 0) return base::InvalidField("index", "must not be negative");
                ASSIGN_OR_RETURN(ledger::Leaf leaf, ledger.GetLeaf(static_cast<uint64_t>(index)));
                return http::JsonResponse(Json{{"index", leaf.index},
                                               {"kind", leaf.kind},
                                               {"ref", leaf.ref},
                                               {"appended_at", base::FormatUtc(leaf.appended_at)},
                                               {"data", leaf.data},
                                               {"leaf_hash", Base64(leaf.leaf_hash)}});
              },
              .audit_action = "ledger.leaf_read",
              .audit_object_type = "ledger_leaf"});
}

}  // namespace threathub::api
