#include "requests/internal/service_mail.h"

#include "absl/time/time.h"
#include "base/strings.h"
#include "requests/internal/zones.h"
#include "requests/rules.h"

namespace threathub::requests::internal {
namespace {

bool IsLanguage(std::string_view language) {
  return language == "kk" || language == "ru" || language == "en";
}

std::string ZoneOf(std::string_view zone) {
  absl::TimeZone loaded;
  if (!zone.empty() && LoadZone(zone, &loaded)) return std::string(zone);
  return "Asia/Almaty";
}

// The reminder e-mail's words.
struct MailWords {
  std::string_view subject_prefix;
  std::string_view request;
  std::string_view to;
  std::string_view deadline;
  std::string_view due;
  std::string_view rule;
  std::string_view open;
  std::string_view case_word;
};

const MailWords& WordsFor(std::string_view language) {
  static const MailWords kEn{"ThreatHub", "Request",          "to",  "Deadline", "Due",
                             "Rule",      "Open the request", "case"};
  static const MailWords kRu{"ThreatHub", "Запрос",  "в адрес",        "Срок",
                             "Наступает", "Правило", "Открыть запрос", "дело"};
  static const MailWords kKk{"ThreatHub", "Сұрау", "алушы",       "Мерзім",
                             "Мерзімі",   "Ереже", "Сұрауды ашу", "іс"};
  if (language == "ru") return kRu;
  if (language == "kk") return kKk;
  return kEn;
}

std::string_view KindWords(std::string_view kind, std::string_view language) {
  struct Entry {
    std::string_view kind, en, ru, kk;
  };
  static constexpr Entry kKinds[] = {
      {"preservation_expires", "preservation expires", "истекает срок сохранения данных",
       "деректерді сақтау мерзімі аяқталады"},
      {"latest_extension", "last moment to send an extension",
       "последний момент для запроса о продлении", "ұзарту сұрауын жіберудің соңғы сәті"},
      {"mla_by", "the MLA request should arrive", "должен поступить запрос о правовой помощи",
       "құқықтық көмек туралы сұрау келуі тиіс"},
      {"response_due", "an answer is due", "срок ответа", "жауап беру мерзімі"},
      {"validation", "validation is due", "срок подтверждения", "растау мерзімі"},
  };
  for (const Entry& entry : kKinds) {
    if (entry.kind != kind) continue;
    if (language == "ru") return entry.ru;
    if (language == "kk") return entry.kk;
    return entry.en;
  }
  return kind;
}

std::string_view LabelWords(std::string_view label, std::string_view language) {
  struct Entry {
    std::string_view label, en, ru, kk;
  };
  static constexpr Entry kLabels[] = {
      {"14_days_before", "in 14 days", "через 14 дней", "14 күннен кейін"},
      {"7_days_before", "in 7 days", "через 7 дней", "7 күннен кейін"},
      {"1_hour_before", "in 1 hour", "через 1 час", "1 сағаттан кейін"},
      {"at_deadline", "now", "сейчас", "қазір"},
  };
  for (const Entry& entry : kLabels) {
    if (entry.label != label) continue;
    if (language == "ru") return entry.ru;
    if (language == "kk") return entry.kk;
    return entry.en;
  }
  return label;
}

std::string LocalText(base::Millis at, std::string_view zone) {
  absl::StatusOr<LocalTime> local = ToLocal(at, zone);
  if (!local.ok()) return base::FormatUtc(at);
  return base::StrCat(local->text, " (", local->zone, ")");
}

}  // namespace

Mail ReminderMail(const ReminderMailFacts& facts, std::string_view language,
                  std::string_view user_zone, std::string address) {
  std::string_view lang = IsLanguage(language) ? language : "ru";
  const MailWords& words = WordsFor(lang);
  Mail mail;
  mail.to = {std::move(address)};
  mail.subject =
      base::StrCat("[", words.subject_prefix, "] ", facts.reference, " (", facts.target,
                   "): ", KindWords(facts.kind, lang), " — ", LabelWords(facts.label, lang));
  std::string provider_zone = facts.provider_zone.empty() ? "UTC" : facts.provider_zone;
  mail.body = base::StrCat(words.request, " ", facts.reference, " (", words.case_word, " ",
                           facts.case_number, "), ", words.to, " ", facts.target,
                           facts.entity.empty() ? "" : base::StrCat(" (", facts.entity, ")"), "\n",
                           words.deadline, ": ", KindWords(facts.kind, lang), "\n", words.due, ": ",
                           LocalText(facts.due_at, ZoneOf(user_zone)), "\n", words.due, ": ",
                           LocalText(facts.due_at, provider_zone), "\n", words.rule, ": ",
                           facts.rule_id, "\n", words.open, ": ", facts.link, "\n");
  return mail;
}

}  // namespace threathub::requests::internal
