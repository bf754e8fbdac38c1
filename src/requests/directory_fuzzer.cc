// libFuzzer target: the directory loader on arbitrary JSON (administrators edit provider entries
// and the seed is a file). The input is tried as a whole providers document (with no
// countries), as a countries document (with no providers), and as one provider entry.
// Besides not crashing, it checks that an accepted entry is stable: its canonical JSON parses
// back to the same content hash, compares equal to itself, and picks an entity for any country.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "requests/directory.h"

namespace {

using threathub::requests::CompareProviders;
using threathub::requests::Directory;
using threathub::requests::ListFacts;
using threathub::requests::ParseProvider;
using threathub::requests::Provider;
using threathub::requests::SelectEntity;

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckProvider(const Provider& provider) {
  absl::StatusOr<Provider> again = ParseProvider(provider.canonical_json);
  Check(again.ok());
  Check(again->content_hash == provider.content_hash);
  Check(CompareProviders(provider, *again).empty());
  (void)ListFacts(provider);
  for (std::string_view country : {"KZ", "US", "DE", "NO", "GB", "CH", "zz"}) {
    Check(SelectEntity(provider, country).ok());  // every loaded entry has a default entity
  }
}

// The smallest valid documents, so that each run parses the input and little else.
constexpr std::string_view kNoCountries = R"({"format":"threathub-countries/1","countries":[]})";
constexpr std::string_view kNoProviders = R"({"format":"threathub-providers/1","providers":[]})";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<Directory> providers = Directory::Load(input, kNoCountries);
  if (providers.ok()) {
    for (const Provider& provider : providers->providers()) CheckProvider(provider);
    Check(providers->version().size() == 64);
  } else {
    Check(!providers.status().message().empty());
  }
  absl::StatusOr<Directory> countries = Directory::Load(kNoProviders, input);
  if (countries.ok()) {
    for (const auto& profile : countries->countries()) {
      Check(countries->FindCountry(profile.code) == &profile);
    }
  }
  absl::StatusOr<Provider> entry = ParseProvider(input);
  if (entry.ok()) CheckProvider(*entry);
  return 0;
}
