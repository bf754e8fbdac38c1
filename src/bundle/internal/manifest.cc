#include "bundle/internal/manifest.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <set>
#include <utility>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::bundle::internal {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

}  // namespace

size_t JsonDepth(std::string_view text) {
  size_t depth = 0;
  size_t deepest = 0;
  bool in_string = false;
  for (size_t pos = 0; pos < text.size(); ++pos) {
    char c = text[pos];
    if (in_string) {
      if (c == '\\') {
        ++pos;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      deepest = std::max(deepest, ++depth);
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return deepest;
}

namespace {

// Reads the members of one JSON object of the manifest; each defect becomes a problem naming
// its path ("items[1].custody[0].at"). Finish() reports members nobody asked for.
class Members {
 public:
  Members(const Json& object, std::string path, std::vector<std::string>& problems)
      : object_(object), path_(std::move(path)), problems_(problems) {}

  bool defective() const { return defective_; }

  const Json* Find(const char* key, bool required = true) {
    seen_.insert(key);
    auto found = object_.find(key);
    if (found == object_.end()) {
      if (required) Problem(key, "missing");
      return nullptr;
    }
    return &*found;
  }

  std::optional<std::string> String(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_string()) return Wrong(key, "a string");
    return value->get<std::string>();
  }

  std::optional<int64_t> Int(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_integer()) return Wrong(key, "an integer");
    if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX}) {
      return Wrong(key, "an integer below 2^63");
    }
    return value->get<int64_t>();
  }

  std::optional<uint64_t> Uint(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (!value->is_number_unsigned()) return Wrong(key, "an unsigned integer");
    return value->get<uint64_t>();
  }

  // nullopt on a defect; a value holding nullopt for JSON null.
  std::optional<std::optional<int64_t>> NullableInt(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return std::nullopt;
    if (value->is_null()) return std::optional<int64_t>();
    if (!value->is_number_integer() ||
        (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t{INT64_MAX})) {
      Wrong(key, "an integer or null");
      return std::nullopt;
    }
    return std::optional<int64_t>(value->get<int64_t>());
  }

  const Json* Object(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_object()) {
      Wrong(key, "an object");
      return nullptr;
    }
    return value;
  }

  const Json* Array(const char* key) {
    const Json* value = Find(key);
    if (value == nullptr) return nullptr;
    if (!value->is_array()) {
      Wrong(key, "an array");
      return nullptr;
    }
    return value;
  }

  void Finish() {
    for (const auto& [key, value] : object_.items()) {
      if (!seen_.contains(key)) Problem(key, "unknown member");
    }
  }

  std::string Path(std::string_view key) const {
    return path_.empty() ? std::string(key) : base::StrCat(path_, ".", key);
  }

  void Problem(std::string_view key, std::string_view what) {
    defective_ = true;
    problems_.push_back(base::StrCat("manifest.json: ", Path(key), ": ", what));
  }

 private:
  std::nullopt_t Wrong(std::string_view key, std::string_view expected) {
    Problem(key, base::StrCat("expected ", expected));
    return std::nullopt;
  }

  const Json& object_;
  std::string path_;
  std::vector<std::string>& problems_;
  std::set<std::string, std::less<>> seen_;
  bool defective_ = false;
};

// "2026-01-01T00:00:00.000Z" next to each time in ms is for people; it must agree.
void CheckUtc(Members& members, const char* key, base::Millis millis) {
  std::optional<std::string> text = members.String(key);
  if (text && *text != base::FormatUtc(millis)) {
    members.Problem(key, base::StrCat("\"", *text, "\" is not the time of the number beside it (",
                                      base::FormatUtc(millis), ")"));
  }
}

std::optional<std::vector<std::string>> StringList(Members& members, const char* key) {
  const Json* array = members.Array(key);
  if (array == nullptr) return std::nullopt;
  std::vector<std::string> values;
  for (const Json& value : *array) {
    if (!value.is_string()) {
      members.Problem(key, "expected strings only");
      return std::nullopt;
    }
    values.push_back(value.get<std::string>());
  }
  return values;
}

std::optional<CustodyEntry> ParseEvent(const Json& json, const std::string& path,
                                       std::vector<std::string>& problems) {
  if (!json.is_object()) {
    problems.push_back(base::StrCat("manifest.json: ", path, ": expected an object"));
    return std::nullopt;
  }
  Members members(json, path, problems);
  CustodyEntry event;
  auto take = [&](const char* key, std::string& out) {
    if (std::optional<std::string> value = members.String(key)) out = std::move(*value);
  };
  if (std::optional<int64_t> id = members.Int("event_id")) event.event_id = *id;
  take("action", event.action);
  if (std::optional<int64_t> at = members.Int("at")) {
    event.at = *at;
    CheckUtc(members, "at_utc", *at);
  } else {
    members.Find("at_utc", /*required=*/false);
  }
  take("actor", event.actor);
  take("where", event.where);
  take("why", event.why);
  take("from", event.from);
  take("to", event.to);
  take("result", event.result);
  take("hash_before", event.hash_before);
  take("hash_after", event.hash_after);
  if (std::optional<uint64_t> index = members.Uint("leaf_index")) event.leaf_index = *index;
  if (std::optional<std::string> data = members.String("leaf_data")) {
    if (data->size() > kMaxLeafBytes) {
      members.Problem("leaf_data", "longer than a ledger leaf can be");
    } else {
      event.leaf_data = std::move(*data);
    }
  }
  if (std::optional<std::vector<std::string>> proof = StringList(members, "proof")) {
    if (proof->size() > kMaxProofHashes) {
      members.Problem("proof", "longer than any inclusion proof");
    } else {
      for (const std::string& element : *proof) {
        std::optional<std::string> hash = base::Base64Decode(element);
        if (!hash) {
          members.Problem("proof", base::StrCat("\"", element.substr(0, 60), "\" is not base64"));
          break;
        }
        event.proof.push_back(std::move(*hash));
      }
    }
  }
  members.Finish();
  if (members.defective()) return std::nullopt;
  return event;
}

// Reads one item; nullopt when it is too defective to be checked. `file` gets the item's
// "file" member whenever there is one.
std::optional<BundleItem> ParseItem(const Json& json, const std::string& path, std::string& file,
                                    std::vector<std::string>& problems) {
  if (!json.is_object()) {
    problems.push_back(base::StrCat("manifest.json: ", path, ": expected an object"));
    return std::nullopt;
  }
  Members members(json, path, problems);
  BundleItem item;
  auto take = [&](const char* key, std::string& out) {
    if (std::optional<std::string> value = members.String(key)) out = std::move(*value);
  };
  if (std::optional<int64_t> id = members.Int("id")) item.id = *id;
  take("file", file);
  take("original_name", item.original_name);
  if (std::optional<uint64_t> size = members.Uint("size")) item.size = *size;
  take("mime_type", item.mime_type);
  take("md5", item.md5);
  take("sha1", item.sha1);
  take("sha256", item.sha256);
  if (std::optional<std::optional<int64_t>> parent = members.NullableInt("parent_id")) {
    item.parent_id = *parent;
  }
  if (const Json* metadata = members.Array("metadata")) {
    for (size_t pair_idx = 0; pair_idx < metadata->size(); ++pair_idx) {
      const Json& pair = (*metadata)[pair_idx];
      std::string pair_path = base::StrCat(path, ".metadata[", pair_idx, "]");
      if (!pair.is_object()) {
        members.Problem(base::StrCat("metadata[", pair_idx, "]"), "expected an object");
        continue;
      }
      Members pair_members(pair, pair_path, problems);
      std::optional<std::string> key = pair_members.String("key");
      std::optional<std::string> value = pair_members.String("value");
      pair_members.Finish();
      if (key && value) item.metadata.emplace_back(std::move(*key), std::move(*value));
      if (pair_members.defective()) members.Problem("metadata", "has a defective entry");
    }
  }
  if (const Json* custody = members.Array("custody")) {
    for (size_t event_idx = 0; event_idx < custody->size(); ++event_idx) {
      std::optional<CustodyEntry> event = ParseEvent(
          (*custody)[event_idx], base::StrCat(path, ".custody[", event_idx, "]"), problems);
      if (event) {
        item.custody.push_back(std::move(*event));
      } else {
        members.Problem("custody", base::StrCat("event ", event_idx, " is defective"));
      }
    }
  }
  members.Finish();
  if (members.defective()) return std::nullopt;
  return item;
}

}  // namespace

std::string ItemFileName(const BundleItem& item) {
  return base::StrCat(kFilesPrefix, item.id, "-", item.original_name);
}

std::string ManifestJson(const BundleContents& contents, const DerivedHashes& derived) {
  OrderedJson manifest;
  manifest["format"] = kFormatName;
  manifest["version"] = kFormatVersion;
  manifest["exported_by"] = contents.exported_by;
  manifest["exported_at"] = contents.exported_at;
  manifest["exported_at_utc"] = base::FormatUtc(contents.exported_at);
  manifest["purpose"] = contents.purpose;
  const BundleCase& info = contents.case_info;
  manifest["case"] = {{"id", info.id},
                      {"number", info.number},
                      {"title", info.title},
                      {"agency", info.agency},
                      {"lead", info.lead},
                      {"status", info.status},
                      {"articles", info.articles}};
  manifest["ledger"] = {{"checkpoint", contents.checkpoint_note},
                        {"verifier_key", contents.verifier_key},
                        {"public_key_pem", contents.public_key_pem}};
  OrderedJson derived_json = OrderedJson::object();
  for (const auto& [name, sha256] : derived) derived_json[name] = sha256;
  manifest["derived_files"] = std::move(derived_json);
  OrderedJson items = OrderedJson::array();
  for (const BundleItem& item : contents.items) {
    OrderedJson json;
    json["id"] = item.id;
    json["file"] = ItemFileName(item);
    json["original_name"] = item.original_name;
    json["size"] = item.size;
    json["mime_type"] = item.mime_type;
    json["md5"] = item.md5;
    json["sha1"] = item.sha1;
    json["sha256"] = item.sha256;
    json["parent_id"] = item.parent_id ? OrderedJson(*item.parent_id) : OrderedJson(nullptr);
    OrderedJson metadata = OrderedJson::array();
    for (const auto& [key, value] : item.metadata) {
      metadata.push_back({{"key", key}, {"value", value}});
    }
    json["metadata"] = std::move(metadata);
    OrderedJson custody = OrderedJson::array();
    for (const CustodyEntry& event : item.custody) {
      OrderedJson proof = OrderedJson::array();
      for (const std::string& hash : event.proof) proof.push_back(base::Base64Encode(hash));
      custody.push_back({{"event_id", event.event_id},
                         {"action", event.action},
                         {"at", event.at},
                         {"at_utc", base::FormatUtc(event.at)},
                         {"actor", event.actor},
                         {"where", event.where},
                         {"why", event.why},
                         {"from", event.from},
                         {"to", event.to},
                         {"result", event.result},
                         {"hash_before", event.hash_before},
                         {"hash_after", event.hash_after},
                         {"leaf_index", event.leaf_index},
                         {"leaf_data", event.leaf_data},
                         {"proof", std::move(proof)}});
    }
    json["custody"] = std::move(custody);
    items.push_back(std::move(json));
  }
  manifest["items"] = std::move(items);
  // Two-space indentation, UTF-8 as it is: readable with any text editor or `jq`.
  return manifest.dump(2, ' ', /*ensure_ascii=*/false) + "\n";
}

std::string PublicKeyText(const BundleContents& contents) {
  return base::StrCat(contents.verifier_key, "\n\n", contents.public_key_pem);
}

absl::StatusOr<ParsedManifest> ParseManifest(std::string_view text,
                                             std::vector<std::string>& problems) {
  if (text.size() > kMaxManifestBytes) {
    return absl::InvalidArgumentError("manifest.json is larger than any bundle's manifest");
  }
  if (!base::IsValidUtf8(text)) {
    return absl::InvalidArgumentError("manifest.json is not UTF-8 text");
  }
  if (JsonDepth(text) > kMaxJsonDepth) {
    return absl::InvalidArgumentError("manifest.json is nested deeper than a manifest");
  }
  Json json = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("manifest.json is not a JSON object");
  }
  auto format = json.find("format");
  if (format == json.end() || !format->is_string() || *format != kFormatName) {
    return absl::InvalidArgumentError(base::StrCat("manifest.json does not say \"format\": \"",
                                                   kFormatName, "\": not a threathub bundle"));
  }
  auto version = json.find("version");
  if (version == json.end() || !version->is_number_unsigned() || *version == 0) {
    return absl::InvalidArgumentError("manifest.json has no format version");
  }
  if (*version != kFormatVersion) {
    return absl::FailedPreconditionError(
        base::StrCat("the bundle's format version ", version->get<uint64_t>(),
                     " is not the one this verifier reads (", kFormatVersion, ")"));
  }

  ParsedManifest parsed;
  BundleContents& contents = parsed.contents;
  Members top(json, "", problems);
  top.Find("format");
  top.Find("version");
  if (std::optional<std::string> by = top.String("exported_by")) contents.exported_by = *by;
  if (std::optional<int64_t> at = top.Int("exported_at")) {
    contents.exported_at = *at;
    CheckUtc(top, "exported_at_utc", *at);
  } else {
    top.Find("exported_at_utc", /*required=*/false);
  }
  if (std::optional<std::string> purpose = top.String("purpose")) contents.purpose = *purpose;
  if (const Json* info = top.Object("case")) {
    Members members(*info, "case", problems);
    BundleCase& out = contents.case_info;
    if (std::optional<int64_t> id = members.Int("id")) out.id = *id;
    for (auto [key, field] : {std::pair{"number", &out.number}, std::pair{"title", &out.title},
                              std::pair{"agency", &out.agency}, std::pair{"lead", &out.lead},
                              std::pair{"status", &out.status}}) {
      if (std::optional<std::string> value = members.String(key)) *field = std::move(*value);
    }
    if (auto articles = StringList(members, "articles")) out.articles = std::move(*articles);
    members.Finish();
  }
  if (const Json* ledger = top.Object("ledger")) {
    Members members(*ledger, "ledger", problems);
    if (auto note = members.String("checkpoint")) contents.checkpoint_note = std::move(*note);
    if (auto key = members.String("verifier_key")) contents.verifier_key = std::move(*key);
    if (auto pem = members.String("public_key_pem")) contents.public_key_pem = std::move(*pem);
    members.Finish();
  }
  if (const Json* derived = top.Object("derived_files")) {
    for (const auto& [name, sha256] : derived->items()) {
      if (!sha256.is_string()) {
        top.Problem(base::StrCat("derived_files.", name), "expected a string");
        continue;
      }
      parsed.derived[name] = sha256.get<std::string>();
    }
  }
  if (const Json* items = top.Array("items")) {
    for (size_t item_idx = 0; item_idx < items->size(); ++item_idx) {
      std::string file;
      std::optional<BundleItem> item =
          ParseItem((*items)[item_idx], base::StrCat("items[", item_idx, "]"), file, problems);
      if (!file.empty()) parsed.named_files.push_back(file);
      if (!item) continue;
      contents.items.push_back(std::move(*item));
      parsed.item_files.push_back(std::move(file));
    }
  }
  top.Finish();
  return parsed;
}

std::string ReadmeText(const BundleContents& contents) {
  std::string files;
  for (const BundleItem& item : contents.items) {
    base::StrAppend(&files, "  ", ItemFileName(item), "\n      sha256 ", item.sha256, "\n");
  }
  return base::StrCat(
      "THREATHUB DISCLOSURE BUNDLE / ПАКЕТ РАСКРЫТИЯ ДОКАЗАТЕЛЬСТВ THREATHUB\n"
      "\n"
      "Case / Дело: ",
      contents.case_info.number, "\nExported by / Экспортировал: ", contents.exported_by, ", ",
      base::FormatUtc(contents.exported_at), "\nPurpose / Цель: ", contents.purpose,
      "\nLedger key / Ключ реестра: ", contents.verifier_key, "\n\nFiles / Файлы:\n", files,
      R"README(
== English ==

This archive holds evidence files of a criminal case and, for each file, every custody event
(who did what with it, when, where, why) as anchored in the agency's tamper-evident ledger: an
RFC 6962 Merkle tree whose root is signed with Ed25519 in checkpoint.txt. Nothing here needs the
agency's server. The format is described in docs/formats/bundle.md of threathub.

  manifest.json       the case, the items (hashes, metadata) and their custody events, each with
                      its ledger leaf ("leaf_data") and inclusion proof ("proof", base64)
  files/              the evidence files, byte for byte
  checkpoint.txt      the signed checkpoint: origin, tree size, root hash (base64), signature
  public-key.txt      the ledger's verifier key, and the same key as PEM for openssl
  case-uco.jsonld     the same facts as a CASE/UCO (caseontology.org) JSON-LD graph
  custody-report.pdf  a readable report (Kazakh and Russian); a copy, not the proof

Quick check:  threathub verify-bundle THIS.tar --key '<verifier key published by the agency>'

By hand (extract into an empty directory with `tar -xf THIS.tar`):
1. The key. Compare the whole first line of public-key.txt with the verifier key the agency
   publishes (on paper, on its website). A key taken only from this archive proves nothing.
2. The checkpoint's signature:
     sed -n '/BEGIN/,/END/p' public-key.txt > key.pem
     head -n 3 checkpoint.txt > signed.txt
     tail -n 1 checkpoint.txt | awk '{print $3}' | base64 -d | tail -c 64 > signature.bin
     openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in signed.txt -sigfile signature.bin
   "Signature Verified Successfully" is the answer wanted. The first line of checkpoint.txt
   (the origin) must be the name at the start of the verifier key.
3. The files: `sha256sum files/*` (also md5sum, sha1sum) must give the "sha256" ("md5",
   "sha1") of each item in manifest.json.
4. The custody events: run `python3 check.py` with this script (Python 3 standard library):

import base64, hashlib, json
m = json.load(open("manifest.json", encoding="utf-8"))
lines = open("checkpoint.txt", encoding="utf-8").read().split("\n")
size, root = int(lines[1]), base64.b64decode(lines[2])
H = lambda b: hashlib.sha256(b).digest()
def root_from(h, index, size, path):  # RFC 9162 section 2.1.3.2
    if index >= size: return None
    fn, sn = index, size - 1
    for p in path:
        if sn == 0: return None
        if fn & 1 or fn == sn:
            h = H(b"\x01" + p + h)
            while not fn & 1 and fn != 0: fn, sn = fn >> 1, sn >> 1
        else:
            h = H(b"\x01" + h + p)
        fn, sn = fn >> 1, sn >> 1
    return h if sn == 0 else None
for item in m["items"]:
    for e in item["custody"]:
        data = e["leaf_data"].encode("utf-8")
        leaf = json.loads(data)
        r = leaf["record"]
        ok = root_from(H(b"\x00" + data), e["leaf_index"], size,
                       [base64.b64decode(p) for p in e["proof"]]) == root
        ok = ok and leaf["index"] == e["leaf_index"] and leaf["kind"] == "custody"
        ok = ok and r["id"] == e["event_id"] and r["item_id"] == item["id"]
        ok = ok and all(r[k] == e[k] for k in ("action", "at", "where", "why", "from",
                                                "to", "result", "hash_before", "hash_after"))
        # The ledger has the username; the manifest may show "Name (username)".
        ok = ok and (e["actor"] == r["actor"] or e["actor"].endswith(" (%s)" % r["actor"]))
        print("OK " if ok else "BAD", "item", item["id"], "event", e["event_id"], e["action"])
    ingest = [e for e in item["custody"] if e["action"] == "ingest"]
    good = len(ingest) == 1 and ingest[0]["hash_after"] == item["sha256"]
    print("OK " if good else "BAD", "item", item["id"], "ingest hash", item["file"])

   Every line must start with OK. A leaf proved against the signed root cannot have been
   changed since the checkpoint was signed; the ingest event's leaf records the SHA-256 the
   file had when it entered the vault, which step 3 compares with the file you have.

What no signature covers: item metadata (description, examiner...), the case title and the
export details in manifest.json, and the PDF and JSON-LD copies. They are the agency's
statement; the ledger proves the custody events and the files.

== Русский ==

Архив содержит файлы вещественных доказательств по уголовному делу и для каждого файла все
события цепочки хранения (кто, что, когда, где, зачем), закреплённые в защищённом от изменений
реестре органа: дерево Меркла по RFC 6962, корень которого подписан Ed25519 в checkpoint.txt.
Сервер органа для проверки не нужен.

Быстрая проверка:  threathub verify-bundle ЭТОТ.tar --key '<ключ проверки, опубликованный органом>'

Вручную (распакуйте в пустую папку: `tar -xf ЭТОТ.tar`):
1. Ключ. Сравните всю первую строку public-key.txt с ключом проверки, который орган публикует
   (на бумаге, на сайте). Ключ, взятый только из этого архива, ничего не доказывает.
2. Подпись контрольной точки: команды шага 2 выше (openssl). Ожидаемый ответ:
   "Signature Verified Successfully". Первая строка checkpoint.txt (origin) должна совпадать
   с именем в начале ключа проверки.
3. Файлы: `sha256sum files/*` (а также md5sum, sha1sum) должны дать "sha256" ("md5", "sha1")
   каждого предмета в manifest.json.
4. События хранения: скрипт шага 4 выше (`python3 check.py`); каждая строка должна начинаться
   с OK. Лист реестра, доказанный относительно подписанного корня, не мог быть изменён после
   подписи; лист события приёма (ingest) хранит SHA-256 файла на момент поступления в хранилище.

Подписью не защищены: метаданные предметов (описание, эксперт...), название дела и сведения об
экспорте в manifest.json, а также копии в PDF и JSON-LD. Это заявление органа; реестр
доказывает события хранения и сами файлы.
)README");
}

}  // namespace threathub::bundle::internal
