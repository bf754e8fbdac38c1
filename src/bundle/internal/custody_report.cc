#include "bundle/internal/custody_report.h"

#include <cairo-pdf.h>
#include <cairo.h>
#include <pango/pangocairo.h>

#include <cinttypes>
#include <cstdio>
#include <memory>
#include <vector>

#include "base/encoding.h"
#include "base/strings.h"
#include "bundle/internal/manifest.h"

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

// Text pango can draw: valid UTF-8 (bad bytes become U+FFFD), control characters other than
// the newline shown as spaces, cut at `max_bytes`.
std::string Displayable(std::string_view text, size_t max_bytes = 4000) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size() && out.size() < max_bytes) {
    auto lead = static_cast<uint8_t>(text[pos]);
    size_t length = lead < 0x80 ? 1 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    std::string_view piece = text.substr(pos, length);
    if (length == 1 && lead < 0x80) {
      out += (lead < 0x20 && lead != '\n') || lead == 0x7F ? ' ' : static_cast<char>(lead);
      pos += 1;
    } else if (piece.size() == length && base::IsValidUtf8(piece)) {
      out += piece;
      pos += length;
    } else {
      out += "\xEF\xBF\xBD";
      pos += 1;
    }
  }
  if (pos < text.size()) out += "…";
  return out;
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

// Page geometry, in points (A4).
constexpr double kPageWidth = 595.276;
constexpr double kPageHeight = 841.890;
constexpr double kMarginX = 42;
constexpr double kTop = 48;
constexpr double kBottom = kPageHeight - 56;  // the footer lives below
constexpr double kContentWidth = kPageWidth - 2 * kMarginX;
constexpr double kLabelWidth = 150;
constexpr double kCellPadding = 3;

constexpr char kTitleFont[] = "DejaVu Sans Bold 14";
constexpr char kHeadingFont[] = "DejaVu Sans Bold 11";
constexpr char kBodyFont[] = "DejaVu Sans 8.5";
constexpr char kLabelFont[] = "DejaVu Sans Bold 8";
constexpr char kMonoFont[] = "DejaVu Sans Mono 7.5";
constexpr char kTableFont[] = "DejaVu Sans 7";
constexpr char kTableHeaderFont[] = "DejaVu Sans Bold 6.5";
constexpr char kTableMonoFont[] = "DejaVu Sans Mono 6.5";
constexpr char kFooterFont[] = "DejaVu Sans 7";

struct GObjectDeleter {
  void operator()(void* object) const { g_object_unref(object); }
};
using LayoutPtr = std::unique_ptr<PangoLayout, GObjectDeleter>;

struct Column {
  std::string title;
  double width;
  const char* font;
};

// Lays out and draws the report page by page; the cursor moves down, a block that does not fit
// goes to the next page.
class ReportWriter {
 public:
  ReportWriter(cairo_surface_t* surface, std::string footer, int total_pages)
      : cairo_(cairo_create(surface)),
        context_(pango_cairo_create_context(cairo_)),
        footer_(std::move(footer)),
        total_pages_(total_pages) {
    // Sizes in points: one pango unit per PDF point, whatever the default screen resolution.
    pango_cairo_context_set_resolution(context_, 72);
  }
  ~ReportWriter() {
    g_object_unref(context_);
    cairo_destroy(cairo_);
  }
  ReportWriter(const ReportWriter&) = delete;
  ReportWriter& operator=(const ReportWriter&) = delete;

  void Title(std::string_view text) { Block(text, kTitleFont, 10); }
  void Paragraph(std::string_view text, const char* font = kBodyFont) { Block(text, font, 6); }

  void Heading(std::string_view text) {
    LayoutPtr layout = Layout(text, kHeadingFont, kContentWidth);
    double height = Height(layout.get());
    EnsureRoom(height + 40);  // a heading is never the last thing on a page
    y_ += 6;
    Draw(layout.get(), kMarginX, y_);
    y_ += height + 2;
    cairo_set_source_rgb(cairo_, 0.55, 0.55, 0.55);
    cairo_set_line_width(cairo_, 0.6);
    cairo_move_to(cairo_, kMarginX, y_);
    cairo_line_to(cairo_, kMarginX + kContentWidth, y_);
    cairo_stroke(cairo_);
    y_ += 6;
  }

  // A label and its value side by side; the value wraps.
  void Field(std::string_view label, std::string_view value, const char* value_font = kBodyFont) {
    LayoutPtr label_layout = Layout(label, kLabelFont, kLabelWidth - 8);
    LayoutPtr value_layout = Layout(value, value_font, kContentWidth - kLabelWidth);
    double height = std::max(Height(label_layout.get()), Height(value_layout.get()));
    EnsureRoom(height);
    Draw(label_layout.get(), kMarginX, y_);
    Draw(value_layout.get(), kMarginX + kLabelWidth, y_);
    y_ += height + 3;
  }

  void Space(double points) { y_ += points; }

  void Table(const std::vector<Column>& columns,
             const std::vector<std::vector<std::string>>& rows) {
    Row(columns, {}, /*header=*/true);
    for (const std::vector<std::string>& row : rows) {
      if (!Row(columns, row, /*header=*/false)) {
        Row(columns, {}, /*header=*/true);  // the header again on the new page
        Row(columns, row, /*header=*/false);
      }
    }
    y_ += 4;
  }

  void NewPage() {
    Footer();
    cairo_show_page(cairo_);
    ++page_;
    y_ = kTop;
  }

  // Draws the last page's footer; the number of pages.
  int Finish() {
    Footer();
    return page_;
  }

  cairo_status_t status() const { return cairo_status(cairo_); }

 private:
  LayoutPtr Layout(std::string_view text, const char* font, double width) const {
    LayoutPtr layout(pango_layout_new(context_));
    PangoFontDescription* description = pango_font_description_from_string(font);
    pango_layout_set_font_description(layout.get(), description);
    pango_font_description_free(description);
    pango_layout_set_width(layout.get(), static_cast<int>(width * PANGO_SCALE));
    pango_layout_set_wrap(layout.get(), PANGO_WRAP_WORD_CHAR);
    std::string safe = Displayable(text);
    pango_layout_set_text(layout.get(), safe.data(), static_cast<int>(safe.size()));
    return layout;
  }

  static double Height(PangoLayout* layout) {
    int width = 0;
    int height = 0;
    pango_layout_get_size(layout, &width, &height);
    return static_cast<double>(height) / PANGO_SCALE;
  }

  void Draw(PangoLayout* layout, double x, double y) {
    cairo_set_source_rgb(cairo_, 0, 0, 0);
    cairo_move_to(cairo_, x, y);
    pango_cairo_show_layout(cairo_, layout);
  }

  void Block(std::string_view text, const char* font, double space_after) {
    LayoutPtr layout = Layout(text, font, kContentWidth);
    double height = Height(layout.get());
    EnsureRoom(height);
    Draw(layout.get(), kMarginX, y_);
    y_ += height + space_after;
  }

  void EnsureRoom(double height) {
    // A block taller than a page is drawn anyway (and cut by the page's edge) rather than
    // making pages forever.
    if (y_ + height > kBottom && y_ > kTop) NewPage();
  }

  // Draws one table row (the header row when `header`); false, drawing nothing, when it does
  // not fit on this page (a new page has then been started).
  bool Row(const std::vector<Column>& columns, const std::vector<std::string>& cells, bool header) {
    std::vector<LayoutPtr> layouts;
    double height = 0;
    for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
      const Column& column = columns[column_idx];
      std::string_view text = header ? column.title : cells[column_idx];
      layouts.push_back(
          Layout(text, header ? kTableHeaderFont : column.font, column.width - 2 * kCellPadding));
      height = std::max(height, Height(layouts.back().get()));
    }
    height += 2 * kCellPadding;
    if (y_ + height > kBottom && y_ > kTop) {
      NewPage();
      if (!header) return false;
    }
    double x = kMarginX;
    for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
      double width = columns[column_idx].width;
      if (header) {
        cairo_set_source_rgb(cairo_, 0.90, 0.90, 0.90);
        cairo_rectangle(cairo_, x, y_, width, height);
        cairo_fill(cairo_);
      }
      cairo_set_source_rgb(cairo_, 0.6, 0.6, 0.6);
      cairo_set_line_width(cairo_, 0.4);
      cairo_rectangle(cairo_, x, y_, width, height);
      cairo_stroke(cairo_);
      Draw(layouts[column_idx].get(), x + kCellPadding, y_ + kCellPadding);
      x += width;
    }
    y_ += height;
    return true;
  }

  void Footer() {
    std::string number =
        total_pages_ > 0 ? base::StrCat(page_, " / ", total_pages_) : base::StrCat(page_, " / ?");
    LayoutPtr left = Layout(footer_, kFooterFont, kContentWidth - 80);
    LayoutPtr right = Layout(number, kFooterFont, 80);
    pango_layout_set_alignment(right.get(), PANGO_ALIGN_RIGHT);
    double y = kPageHeight - 40;
    cairo_set_source_rgb(cairo_, 0.6, 0.6, 0.6);
    cairo_set_line_width(cairo_, 0.4);
    cairo_move_to(cairo_, kMarginX, y - 4);
    cairo_line_to(cairo_, kMarginX + kContentWidth, y - 4);
    cairo_stroke(cairo_);
    Draw(left.get(), kMarginX, y);
    Draw(right.get(), kMarginX + kContentWidth - 80, y);
  }

  cairo_t* cairo_;
  PangoContext* context_;
  std::string footer_;
  int total_pages_;
  int page_ = 1;
  double y_ = kTop;
};

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

// Draws the whole report; the number of pages.
int DrawReport(cairo_surface_t* surface, const BundleContents& contents,
               const ledger::Checkpoint& checkpoint, int total_pages, cairo_status_t& status) {
  const BundleCase& info = contents.case_info;
  ReportWriter report(surface,
                      base::StrCat("threathub · ", Label("case"), " ", info.number, " · ",
                                   Time(contents.exported_at), " UTC"),
                      total_pages);
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

  const std::vector<Column> columns = {
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
  int pages = report.Finish();
  status = report.status();
  return pages;
}

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

cairo_status_t Discard(void*, const unsigned char*, unsigned int) { return CAIRO_STATUS_SUCCESS; }

}  // namespace

absl::StatusOr<std::string> RenderCustodyReport(const BundleContents& contents,
                                                const ledger::Checkpoint& checkpoint) {
  // Pass 1 counts the pages ("1 / N" needs N); pass 2 draws them. The layout is the same.
  int total_pages = 0;
  std::string pdf;
  for (int pass = 0; pass < 2; ++pass) {
    cairo_surface_t* surface =
        pass == 0
            ? cairo_pdf_surface_create_for_stream(Discard, nullptr, kPageWidth, kPageHeight)
            : cairo_pdf_surface_create_for_stream(AppendToString, &pdf, kPageWidth, kPageHeight);
    std::string title = base::StrCat(FindText("title")->ru, " — ", contents.case_info.number);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, title.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "threathub");
    std::string created = base::FormatUtc(contents.exported_at).substr(0, 19) + "Z";
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
    cairo_status_t draw_status = CAIRO_STATUS_SUCCESS;
    total_pages =
        DrawReport(surface, contents, checkpoint, pass == 0 ? 0 : total_pages, draw_status);
    cairo_surface_finish(surface);
    cairo_status_t status =
        draw_status != CAIRO_STATUS_SUCCESS ? draw_status : cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
      return absl::InternalError(
          base::StrCat("drawing the custody report: ", cairo_status_to_string(status)));
    }
  }
  return pdf;
}

}  // namespace threathub::bundle::internal
