#include "requests/document.h"

#include <algorithm>
#include <array>
#include <vector>

#include "base/errors.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "bundle/internal/pdf_writer.h"

namespace threathub::requests {
namespace {

using bundle::internal::PdfColumn;
using bundle::internal::PdfInfo;
using bundle::internal::PdfWriter;

// Every visible text of a request document: key, Kazakh, Russian, English. The one table to
// translate. Keys of the T-CY template ("case_reference") and of providers' emergency fields
// ("person_at_risk") are used as they are, so DocumentLabel finds them.
using Text = bundle::internal::PdfText;
constexpr Text kTexts[] = {
    // Titles, one per request type.
    {"type.preservation", "Деректерді сақтау туралы сұрау салу", "Запрос о сохранении данных",
     "Request for preservation of data"},
    {"type.preservation_extension", "Деректерді сақтау мерзімін ұзарту туралы сұрау салу",
     "Запрос о продлении срока сохранения данных",
     "Request for extension of the preservation of data"},
    {"type.voluntary_disclosure", "Деректерді ерікті түрде ашу туралы сұрау салу",
     "Запрос о добровольном раскрытии данных", "Request for voluntary disclosure of data"},
    {"type.emergency_disclosure", "Төтенше жағдайда деректерді ашу туралы сұрау салу",
     "Запрос о раскрытии данных в экстренной ситуации", "Emergency disclosure request"},
    {"type.production_order", "Деректерді ұсыну туралы талап", "Требование о предоставлении данных",
     "Production order"},
    {"type.mla_request", "Қылмыстық істер бойынша құқықтық көмек көрсету туралы сұрау салу",
     "Запрос о взаимной правовой помощи по уголовным делам",
     "Request for mutual legal assistance in criminal matters"},
    {"type.network_24_7", "24/7 желісі арқылы жіберілетін сұрау салу", "Запрос через сеть 24/7",
     "Request through the 24/7 network"},
    {"draft", "ЖОБА", "ПРОЕКТ", "DRAFT"},
    {"draft_note", "Жоба: әлі бекітілмеген және жіберілмеген.",
     "Проект: ещё не утверждён и не отправлен.", "Draft: not yet approved or sent."},
    {"reference", "Сұрау салудың нөмірі", "Номер запроса", "Reference"},
    {"document_date", "Құжаттың күні", "Дата документа", "Document date"},
    {"not_given", "көрсетілмеген", "не указано", "not given"},
    {"none", "жоқ", "нет", "none"},

    // The T-CY template's fields (T-CY(2018)11, T-CY(2018)10).
    {"date", "Сұрау салу күні", "Дата запроса", "Date of the request"},
    {"case_reference", "Іс нөмірі", "Номер дела", "Case reference"},
    {"request_status", "Сұрау салудың мәртебесі", "Статус запроса", "Request status"},
    {"requested_authority", "Сұрау салынатын орган", "Запрашиваемый орган", "Requested authority"},
    {"requesting_authority", "Сұрау салушы орган", "Запрашивающий орган", "Requesting authority"},
    {"confirmation_contact", "Растау үшін байланысатын тұлға", "Контакт для подтверждения",
     "Confirmation contact"},
    {"investigative_authority", "Тергеу органы", "Следственный орган", "Investigative authority"},
    {"prosecution_and_court", "Прокуратура және сот", "Прокуратура и суд",
     "Prosecution office and court"},
    {"earlier_requests", "Бұрын жіберілген сұрау салулар", "Предыдущие запросы",
     "Earlier requests"},
    {"identifiers", "Сәйкестендіргіштер", "Идентификаторы", "Identifiers"},
    {"data_categories", "Сұралатын деректер санаттары", "Категории запрашиваемых данных",
     "Data categories sought"},
    {"offence", "Қылмыстық құқық бұзушылық", "Преступление", "Offence"},
    {"necessity", "Қажеттілігі мен мөлшерлестігі", "Необходимость и соразмерность",
     "Necessity and proportionality"},
    {"confidentiality", "Құпиялылық", "Конфиденциальность", "Confidentiality"},
    {"urgency", "Шұғылдығы", "Срочность", "Urgency"},

    // Request status.
    {"status", "Мәртебесі", "Статус", "Status"},
    {"status.new", "Жаңа сұрау салу", "Новый запрос", "New request"},
    {"status.extension", "Сақтау мерзімін ұзарту", "Продление сохранения",
     "Extension of preservation"},
    {"status.follow_up", "Бұрынғы сұрау салудың жалғасы", "Продолжение предыдущего запроса",
     "Follow-up of an earlier request"},
    {"previous_ticket", "Алдыңғы өтінім нөмірі", "Номер предыдущей заявки",
     "Previous ticket number"},
    {"previous_reference", "Алдыңғы сұрау салудың нөмірі", "Номер предыдущего запроса",
     "Previous reference"},
    {"preserved_until", "Сақтау мерзімінің аяқталуы", "Данные сохраняются до",
     "Data preserved until"},

    // Requested authority.
    {"provider", "Қызмет көрсетуші", "Поставщик услуг", "Service provider"},
    {"entity", "Заңды тұлға", "Юридическое лицо", "Legal entity"},
    {"jurisdiction", "Юрисдикциясы", "Юрисдикция", "Jurisdiction"},
    {"channel", "Жіберу арнасы", "Канал направления", "Channel"},
    {"requested_state", "Сұрау салынатын мемлекет", "Запрашиваемое государство", "Requested State"},
    {"central_authority", "Орталық орган", "Центральный орган", "Central authority"},
    {"instruments", "Қолданылатын халықаралық шарттар", "Применимые международные договоры",
     "Instruments in force"},

    // Requesting authority and contacts.
    {"agency", "Ұйым", "Организация", "Organisation"},
    {"address", "Мекенжайы", "Адрес", "Address"},
    {"responsible_person", "Жауапты тұлға", "Ответственное лицо", "Responsible person"},
    {"name", "Аты-жөні", "Ф. И. О.", "Name"},
    {"function", "Лауазымы", "Должность", "Title"},
    {"phone", "Телефон", "Телефон", "Phone"},
    {"email", "Электрондық пошта", "Электронная почта", "E-mail"},
    {"time_zone", "Уақыт белдеуі", "Часовой пояс", "Time zone"},
    {"reply_channel", "Жауап алудың қалаулы тәсілі", "Предпочтительный канал ответа",
     "Preferred reply channel"},
    {"approver", "Сұрау салуды бекіткен тұлға", "Утвердил запрос", "Approved by"},
    {"approved_at", "Бекітілген уақыты", "Время утверждения", "Approved at"},

    // Earlier requests.
    {"col_type", "Түрі", "Вид", "Type"},
    {"col_reference", "Нөмірі", "Номер", "Reference"},
    {"col_sent", "Жіберілді", "Отправлен", "Sent"},
    {"col_channel", "Арна", "Канал", "Channel"},
    {"col_ticket", "Өтінім", "Заявка", "Ticket"},
    {"col_preserved", "Сақтау мерзімі", "Сохранено до", "Preserved until"},
    {"short.preservation", "Сақтау", "Сохранение", "Preservation"},
    {"short.preservation_extension", "Сақтауды ұзарту", "Продление сохранения",
     "Preservation extension"},
    {"short.voluntary_disclosure", "Ерікті түрде ашу", "Добровольное раскрытие",
     "Voluntary disclosure"},
    {"short.emergency_disclosure", "Төтенше жағдайда ашу", "Экстренное раскрытие",
     "Emergency disclosure"},
    {"short.production_order", "Деректерді ұсыну талабы", "Требование о предоставлении",
     "Production order"},
    {"short.mla_request", "Өзара құқықтық көмек", "Взаимная правовая помощь",
     "Mutual legal assistance"},
    {"short.network_24_7", "24/7 желісі", "Сеть 24/7", "24/7 network"},

    // Identifiers.
    {"col_number", "№", "№", "No."},
    {"col_kind", "Түрі", "Вид", "Kind"},
    {"col_value", "Мәні", "Значение", "Value"},
    {"kind.phone", "Телефон нөмірі", "Номер телефона", "Phone number"},
    {"kind.email", "Электрондық пошта", "Адрес электронной почты", "E-mail address"},
    {"kind.url", "URL-мекенжай", "URL-адрес", "URL"},
    {"kind.username", "Пайдаланушы аты", "Имя пользователя", "Username"},
    {"kind.user_id", "Пайдаланушының сандық ID-і", "Числовой ID пользователя", "Numeric user ID"},
    {"kind.video_id", "Бейненің идентификаторы", "Идентификатор видео", "Video ID"},
    {"kind.ip", "IP-мекенжай", "IP-адрес", "IP address"},
    {"range", "Кезеңі", "Период", "Date/time range"},
    {"range_from", "басы:", "с", "from"},
    {"range_to", "соңы:", "по", "to"},

    // Data categories.
    {"category.subscriber", "Абонент туралы мәліметтер", "Сведения об абоненте",
     "Subscriber information"},
    {"category.traffic", "Трафик туралы деректер", "Данные о трафике", "Traffic data"},
    {"category.content", "Мазмұн (контент) деректері", "Содержание сообщений (контент)",
     "Content data"},
    {"category.transaction", "Транзакциялар туралы деректер", "Данные о транзакциях",
     "Transaction data"},
    {"category.all", "Барлық деректер", "Все данные", "All data"},

    // Offence.
    {"offence_article", "Қылмыстық кодекстің бабы", "Статья уголовного кодекса",
     "Article of the criminal code"},
    {"legal_basis", "Құқықтық негіз", "Правовое основание", "Legal basis"},
    {"offence_summary", "Құқықтық саралануы, ең ауыр жаза, мән-жайлардың қысқаша сипаттамасы",
     "Квалификация, максимальное наказание, краткое изложение фактов",
     "Legal classification, maximum penalty, summary of facts"},

    // Confidentiality.
    {"confidential_yes",
     "Пайдаланушыға және үшінші тұлғаларға осы сұрау салу туралы хабарламауыңызды сұраймыз: "
     "хабарлау тергеуге нұқсан келтіруі мүмкін.",
     "Просим не сообщать пользователю и третьим лицам об этом запросе: это может повредить "
     "расследованию.",
     "Please do not disclose this request to the user or to third parties: disclosure could "
     "prejudice the investigation."},
    {"confidential_no", "Құпиялылық сұралмайды.", "Конфиденциальность не запрашивается.",
     "Non-disclosure is not requested."},

    // Emergency.
    {"emergency", "Төтенше жағдай", "Экстренная ситуация", "Emergency"},
    {"emergency_criterion", "Қызмет көрсетушінің төтенше жағдай өлшемшарты",
     "Критерий экстренной ситуации поставщика", "The provider's emergency criterion"},
    {"criterion", "Өлшемшарттың орындалу себебі", "Почему критерий выполнен",
     "Why the criterion is met"},
    {"provider_wording", "Қызмет көрсетушінің тұжырымы", "Формулировка поставщика",
     "The provider's wording"},
    {"person_at_risk", "Қауіп төнген адам", "Лицо, находящееся в опасности", "Person at risk"},
    {"nature_of_emergency", "Төтенше жағдайдың сипаты", "Характер экстренной ситуации",
     "Nature of the emergency"},
    {"username_and_profile_url", "@пайдаланушы аты және профильге сілтеме",
     "@имя пользователя и ссылка на профиль", "@username and profile URL"},
    {"specific_posts", "Нақты жарияланымдар", "Конкретные публикации", "Specific posts"},
    {"data_needed_and_why", "Қажетті деректер және олардың зиянның алдын алу үшін қажеттілігі",
     "Необходимые данные и почему они нужны для предотвращения вреда",
     "Data needed and why it is necessary to prevent the harm"},
    {"officer_signature", "Лауазымды тұлғаның қолы", "Подпись сотрудника", "Officer signature"},

    // Signatures.
    {"signatures", "Қолдар", "Подписи", "Signatures"},
    {"signature_line", "Қолы: ______________________   Күні: ____________",
     "Подпись: ______________________   Дата: ____________",
     "Signature: ______________________   Date: ____________"},
};

// The template keys in T-CY order, for a directory that has no request template.
constexpr std::string_view kTemplateKeys[] = {"date",
                                              "case_reference",
                                              "request_status",
                                              "requested_authority",
                                              "requesting_authority",
                                              "confirmation_contact",
                                              "investigative_authority",
                                              "prosecution_and_court",
                                              "earlier_requests",
                                              "identifiers",
                                              "data_categories",
                                              "offence",
                                              "necessity",
                                              "confidentiality",
                                              "urgency"};

bool IsDocumentLanguage(std::string_view language) {
  return std::find(std::begin(kDocumentLanguages), std::end(kDocumentLanguages), language) !=
         std::end(kDocumentLanguages);
}

// Longest piece of free text drawn as one block. The writer draws a block whole on one page (and
// cuts what does not fit) and shortens text past 4000 bytes, so long text goes in pieces.
constexpr size_t kPieceBytes = 1200;
// Values longer than this (or of several lines) go under their label rather than beside it.
constexpr size_t kBesideLabelBytes = 300;

// Labels longer than this (in characters) would wrap in the label column: they go above.
constexpr size_t kBesideLabelCharacters = 26;

size_t Characters(std::string_view text) {
  size_t count = 0;
  for (char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return count;
}

// The start of the UTF-8 character at or before `pos`.
size_t CharacterStart(std::string_view text, size_t pos) {
  while (pos > 0 && (static_cast<unsigned char>(text[pos]) & 0xC0) == 0x80) --pos;
  return pos;
}

// `text` cut into pieces of at most about kPieceBytes, at line ends, else spaces, else
// character boundaries.
std::vector<std::string_view> Pieces(std::string_view text) {
  std::vector<std::string_view> pieces;
  while (!text.empty()) {
    if (text.size() <= kPieceBytes) {
      pieces.push_back(text);
      break;
    }
    std::string_view window = text.substr(0, kPieceBytes);
    size_t cut = window.rfind('\n');
    if (cut == std::string_view::npos || cut < kPieceBytes / 4) {
      cut = window.rfind(' ');
      if (cut == std::string_view::npos || cut < kPieceBytes / 4) {
        cut = CharacterStart(text, kPieceBytes);
        if (cut == 0) cut = kPieceBytes;  // not UTF-8 at all: Displayable copes
      }
    }
    pieces.push_back(text.substr(0, cut));
    text = text.substr(cut);
    // The separator the cut was made at is not drawn.
    if (!text.empty() && (text.front() == '\n' || text.front() == ' ')) text.remove_prefix(1);
  }
  return pieces;
}

class Document {
 public:
  Document(const Directory& directory, const DocumentInput& input, std::string_view language,
           PdfWriter& pdf)
      : directory_(directory), input_(input), language_(language), pdf_(pdf) {}

  void Draw() {
    std::string title = Label(base::StrCat("type.", RequestTypeName(input_.type)));
    if (input_.draft) title = base::StrCat(Label("draft"), " — ", title);
    pdf_.Title(title);
    if (input_.draft) pdf_.Paragraph(Label("draft_note"));
    Value("reference", input_.reference);
    Value("document_date", LocalDate(input_.date));

    std::vector<std::string_view> keys;
    for (const TemplateField& field : directory_.request_template().fields) {
      keys.push_back(field.key);
    }
    if (keys.empty()) keys.assign(std::begin(kTemplateKeys), std::end(kTemplateKeys));
    for (std::string_view key : keys) Section(key);

    if (input_.type == RequestType::kEmergencyDisclosure) Emergency();
    Signatures();
  }

 private:
  std::string Label(std::string_view key) const { return DocumentLabel(key, language_); }

  std::string OrNotGiven(std::string_view value) const {
    return base::StripAsciiWhitespace(value).empty() ? Label("not_given") : std::string(value);
  }

  // `instant` in the user's zone as "2026-12-01 23:30" and its offset "+05:00". The zone was
  // checked before drawing.
  struct Clock {
    std::string date_time;
    std::string offset;
  };
  Clock Local(base::Millis instant) const {
    absl::StatusOr<LocalTime> local = ToLocal(instant, input_.user_zone);
    if (!local.ok()) return {base::FormatUtc(instant), ""};
    // RFC 3339 with the offset last: 2026-12-01T23:30:00+05:00 (a year may have more digits).
    const std::string& text = local->text;
    size_t time_at = text.find('T');
    constexpr size_t kOffsetSize = 6;  // +05:00
    if (time_at == std::string::npos || text.size() < time_at + 1 + 5 + kOffsetSize) {
      return {text, ""};
    }
    return {base::StrCat(text.substr(0, time_at), " ", text.substr(time_at + 1, 5)),
            text.substr(text.size() - kOffsetSize)};
  }

  // "2026-12-01 23:30 (Asia/Almaty, UTC+05:00)".
  std::string LocalDateTime(base::Millis instant) const {
    Clock clock = Local(instant);
    return base::StrCat(clock.date_time, " (", input_.user_zone, ", UTC", clock.offset, ")");
  }
  // "2026-12-01 23:30\nUTC+05:00", for a table cell (the zone's name is above the table).
  std::string TableDateTime(const std::optional<base::Millis>& instant) const {
    if (!instant) return "—";
    Clock clock = Local(*instant);
    return base::StrCat(clock.date_time, "\nUTC", clock.offset);
  }
  // "2026-10-01 05:00 — 2026-10-31 05:00 (Asia/Almaty, UTC+05:00)"; "" when neither end is set.
  std::string RangeText() const {
    const std::optional<base::Millis>& from = input_.range_from;
    const std::optional<base::Millis>& to = input_.range_to;
    if (from && to) {
      std::string from_text = LocalDateTime(*from);
      std::string to_text = LocalDateTime(*to);
      // One zone note when both ends have the same offset.
      size_t from_zone = from_text.find(" (");
      size_t to_zone = to_text.find(" (");
      if (from_zone != std::string::npos && to_zone != std::string::npos &&
          from_text.substr(from_zone) == to_text.substr(to_zone)) {
        return base::StrCat(from_text.substr(0, from_zone), " — ", to_text);
      }
      return base::StrCat(from_text, " — ", to_text);
    }
    if (from) return base::StrCat(Label("range_from"), " ", LocalDateTime(*from));
    if (to) return base::StrCat(Label("range_to"), " ", LocalDateTime(*to));
    return "";
  }
  std::string LocalDate(base::Millis instant) const {
    absl::StatusOr<LocalTime> local = ToLocal(instant, input_.user_zone);
    if (!local.ok()) return base::FormatUtc(instant).substr(0, 10);
    return local->date;
  }
  std::string OptionalDateTime(const std::optional<base::Millis>& instant) const {
    return instant ? LocalDateTime(*instant) : Label("not_given");
  }

  // A labelled value: beside the label when short, under it when long (in pieces, so that it
  // continues on the next pages).
  void Value(std::string_view key, std::string_view value) {
    std::string shown = OrNotGiven(value);
    std::string label = Label(key);
    if (shown.size() <= kBesideLabelBytes && shown.find('\n') == std::string::npos &&
        Characters(label) <= kBesideLabelCharacters) {
      pdf_.Field(label, shown);
      return;
    }
    pdf_.Paragraph(label, bundle::internal::kLabelFont);
    FreeText(shown);
  }

  // Free text under a heading, in pieces.
  void FreeText(std::string_view value) {
    std::string shown = OrNotGiven(value);
    for (std::string_view piece : Pieces(shown)) pdf_.Paragraph(piece);
  }

  void Section(std::string_view key) {
    pdf_.Heading(Label(key));
    if (key == "date") {
      FreeText(LocalDateTime(input_.date));
    } else if (key == "case_reference") {
      FreeText(input_.case_number);
    } else if (key == "request_status") {
      RequestStatus();
    } else if (key == "requested_authority") {
      RequestedAuthority();
    } else if (key == "requesting_authority") {
      RequestingAuthority();
    } else if (key == "confirmation_contact") {
      ConfirmationContact();
    } else if (key == "investigative_authority") {
      FreeText(input_.investigative_authority);
    } else if (key == "prosecution_and_court") {
      FreeText(input_.prosecution_and_court);
    } else if (key == "earlier_requests") {
      EarlierRequests();
    } else if (key == "identifiers") {
      Identifiers();
    } else if (key == "data_categories") {
      DataCategories();
    } else if (key == "offence") {
      Value("offence_article", input_.offence_article);
      Value("legal_basis", input_.legal_basis);
      Value("offence_summary", input_.offence_summary);
    } else if (key == "necessity") {
      FreeText(input_.necessity);
    } else if (key == "confidentiality") {
      FreeText(Label(input_.confidential ? "confidential_yes" : "confidential_no"));
    } else if (key == "urgency") {
      FreeText(input_.urgency);
    } else {
      // A field a later template adds: named, not yet filled.
      FreeText("");
    }
  }

  void RequestStatus() {
    const EarlierRequest* previous = input_.earlier.empty() ? nullptr : &input_.earlier.back();
    std::string status = input_.type == RequestType::kPreservationExtension ? "status.extension"
                         : previous != nullptr                              ? "status.follow_up"
                                                                            : "status.new";
    Value("status", Label(status));
    if (previous != nullptr) {
      Value("previous_reference", previous->reference);
      Value("previous_ticket", previous->ticket);
    }
    if (input_.type == RequestType::kPreservationExtension) {
      std::optional<base::Millis> until = input_.preserved_until;
      if (!until && previous != nullptr) until = previous->preserved_until;
      Value("preserved_until", OptionalDateTime(until));
    }
  }

  void RequestedAuthority() {
    bool to_state = input_.type == RequestType::kMlaRequest ||
                    input_.type == RequestType::kNetwork247 || !input_.country_code.empty();
    if (!input_.provider_name.empty() || !to_state) {
      Value("provider", input_.provider_name);
      Value("entity", input_.entity_name);
      Value("jurisdiction", input_.entity_jurisdiction);
    }
    if (to_state) {
      std::string state = input_.country_name;
      if (!input_.country_code.empty()) {
        state = state.empty() ? input_.country_code
                              : base::StrCat(state, " (", input_.country_code, ")");
      }
      Value("requested_state", state);
      Value("central_authority", input_.central_authority);
      Value("instruments", base::StrJoin(input_.instruments, "\n"));
    }
    Value("channel", input_.channel_text);
  }

  void Person(const DocumentPerson& person) {
    Value("name", person.name);
    Value("function", person.title);
    Value("phone", person.phone);
    Value("email", person.email);
  }

  void RequestingAuthority() {
    Value("agency", input_.agency_name);
    Value("address", input_.agency_address);
    pdf_.Paragraph(Label("responsible_person"), bundle::internal::kLabelFont);
    Person(input_.requester);
    Value("time_zone", input_.user_zone);
    Value("reply_channel", input_.preferred_reply_channel);
  }

  void ConfirmationContact() {
    if (!input_.approver) {
      Value("approver", "");
      return;
    }
    Person(*input_.approver);
    Value("approved_at", OptionalDateTime(input_.approved_at));
  }

  void EarlierRequests() {
    if (input_.earlier.empty()) {
      FreeText(Label("none"));
      return;
    }
    constexpr double kTypeWidth = 95;
    constexpr double kReferenceWidth = 60;
    constexpr double kDateWidth = 95;
    constexpr double kTicketWidth = 80;
    constexpr double kChannelWidth = bundle::internal::kContentWidth - kTypeWidth -
                                     kReferenceWidth - 2 * kDateWidth - kTicketWidth;
    const std::vector<PdfColumn> columns = {
        {Label("col_type"), kTypeWidth},     {Label("col_reference"), kReferenceWidth},
        {Label("col_sent"), kDateWidth},     {Label("col_channel"), kChannelWidth},
        {Label("col_ticket"), kTicketWidth}, {Label("col_preserved"), kDateWidth},
    };
    std::vector<std::vector<std::string>> rows;
    for (const EarlierRequest& earlier : input_.earlier) {
      rows.push_back({Label(base::StrCat("short.", RequestTypeName(earlier.type))),
                      OrNotGiven(earlier.reference), TableDateTime(earlier.sent_at),
                      OrNotGiven(earlier.channel), OrNotGiven(earlier.ticket),
                      TableDateTime(earlier.preserved_until)});
    }
    Value("time_zone", input_.user_zone);
    pdf_.Table(columns, rows);
  }

  void Identifiers() {
    if (input_.identifiers.empty()) {
      FreeText("");
    } else {
      constexpr double kNumberWidth = 28;
      constexpr double kKindWidth = 150;
      const std::vector<PdfColumn> columns = {
          {Label("col_number"), kNumberWidth},
          {Label("col_kind"), kKindWidth},
          {Label("col_value"), bundle::internal::kContentWidth - kNumberWidth - kKindWidth,
           bundle::internal::kTableMonoFont},
      };
      std::vector<std::vector<std::string>> rows;
      for (size_t identifier_idx = 0; identifier_idx < input_.identifiers.size();
           ++identifier_idx) {
        const Identifier& identifier = input_.identifiers[identifier_idx];
        rows.push_back({std::to_string(identifier_idx + 1),
                        Label(base::StrCat("kind.", IdentifierKindName(identifier.kind))),
                        OrNotGiven(identifier.value)});
      }
      pdf_.Table(columns, rows);
    }
    Value("range", RangeText());
  }

  void DataCategories() {
    std::vector<std::string> names;
    if (input_.all_data) names.push_back(Label("category.all"));
    for (DataCategory category : input_.categories) {
      names.push_back(Label(base::StrCat("category.", DataCategoryName(category))));
    }
    FreeText(base::StrJoin(names, "\n"));
  }

  void Emergency() {
    pdf_.Heading(Label("emergency"));
    Value("emergency_criterion", input_.emergency_criterion);
    Value("criterion", FieldValue("criterion"));
    for (const EmergencyField& field : input_.emergency_required) {
      pdf_.Space(4);
      // The label in the document's language, then the provider's own wording of the field.
      std::string label = DocumentLabel(field.key, language_);
      if (label == field.key) label = field.text.empty() ? field.key : field.text;
      pdf_.Paragraph(label, bundle::internal::kLabelFont);
      if (!field.text.empty()) {
        pdf_.Paragraph(base::StrCat(Label("provider_wording"), ": «", field.text, "»"),
                       bundle::internal::kTableFont);
      }
      FreeText(FieldValue(field.key));
    }
  }

  std::string FieldValue(const std::string& key) const {
    auto found = input_.emergency_fields.find(key);
    return found == input_.emergency_fields.end() ? "" : found->second;
  }

  void Signatures() {
    pdf_.Heading(Label("signatures"));
    pdf_.Field(Label("responsible_person"),
               base::StrCat(input_.requester.name, "\n\n", Label("signature_line")));
    if (input_.approver) {
      pdf_.Space(6);
      pdf_.Field(Label("approver"),
                 base::StrCat(input_.approver->name, "\n\n", Label("signature_line")));
    }
  }

  const Directory& directory_;
  const DocumentInput& input_;
  std::string_view language_;
  PdfWriter& pdf_;
};

}  // namespace

std::string DocumentLabel(std::string_view key, std::string_view language) {
  return std::string(bundle::internal::Translate(kTexts, key, language).value_or(key));
}

absl::StatusOr<std::string> RenderRequestDocument(const Directory& directory,
                                                  const DocumentInput& input,
                                                  std::string_view language) {
  if (!IsDocumentLanguage(language)) {
    return base::InvalidField("language", "must be one of kk, ru, en");
  }
  if (absl::StatusOr<LocalTime> zone_check = ToLocal(input.date, input.user_zone);
      !zone_check.ok()) {
    return base::WithField(zone_check.status(), "user_zone");
  }
  std::string title = DocumentLabel(base::StrCat("type.", RequestTypeName(input.type)), language);
  std::string draft = input.draft ? base::StrCat(" · ", DocumentLabel("draft", language)) : "";
  PdfInfo info{.title = base::StrCat(title, " — ", input.reference, draft),
               .footer = base::StrCat("threathub · ", input.reference, draft),
               .created_at = input.date,
               .what = "the request document"};
  return bundle::internal::RenderPdf(
      info, [&](PdfWriter& pdf) { Document(directory, input, language, pdf).Draw(); });
}

}  // namespace threathub::requests
