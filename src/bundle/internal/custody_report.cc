#include "bundle/internal/custody_report.h"

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "bundle/internal/manifest.h"
#include "bundle/internal/pdf_writer.h"

namespace threathub::bundle::internal {
namespace {

// Every visible label of the report: key, Kazakh, Russian. The one table to translate.
struct Text {
  std::string_view key, kk, ru;
};
constexpr Text kTexts[] = {
    {"title", "Заттай дәлелдемелерді сақтау тізбегі туралы есеп",
     "Отчёт о цепочке хранения вещественных доказательств"},
    {"note",
     "Бұл есеп — manifest.json файлының оқуға арналған көшірмесі. Дәлелдемелік маңызы бар "
     "тексеру: threathub verify-bundle командасы немесе README.txt бойынша қолмен тексеру.",
     "Этот отчёт — читаемая копия manifest.json. Проверка, имеющая доказательное значение: "
     "команда threathub verify-bundle или ручная проверка по README.txt."},
    {"case", "Іс", "Дело"},
    {"case_number", "Іс нөмірі", "Номер дела"},
    {"case_title", "Атауы", "Наименование"},
    {"agency", "Орган", "Орган"},
    {"lead", "Жауапты тергеуші", "Ответственный следователь"},
    {"status", "Мәртебесі", "Статус"},
    {"articles", "ҚК баптары", "Статьи УК"},
    {"export", "Экспорт", "Экспорт"},
    {"exported_by", "Экспорттаған", "Экспортировал"},
    {"exported_at", "Уақыты (UTC)", "Время (UTC)"},
    {"purpose", "Мақсаты", "Цель"},
    {"items_count", "Дәлелдемелер саны", "Количество доказательств"},
    {"checkpoint", "Тізілімнің қол қойылған бақылау нүктесі",
     "Подписанная контрольная точка реестра"},
    {"origin", "Тізілім (origin)", "Реестр (origin)"},
    {"tree_size", "Ағаш өлшемі (парақтар)", "Размер дерева (листов)"},
    {"root", "Түбір хэші (base64)", "Корневой хэш (base64)"},
    {"key_id", "Кілт идентификаторы", "Идентификатор ключа"},
    {"verifier_key", "Тексеру кілті", "Ключ проверки"},
    {"item", "Дәлелдеме", "Доказательство"},
    {"file", "Бумадағы файл", "Файл в пакете"},
    {"file_name", "Файл атауы", "Имя файла"},
    {"size", "Өлшемі", "Размер"},
    {"bytes", "байт", "байт"},
    {"mime", "MIME түрі", "Тип MIME"},
    {"parent", "Бастапқы дәлелдеме", "Исходный объект"},
    {"hashes", "Хэштер", "Хэши"},
    {"metadata", "Метадеректер", "Метаданные"},
    {"custody", "Сақтау тізбегінің оқиғалары", "События цепочки хранения"},
    {"no_events", "Оқиғалар жоқ", "Событий нет"},
    {"col_time", "Уақыты (UTC), парақ", "Время (UTC), лист"},
    {"col_action", "Әрекет", "Действие"},
    {"col_who", "Кім", "Кто"},
    {"col_where", "Қайда", "Где"},
    {"col_why", "Негіздеме, кімнен → кімге, нәтиже", "Основание, от кого → кому, результат"},
    {"col_hashes", "SHA-256: дейін → кейін", "SHA-256: до → после"},
    // Metadata keys (evidence/bundle_export.cc); others are shown as they are.
    {"meta.description", "Сипаттамасы", "Описание"},
    {"meta.source_type", "Көз түрі", "Тип источника"},
    {"meta.source_detail", "Көз туралы мәлімет", "Сведения об источнике"},
    {"meta.acquisition_method", "Алу тәсілі", "Способ получения"},
    {"meta.acquisition_tool", "Алу құралы", "Средство получения"},
    {"meta.examiner", "Маман", "Специалист"},
    {"meta.acquired_at", "Алынған уақыты", "Время получения"},
    {"meta.acquired_place", "Алынған орны", "Место получения"},
    {"meta.legal_basis", "Құқықтық негіз", "Правовое основание"},
    {"meta.categories", "Санаттары", "Категории"},
    {"meta.ingested_by", "Қабылдаған", "Принял на хранение"},
    {"meta.ingested_at", "Қабылданған уақыты", "Время приёма"},
    {"meta.ewf", "E01 бейнесін тексеру", "Проверка образа E01"},
    {"meta.seal_number", "Мөр нөмірі", "Номер пломбы"},
    // Custody actions (evidence/evidence.h); others are shown as they are.
    {"action.collection", "Онлайн жинау", "Сбор в сети"},
    {"action.ingest", "Қабылдау", "Приём на хранение"},
    {"action.view", "Қарау", "Просмотр"},
    {"action.download", "Жүктеп алу", "Скачивание"},
    {"action.export", "Экспорттау", "Экспорт"},
    {"action.transfer", "Беру", "Передача"},
    {"action.seal", "Мөрлеу", "Опечатывание"},
    {"action.unseal", "Мөрді ашу", "Вскрытие"},
    {"action.verification", "Тексеру", "Проверка"},
    {"action.disposal_request", "Жоюға сұрау", "Запрос на уничтожение"},
    {"action.disposal_approval", "Жоюды мақұлдау", "Одобрение уничтожения"},
    {"action.disposal_rejection", "Жоюдан бас тарту", "Отказ в уничтожении"},
    {"action.disposal_cancel", "Жоюды болдырмау", "Отмена уничтожения"},
    {"action.disposal", "Жою", "Уничтожение"},
};

const Text* FindText(std::string_view key) {
  for (const Text& text : kTexts) {
    if (text.key == key) return &text;
  }
  return nullptr;
}

// "kk / ru" of a label; `fallback` when the table has no such key.
std::string Label(std::string_view key, std::string_view fallback = "") {
  const Text* text = FindText(key);
  if (text == nullptr) return std::string(fallback.empty() ? key : fallback);
  return base::StrCat(text->kk, " / ", text->ru);
}

std::string Time(base::Millis millis) {
  std::string utc = base::FormatUtc(millis);  // 2026-01-01T10:00:00.000Z
  return base::StrCat(utc.substr(0, 10), " ", utc.substr(11, 8));
}

std::string Size(uint64_t bytes) {
  std::string text = base::StrCat(bytes, " ", FindText("bytes")->kk);
  static constexpr const char* kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  int unit = -1;
  while (value >= 1024 && unit < 3) {
    value /= 1024;
    ++unit;
  }
  if (unit >= 0) {
    char human[32];
    std::snprintf(human, sizeof human, " (%.1f %s)", value, kUnits[unit]);
    text += human;
  }
  return text;
}

std::string ShortHash(std::string_view hash) {
  if (hash.size() <= 20) return std::string(hash);
  return base::StrCat(hash.substr(0, 8), "…", hash.substr(hash.size() - 8));
}

std::string ActionLabel(std::string_view action) {
  const Text* text = FindText(base::StrCat("action.", action));
  if (text == nullptr) return std::string(action);
  return base::StrCat(text->kk, "\n", text->ru);
}

std::string HashCell(const CustodyEntry& event) {
  if (event.hash_before.empty() && event.hash_after.empty()) return "—";
  if (event.hash_before == event.hash_after) return base::StrCat("= ", ShortHash(event.hash_after));
  return base::StrCat(event.hash_before.empty() ? "—" : ShortHash(event.hash_before), " →\n",
                      event.hash_after.empty() ? "—" : ShortHash(event.hash_after));
}

std::string DetailsCell(const CustodyEntry& event) {
  std::vector<std::string> lines;
  if (!event.why.empty()) lines.push_back(event.why);
  if (!event.from.empty() || !event.to.empty()) {
    lines.push_back(base::StrCat(event.from.empty() ? "—" : event.from, " → ",
                                 event.to.empty() ? "—" : event.to));
  }
  if (!event.result.empty()) lines.push_back(base::StrCat("= ", event.result));
  return lines.empty() ? "—" : base::StrJoin(lines, "\n");
}

// Draws the whole report.
void DrawReport(PdfWriter& report, const BundleContents& contents,
                const ledger::Checkpoint& checkpoint) {
  const BundleCase& info = contents.case_info;
  report.Title(Label("title"));
  report.Paragraph(FindText("note")->kk);
  report.Paragraph(FindText("note")->ru);

  report.Heading(Label("case"));
  report.Field(Label("case_number"), info.number);
  report.Field(Label("case_title"), info.title);
  report.Field(Label("agency"), info.agency);
  report.Field(Label("lead"), info.lead);
  report.Field(Label("status"), info.status);
  report.Field(Label("articles"), base::StrJoin(info.articles, ", "));

  report.Heading(Label("export"));
  report.Field(Label("exported_by"), contents.exported_by);
  report.Field(Label("exported_at"), base::StrCat(Time(contents.exported_at), " UTC"));
  report.Field(Label("purpose"), contents.purpose);
  report.Field(Label("items_count"), std::to_string(contents.items.size()));

  report.Heading(Label("checkpoint"));
  report.Field(Label("origin"), checkpoint.origin);
  report.Field(Label("tree_size"), std::to_string(checkpoint.size));
  report.Field(Label("root"), base::Base64Encode(ledger::HashBytes(checkpoint.root)), kMonoFont);
  // "<name>+<key id>+<base64>": the name and the key ID never hold '+', the base64 may.
  std::vector<std::string_view> key_parts = base::StrSplit(contents.verifier_key, '+');
  report.Field(Label("key_id"), key_parts.size() >= 3 ? key_parts[1] : "", kMonoFont);
  report.Field(Label("verifier_key"), contents.verifier_key, kMonoFont);

  const std::vector<PdfColumn> columns = {
      {Label("col_time"), 66, kTableFont},
      {Label("col_action"), 72, kTableFont},
      {Label("col_who"), 72, kTableFont},
      {Label("col_where"), 78, kTableFont},
      {Label("col_why"), 128, kTableFont},
      {Label("col_hashes"), kContentWidth - 416, kTableMonoFont},
  };
  for (const BundleItem& item : contents.items) {
    report.NewPage();
    report.Heading(base::StrCat(Label("item"), " № ", item.id, ": ", item.original_name));
    report.Field(Label("file"), ItemFileName(item));
    report.Field(Label("size"), Size(item.size));
    report.Field(Label("mime"), item.mime_type);
    if (item.parent_id) report.Field(Label("parent"), base::StrCat("№ ", *item.parent_id));
    report.Field(
        Label("hashes"),
        base::StrCat("MD5     ", item.md5, "\nSHA-1   ", item.sha1, "\nSHA-256 ", item.sha256),
        kMonoFont);
    if (!item.metadata.empty()) {
      report.Space(4);
      report.Paragraph(Label("metadata"), kLabelFont);
      for (const auto& [key, value] : item.metadata) {
        report.Field(Label(base::StrCat("meta.", key), key), value);
      }
    }
    report.Space(4);
    report.Paragraph(Label("custody"), kLabelFont);
    if (item.custody.empty()) {
      report.Paragraph(Label("no_events"));
      continue;
    }
    std::vector<std::vector<std::string>> rows;
    for (const CustodyEntry& event : item.custody) {
      rows.push_back({base::StrCat(Time(event.at), "\n#", event.leaf_index),
                      ActionLabel(event.action), event.actor, event.where, DetailsCell(event),
                      HashCell(event)});
    }
    report.Table(columns, rows);
  }
}

}  // namespace

absl::StatusOr<std::string> RenderCustodyReport(const BundleContents& contents,
                                                const ledger::Checkpoint& checkpoint) {
  const BundleCase& info = contents.case_info;
  PdfInfo pdf_info{.title = base::StrCat(FindText("title")->ru, " — ", info.number),
                   .footer = base::StrCat("threathub · ", Label("case"), " ", info.number, " · ",
                                          Time(contents.exported_at), " UTC"),
                   .created_at = contents.exported_at,
                   .what = "the custody report"};
  return RenderPdf(pdf_info, [&](PdfWriter& report) { DrawReport(report, contents, checkpoint); });
}

}  // namespace threathub::bundle::internal
