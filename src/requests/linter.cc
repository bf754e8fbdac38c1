#include "requests/linter.h"

#include <phonenumbers/phonenumberutil.h>

#include <algorithm>
#include <array>
#include <initializer_list>

#include "base/encoding.h"
#include "base/strings.h"
#include "requests/internal/zones.h"

namespace threathub::requests {
namespace {

constexpr base::Millis kDay = 86'400'000;
constexpr std::string_view kRefusalReasons =
    "reference: common_refusal_reasons (service-providers.json, 2026-11)";

// The text of each warning in three languages; {0}, {1}, {2} are replaced by the values.
struct Text {
  std::string_view code;
  std::string_view en;
  std::string_view ru;
  std::string_view kk;
};

constexpr Text kTexts[] = {
    {"unknown_provider",
     "Provider \"{0}\" is not in the directory: choose one from the directory or ask an "
     "administrator to add it.",
     "Провайдера «{0}» нет в справочнике: выберите его из справочника или попросите "
     "администратора добавить.",
     "«{0}» провайдері анықтамалықта жоқ: анықтамалықтан таңдаңыз немесе әкімшіден қосуды "
     "сұраңыз."},
    {"invalid_country", "\"{0}\" is not a two-letter country code (ISO 3166-1), e.g. KZ.",
     "«{0}» — не двухбуквенный код страны (ISO 3166-1), например KZ.",
     "«{0}» — екі әріпті ел коды емес (ISO 3166-1), мысалы KZ."},
    {"no_user_country",
     "Say where the account holder lives: the provider's legal entity depends on it.",
     "Укажите, где живёт владелец аккаунта: от этого зависит юридическое лицо провайдера.",
     "Аккаунт иесінің қай елде тұратынын көрсетіңіз: провайдердің заңды тұлғасы соған "
     "байланысты."},
    {"entity_missing", "Address the request to {0} (it serves users in {1}).",
     "Адресуйте запрос {0} (обслуживает пользователей в {1}).",
     "Сұрауды {0} атына жолдаңыз (ол {1} пайдаланушыларына қызмет көрсетеді)."},
    {"unknown_entity", "\"{0}\" is not a legal entity of {1}: address the request to {2}.",
     "«{0}» не является юридическим лицом {1}: адресуйте запрос {2}.",
     "«{0}» — {1} заңды тұлғасы емес: сұрауды {2} атына жолдаңыз."},
    {"wrong_entity", "{0} does not serve users in {1}: address the request to {2}.",
     "{0} не обслуживает пользователей в {1}: адресуйте запрос {2}.",
     "{0} {1} пайдаланушыларына қызмет көрсетпейді: сұрауды {2} атына жолдаңыз."},
    {"no_legal_basis", "Cite the legal basis: the article of law the request rests on.",
     "Укажите правовое основание: статью закона, на которой основан запрос.",
     "Құқықтық негізді көрсетіңіз: сұрау негізделген заң бабын."},
    {"no_offence_article", "State the offence with its article of the Criminal Code.",
     "Укажите преступление и его статью Уголовного кодекса.",
     "Қылмысты және оның Қылмыстық кодекстегі бабын көрсетіңіз."},
    {"no_date_range", "Give the date range of the data sought (from and to).",
     "Укажите период запрашиваемых данных (с и по).",
     "Сұралатын деректердің кезеңін көрсетіңіз (бастап және дейін)."},
    {"reversed_range", "The range starts ({0}) after it ends ({1}).",
     "Период начинается ({0}) позже, чем заканчивается ({1}).",
     "Кезеңнің басталуы ({0}) аяқталуынан ({1}) кейін тұр."},
    {"range_in_future",
     "The range starts in the future ({0}): only existing data can be preserved or disclosed.",
     "Период начинается в будущем ({0}): сохранить или выдать можно только уже существующие "
     "данные.",
     "Кезең болашақта басталады ({0}): тек бар деректерді ғана сақтауға немесе беруге болады."},
    {"range_ends_in_future",
     "The range ends in the future ({0}): the provider covers data up to the day it acts; later "
     "data needs a new request.",
     "Период заканчивается в будущем ({0}): провайдер охватит данные только на день исполнения; "
     "для более поздних данных нужен новый запрос.",
     "Кезең болашақта аяқталады ({0}): провайдер тек орындаған күнге дейінгі деректерді "
     "қамтиды; кейінгі деректерге жаңа сұрау қажет."},
    {"over_broad_range",
     "The range covers {0} days: narrow it to the period of the offence (over a year is often "
     "refused as over-broad).",
     "Период охватывает {0} дн.: сузьте его до периода преступления (запрос более чем за год "
     "часто отклоняют как чрезмерно широкий).",
     "Кезең {0} күнді қамтиды: оны қылмыс кезеңіне дейін тарылтыңыз (бір жылдан асатын сұрау "
     "жиі тым кең деп қабылданбайды)."},
    {"all_data", "Do not ask for \"all data\": name the categories (subscriber, traffic, content).",
     "Не запрашивайте «все данные»: перечислите категории (абонентские данные, трафик, "
     "содержимое).",
     "«Барлық деректерді» сұрамаңыз: санаттарды атаңыз (абоненттік деректер, трафик, мазмұн)."},
    {"no_categories",
     "Name the data categories sought (subscriber, traffic, content, transaction).",
     "Перечислите запрашиваемые категории данных (абонентские данные, трафик, содержимое, "
     "транзакции).",
     "Сұралатын деректер санаттарын атаңыз (абоненттік деректер, трафик, мазмұн, "
     "транзакциялар)."},
    {"no_identifier", "Give at least one identifier of the target account.",
     "Укажите хотя бы один идентификатор целевого аккаунта.",
     "Нысаналы аккаунттың кемінде бір идентификаторын көрсетіңіз."},
    {"empty_identifier", "The identifier is empty.", "Идентификатор пуст.", "Идентификатор бос."},
    {"invalid_phone", "\"{0}\" is not a valid phone number in E.164 form (e.g. +77012345678).",
     "«{0}» — недействительный номер телефона в формате E.164 (например, +77012345678).",
     "«{0}» — E.164 форматындағы жарамды телефон нөмірі емес (мысалы, +77012345678)."},
    {"phone_not_e164", "\"{0}\" is not written in E.164 form: write {1}.",
     "«{0}» записан не в формате E.164: укажите {1}.",
     "«{0}» E.164 форматында жазылмаған: {1} деп жазыңыз."},
    {"invalid_email", "\"{0}\" is not a valid e-mail address.",
     "«{0}» — недействительный адрес электронной почты.",
     "«{0}» — жарамсыз электрондық пошта мекенжайы."},
    {"invalid_url", "\"{0}\" is not a valid http(s) URL.", "«{0}» — недействительный URL http(s).",
     "«{0}» — жарамсыз http(s) URL."},
    {"invalid_user_id", "\"{0}\" is not a numeric user ID.", "«{0}» — не числовой ID пользователя.",
     "«{0}» — сандық пайдаланушы ID емес."},
    {"wrong_identifier_kind", "\"{0}\" looks like {1}, not {2}: choose the right kind.",
     "«{0}» похоже на {1}, а не на {2}: выберите правильный тип.",
     "«{0}» {2} емес, {1} сияқты: дұрыс түрін таңдаңыз."},
    {"identifier_not_accepted", "{0} does not list {1} among the identifiers it accepts ({2}).",
     "{0} не указывает {1} среди принимаемых идентификаторов ({2}).",
     "{0} қабылдайтын идентификаторлары арасында {1} жоқ ({2})."},
    {"username_needs_numeric_id", "Usernames change: add the numeric user ID of \"{0}\".",
     "Имена пользователей меняются: добавьте числовой ID пользователя «{0}».",
     "Пайдаланушы аттары өзгереді: «{0}» пайдаланушысының сандық ID-ін қосыңыз."},
    {"content_needs_mla",
     "{0} cannot disclose {1} data through a voluntary request: it needs an MLA request.",
     "{0} не может выдать данные категории «{1}» по добровольному запросу: нужен запрос о "
     "взаимной правовой помощи (MLA).",
     "{0} «{1}» санатындағы деректерді ерікті сұрау бойынша бере алмайды: өзара құқықтық көмек "
     "туралы сұрау (MLA) қажет."},
    {"no_preserved_until", "Give the date the current preservation ends.",
     "Укажите дату окончания текущего сохранения.", "Ағымдағы сақтаудың аяқталу күнін көрсетіңіз."},
    {"extension_after_expiry",
     "The preservation ended on {0}: an extension is too late; send a new preservation request.",
     "Сохранение закончилось {0}: продлевать поздно, направьте новый запрос о сохранении.",
     "Сақтау {0} аяқталды: ұзартуға кеш, сақтау туралы жаңа сұрау жіберіңіз."},
    {"extension_too_late",
     "{0} wants an extension at least {1} days before the preservation ends: the last day was "
     "{2}.",
     "{0} требует продления не позднее чем за {1} дн. до окончания сохранения: последний день — "
     "{2}.",
     "{0} ұзартуды сақтау аяқталардан кемінде {1} күн бұрын талап етеді: соңғы күн — {2}."},
    {"extension_limit",
     "{0} allows {1} extension(s) only: the MLA request must arrive before the preservation "
     "ends.",
     "{0} допускает только {1} продление(я): запрос MLA должен поступить до окончания "
     "сохранения.",
     "{0} тек {1} рет ұзартуға рұқсат етеді: MLA сұрауы сақтау аяқталғанға дейін келуі тиіс."},
    {"no_translation", "{0} needs the request in English or with an English translation.",
     "{0} требует запрос на английском языке или с английским переводом.",
     "{0} сұрауды ағылшын тілінде немесе ағылшынша аудармасымен талап етеді."},
    {"no_emergency_criterion", "Explain why the emergency criterion is met: {0}.",
     "Объясните, почему выполнен критерий экстренности: {0}.",
     "Шұғылдық өлшемінің неліктен орындалғанын түсіндіріңіз: {0}."},
    {"missing_emergency_field", "{0} asks for this in an emergency request: {1}.",
     "{0} требует это в экстренном запросе: {1}.", "{0} шұғыл сұрауда мұны талап етеді: {1}."},
    {"invalid_text", "The text is not valid UTF-8 or is longer than 16 KiB.",
     "Текст не в кодировке UTF-8 или длиннее 16 КиБ.",
     "Мәтін UTF-8 кодталмаған немесе 16 КиБ-тан ұзын."},
    {"invalid_zone", "\"{0}\" is not a known time zone.", "«{0}» — неизвестный часовой пояс.",
     "«{0}» — белгісіз уақыт белдеуі."},
    {"negative_extensions", "The number of earlier extensions cannot be negative.",
     "Число предыдущих продлений не может быть отрицательным.",
     "Бұрынғы ұзартулар саны теріс бола алмайды."},
    {"unused", "", "", ""},
};

const Text& TextFor(std::string_view code) {
  for (const Text& text : kTexts) {
    if (text.code == code) return text;
  }
  return kTexts[std::size(kTexts) - 1];
}

// A value shown inside a message: valid UTF-8, at most ~80 bytes, cut at a character boundary.
std::string Shown(std::string_view value) {
  if (!base::IsValidUtf8(value)) return "(not UTF-8)";
  if (value.size() <= 80) return std::string(value);
  size_t end = 80;
  while (end > 0 && (static_cast<unsigned char>(value[end]) & 0xC0) == 0x80) --end;
  return base::StrCat(value.substr(0, end), "...");
}

std::string Fill(std::string_view pattern, std::initializer_list<std::string_view> args) {
  std::string out;
  out.reserve(pattern.size() + 32);
  for (size_t index = 0; index < pattern.size(); ++index) {
    if (pattern[index] == '{' && index + 2 < pattern.size() && pattern[index + 2] == '}' &&
        pattern[index + 1] >= '0' && pattern[index + 1] <= '9') {
      size_t arg = static_cast<size_t>(pattern[index + 1] - '0');
      std::string_view value = arg < args.size() ? *(args.begin() + arg) : std::string_view();
      out += value;
      index += 2;
      // "TikTok Pte. Ltd." at the end of a sentence takes no second full stop.
      if (!value.empty() && value.back() == '.' && index + 1 < pattern.size() &&
          pattern[index + 1] == '.') {
        ++index;
      }
    } else {
      out += pattern[index];
    }
  }
  return out;
}

bool Blank(std::string_view text) { return base::StripAsciiWhitespace(text).empty(); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool AllDigits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), IsDigit);
}

// '+', then 2-15 digits, the first not 0 (ITU-T E.164).
bool E164Shape(std::string_view text) {
  return text.size() >= 3 && text.size() <= 16 && text[0] == '+' && text[1] != '0' &&
         AllDigits(text.substr(1));
}

bool LabelChar(char c) {
  unsigned char byte = static_cast<unsigned char>(c);
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-' ||
         byte >= 0x80;  // internationalised names in UTF-8
}

// A host name: dot-separated labels of 1-63 letters, digits, '-' (not at the ends) or UTF-8,
// at least two labels, the last not numeric; or a bracketed IPv6 literal; or dotted IPv4.
bool ValidHost(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  if (host.front() == '[') {
    return host.back() == ']' && host.size() > 2 &&
           std::all_of(host.begin() + 1, host.end() - 1, [](char c) {
             return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' ||
                    c == '.';
           });
  }
  std::vector<std::string_view> labels = base::StrSplit(host, '.');
  if (labels.size() < 2) return false;
  for (std::string_view label : labels) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    if (!std::all_of(label.begin(), label.end(), LabelChar)) return false;
  }
  bool all_numeric = std::all_of(labels.begin(), labels.end(), AllDigits);
  return all_numeric ? labels.size() == 4 : !AllDigits(labels.back());
}

bool HasSpaceOrControl(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    unsigned char byte = static_cast<unsigned char>(c);
    return byte <= 0x20 || byte == 0x7F;
  });
}

// local@domain: one '@', a local part of 1-64 bytes without spaces, controls, a leading,
// trailing or doubled dot, and a valid host (RFC 5321 section 4.5.3.1 limits).
bool ValidEmail(std::string_view text) {
  if (text.size() > 254 || HasSpaceOrControl(text)) return false;
  size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view local = text.substr(0, at);
  std::string_view domain = text.substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      base::StrContains(local, "..")) {
    return false;
  }
  return ValidHost(domain) && domain.front() != '[';
}

// http(s)://host[:port][/path][?query][#fragment] without spaces or controls.
bool ValidUrl(std::string_view text) {
  if (text.size() > 4096 || HasSpaceOrControl(text)) return false;
  std::string lower = base::AsciiStrToLower(text.substr(0, 8));
  size_t scheme_end;
  if (base::StartsWith(lower, "https://")) {
    scheme_end = 8;
  } else if (base::StartsWith(lower, "http://")) {
    scheme_end = 7;
  } else {
    return false;
  }
  std::string_view rest = text.substr(scheme_end);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  if (base::StrContains(authority, "@")) authority = authority.substr(authority.rfind('@') + 1);
  std::string_view host = authority;
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos) {
    std::string_view port = authority.substr(colon + 1);
    if (!AllDigits(port) || port.size() > 5) return false;
    host = authority.substr(0, colon);
  }
  return ValidHost(host);
}

// A numeric user id: digits, optionally after "id" (VK) or "-" (Telegram chats).
bool NumericId(std::string_view text) {
  if (base::StartsWith(text, "id")) text.remove_prefix(2);
  if (base::StartsWith(text, "-")) text.remove_prefix(1);
  return AllDigits(text) && text.size() <= 32;
}

// What an identifier of the wrong kind looks like; nullopt when nothing is clear.
std::optional<IdentifierKind> LooksLike(std::string_view value) {
  std::string_view trimmed = base::StripAsciiWhitespace(value);
  if (ValidUrl(trimmed)) return IdentifierKind::kUrl;
  if (ValidEmail(trimmed)) return IdentifierKind::kEmail;
  std::string compact;
  for (char c : trimmed) {
    if (c != ' ' && c != '-' && c != '(' && c != ')') compact += c;
  }
  if (E164Shape(compact) && compact.size() >= 9) return IdentifierKind::kPhone;
  return std::nullopt;
}

bool ValidText(std::string_view text) {
  return text.size() <= kMaxFieldBytes && base::IsValidUtf8(text);
}

class Linter {
 public:
  Linter(const Draft& draft, const Directory& directory, base::Millis now)
      : draft_(draft), directory_(directory), now_(now) {}

  std::vector<Warning> Run() {
    if (!internal::LoadZone(draft_.user_zone, &user_zone_)) {
      Add("invalid_zone", "user_zone", Severity::kError, {Shown(draft_.user_zone)},
          "dates are shown and counted in the user's zone", "IANA time zone database");
      user_zone_ = absl::FixedTimeZone(5 * 3600);  // Asia/Almaty's offset, to go on
    }
    if (CheckText("provider", draft_.provider)) {
      provider_ = directory_.FindProvider(draft_.provider);
      // An MLA or 24/7 request goes to a State: it may name no provider.
      bool to_state =
          (draft_.type == RequestType::kMlaRequest || draft_.type == RequestType::kNetwork247) &&
          Blank(draft_.provider);
      if (provider_ == nullptr && !to_state) {
        Add("unknown_provider", "provider", Severity::kError, {Shown(draft_.provider)},
            "a request to a provider outside the directory cannot be routed or checked",
            "the provider directory (data/requests/providers.json)");
      }
    }
    CheckEntity();
    if (CheckText("legal_basis", draft_.legal_basis) && Blank(draft_.legal_basis)) {
      Add("no_legal_basis", "legal_basis", Severity::kError, {},
          "providers refuse requests that cite no legal basis",
          base::StrCat(kRefusalReasons, "; ", RequirementSource()));
    }
    if (CheckText("offence_article", draft_.offence_article) && Blank(draft_.offence_article) &&
        draft_.type != RequestType::kEmergencyDisclosure) {
      Add("no_offence_article", "offence_article", Severity::kError, {},
          "providers refuse requests that do not state the offence; a preservation request must "
          "state it",
          base::StrCat(kRefusalReasons, "; Budapest Convention Art. 29(2)(b)"));
    }
    if (draft_.type != RequestType::kPreservationExtension) {
      CheckRange();
      CheckCategories();
      CheckIdentifiers();
    }
    CheckVoluntary();
    CheckExtension();
    CheckLanguage();
    CheckEmergency();
    return std::move(warnings_);
  }

 private:
  void Add(std::string_view code, std::string field, Severity severity,
           std::initializer_list<std::string_view> args, std::string reason, std::string source) {
    const Text& text = TextFor(code);
    Warning warning;
    warning.code = std::string(code);
    warning.field = std::move(field);
    warning.severity = severity;
    warning.message = Message{Fill(text.en, args), Fill(text.ru, args), Fill(text.kk, args)};
    warning.reason = std::move(reason);
    warning.source = std::move(source);
    warnings_.push_back(std::move(warning));
  }

  // False (and a warning) when the text is not UTF-8 or too long.
  bool CheckText(std::string_view field, std::string_view text) {
    if (ValidText(text)) return true;
    Add("invalid_text", std::string(field), Severity::kError, {},
        "text that is not UTF-8 cannot be printed in the request",
        "the request documents are UTF-8");
    return false;
  }

  std::string Date(base::Millis instant) const {
    return absl::FormatTime("%Y-%m-%d", absl::FromUnixMillis(instant), user_zone_);
  }

  std::string RequirementSource() const {
    if (provider_ != nullptr && provider_->requirements) {
      return provider_->requirements->provenance.source;
    }
    return "";
  }

  std::string EntitySource() const {
    return provider_ == nullptr ? "" : provider_->entities_provenance.source;
  }

  void CheckEntity() {
    std::optional<std::string> country;
    if (Blank(draft_.user_country)) {
      if (provider_ != nullptr && provider_->entities.size() > 1) {
        Add("no_user_country", "user_country", Severity::kWarning, {},
            "the legal entity that holds the data depends on where the user lives", EntitySource());
      }
    } else if (absl::StatusOr<std::string> code = NormalizeCountry(draft_.user_country);
               code.ok()) {
      country = *code;
    } else {
      Add("invalid_country", "user_country", Severity::kError, {Shown(draft_.user_country)},
          "the legal entity is chosen by the user's country", "ISO 3166-1 alpha-2");
    }
    if (provider_ == nullptr || !CheckText("entity_name", draft_.entity_name)) return;
    const LegalEntity* addressed = nullptr;
    std::string wanted = base::AsciiStrToLower(base::StripAsciiWhitespace(draft_.entity_name));
    for (const LegalEntity& entity : provider_->entities) {
      if (base::AsciiStrToLower(entity.name) == wanted) addressed = &entity;
    }
    const LegalEntity* right = nullptr;
    if (country) {
      absl::StatusOr<const LegalEntity*> selected = SelectEntity(*provider_, *country);
      if (selected.ok()) right = *selected;
    }
    entity_ = addressed != nullptr ? addressed : right;
    const std::string reason = "requests sent to the wrong legal entity are refused";
    const std::string source = base::StrCat(kRefusalReasons, "; ", EntitySource());
    if (wanted.empty()) {
      if (right != nullptr) {
        Add("entity_missing", "entity_name", Severity::kError, {right->name, *country}, reason,
            source);
      }
      return;
    }
    if (addressed == nullptr) {
      Add("unknown_entity", "entity_name", Severity::kError,
          {Shown(draft_.entity_name), provider_->names.front(),
           right != nullptr ? right->name : std::string("?")},
          reason, source);
      return;
    }
    if (right != nullptr && right != addressed) {
      Add("wrong_entity", "entity_name", Severity::kError, {addressed->name, *country, right->name},
          base::StrCat(reason, " (", right->name, ": ", right->applies_to_text, ")"), source);
    }
  }

  void CheckRange() {
    const std::string source = kRefusalReasons.data();
    if (!draft_.range_from || !draft_.range_to) {
      Add("no_date_range", draft_.range_from ? "range_to" : "range_from", Severity::kError, {},
          "providers refuse requests without a date range", source);
      return;
    }
    base::Millis from = *draft_.range_from, to = *draft_.range_to;
    if (from > to) {
      Add("reversed_range", "range_from", Severity::kError, {Date(from), Date(to)},
          "a range that ends before it starts selects nothing", source);
      return;
    }
    const LegalRule* us = directory_.FindRule("us-2703f");
    std::string existing_source = us != nullptr ? us->provenance.source : "18 U.S.C. 2703(f)";
    if (from > now_) {
      Add("range_in_future", "range_from", Severity::kError, {Date(from)},
          "preservation and disclosure cover existing data only", existing_source);
    } else if (to > now_) {
      Add("range_ends_in_future", "range_to", Severity::kWarning, {Date(to)},
          "preservation covers existing data only", existing_source);
    }
    int64_t days = (to - from) / kDay;
    if (days > kMaxRangeDays) {
      Add("over_broad_range", "range_to", Severity::kWarning, {std::to_string(days)},
          "providers refuse over-broad requests", source);
    }
  }

  void CheckCategories() {
    if (draft_.all_data) {
      Add("all_data", "all_data", Severity::kError, {},
          "providers refuse over-broad requests ('all data')", kRefusalReasons.data());
    } else if (draft_.categories.empty()) {
      Add("no_categories", "categories", Severity::kError, {},
          "providers ask for the specific data categories sought",
          base::StrCat(kRefusalReasons, "; ", RequirementSource()));
    }
  }

  void CheckIdentifiers() {
    const std::string reason = "wrong or unverifiable identifiers are a reason for refusal";
    if (draft_.identifiers.empty()) {
      Add("no_identifier", "identifiers", Severity::kError, {},
          "the provider must be able to find the account", kRefusalReasons.data());
      return;
    }
    const Requirements* requirements =
        provider_ != nullptr && provider_->requirements ? &*provider_->requirements : nullptr;
    bool has_numeric_id = false;
    for (const Identifier& identifier : draft_.identifiers) {
      has_numeric_id = has_numeric_id || (identifier.kind == IdentifierKind::kUserId &&
                                          NumericId(base::StripAsciiWhitespace(identifier.value)));
    }
    std::string region = "KZ";
    if (absl::StatusOr<std::string> code = NormalizeCountry(draft_.user_country); code.ok()) {
      region = *code;
    }
    for (size_t index = 0; index < draft_.identifiers.size(); ++index) {
      const Identifier& identifier = draft_.identifiers[index];
      const std::string field = base::StrCat("identifiers[", index, "]");
      if (!CheckText(field, identifier.value)) continue;
      std::string_view value = base::StripAsciiWhitespace(identifier.value);
      if (value.empty()) {
        Add("empty_identifier", field, Severity::kError, {}, reason, kRefusalReasons.data());
        continue;
      }
      std::string shown = Shown(value);
      std::optional<IdentifierKind> looks = LooksLike(value);
      if (looks && *looks != identifier.kind &&
          !(identifier.kind == IdentifierKind::kUserId && *looks == IdentifierKind::kPhone &&
            value.front() != '+')) {
        Add("wrong_identifier_kind", field, Severity::kError,
            {shown, IdentifierKindName(*looks), IdentifierKindName(identifier.kind)}, reason,
            kRefusalReasons.data());
        continue;
      }
      switch (identifier.kind) {
        case IdentifierKind::kPhone: {
          std::optional<std::string> e164 = ToE164(value, region);
          if (e164 && *e164 != value) {
            Add("phone_not_e164", field, Severity::kError, {shown, *e164},
                "providers ask for phone numbers in E.164",
                "ITU-T E.164; libphonenumber; Meta law enforcement guidelines (phone in E.164)");
          } else if (!e164) {
            Add("invalid_phone", field, Severity::kError, {shown},
                "a number libphonenumber does not accept as valid matches no account",
                "ITU-T E.164; libphonenumber; Meta law enforcement guidelines (phone in E.164)");
          }
          break;
        }
        case IdentifierKind::kEmail:
          if (!ValidEmail(value)) {
            Add("invalid_email", field, Severity::kError, {shown}, reason,
                "RFC 5321 section 4.5.3.1 (sizes); RFC 5322 section 3.4.1 (addr-spec)");
          }
          break;
        case IdentifierKind::kUrl:
          if (!ValidUrl(value)) {
            Add("invalid_url", field, Severity::kError, {shown}, reason,
                "RFC 3986 (an http or https URL with a host)");
          }
          break;
        case IdentifierKind::kUserId:
          if (!NumericId(value)) {
            Add("invalid_user_id", field, Severity::kError, {shown}, reason,
                base::StrCat(kRefusalReasons, " (use the numeric user ID)"));
          }
          break;
        case IdentifierKind::kUsername:
          if (requirements != nullptr && requirements->prefers_numeric_id && !has_numeric_id) {
            Add("username_needs_numeric_id", field, Severity::kWarning, {shown},
                "usernames change; the numeric user ID identifies the account for good",
                base::StrCat(requirements->provenance.source, " (",
                             ConfidenceName(requirements->provenance.confidence), ")"));
          }
          break;
        case IdentifierKind::kVideoId:
        case IdentifierKind::kIp:
          break;
      }
      if (requirements != nullptr && !requirements->accepted_identifiers.empty() &&
          std::find(requirements->accepted_identifiers.begin(),
                    requirements->accepted_identifiers.end(),
                    identifier.kind) == requirements->accepted_identifiers.end()) {
        std::vector<std::string_view> accepted;
        for (IdentifierKind kind : requirements->accepted_identifiers) {
          accepted.push_back(IdentifierKindName(kind));
        }
        Add("identifier_not_accepted", field, Severity::kWarning,
            {provider_->names.front(), IdentifierKindName(identifier.kind),
             base::StrJoin(accepted, ", ")},
            "the provider may not be able to search by this kind of identifier",
            requirements->provenance.source);
      }
    }
  }

  void CheckVoluntary() {
    if (draft_.type != RequestType::kVoluntaryDisclosure || provider_ == nullptr) return;
    const LegalRule* us_rule = directory_.FindRule("us-voluntary-non-content");
    for (DataCategory category : draft_.categories) {
      const CategoryProcess* process = nullptr;
      for (const CategoryProcess& item : provider_->data_categories) {
        if (item.category == category) process = &item;
      }
      bool us_content =
          category == DataCategory::kContent && entity_ != nullptr && entity_->jurisdiction == "US";
      bool needs_mla = process != nullptr && process->process == Process::kMlaRequest;
      if (!us_content && !needs_mla) continue;
      std::string source;
      if (us_content && us_rule != nullptr) source = us_rule->provenance.source;
      if (process != nullptr && provider_->data_categories_provenance) {
        base::StrAppend(&source, source.empty() ? "" : "; ",
                        provider_->data_categories_provenance->source);
      }
      Add("content_needs_mla", "categories", Severity::kError,
          {entity_ != nullptr ? entity_->name : provider_->names.front(),
           DataCategoryName(category)},
          us_content ? "US law lets a US provider disclose non-content data to a foreign "
                       "authority directly; content needs MLA (Kazakhstan has no CLOUD Act "
                       "agreement)"
                     : base::StrCat("the provider discloses this category only on legal "
                                    "process: ",
                                    process->text),
          source);
    }
  }

  void CheckExtension() {
    if (draft_.type != RequestType::kPreservationExtension) return;
    if (draft_.extensions_so_far < 0) {
      Add("negative_extensions", "extensions_so_far", Severity::kError, {},
          "a count of earlier requests", "the request form");
    }
    const PreservationRule* rule =
        provider_ != nullptr && provider_->preservation ? &*provider_->preservation : nullptr;
    if (rule != nullptr && rule->max_extensions &&
        draft_.extensions_so_far + 1 > *rule->max_extensions) {
      Add("extension_limit", "extensions_so_far", Severity::kError,
          {provider_->names.front(), std::to_string(*rule->max_extensions)},
          base::StrCat("the provider's rule: ", rule->text), rule->provenance.source);
    }
    if (!draft_.preserved_until) {
      Add("no_preserved_until", "preserved_until", Severity::kError, {},
          "the extension must arrive before the preservation ends", kRefusalReasons.data());
      return;
    }
    base::Millis send = draft_.send_at.value_or(now_);
    if (send >= *draft_.preserved_until) {
      Add("extension_after_expiry", "send_at", Severity::kError, {Date(*draft_.preserved_until)},
          "preserved data may be deleted at the end of the period",
          rule != nullptr ? rule->provenance.source : std::string(kRefusalReasons));
      return;
    }
    if (rule != nullptr && rule->extension_lead_days) {
      std::string zone = entity_ != nullptr ? entity_->time_zone : "UTC";
      absl::StatusOr<base::Millis> latest =
          AddCivilDays(*draft_.preserved_until, -*rule->extension_lead_days, zone);
      if (latest.ok() && send > *latest) {
        Add("extension_too_late", "send_at", Severity::kError,
            {provider_->names.front(), std::to_string(*rule->extension_lead_days), Date(*latest)},
            base::StrCat("the provider's rule: ", rule->text,
                         "; 'extension requested too late' "
                         "is a common refusal reason"),
            rule->provenance.source);
      }
    }
  }

  void CheckLanguage() {
    if (provider_ == nullptr || !provider_->requirements ||
        !provider_->requirements->requires_english) {
      return;
    }
    std::string language = base::AsciiStrToLower(base::StripAsciiWhitespace(draft_.language));
    if (language != "en" && !draft_.english_translation) {
      Add("no_translation", "language", Severity::kError, {provider_->names.front()},
          "'language: no translation' is a common refusal reason",
          provider_->requirements->provenance.source);
    }
  }

  void CheckEmergency() {
    if (draft_.type != RequestType::kEmergencyDisclosure || provider_ == nullptr ||
        !provider_->emergency) {
      return;
    }
    const EmergencyRule& rule = *provider_->emergency;
    auto value = [&](const std::string& key) -> std::string_view {
      auto found = draft_.emergency_fields.find(key);
      return found == draft_.emergency_fields.end() ? std::string_view() : found->second;
    };
    std::string_view criterion = value("criterion");
    if (CheckText("emergency_fields.criterion", criterion) && Blank(criterion)) {
      Add("no_emergency_criterion", "emergency_fields.criterion", Severity::kError,
          {rule.criterion},
          "providers disclose without legal process only when their emergency criterion is met",
          rule.provenance.source);
    }
    for (const EmergencyField& field : rule.required_fields) {
      const std::string name = base::StrCat("emergency_fields.", field.key);
      std::string_view text = value(field.key);
      if (CheckText(name, text) && Blank(text)) {
        Add("missing_emergency_field", name, Severity::kError,
            {provider_->names.front(), field.text},
            "the provider lists it among what an emergency request must contain",
            rule.provenance.source);
      }
    }
  }

  const Draft& draft_;
  const Directory& directory_;
  const base::Millis now_;
  absl::TimeZone user_zone_;
  const Provider* provider_ = nullptr;
  const LegalEntity* entity_ = nullptr;  // the addressed entity, else the right one
  std::vector<Warning> warnings_;
};

}  // namespace

std::string_view SeverityName(Severity severity) {
  return severity == Severity::kError ? "error" : "warning";
}

const std::string& Message::Get(std::string_view language) const {
  if (language == "ru") return ru;
  if (language == "kk") return kk;
  return en;
}

std::optional<std::string> ToE164(std::string_view phone, std::string_view default_region) {
  using i18n::phonenumbers::PhoneNumber;
  using i18n::phonenumbers::PhoneNumberUtil;
  if (phone.size() > 64 || !base::IsValidUtf8(phone)) return std::nullopt;
  const PhoneNumberUtil& util = *PhoneNumberUtil::GetInstance();
  std::string text(base::StripAsciiWhitespace(phone));
  PhoneNumber number;
  // "ZZ" (unknown region) accepts only the international form, with '+'.
  bool parsed = util.Parse(text, "ZZ", &number) == PhoneNumberUtil::NO_PARSING_ERROR;
  if (!parsed && !default_region.empty()) {
    parsed =
        util.Parse(text, std::string(default_region), &number) == PhoneNumberUtil::NO_PARSING_ERROR;
  }
  if (!parsed || !util.IsValidNumber(number)) return std::nullopt;
  std::string formatted;
  util.Format(number, PhoneNumberUtil::E164, &formatted);
  return formatted;
}

std::vector<Warning> Lint(const Draft& draft, const Directory& directory, base::Millis now) {
  return Linter(draft, directory, now).Run();
}

}  // namespace threathub::requests
