#include "mandates/internal/request_pdf.h"

#include <vector>

#include "base/strings.h"
#include "bundle/internal/pdf_writer.h"

namespace threathub::mandates::internal {
namespace {

using bundle::internal::PdfColumn;
using bundle::internal::PdfInfo;
using bundle::internal::PdfWriter;

// Every visible text of the request: key, Kazakh, Russian, English. The one table to translate.
constexpr bundle::internal::PdfText kTexts[] = {
    {"title", "Онлайн мониторингке рұқсат беру туралы жазбаша сұрау",
     "Письменный запрос на разрешение онлайн-мониторинга",
     "Written request for authorization of online monitoring"},
    {"note",
     "Құжат мандаттың көрсетілген нұсқасын қайталайды. Өзгерістердің толық тарихы жүйеде "
     "сақталады.",
     "Документ воспроизводит указанную версию мандата. Полная история изменений хранится в "
     "системе.",
     "This document reproduces the stated version of the mandate. The full history of changes is "
     "kept in the system."},
    {"mandate", "Мандат", "Мандат", "Mandate"},
    {"number", "Нөмірі", "Номер", "Number"},
    {"version", "Нұсқасы", "Версия", "Version"},
    {"state", "Күйі", "Состояние", "State"},
    {"agency", "Орган", "Орган", "Agency"},
    {"request", "Сұрау", "Запрос", "Request"},
    {"purpose", "Мақсаты", "Цель", "Purpose"},
    {"case", "Қылмыстық іс", "Уголовное дело", "Case"},
    {"predicate", "Құқықтық негіз", "Правовое основание", "Legal predicate"},
    {"level", "Деңгейі", "Уровень", "Level"},
    {"mechanism", "Тәсілі", "Способ", "Mechanism"},
    {"window", "Мерзімі (UTC)", "Срок (UTC)", "Time frame (UTC)"},
    {"storage", "Жиналған материалдарды сақтау мерзімі", "Срок хранения собранного",
     "Storage period of what is collected"},
    {"days", "күн", "дн.", "days"},
    {"justification", "Негіздеме", "Обоснование", "Justification"},
    {"requester", "Сұраушы", "Инициатор", "Requester"},
    {"created_at", "Жасалған уақыты (UTC)", "Создан (UTC)", "Created (UTC)"},
    {"scope", "Мониторинг аясы: сайттар, платформалар, арналар, аккаунттар",
     "Объём мониторинга: сайты, платформы, каналы, аккаунты",
     "Scope: sites, platforms, channels and accounts"},
    {"col_number", "№", "№", "No."},
    {"col_kind", "Түрі", "Вид", "Kind"},
    {"col_platform", "Платформа", "Платформа", "Platform"},
    {"col_value", "Мәні", "Значение", "Value"},
    {"kind.domain", "Домен (ішкі домендерімен)", "Домен (с поддоменами)",
     "Domain (with subdomains)"},
    {"kind.account", "Аккаунт", "Аккаунт", "Account"},
    {"kind.url_prefix", "URL басы", "Начало URL", "URL prefix"},
    {"kind.platform", "Платформа (арналар)", "Платформа (ленты)", "Platform (feeds)"},
    {"level.overt", "Жария", "Гласный", "Overt"},
    {"level.discreet", "Жасырын (өзара әрекетсіз)", "Скрытый (без взаимодействия)",
     "Discreet (no interaction)"},
    {"level.covert", "Құпия (легендамен)", "Негласный (под легендой)", "Covert (under a persona)"},
    {"mechanism.manual", "Қолмен қарау", "Ручной просмотр", "Manual viewing"},
    {"mechanism.automated", "Автоматты жинау", "Автоматизированный сбор", "Automated collection"},
    {"mechanism.persona", "Онлайн-персона (адамдармен өзара әрекет)",
     "Онлайн-персона (взаимодействие с людьми)", "Online persona (interacts with people)"},
    {"state.draft", "Жоба", "Черновик", "Draft"},
    {"state.pending", "Қарауда", "На рассмотрении", "Pending"},
    {"state.approved", "Бекітілді", "Утверждён", "Approved"},
    {"state.rejected", "Қабылданбады", "Отклонён", "Rejected"},
    {"state.expired", "Мерзімі өтті", "Истёк", "Expired"},
    {"state.revoked", "Кері қайтарылды", "Отозван", "Revoked"},
    {"approval", "Бекіту", "Утверждение", "Approval"},
    {"supervisor_approval", "Басшының бекітуі", "Утверждение руководителя",
     "Supervisor's approval"},
    {"head_approval", "Орган басшысының бекітуі", "Утверждение начальника органа",
     "Approval of the head of the agency"},
    {"not_yet", "Әлі жоқ", "Ещё нет", "Not yet"},
    {"not_needed", "Қажет емес (құпия емес деңгей)", "Не требуется (уровень не негласный)",
     "Not needed (not covert)"},
    {"rejection_reason", "Бас тарту себебі", "Причина отказа", "Reason for rejection"},
    {"revocation_reason", "Кері қайтару себебі", "Причина отзыва", "Reason for revocation"},
    {"signatures", "Қолдар", "Подписи", "Signatures"},
    {"signature_line", "Қолы: ______________________   Күні: ____________",
     "Подпись: ______________________   Дата: ____________",
     "Signature: ______________________   Date: ____________"},
    {"generated", "Құжат жасалған (UTC)", "Документ сформирован (UTC)", "Generated (UTC)"},
};

class Labels {
 public:
  explicit Labels(std::string_view language) : language_(language) {}

  // The text of `key` in the language; `fallback` (or the key) when the table has none.
  std::string operator()(std::string_view key, std::string_view fallback = "") const {
    return std::string(bundle::internal::Translate(kTexts, key, language_)
                           .value_or(fallback.empty() ? key : fallback));
  }

 private:
  std::string_view language_;
};

// "2026-01-01 10:00"
std::string Time(base::Millis millis) {
  std::string utc = base::FormatUtc(millis);  // 2026-01-01T10:00:00.000Z
  return base::StrCat(utc.substr(0, 10), " ", utc.substr(11, 5));
}

std::string PersonText(const cases::Person& person) {
  return base::StrCat(person.display_name, " (", person.username, ")");
}

std::string ApprovalText(const std::optional<cases::Person>& person,
                         const std::optional<base::Millis>& at, const Labels& label) {
  if (!person) return label("not_yet");
  return base::StrCat(PersonText(*person), at ? base::StrCat(", ", Time(*at), " UTC") : "");
}

void DrawRequest(PdfWriter& pdf, const Mandate& mandate, std::string_view agency_name,
                 base::Millis generated_at, const Labels& label) {
  pdf.Title(label("title"));
  pdf.Paragraph(label("note"));

  pdf.Heading(base::StrCat(label("mandate"), " № ", mandate.id));
  pdf.Field(label("agency"), agency_name);
  pdf.Field(label("version"), std::to_string(mandate.version));
  pdf.Field(label("state"), label(base::StrCat("state.", StateName(mandate.state))));
  pdf.Field(label("created_at"), Time(mandate.created_at));

  pdf.Heading(label("request"));
  pdf.Field(label("purpose"), mandate.purpose);
  if (mandate.case_id) {
    pdf.Field(label("case"), mandate.case_number.empty() ? base::StrCat("№ ", *mandate.case_id)
                                                         : mandate.case_number);
  }
  if (!mandate.predicate.empty()) pdf.Field(label("predicate"), mandate.predicate);
  pdf.Field(label("level"), label(base::StrCat("level.", LevelName(mandate.level))));
  pdf.Field(label("mechanism"),
            label(base::StrCat("mechanism.", MechanismName(mandate.mechanism))));
  pdf.Field(label("window"), base::StrCat(Time(mandate.starts_at), " — ", Time(mandate.ends_at)));
  pdf.Field(label("storage"), base::StrCat(mandate.storage_days, " ", label("days")));
  pdf.Field(label("justification"), mandate.justification);
  pdf.Field(label("requester"), PersonText(mandate.requester));

  pdf.Heading(label("scope"));
  constexpr double kNumberWidth = 28;
  constexpr double kKindWidth = 130;
  constexpr double kPlatformWidth = 80;
  const std::vector<PdfColumn> columns = {
      {label("col_number"), kNumberWidth},
      {label("col_kind"), kKindWidth},
      {label("col_platform"), kPlatformWidth},
      {label("col_value"),
       bundle::internal::kContentWidth - kNumberWidth - kKindWidth - kPlatformWidth,
       bundle::internal::kTableMonoFont},
  };
  std::vector<std::vector<std::string>> rows;
  for (size_t entry_idx = 0; entry_idx < mandate.scope.size(); ++entry_idx) {
    const ScopeEntry& entry = mandate.scope[entry_idx];
    rows.push_back({std::to_string(entry_idx + 1), label(base::StrCat("kind.", entry.kind)),
                    entry.platform.empty() ? "—" : entry.platform, entry.value});
  }
  pdf.Table(columns, rows);

  pdf.Heading(label("approval"));
  pdf.Field(label("supervisor_approval"),
            ApprovalText(mandate.approved_by, mandate.approved_at, label));
  pdf.Field(label("head_approval"),
            mandate.level == Level::kCovert
                ? ApprovalText(mandate.head_approved_by, mandate.head_approved_at, label)
                : label("not_needed"));
  if (!mandate.rejection_reason.empty()) {
    pdf.Field(label("rejection_reason"), mandate.rejection_reason);
  }
  if (!mandate.revocation_reason.empty()) {
    pdf.Field(label("revocation_reason"), mandate.revocation_reason);
  }

  pdf.Heading(label("signatures"));
  pdf.Field(label("requester"),
            base::StrCat(PersonText(mandate.requester), "\n\n", label("signature_line")));
  pdf.Space(6);
  pdf.Field(label("supervisor_approval"),
            base::StrCat(mandate.approved_by ? PersonText(*mandate.approved_by) : "", "\n\n",
                         label("signature_line")));
  if (mandate.level == Level::kCovert) {
    pdf.Space(6);
    pdf.Field(label("head_approval"),
              base::StrCat(mandate.head_approved_by ? PersonText(*mandate.head_approved_by) : "",
                           "\n\n", label("signature_line")));
  }
  pdf.Space(10);
  pdf.Field(label("generated"), Time(generated_at));
}

}  // namespace

bool IsRequestLanguage(std::string_view language) {
  return language == "kk" || language == "ru" || language == "en";
}

absl::StatusOr<std::string> RenderRequestPdf(const Mandate& mandate, std::string_view agency_name,
                                             std::string_view language, base::Millis generated_at) {
  Labels label(language);
  std::string number = base::StrCat(label("mandate"), " № ", mandate.id);
  PdfInfo info{.title = base::StrCat(label("title"), " — ", number),
               .footer = base::StrCat("threathub · ", number, " · ", label("version"), " ",
                                      mandate.version, " · ", Time(generated_at), " UTC"),
               .created_at = generated_at,
               .what = "the mandate request"};
  return bundle::internal::RenderPdf(
      info, [&](PdfWriter& pdf) { DrawRequest(pdf, mandate, agency_name, generated_at, label); });
}

}  // namespace threathub::mandates::internal
