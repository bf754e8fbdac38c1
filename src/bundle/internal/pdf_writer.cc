#include "bundle/internal/pdf_writer.h"

#include <cairo-pdf.h>

#include <algorithm>
#include <cstdint>

#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::bundle::internal {
namespace {

constexpr double kTop = 48;
constexpr double kBottom = kPageHeight - 56;  // the footer lives below
constexpr double kLabelWidth = 150;
constexpr double kCellPadding = 3;
constexpr double kFooterNumberWidth = 80;
constexpr char kFooterFont[] = "DejaVu Sans 7";

cairo_status_t AppendToString(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

cairo_status_t Discard(void*, const unsigned char*, unsigned int) { return CAIRO_STATUS_SUCCESS; }

}  // namespace

std::optional<std::string_view> Translate(std::span<const PdfText> table, std::string_view key,
                                          std::string_view language) {
  for (const PdfText& text : table) {
    if (text.key != key) continue;
    if (language == "kk") return text.kk;
    if (language == "ru") return text.ru;
    return text.en;
  }
  return std::nullopt;
}

std::string Displayable(std::string_view text, size_t max_bytes) {
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

void PdfWriter::GObjectDeleter::operator()(void* object) const { g_object_unref(object); }

PdfWriter::PdfWriter(cairo_surface_t* surface, std::string footer, int total_pages)
    : cairo_(cairo_create(surface)),
      context_(pango_cairo_create_context(cairo_)),
      footer_(std::move(footer)),
      total_pages_(total_pages),
      y_(kTop) {
  // Sizes in points: one pango unit per PDF point, whatever the default screen resolution.
  pango_cairo_context_set_resolution(context_, 72);
}

PdfWriter::~PdfWriter() {
  g_object_unref(context_);
  cairo_destroy(cairo_);
}

void PdfWriter::Title(std::string_view text) { Block(text, kTitleFont, 10); }

void PdfWriter::Paragraph(std::string_view text, const char* font) { Block(text, font, 6); }

void PdfWriter::Heading(std::string_view text) {
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

void PdfWriter::Field(std::string_view label, std::string_view value, const char* value_font) {
  LayoutPtr label_layout = Layout(label, kLabelFont, kLabelWidth - 8);
  LayoutPtr value_layout = Layout(value, value_font, kContentWidth - kLabelWidth);
  double height = std::max(Height(label_layout.get()), Height(value_layout.get()));
  EnsureRoom(height);
  Draw(label_layout.get(), kMarginX, y_);
  Draw(value_layout.get(), kMarginX + kLabelWidth, y_);
  y_ += height + 3;
}

void PdfWriter::Space(double points) { y_ += points; }

void PdfWriter::Table(const std::vector<PdfColumn>& columns,
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

void PdfWriter::NewPage() {
  Footer();
  cairo_show_page(cairo_);
  ++page_;
  y_ = kTop;
}

int PdfWriter::Finish() {
  Footer();
  return page_;
}

cairo_status_t PdfWriter::status() const { return cairo_status(cairo_); }

PdfWriter::LayoutPtr PdfWriter::Layout(std::string_view text, const char* font,
                                       double width) const {
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

double PdfWriter::Height(PangoLayout* layout) {
  int width = 0;
  int height = 0;
  pango_layout_get_size(layout, &width, &height);
  return static_cast<double>(height) / PANGO_SCALE;
}

void PdfWriter::Draw(PangoLayout* layout, double x, double y) {
  cairo_set_source_rgb(cairo_, 0, 0, 0);
  cairo_move_to(cairo_, x, y);
  pango_cairo_show_layout(cairo_, layout);
}

void PdfWriter::Block(std::string_view text, const char* font, double space_after) {
  LayoutPtr layout = Layout(text, font, kContentWidth);
  double height = Height(layout.get());
  EnsureRoom(height);
  Draw(layout.get(), kMarginX, y_);
  y_ += height + space_after;
}

void PdfWriter::EnsureRoom(double height) {
  // A block taller than a page is drawn anyway (and cut by the page's edge) rather than making
  // pages forever.
  if (y_ + height > kBottom && y_ > kTop) NewPage();
}

// Draws one table row (the header row when `header`); false, drawing nothing, when it does not
// fit on this page (a new page has then been started).
bool PdfWriter::Row(const std::vector<PdfColumn>& columns, const std::vector<std::string>& cells,
                    bool header) {
  std::vector<LayoutPtr> layouts;
  double height = 0;
  for (size_t column_idx = 0; column_idx < columns.size(); ++column_idx) {
    const PdfColumn& column = columns[column_idx];
    std::string_view text = header                      ? std::string_view(column.title)
                            : column_idx < cells.size() ? std::string_view(cells[column_idx])
                                                        : std::string_view();
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

void PdfWriter::Footer() {
  std::string number =
      total_pages_ > 0 ? base::StrCat(page_, " / ", total_pages_) : base::StrCat(page_, " / ?");
  LayoutPtr left = Layout(footer_, kFooterFont, kContentWidth - kFooterNumberWidth);
  LayoutPtr right = Layout(number, kFooterFont, kFooterNumberWidth);
  pango_layout_set_alignment(right.get(), PANGO_ALIGN_RIGHT);
  double y = kPageHeight - 40;
  cairo_set_source_rgb(cairo_, 0.6, 0.6, 0.6);
  cairo_set_line_width(cairo_, 0.4);
  cairo_move_to(cairo_, kMarginX, y - 4);
  cairo_line_to(cairo_, kMarginX + kContentWidth, y - 4);
  cairo_stroke(cairo_);
  Draw(left.get(), kMarginX, y);
  Draw(right.get(), kMarginX + kContentWidth - kFooterNumberWidth, y);
}

absl::StatusOr<std::string> RenderPdf(const PdfInfo& info,
                                      absl::FunctionRef<void(PdfWriter&)> draw) {
  // Pass 1 counts the pages ("1 / N" needs N); pass 2 draws them. The layout is the same.
  int total_pages = 0;
  std::string pdf;
  for (int pass = 0; pass < 2; ++pass) {
    cairo_surface_t* surface =
        pass == 0
            ? cairo_pdf_surface_create_for_stream(Discard, nullptr, kPageWidth, kPageHeight)
            : cairo_pdf_surface_create_for_stream(AppendToString, &pdf, kPageWidth, kPageHeight);
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_TITLE, info.title.c_str());
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATOR, "threathub");
    std::string created = base::FormatUtc(info.created_at).substr(0, 19) + "Z";
    cairo_pdf_surface_set_metadata(surface, CAIRO_PDF_METADATA_CREATE_DATE, created.c_str());
    cairo_status_t draw_status = CAIRO_STATUS_SUCCESS;
    {
      PdfWriter writer(surface, info.footer, pass == 0 ? 0 : total_pages);
      draw(writer);
      total_pages = writer.Finish();
      draw_status = writer.status();
    }
    cairo_surface_finish(surface);
    cairo_status_t status =
        draw_status != CAIRO_STATUS_SUCCESS ? draw_status : cairo_surface_status(surface);
    cairo_surface_destroy(surface);
    if (status != CAIRO_STATUS_SUCCESS) {
      return absl::InternalError(
          base::StrCat("drawing ", info.what, ": ", cairo_status_to_string(status)));
    }
  }
  return pdf;
}

}  // namespace threathub::bundle::internal
