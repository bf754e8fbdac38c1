#include "collect/internal/html_text.h"

#include <iconv.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include <cerrno>
#include <climits>
#include <cstring>
#include <memory>
#include <mutex>

#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/json_records.h"
#include "simdjson.h"

namespace threathub::collect::internal {
namespace {

bool IsValidUtf8(std::string_view text) {
  return simdjson::validate_utf8(text.data(), text.size());
}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

bool IsHtmlSpace(char symbol) {
  return symbol == ' ' || symbol == '\t' || symbol == '\n' || symbol == '\r' || symbol == '\f';
}

// Elements whose content a browser does not show as text.
bool IsHidden(std::string_view name) {
  return name == "script" || name == "style" || name == "noscript" || name == "template";
}

// Elements that start and end a line of text.
bool IsBlock(std::string_view name) {
  static constexpr std::string_view kBlocks[] = {
      "address", "article", "aside",   "blockquote", "body",  "br",  "caption",  "center",
      "dd",      "details", "dialog",  "div",        "dl",    "dt",  "fieldset", "figcaption",
      "figure",  "footer",  "form",    "h1",         "h2",    "h3",  "h4",       "h5",
      "h6",      "header",  "hr",      "li",         "main",  "nav", "ol",       "p",
      "pre",     "section", "summary", "table",      "title", "tr",  "ul"};
  for (std::string_view block : kBlocks) {
    if (name == block) return true;
  }
  return false;
}

// Collects text the way HTML renders it: runs of white space become one space, blocks start
// new lines, nothing leads or trails.
class VisibleText {
 public:
  void Text(std::string_view piece, bool preformatted) {
    for (char symbol : piece) {
      if (overflowed_) return;
      if (preformatted && symbol == '\n') {
        Flush();
        if (!text_.empty()) Put('\n');
        continue;
      }
      if (!preformatted && IsHtmlSpace(symbol)) {
        pending_space_ = true;
        continue;
      }
      Flush();
      Put(symbol);
    }
  }
  void Space() { pending_space_ = true; }
  void Break() { pending_break_ = true; }
  bool overflowed() const { return overflowed_; }
  std::string Take() { return std::move(text_); }

 private:
  void Flush() {
    if (!text_.empty()) {
      if (pending_break_) {
        if (text_.back() != '\n') Put('\n');
      } else if (pending_space_ && text_.back() != '\n' && text_.back() != ' ') {
        Put(' ');
      }
    }
    pending_break_ = false;
    pending_space_ = false;
  }
  void Put(char symbol) {
    if (text_.size() >= kMaxTextBytes) {
      overflowed_ = true;
      return;
    }
    text_.push_back(symbol);
  }

  std::string text_;
  bool pending_space_ = false;
  bool pending_break_ = false;
  bool overflowed_ = false;
};

std::string_view NameOf(const xmlNode* node) {
  return node->name ? std::string_view(reinterpret_cast<const char*>(node->name)) : "";
}

// Walks the tree without recursion (a hostile page may nest deeply).
void CollectText(xmlDoc* doc, VisibleText& out) {
  int preformatted_depth = 0;
  auto open = [&](const xmlNode* node) {
    const std::string_view name = NameOf(node);
    if (IsBlock(name)) out.Break();
    if (name == "td" || name == "th") out.Space();
    if (name == "pre") ++preformatted_depth;
  };
  auto close = [&](const xmlNode* node) {
    const std::string_view name = NameOf(node);
    if (IsBlock(name)) out.Break();
    if (name == "td" || name == "th") out.Space();
    if (name == "pre") --preformatted_depth;
  };
  xmlNode* node = doc->children;
  while (node != nullptr && !out.overflowed()) {
    if (node->type == XML_ELEMENT_NODE && !IsHidden(NameOf(node))) {
      open(node);
      if (node->children != nullptr) {
        node = node->children;
        continue;
      }
      close(node);
    } else if ((node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) &&
               node->content != nullptr) {
      out.Text(reinterpret_cast<const char*>(node->content), preformatted_depth > 0);
    }
    while (node != nullptr && node->next == nullptr) {
      node = node->parent;
      if (node == nullptr || node->type != XML_ELEMENT_NODE) {
        node = nullptr;
        break;
      }
      close(node);
    }
    if (node != nullptr) node = node->next;
  }
}

bool IsCharsetSymbol(char symbol) {
  return (symbol >= 'a' && symbol <= 'z') || (symbol >= '0' && symbol <= '9') || symbol == '-' ||
         symbol == '_' || symbol == '.' || symbol == ':';
}

}  // namespace

bool IsUtf8Charset(std::string_view charset) {
  const std::string lower = base::AsciiStrToLower(base::StripAsciiWhitespace(charset));
  return lower.empty() || lower == "utf-8" || lower == "utf8";
}

std::string SniffMetaCharset(std::string_view html) {
  constexpr size_t kPrescanBytes = 4096;  // HTML's prescan looks at the first 1024; be generous
  const std::string head = base::AsciiStrToLower(html.substr(0, kPrescanBytes));
  size_t pos = 0;
  while ((pos = head.find("<meta", pos)) != std::string::npos) {
    const size_t end = head.find('>', pos);
    const std::string_view tag = std::string_view(head).substr(
        pos, end == std::string::npos ? std::string::npos : end - pos);
    pos += 5;
    const size_t charset = tag.find("charset");
    if (charset == std::string_view::npos) continue;
    size_t value = charset + 7;
    while (value < tag.size() && IsHtmlSpace(tag[value])) ++value;
    if (value >= tag.size() || tag[value] != '=') continue;
    ++value;
    while (value < tag.size() &&
           (IsHtmlSpace(tag[value]) || tag[value] == '"' || tag[value] == '\'')) {
      ++value;
    }
    size_t value_end = value;
    while (value_end < tag.size() && IsCharsetSymbol(tag[value_end])) ++value_end;
    if (value_end > value) return std::string(tag.substr(value, value_end - value));
  }
  return "";
}

absl::StatusOr<std::string> HtmlVisibleText(std::string_view html, std::string_view charset) {
  InitLibxml();
  std::string encoding(base::StripAsciiWhitespace(charset));
  if (encoding.empty()) encoding = SniffMetaCharset(html);
  if (IsUtf8Charset(encoding)) {
    if (!IsValidUtf8(html)) {
      return absl::InvalidArgumentError(
          "invalid UTF-8 in the page (it declares UTF-8 or no charset)");
    }
    encoding = "UTF-8";
  }
  if (html.size() > INT_MAX) return absl::InvalidArgumentError("page too large");
  if (base::StripAsciiWhitespace(html).empty()) return std::string();
  const int options = HTML_PARSE_RECOVER | HTML_PARSE_NONET | HTML_PARSE_NOERROR |
                      HTML_PARSE_NOWARNING | HTML_PARSE_IGNORE_ENC | HTML_PARSE_NODEFDTD;
  if (encoding != "UTF-8") {
    xmlCharEncodingHandler* handler = xmlFindCharEncodingHandler(encoding.c_str());
    if (handler == nullptr) {
      return absl::InvalidArgumentError(base::StrCat("unknown charset \"", encoding, "\""));
    }
    xmlCharEncCloseFunc(handler);  // frees an iconv handler; built-in ones stay
  }
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, encoding.c_str(),
                     options),
      &xmlFreeDoc);
  if (doc == nullptr) return std::string();  // nothing a browser would show either
  VisibleText out;
  CollectText(doc.get(), out);
  if (out.overflowed()) return absl::InvalidArgumentError(TooLargeMessage("text", kMaxTextBytes));
  std::string text = out.Take();
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError(
        base::StrCat("the page is not valid ", encoding, " (its text is not valid UTF-8)"));
  }
  return text;
}

absl::StatusOr<std::string> TextToUtf8(std::string_view text, std::string_view charset) {
  if (IsUtf8Charset(charset) || base::AsciiStrToLower(charset) == "us-ascii") {
    if (!IsValidUtf8(text)) return absl::InvalidArgumentError("invalid UTF-8 in the text");
    if (text.size() > kMaxTextBytes) {
      return absl::InvalidArgumentError(TooLargeMessage("text", kMaxTextBytes));
    }
    return std::string(text);
  }
  const std::string from(base::StripAsciiWhitespace(charset));
  iconv_t converter = ::iconv_open("UTF-8", from.c_str());
  if (converter == reinterpret_cast<iconv_t>(-1)) {
    return absl::InvalidArgumentError(base::StrCat("unknown charset \"", from, "\""));
  }
  std::string out;
  char buffer[4096];
  char* input = const_cast<char*>(text.data());
  size_t input_left = text.size();
  absl::Status status;
  while (input_left > 0) {
    char* output = buffer;
    size_t output_left = sizeof buffer;
    const size_t converted = ::iconv(converter, &input, &input_left, &output, &output_left);
    out.append(buffer, static_cast<size_t>(output - buffer));
    if (out.size() > kMaxTextBytes) {
      status = absl::InvalidArgumentError(TooLargeMessage("text", kMaxTextBytes));
      break;
    }
    if (converted == static_cast<size_t>(-1) && errno != E2BIG) {
      status = absl::InvalidArgumentError(base::StrCat("the text is not valid ", from));
      break;
    }
  }
  ::iconv_close(converter);
  if (!status.ok()) return status;
  if (!IsValidUtf8(out)) return absl::InvalidArgumentError("invalid UTF-8 after conversion");
  return out;
}

}  // namespace threathub::collect::internal
