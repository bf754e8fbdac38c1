// RSS 2.0 (https://www.rssboard.org/rss-specification, also RSS 1.0/RDF) and Atom 1.0 (RFC 4287)
// feeds through libxml2: no network, no DTD loading, no entity substitution. The SAX callbacks
// that build the tree also note where each item/entry starts and ends in the input, so a
// record's raw bytes are exactly the entry as the feed had it.
#include <libxml/SAX2.h>
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/uri.h>

#include <climits>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/encoding.h"
#include "base/status_macros.h"
#include "base/strings.h"
#include "collect/formats.h"
#include "collect/internal/dates.h"
#include "collect/internal/html_text.h"
#include "collect/internal/json_records.h"

namespace threathub::collect {
namespace {

constexpr const char* kAtomNamespace = "http://www.w3.org/2005/Atom";
constexpr const char* kAtom03Namespace = "http://purl.org/atom/ns#";
constexpr const char* kRdfNamespace = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
constexpr const char* kRss10Namespace = "http://purl.org/rss/1.0/";
constexpr const char* kContentNamespace = "http://purl.org/rss/1.0/modules/content/";
constexpr const char* kDublinCoreNamespace = "http://purl.org/dc/elements/1.1/";
constexpr const char* kMediaRssNamespace = "http://search.yahoo.com/mrss/";

using internal::TooLargeMessage;

// Where each item/entry element lies in the input, noted while the tree is built.
struct EntrySpans {
  std::unordered_map<const xmlNode*, std::pair<size_t, size_t>> spans;  // [begin, end)
  std::unordered_map<const xmlNode*, size_t> open;
  std::string_view input;
  bool exact = true;  // false when offsets cannot be trusted (non-UTF-8 input, entities)
};

bool IsEntryName(const xmlChar* name) {
  return xmlStrEqual(name, BAD_CAST "item") || xmlStrEqual(name, BAD_CAST "entry");
}

// The input offset the parser has reached, when it maps one to one onto the input bytes.
std::optional<size_t> InputOffset(xmlParserCtxt* context, const EntrySpans& spans) {
  if (!spans.exact || context->inputNr != 1 || context->input == nullptr) return std::nullopt;
  if (context->input->buf != nullptr && context->input->buf->encoder != nullptr) {
    return std::nullopt;
  }
  const long consumed = xmlByteConsumed(context);
  if (consumed < 0 || static_cast<size_t>(consumed) > spans.input.size()) return std::nullopt;
  return static_cast<size_t>(consumed);
}

void StartElement(void* context_pointer, const xmlChar* local_name, const xmlChar* prefix,
                  const xmlChar* uri, int namespace_count, const xmlChar** namespaces,
                  int attribute_count, int defaulted_count, const xmlChar** attributes) {
  xmlSAX2StartElementNs(context_pointer, local_name, prefix, uri, namespace_count, namespaces,
                        attribute_count, defaulted_count, attributes);
  auto* context = static_cast<xmlParserCtxt*>(context_pointer);
  auto* spans = static_cast<EntrySpans*>(context->_private);
  if (spans == nullptr || !IsEntryName(local_name) || context->node == nullptr) return;
  // The start tag has been read: its '<' is the last one before here ('<' cannot appear inside
  // a start tag's attribute values).
  std::optional<size_t> offset = InputOffset(context, *spans);
  if (!offset) return;
  const size_t open_bracket = spans->input.rfind('<', *offset == 0 ? 0 : *offset - 1);
  if (open_bracket == std::string_view::npos) return;
  spans->open[context->node] = open_bracket;
}

void EndElement(void* context_pointer, const xmlChar* local_name, const xmlChar* prefix,
                const xmlChar* uri) {
  auto* context = static_cast<xmlParserCtxt*>(context_pointer);
  auto* spans = static_cast<EntrySpans*>(context->_private);
  if (spans != nullptr && IsEntryName(local_name) && context->node != nullptr) {
    auto open = spans->open.find(context->node);
    std::optional<size_t> offset = InputOffset(context, *spans);
    if (open != spans->open.end() && offset && *offset > open->second) {
      spans->spans[context->node] = {open->second, *offset};
    }
  }
  xmlSAX2EndElementNs(context_pointer, local_name, prefix, uri);
}

void InitLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string_view NameOf(const xmlNode* node) {
  return node->name ? std::string_view(reinterpret_cast<const char*>(node->name)) : "";
}

// An element named `local` in namespace `ns` (nullptr: in no namespace).
bool Is(const xmlNode* node, std::string_view local, const char* ns) {
  if (node == nullptr || node->type != XML_ELEMENT_NODE || NameOf(node) != local) return false;
  const char* href =
      node->ns && node->ns->href ? reinterpret_cast<const char*>(node->ns->href) : nullptr;
  if (ns == nullptr) return href == nullptr;
  return href != nullptr && std::strcmp(href, ns) == 0;
}

const xmlNode* Child(const xmlNode* parent, std::string_view local, const char* ns) {
  for (const xmlNode* child = parent->children; child != nullptr; child = child->next) {
    if (Is(child, local, ns)) return child;
  }
  return nullptr;
}

std::string Attribute(const xmlNode* node, const char* name) {
  std::unique_ptr<xmlChar, decltype(xmlFree)> value(xmlGetNoNsProp(node, BAD_CAST name), xmlFree);
  return value ? std::string(reinterpret_cast<const char*>(value.get())) : std::string();
}

// The text and CDATA inside `node`; entity references are not expanded (the parser does not
// substitute them). False when it exceeds `limit`.
bool TextOf(const xmlNode* node, size_t limit, std::string& out) {
  out.clear();
  if (node == nullptr) return true;
  const xmlNode* current = node->children;
  while (current != nullptr) {
    if ((current->type == XML_TEXT_NODE || current->type == XML_CDATA_SECTION_NODE) &&
        current->content != nullptr) {
      out += reinterpret_cast<const char*>(current->content);
      if (out.size() > limit) return false;
    }
    if (current->type == XML_ELEMENT_NODE && current->children != nullptr) {
      current = current->children;
      continue;
    }
    while (current != nullptr && current->next == nullptr) {
      current = current->parent;
      if (current == node) return true;
    }
    if (current != nullptr) current = current->next;
  }
  return true;
}

absl::StatusOr<std::string> FieldText(const xmlNode* node, std::string_view what) {
  std::string text;
  if (!TextOf(node, internal::kMaxFieldBytes, text)) {
    return absl::InvalidArgumentError(TooLargeMessage(what, internal::kMaxFieldBytes));
  }
  return std::string(base::StripAsciiWhitespace(text));
}

std::string Resolve(std::string_view reference, std::string_view base_url) {
  if (reference.empty() || base_url.empty()) return std::string(reference);
  const std::string reference_text(reference), base_text(base_url);
  std::unique_ptr<xmlChar, decltype(xmlFree)> resolved(
      xmlBuildURI(BAD_CAST reference_text.c_str(), BAD_CAST base_text.c_str()), xmlFree);
  return resolved ? std::string(reinterpret_cast<const char*>(resolved.get())) : reference_text;
}

// The node serialised by libxml2 (UTF-8), when its exact input bytes are not known.
std::string Serialise(xmlDoc* doc, const xmlNode* node) {
  std::unique_ptr<xmlBuffer, decltype(&xmlBufferFree)> buffer(xmlBufferCreate(), &xmlBufferFree);
  if (buffer == nullptr) return "";
  if (xmlNodeDump(buffer.get(), doc, const_cast<xmlNode*>(node), 0, 0) < 0) return "";
  return std::string(reinterpret_cast<const char*>(xmlBufferContent(buffer.get())),
                     static_cast<size_t>(xmlBufferLength(buffer.get())));
}

// Atom text constructs (RFC 4287 section 3.1) and RSS descriptions (entity-encoded HTML) as
// plain text.
absl::StatusOr<std::string> ContentText(xmlDoc* doc, const xmlNode* node, std::string_view type) {
  if (node == nullptr) return std::string();
  if (type == "xhtml") {
    std::string markup;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      markup += Serialise(doc, child);
      if (markup.size() > kMaxRawBytes) {
        return absl::InvalidArgumentError(TooLargeMessage("content", kMaxRawBytes));
      }
    }
    return internal::HtmlVisibleText(markup, "UTF-8");
  }
  std::string text;
  if (!TextOf(node, kMaxRawBytes, text)) {
    return absl::InvalidArgumentError(TooLargeMessage("content", kMaxRawBytes));
  }
  if (type == "text") {
    if (text.size() > kMaxTextBytes) {
      return absl::InvalidArgumentError(TooLargeMessage("text", kMaxTextBytes));
    }
    return std::string(base::StripAsciiWhitespace(text));
  }
  return internal::HtmlVisibleText(text, "UTF-8");
}

absl::Status AddMedia(std::string url, std::string mime_type, std::string_view base_url,
                      std::vector<Media>& media) {
  url = Resolve(base::StripAsciiWhitespace(url), base_url);
  if (url.empty()) return absl::OkStatus();
  if (media.size() >= kMaxMediaPerRecord) {
    return absl::InvalidArgumentError(
        base::StrCat("more than ", kMaxMediaPerRecord, " media files"));
  }
  Media item;
  RETURN_IF_ERROR(internal::SetField("media url", url, item.url));
  RETURN_IF_ERROR(internal::SetField("media type", mime_type, item.mime_type));
  media.push_back(std::move(item));
  return absl::OkStatus();
}

std::string JoinTitleAndBody(std::string title, std::string_view body) {
  if (title.empty()) return std::string(body);
  if (body.empty()) return title;
  return base::StrCat(title, "\n\n", body);
}

// The id of an entry that has none: a hash of its bytes, stable while it does not change.
std::string HashId(std::string_view raw) {
  return base::StrCat("sha256:", base::HexEncode(base::Sha256(raw)));
}

absl::StatusOr<Record> ParseRssItem(xmlDoc* doc, const xmlNode* item, std::string_view base_url,
                                    const char* ns) {
  Record record;
  record.platform = "rss";
  ASSIGN_OR_RETURN(std::string title, FieldText(Child(item, "title", ns), "title"));
  ASSIGN_OR_RETURN(std::string link, FieldText(Child(item, "link", ns), "link"));
  const xmlNode* guid_node = Child(item, "guid", ns);
  ASSIGN_OR_RETURN(std::string guid, FieldText(guid_node, "guid"));
  if (!link.empty()) {
    record.url = Resolve(link, base_url);
  } else if (guid_node != nullptr && Attribute(guid_node, "isPermaLink") != "false" &&
             (base::StartsWith(guid, "http://") || base::StartsWith(guid, "https://"))) {
    record.url = guid;  // RSS 2.0: a guid is a permalink unless isPermaLink="false"
  }
  if (!guid.empty()) {
    record.post_id = guid;
  } else if (const std::string about = Attribute(item, "about"); !about.empty()) {
    record.post_id = about;  // RSS 1.0: rdf:about
  } else {
    record.post_id = record.url;
  }

  const xmlNode* body = Child(item, "encoded", kContentNamespace);
  if (body == nullptr) body = Child(item, "description", ns);
  ASSIGN_OR_RETURN(std::string body_text, ContentText(doc, body, "html"));
  record.text = JoinTitleAndBody(std::move(title), body_text);

  for (const xmlNode* date_node :
       {Child(item, "pubDate", ns), Child(item, "date", kDublinCoreNamespace)}) {
    std::string date;
    base::Millis millis;
    if (date_node != nullptr && TextOf(date_node, 256, date) &&
        internal::ParseFeedDate(date, millis)) {
      record.created_at = millis;
      break;
    }
  }
  ASSIGN_OR_RETURN(std::string creator,
                   FieldText(Child(item, "creator", kDublinCoreNamespace), "dc:creator"));
  ASSIGN_OR_RETURN(std::string author, FieldText(Child(item, "author", ns), "author"));
  record.author_name = !creator.empty() ? creator : author;

  for (const xmlNode* child = item->children; child != nullptr; child = child->next) {
    if (Is(child, "enclosure", ns)) {
      RETURN_IF_ERROR(
          AddMedia(Attribute(child, "url"), Attribute(child, "type"), base_url, record.media));
    } else if (Is(child, "content", kMediaRssNamespace)) {
      RETURN_IF_ERROR(
          AddMedia(Attribute(child, "url"), Attribute(child, "type"), base_url, record.media));
    } else if (Is(child, "group", kMediaRssNamespace)) {
      for (const xmlNode* member = child->children; member != nullptr; member = member->next) {
        if (Is(member, "content", kMediaRssNamespace)) {
          RETURN_IF_ERROR(AddMedia(Attribute(member, "url"), Attribute(member, "type"), base_url,
                                   record.media));
        }
      }
    }
  }
  return record;
}

struct AtomAuthor {
  std::string name;
  std::string id;  // its uri, else its email
};

absl::StatusOr<std::optional<AtomAuthor>> ReadAtomAuthor(const xmlNode* parent, const char* ns) {
  const xmlNode* author = Child(parent, "author", ns);
  if (author == nullptr) return std::optional<AtomAuthor>();
  AtomAuthor out;
  ASSIGN_OR_RETURN(out.name, FieldText(Child(author, "name", ns), "author name"));
  ASSIGN_OR_RETURN(out.id, FieldText(Child(author, "uri", ns), "author uri"));
  if (out.id.empty()) {
    ASSIGN_OR_RETURN(out.id, FieldText(Child(author, "email", ns), "author email"));
  }
  return std::optional<AtomAuthor>(std::move(out));
}

absl::StatusOr<Record> ParseAtomEntry(xmlDoc* doc, const xmlNode* entry, std::string_view base_url,
                                      const char* ns,
                                      const std::optional<AtomAuthor>& feed_author) {
  Record record;
  record.platform = "atom";
  ASSIGN_OR_RETURN(record.post_id, FieldText(Child(entry, "id", ns), "id"));
  const xmlNode* title_node = Child(entry, "title", ns);
  std::string title_type = title_node ? Attribute(title_node, "type") : std::string();
  if (title_type != "html" && title_type != "xhtml") title_type = "text";
  ASSIGN_OR_RETURN(std::string title, ContentText(doc, title_node, title_type));
  for (const xmlNode* child = entry->children; child != nullptr; child = child->next) {
    if (!Is(child, "link", ns)) continue;
    const std::string rel = Attribute(child, "rel");
    if ((rel.empty() || rel == "alternate") && record.url.empty()) {
      record.url = Resolve(base::StripAsciiWhitespace(Attribute(child, "href")), base_url);
    } else if (rel == "enclosure") {
      RETURN_IF_ERROR(
          AddMedia(Attribute(child, "href"), Attribute(child, "type"), base_url, record.media));
    }
  }
  if (record.url.size() > internal::kMaxFieldBytes) {
    return absl::InvalidArgumentError(TooLargeMessage("link", internal::kMaxFieldBytes));
  }
  if (record.post_id.empty()) record.post_id = record.url;

  // The content, else the summary; a text construct's type is text unless it says html/xhtml.
  const xmlNode* body = Child(entry, "content", ns);
  if (body == nullptr || !Attribute(body, "src").empty()) body = Child(entry, "summary", ns);
  std::string type = body ? Attribute(body, "type") : std::string();
  if (type.empty() || type == "text/plain") type = "text";
  if (type == "text/html") type = "html";
  std::string body_text;
  if (type == "text" || type == "html" || type == "xhtml") {
    ASSIGN_OR_RETURN(body_text, ContentText(doc, body, type));
  }
  record.text = JoinTitleAndBody(std::move(title), body_text);

  for (std::string_view name : {"published", "updated", "issued", "modified"}) {
    std::string date;
    base::Millis millis;
    const xmlNode* date_node = Child(entry, name, ns);
    if (date_node != nullptr && TextOf(date_node, 256, date) &&
        internal::ParseFeedDate(date, millis)) {
      record.created_at = millis;
      break;
    }
  }
  ASSIGN_OR_RETURN(std::optional<AtomAuthor> author, ReadAtomAuthor(entry, ns));
  if (!author) author = feed_author;
  if (author) {
    record.author_name = author->name;
    record.author_id = author->id;
  }
  return record;
}

// True when the document is (or may be taken as) UTF-8: no XML declaration naming another
// encoding and no UTF-16/32 byte order mark.
bool DeclaresUtf8(std::string_view xml) {
  if (base::StartsWith(xml, "\xFE\xFF") || base::StartsWith(xml, "\xFF\xFE")) return false;
  if (!base::StartsWith(xml, "<?xml") && !base::StartsWith(xml, "\xEF\xBB\xBF<?xml")) return true;
  const size_t end = xml.find("?>");
  const std::string declaration = base::AsciiStrToLower(xml.substr(0, end));
  const size_t encoding = declaration.find("encoding");
  if (encoding == std::string::npos) return true;
  const size_t quote = declaration.find_first_of("\"'", encoding);
  if (quote == std::string::npos) return true;
  const std::string_view name = std::string_view(declaration).substr(quote + 1);
  return base::StartsWith(name, "utf-8") || base::StartsWith(name, "utf8") ||
         base::StartsWith(name, "us-ascii");
}

}  // namespace

absl::StatusOr<ParseOutput> ParseFeed(std::string_view xml, std::string_view feed_url) {
  InitLibxml();
  if (xml.size() > INT_MAX) return absl::InvalidArgumentError("feed too large");
  // One invalid UTF-8 byte makes libxml2 refuse the whole document: mask such bytes with '?'
  // and refuse only the entries they were in.
  std::vector<size_t> invalid_offsets;
  std::string masked;
  std::string_view input = xml;
  if (DeclaresUtf8(xml)) {
    invalid_offsets = internal::InvalidUtf8Offsets(xml);
    if (!invalid_offsets.empty()) {
      masked = std::string(xml);
      for (size_t offset : invalid_offsets) masked[offset] = '?';
      input = masked;
    }
  }

  std::unique_ptr<xmlParserCtxt, decltype(&xmlFreeParserCtxt)> context(xmlNewParserCtxt(),
                                                                       &xmlFreeParserCtxt);
  if (context == nullptr) return absl::ResourceExhaustedError("out of memory for the XML parser");
  EntrySpans spans;
  spans.input = input;
  context->_private = &spans;
  context->sax->startElementNs = StartElement;
  context->sax->endElementNs = EndElement;
  const int options = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_NOCDATA;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
      xmlCtxtReadMemory(context.get(), input.data(), static_cast<int>(input.size()), nullptr,
                        nullptr, options),
      &xmlFreeDoc);
  if (doc == nullptr || !context->wellFormed) {
    const xmlError* error = xmlCtxtGetLastError(context.get());
    std::string why = "not well-formed XML";
    if (error != nullptr && error->message != nullptr) {
      std::string message(base::StripAsciiWhitespace(error->message));
      if (!simdjson::validate_utf8(message.data(), message.size())) message = "bad input";
      why = base::StrCat(why, " (line ", error->line, ": ", message, ")");
    }
    return absl::InvalidArgumentError(why);
  }
  if (doc->intSubset != nullptr && doc->intSubset->entities != nullptr &&
      xmlHashSize(static_cast<xmlHashTablePtr>(doc->intSubset->entities)) > 0) {
    return absl::InvalidArgumentError("feeds that declare entities are refused");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return absl::InvalidArgumentError("not a feed: no root element");

  ParseOutput out;
  const xmlNode* channel = nullptr;
  std::vector<const xmlNode*> entries;
  const char* ns = nullptr;
  std::optional<AtomAuthor> feed_author;
  if (Is(root, "rss", nullptr)) {
    out.format = "rss";
    channel = Child(root, "channel", nullptr);
    if (channel == nullptr) return absl::InvalidArgumentError("not an RSS feed: no <channel>");
    for (const xmlNode* child = channel->children; child != nullptr; child = child->next) {
      if (Is(child, "item", nullptr)) entries.push_back(child);
    }
  } else if (Is(root, "RDF", kRdfNamespace)) {  // RSS 1.0: items beside the channel
    out.format = "rss";
    ns = kRss10Namespace;
    channel = Child(root, "channel", ns);
    for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
      if (Is(child, "item", ns)) entries.push_back(child);
    }
  } else if (Is(root, "feed", kAtomNamespace) || Is(root, "feed", kAtom03Namespace)) {
    out.format = "atom";
    ns = reinterpret_cast<const char*>(root->ns->href);
    channel = root;
    for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
      if (Is(child, "entry", ns)) entries.push_back(child);
    }
    absl::StatusOr<std::optional<AtomAuthor>> author = ReadAtomAuthor(root, ns);
    if (author.ok()) feed_author = *author;
  } else {
    std::string name(NameOf(root).substr(0, 64));
    if (!simdjson::validate_utf8(name.data(), name.size())) name = "?";
    return absl::InvalidArgumentError(
        base::StrCat("not an RSS or Atom feed (the root element is <", name, ">)"));
  }

  if (channel != nullptr) {
    absl::StatusOr<std::string> title = FieldText(Child(channel, "title", ns), "title");
    if (title.ok() && simdjson::validate_utf8(title->data(), title->size())) {
      out.channel_name = *title;
    }
  }
  out.channel_id = std::string(feed_url);
  if (out.channel_id.empty() && channel != nullptr) {
    absl::StatusOr<std::string> id =
        FieldText(Child(channel, out.format == "atom" ? "id" : "link", ns), "id");
    if (id.ok() && simdjson::validate_utf8(id->data(), id->size())) out.channel_id = *id;
  }

  for (size_t entry_idx = 0; entry_idx < entries.size(); ++entry_idx) {
    const xmlNode* entry = entries[entry_idx];
    RecordResult result;
    result.position = base::StrCat("entry ", entry_idx + 1);
    auto refuse = [&](std::string_view why) {
      result.error = std::string(why);
      out.records.push_back(std::move(result));
    };
    std::string raw;
    auto span = spans.spans.find(entry);
    if (span != spans.spans.end()) {
      const auto [begin, end] = span->second;
      if (internal::AnyOffsetIn(invalid_offsets, begin, end)) {
        refuse("invalid UTF-8");
        continue;
      }
      if (end - begin > kMaxRawBytes) {
        refuse(TooLargeMessage("entry", kMaxRawBytes));
        continue;
      }
      raw = std::string(xml.substr(begin, end - begin));
    } else {
      raw = Serialise(doc.get(), entry);
    }
    absl::StatusOr<Record> record =
        out.format == "atom" ? ParseAtomEntry(doc.get(), entry, feed_url, ns, feed_author)
                             : ParseRssItem(doc.get(), entry, feed_url, ns);
    if (!record.ok()) {
      refuse(base::FromAbsl(record.status().message()));
      continue;
    }
    record->channel_id = out.channel_id;
    record->raw = std::move(raw);
    if (record->post_id.empty()) record->post_id = HashId(record->raw);
    if (record->post_id.size() > internal::kMaxFieldBytes) {
      refuse(TooLargeMessage("the entry id", internal::kMaxFieldBytes));
      continue;
    }
    if (absl::Status status = internal::CheckRecord(*record); !status.ok()) {
      refuse(base::FromAbsl(status.message()));
      continue;
    }
    result.record = std::move(*record);
    out.records.push_back(std::move(result));
  }
  return out;
}

}  // namespace threathub::collect
