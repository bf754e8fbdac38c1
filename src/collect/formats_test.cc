// Tests of the collection format parsers on hand-written samples of the real formats
// (src/collect/testdata/) and on a WARC file written by wget from a local web site.
#include "collect/formats.h"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/sha.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>

#include "base/clock.h"
#include "base/encoding.h"
#include "base/strings.h"

namespace threathub::collect {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::EndsWith;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

namespace fs = std::filesystem;

std::string TestdataDir() {
  const char* source = std::getenv("THREATHUB_SOURCE_DIR");
  return std::string(source ? source : ".") + "/src/collect/testdata";
}

std::string ReadAll(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

void WriteAll(const std::string& path, std::string_view bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

base::Millis Utc(std::string_view text) {
  base::Millis millis = 0;
  EXPECT_TRUE(base::ParseUtc(text, millis)) << text;
  return millis;
}

// A fresh directory under TMPDIR, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "collect-formats-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Records by position, for tests that look at several.
std::map<std::string, const RecordResult*> ByPosition(const ParseOutput& out) {
  std::map<std::string, const RecordResult*> results;
  for (const RecordResult& result : out.records) results[result.position] = &result;
  return results;
}

const Record& OkRecord(const std::map<std::string, const RecordResult*>& results,
                       const std::string& position) {
  static const Record kEmpty;
  auto found = results.find(position);
  if (found == results.end()) {
    ADD_FAILURE() << "no result at " << position;
    return kEmpty;
  }
  if (!found->second->ok()) {
    ADD_FAILURE() << position << " refused: " << found->second->error;
    return kEmpty;
  }
  return *found->second->record;
}

std::string ErrorAt(const std::map<std::string, const RecordResult*>& results,
                    const std::string& position) {
  auto found = results.find(position);
  if (found == results.end()) return "(no result at " + position + ")";
  if (found->second->ok()) return "(accepted)";
  return found->second->error;
}

size_t CountOk(const ParseOutput& out) {
  size_t count = 0;
  for (const RecordResult& result : out.records) count += result.ok();
  return count;
}

// --- Telegram -------------------------------------------------------------------------------

TEST(TelegramExport, MessagesBecomeRecordsAndServiceMessagesAreSkipped) {
  const std::string folder = TestdataDir() + "/telegram_export";
  absl::StatusOr<ParseOutput> out = ParseTelegramExport(folder);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "telegram");
  EXPECT_EQ(out->channel_id, "1712345678");
  EXPECT_EQ(out->channel_name, "Ақпарат арнасы");
  // 8 messages: 2 service messages skipped, 6 results (2 of them refused).
  ASSERT_THAT(out->records, SizeIs(6));
  const auto results = ByPosition(*out);
  EXPECT_EQ(results.count("message 1"), 0u);
  EXPECT_EQ(results.count("message 7"), 0u);

  const Record& photo = OkRecord(results, "message 2");
  EXPECT_EQ(photo.platform, "telegram");
  EXPECT_EQ(photo.post_id, "2");
  EXPECT_EQ(photo.channel_id, "1712345678");
  EXPECT_EQ(photo.author_id, "channel1712345678");
  EXPECT_EQ(photo.author_name, "Ақпарат арнасы");
  EXPECT_EQ(photo.text, "Сәлеметсіздер ме! Бүгін Алматыда жиналыс болады.");
  EXPECT_EQ(photo.created_at, Utc("2026-03-15T05:00:00Z"));  // 10:00 in Almaty
  ASSERT_THAT(photo.media, SizeIs(1));
  EXPECT_EQ(photo.media[0].path, folder + "/photos/photo_2@15-03-2026_10-00-00.jpg");
  EXPECT_EQ(photo.media[0].mime_type, "image/jpeg");
  EXPECT_TRUE(fs::exists(photo.media[0].path));
  EXPECT_THAT(photo.raw, StartsWith("{\n   \"id\": 2,"));
  EXPECT_THAT(photo.raw, EndsWith("}"));

  // Entities (bold, link, mention, text_link, hashtag) are flattened to their text.
  EXPECT_EQ(OkRecord(results, "message 3").text,
            "Внимание: срочно подробности по ссылке https://example.kz/news/1, пишите "
            "@kz_news_bot или здесь #жаңалықтар");

  // A file left out of the export is no media file; the message stays.
  const Record& video = OkRecord(results, "message 4");
  EXPECT_EQ(video.text, "Видео с места событий");
  EXPECT_THAT(video.media, IsEmpty());

  EXPECT_THAT(ErrorAt(results, "message 5"), HasSubstr("leaves the export folder"));
  EXPECT_THAT(ErrorAt(results, "message 6"), HasSubstr("invalid UTF-8"));

  // An older export: no date_unixtime (the local date is read as UTC), a deleted author.
  const Record& leaflet = OkRecord(results, "message 8");
  EXPECT_EQ(leaflet.created_at, Utc("2026-03-15T13:00:00Z"));
  EXPECT_EQ(leaflet.author_id, "user5550001");
  EXPECT_EQ(leaflet.author_name, "");
  EXPECT_EQ(leaflet.text, "Листовка во вложении (PDF)");
  ASSERT_THAT(leaflet.media, SizeIs(1));
  EXPECT_EQ(leaflet.media[0].path, folder + "/files/leaflet.pdf");
  EXPECT_EQ(leaflet.media[0].mime_type, "application/pdf");
}

TEST(TelegramExport, ResultJsonPathWorksLikeTheFolder) {
  const std::string folder = TestdataDir() + "/telegram_export";
  absl::StatusOr<ParseOutput> by_folder = ParseTelegramExport(folder);
  absl::StatusOr<ParseOutput> by_file = ParseTelegramExport(folder + "/result.json");
  ASSERT_TRUE(by_folder.ok() && by_file.ok());
  ASSERT_EQ(by_folder->records.size(), by_file->records.size());
  for (size_t record_idx = 0; record_idx < by_file->records.size(); ++record_idx) {
    EXPECT_EQ(by_file->records[record_idx].position, by_folder->records[record_idx].position);
    EXPECT_EQ(by_file->records[record_idx].ok(), by_folder->records[record_idx].ok());
  }
}

std::string TelegramExportJson(std::string_view messages) {
  return base::StrCat(R"({"name":"Test","type":"private_channel","id":42,"messages":[)", messages,
                      "]}");
}

TEST(TelegramExport, TwoMegabyteMessageIsRefusedAndTheOthersKept) {
  TempDir export_dir;
  const std::string huge(2 << 20, 'a');
  WriteAll(export_dir.path() + "/result.json",
           TelegramExportJson(base::StrCat(
               R"({"id":1,"type":"message","date_unixtime":"1773550800","text":")", huge,
               R"("},{"id":2,"type":"message","date_unixtime":"1773550801","text":"ok"})")));
  absl::StatusOr<ParseOutput> out = ParseTelegramExport(export_dir.path());
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_EQ(ErrorAt(results, "message 1"), "text larger than 1 MiB");
  EXPECT_EQ(OkRecord(results, "message 2").text, "ok");
}

TEST(TelegramExport, MediaEscapesAndMissingFilesAreRefusedPerMessage) {
  TempDir export_dir, elsewhere;
  fs::create_directories(export_dir.path() + "/photos");
  WriteAll(export_dir.path() + "/photos/real.jpg", "\xFF\xD8\xFF");
  WriteAll(elsewhere.path() + "/secret.txt", "not part of the export");
  fs::create_symlink(elsewhere.path() + "/secret.txt", export_dir.path() + "/photos/link.jpg");
  WriteAll(export_dir.path() + "/result.json", TelegramExportJson(R"(
    {"id":1,"type":"message","text":"absolute","photo":"/etc/passwd"},
    {"id":2,"type":"message","text":"symlink out","photo":"photos/link.jpg"},
    {"id":3,"type":"message","text":"missing","file":"files/gone.pdf"},
    {"id":4,"type":"message","text":"inside","photo":"photos/../photos/./real.jpg"},
    {"id":5,"type":"message","text":"climbs","file":"photos/../../x"},
    ["not", "an", "object"],
    {"type":"message","text":"no id"})"));
  absl::StatusOr<ParseOutput> out = ParseTelegramExport(export_dir.path());
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_THAT(ErrorAt(results, "message 1"), HasSubstr("absolute"));
  EXPECT_THAT(ErrorAt(results, "message 2"), HasSubstr("leads outside the export folder"));
  EXPECT_THAT(ErrorAt(results, "message 3"), HasSubstr("is not in the export folder"));
  EXPECT_EQ(OkRecord(results, "message 4").media.at(0).path,
            export_dir.path() + "/photos/real.jpg");
  EXPECT_THAT(ErrorAt(results, "message 5"), HasSubstr("leaves the export folder"));
  EXPECT_THAT(ErrorAt(results, "message at index 5"), HasSubstr("must be an object"));
  EXPECT_THAT(ErrorAt(results, "message at index 6"), HasSubstr("no \"id\""));
}

TEST(TelegramExport, InputThatIsNoChatExportFails) {
  EXPECT_EQ(ParseTelegramExport("/nonexistent/telegram").status().code(),
            absl::StatusCode::kNotFound);
  for (std::string_view json : {std::string_view("[1, 2]"), std::string_view("{\"name\": \"x\"}"),
                                std::string_view("{\"messages\": [] } trailing"),
                                std::string_view("not json"), std::string_view("")}) {
    absl::StatusOr<ParseOutput> out = ParseTelegramResultJson(json, "/tmp");
    EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << json;
  }
  absl::StatusOr<ParseOutput> account = ParseTelegramResultJson(
      R"({"about":"Here is the data you requested","personal_information":{},"chats":{"list":[]}})",
      "/tmp");
  EXPECT_THAT(account.status().message(), HasSubstr("full account export"));
  absl::StatusOr<ParseOutput> empty = ParseTelegramResultJson(TelegramExportJson(""), "/tmp");
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->records, IsEmpty());
}

// --- VK ---------------------------------------------------------------------------------------

TEST(VkResponse, WallGetItemsWithAuthorsAttachmentsAndReposts) {
  absl::StatusOr<ParseOutput> out = ParseVkResponse(ReadAll(TestdataDir() + "/vk/wall_get.json"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "vk");
  EXPECT_EQ(out->channel_id, "-123456");
  EXPECT_EQ(out->channel_name, "Қазақ жастары | Молодёжь Казахстана");
  ASSERT_THAT(out->records, SizeIs(4));
  const auto results = ByPosition(*out);

  const Record& first = OkRecord(results, "item 1");
  EXPECT_EQ(first.platform, "vk");
  EXPECT_EQ(first.post_id, "311");
  EXPECT_EQ(first.channel_id, "-123456");
  EXPECT_EQ(first.author_id, "-123456");
  EXPECT_EQ(first.author_name, "Қазақ жастары | Молодёжь Казахстана");
  EXPECT_EQ(first.url, "https://vk.com/wall-123456_311");
  EXPECT_EQ(first.text,
            "Құрметті достар! Ертең сағат 10:00-де Астанада кездесу өтеді.\nБарлығын шақырамыз.");
  EXPECT_EQ(first.created_at, int64_t{1773550800} * 1000);
  ASSERT_THAT(first.media, SizeIs(1));
  EXPECT_THAT(first.media[0].url, HasSubstr("size=1280x960"));  // the largest size
  EXPECT_EQ(first.media[0].mime_type, "image/jpeg");
  EXPECT_THAT(first.raw, StartsWith("{"));
  EXPECT_THAT(first.raw, HasSubstr("\"id\": 311"));

  const Record& link = OkRecord(results, "item 2");
  EXPECT_EQ(link.text, "Подробности по ссылке ниже. Распространите, пожалуйста!");
  ASSERT_THAT(link.media, SizeIs(1));
  EXPECT_EQ(link.media[0].url, "https://example.kz/news/2026/03/14/vstrecha");
  EXPECT_EQ(link.media[0].mime_type, "text/html");

  // A repost with no words of its own carries the reposted text and photo.
  const Record& repost = OkRecord(results, "item 3");
  EXPECT_EQ(repost.text, "Репост: собираемся все вместе, подробности в личке.");
  ASSERT_THAT(repost.media, SizeIs(1));
  EXPECT_THAT(repost.media[0].url, AllOf(HasSubstr("sun9-33"), HasSubstr("size=1280x960")));

  EXPECT_EQ(ErrorAt(results, "item 4"), "no \"id\"");
}

TEST(VkResponse, NewsfeedSearchAcrossWalls) {
  absl::StatusOr<ParseOutput> out =
      ParseVkResponse(ReadAll(TestdataDir() + "/vk/newsfeed_search.json"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->channel_id, "");  // posts of two walls
  ASSERT_EQ(CountOk(*out), 2u);
  const Record& user_post = *out->records[0].record;
  EXPECT_EQ(user_post.author_name, "Ерлан Нұрланұлы");
  EXPECT_EQ(user_post.url, "https://vk.com/wall7770001_1024");
  EXPECT_EQ(user_post.text, "Кто пойдет на митинг в Алматы? Пишите в комментариях.");
  const Record& group_post = *out->records[1].record;
  EXPECT_EQ(group_post.author_name, "Алматы жаңалықтары");
  EXPECT_EQ(group_post.channel_id, "-987654");
  ASSERT_THAT(group_post.media, SizeIs(2));
  EXPECT_EQ(group_post.media[1].url, "https://vk.com/video-987654_456239017");
}

TEST(VkResponse, ErrorResponseFailsWithTheApiMessage) {
  absl::StatusOr<ParseOutput> out = ParseVkResponse(ReadAll(TestdataDir() + "/vk/error.json"));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(out.status().message(), HasSubstr("VK API error 5: User authorization failed"));
}

TEST(VkResponse, OneBadItemIsRefusedOnItsOwn) {
  const std::string json = base::StrCat(
      R"({"response":{"count":3,"items":[{"id":1,"owner_id":5,"from_id":5,"date":1,"text":"ok"},)",
      "{\"id\":2,\"owner_id\":5,\"text\":\"bad \xC3\x28 bytes\"},",
      R"({"id":3,"owner_id":5,"text":")", std::string(kMaxTextBytes + 1, 'x'), R"("},)",
      R"({"id":4,"owner_id":5,"text":17},)",
      R"({"id":5,"owner_id":5,"text":"fine","attachments":[{"type":"photo","photo":{"photo_604":"https://x/1.jpg"}}]}]}})");
  absl::StatusOr<ParseOutput> out = ParseVkResponse(json);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_EQ(OkRecord(results, "item 1").text, "ok");
  EXPECT_EQ(ErrorAt(results, "item 2"), "invalid UTF-8");
  EXPECT_EQ(ErrorAt(results, "item 3"), "text larger than 1 MiB");
  EXPECT_EQ(ErrorAt(results, "item 4"), "\"text\" must be a string");
  EXPECT_EQ(OkRecord(results, "item 5").media.at(0).url, "https://x/1.jpg");
}

TEST(VkResponse, InputThatIsNoResponseFails) {
  for (std::string_view json : {std::string_view("{}"), std::string_view("[]"),
                                std::string_view("{\"response\": 5}"), std::string_view("{")}) {
    EXPECT_EQ(ParseVkResponse(json).status().code(), absl::StatusCode::kInvalidArgument) << json;
  }
}

// --- JSON Lines -----------------------------------------------------------------------------

TEST(JsonLines, SampleFileGoodAndBadLines) {
  const std::string text = ReadAll(TestdataDir() + "/jsonl/posts.jsonl");
  absl::StatusOr<ParseOutput> out = ParseJsonLines(text);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "jsonl");
  ASSERT_THAT(out->records, SizeIs(10));  // 11 lines, one blank
  const auto results = ByPosition(*out);

  const Record& telegram = OkRecord(results, "line 1");
  EXPECT_EQ(telegram.platform, "telegram");
  EXPECT_EQ(telegram.post_id, "1712345678_42");
  EXPECT_EQ(telegram.channel_id, "1712345678");
  EXPECT_EQ(telegram.author_id, "channel1712345678");
  EXPECT_EQ(telegram.author_name, "Ақпарат арнасы");
  EXPECT_EQ(telegram.url, "https://t.me/aqparat_arnasy/42");
  EXPECT_EQ(telegram.text, "Ертең Алматыда жиналыс болады, бәріңіз келіңіздер!");
  EXPECT_EQ(telegram.created_at, Utc("2026-03-15T05:00:00Z"));
  ASSERT_THAT(telegram.media, SizeIs(1));
  EXPECT_EQ(telegram.media[0].path, "photos/42.jpg");
  EXPECT_EQ(telegram.raw, text.substr(0, text.find('\n')));

  const Record& vk = OkRecord(results, "line 2");
  EXPECT_EQ(vk.post_id, "311");
  EXPECT_EQ(vk.channel_id, "-123456");
  EXPECT_EQ(vk.created_at, int64_t{1773550800} * 1000);
  ASSERT_THAT(vk.media, SizeIs(2));
  EXPECT_EQ(vk.media[0].url, "https://sun9-77.userapi.com/impg/AbCdEf/pic.jpg");
  EXPECT_EQ(vk.media[1].mime_type, "video/mp4");

  EXPECT_EQ(OkRecord(results, "line 4").author_name, "");
  EXPECT_EQ(ErrorAt(results, "line 5"), "missing \"post_id\"");
  EXPECT_THAT(ErrorAt(results, "line 6"), HasSubstr("not valid JSON"));
  EXPECT_EQ(ErrorAt(results, "line 7"), "invalid UTF-8");
  EXPECT_THAT(ErrorAt(results, "line 8"), HasSubstr("leaves the export folder"));
  EXPECT_THAT(ErrorAt(results, "line 9"), HasSubstr("\"platform\" may hold only"));
  EXPECT_THAT(ErrorAt(results, "line 10"), HasSubstr("\"created_at\" is not an RFC 3339 time"));
  const Record& last = OkRecord(results, "line 11");  // after a CRLF, no final newline
  EXPECT_EQ(last.text, "Последняя строка без перевода строки");
  EXPECT_THAT(last.raw, EndsWith("}"));
}

TEST(JsonLines, HugeTextIsRefusedAndTheNextLineKept) {
  const std::string lines =
      base::StrCat(R"({"platform":"vk","post_id":1,"text":")", std::string(2 << 20, 'x'), "\"}\n",
                   R"({"platform":"vk","post_id":2,"text":"after"})", "\n");
  absl::StatusOr<ParseOutput> out = ParseJsonLines(lines);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_EQ(ErrorAt(results, "line 1"), "text larger than 1 MiB");
  EXPECT_EQ(OkRecord(results, "line 2").text, "after");
}

TEST(JsonLines, LimitsAndTypesPerLine) {
  std::string many_media = R"({"platform":"vk","post_id":1,"text":"","media":[)";
  for (size_t media_idx = 0; media_idx <= kMaxMediaPerRecord; ++media_idx) {
    base::StrAppend(&many_media, media_idx ? "," : "", "\"https://x/", media_idx, ".jpg\"");
  }
  many_media += "]}";
  const std::string lines = base::StrCat(
      many_media, "\n",                                                                 // 1
      R"({"platform":"vk","post_id":"","text":"empty id"})", "\n",                      // 2
      R"({"platform":"vk","post_id":3,"text":"t","created_at":-5})", "\n",              // 3
      R"({"platform":"vk","post_id":4,"text":"t","created_at":1773550800.25})", "\n",   // 4
      R"({"platform":"vk","post_id":5,"text":"t","media":[{"mime_type":"x"}]})", "\n",  // 5
      R"([1,2,3])", "\n",                                                               // 6
      R"({"platform":"vk","post_id":7,"text":"\udc00 lone surrogate"})", "\n",          // 7
      R"({"platform":"vk","post_id":8,"text":"t","media":["/etc/passwd"]})", "\n",      // 8
      R"({"platform":"vk","post_id":9,"text":"t","url":42})", "\n");                    // 9
  absl::StatusOr<ParseOutput> out = ParseJsonLines(lines);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_EQ(ErrorAt(results, "line 1"), "more than 100 media files");
  EXPECT_EQ(ErrorAt(results, "line 2"), "\"post_id\" is empty");
  EXPECT_EQ(ErrorAt(results, "line 3"), "\"created_at\" is out of range");
  EXPECT_EQ(OkRecord(results, "line 4").created_at, int64_t{1773550800250});
  EXPECT_THAT(ErrorAt(results, "line 5"), HasSubstr("needs \"path\" or \"url\""));
  EXPECT_EQ(ErrorAt(results, "line 6"), "not a JSON object");
  EXPECT_THAT(ErrorAt(results, "line 7"), AllOf(Not(HasSubstr("accepted")), Not(IsEmpty())));
  EXPECT_THAT(ErrorAt(results, "line 8"), HasSubstr("absolute"));
  EXPECT_EQ(ErrorAt(results, "line 9"), "\"url\" must be a string");
}

TEST(JsonLines, LineOverTheRecordLimitIsRefused) {
  const std::string lines = base::StrCat(R"({"platform":"vk","post_id":1,"text":"t","raw":")",
                                         std::string(kMaxRawBytes, 'r'), "\"}\n",
                                         R"({"platform":"vk","post_id":2,"text":"t"})");
  absl::StatusOr<ParseOutput> out = ParseJsonLines(lines);
  ASSERT_TRUE(out.ok()) << out.status();
  const auto results = ByPosition(*out);
  EXPECT_EQ(ErrorAt(results, "line 1"), "line larger than 16 MiB");
  EXPECT_TRUE(results.at("line 2")->ok());
}

TEST(JsonLines, TextThatIsNoJsonLinesFails) {
  EXPECT_EQ(ParseJsonLines("<html><body>no</body></html>\nstill no\n").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseJsonLines("[{\"platform\":\"vk\"},\n{}]").status().code(),
            absl::StatusCode::kInvalidArgument);
  absl::StatusOr<ParseOutput> empty = ParseJsonLines("\n\n");
  ASSERT_TRUE(empty.ok());
  EXPECT_THAT(empty->records, IsEmpty());
  // A byte order mark before the first line is not part of it.
  absl::StatusOr<ParseOutput> bom =
      ParseJsonLines("\xEF\xBB\xBF{\"platform\":\"vk\",\"post_id\":1,\"text\":\"t\"}");
  ASSERT_TRUE(bom.ok());
  EXPECT_EQ(CountOk(*bom), 1u);
}

// --- Feeds ----------------------------------------------------------------------------------

TEST(Feed, Rss2ItemsWithHtmlDescriptionsEnclosuresAndDates) {
  const std::string xml = ReadAll(TestdataDir() + "/feeds/rss2.xml");
  absl::StatusOr<ParseOutput> out = ParseFeed(xml, "https://news.example.kz/rss.xml");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "rss");
  EXPECT_EQ(out->channel_id, "https://news.example.kz/rss.xml");
  EXPECT_EQ(out->channel_name, "Жаңалықтар — Новости региона");
  ASSERT_THAT(out->records, SizeIs(3));
  const auto results = ByPosition(*out);

  const Record& first = OkRecord(results, "entry 1");
  EXPECT_EQ(first.platform, "rss");
  EXPECT_EQ(first.post_id, "news.example.kz-article-10451");
  EXPECT_EQ(first.channel_id, "https://news.example.kz/rss.xml");
  EXPECT_EQ(first.url, "https://news.example.kz/kk/2026/03/15/zhinalys");
  EXPECT_EQ(first.text,
            "Алматыда жиналыс өтеді\n\nЕртең сағат 10:00-де Алматыда жиналыс өтеді.\n"
            "Барлығын шақырамыз!");
  EXPECT_EQ(first.created_at, Utc("2026-03-15T05:00:00Z"));
  EXPECT_EQ(first.author_name, "Айгерім Сейітова");
  ASSERT_THAT(first.media, SizeIs(1));
  EXPECT_EQ(first.media[0].url, "https://news.example.kz/media/10451.jpg");
  EXPECT_EQ(first.media[0].mime_type, "image/jpeg");
  // The raw bytes are the item exactly as the feed has it.
  EXPECT_THAT(first.raw, StartsWith("<item>\n      <title>Алматыда"));
  EXPECT_THAT(first.raw, EndsWith("</item>"));
  EXPECT_NE(xml.find(first.raw), std::string::npos);

  const Record& second = OkRecord(results, "entry 2");
  EXPECT_EQ(second.url, "https://news.example.kz/ru/2026/03/14/vstrecha");  // resolved
  EXPECT_EQ(second.post_id, "https://news.example.kz/ru/2026/03/14/vstrecha");
  EXPECT_EQ(second.text,
            "Встреча в Астане перенесена\n\nПодробности\nВстреча перенесена на «следующую "
            "неделю».\nПервый пункт\nВторой пункт");
  EXPECT_EQ(second.created_at, Utc("2026-03-14T18:30:00Z"));
  EXPECT_EQ(second.author_name, "editor@news.example.kz (Редакция)");
  ASSERT_THAT(second.media, SizeIs(1));
  EXPECT_EQ(second.media[0].mime_type, "video/mp4");

  const Record& third = OkRecord(results, "entry 3");
  EXPECT_THAT(third.post_id, StartsWith("sha256:"));  // no guid, no link
  EXPECT_EQ(third.text, "Заметка без guid и ссылки\n\nТолько текст, без HTML.");
  EXPECT_FALSE(third.created_at.has_value());
}

TEST(Feed, AtomEntriesWithTextHtmlAndXhtmlContent) {
  absl::StatusOr<ParseOutput> out =
      ParseFeed(ReadAll(TestdataDir() + "/feeds/atom.xml"), "https://blog.example.kz/feed.atom");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "atom");
  EXPECT_EQ(out->channel_name, "Қоғам блогы");
  ASSERT_THAT(out->records, SizeIs(3));
  const auto results = ByPosition(*out);

  const Record& first = OkRecord(results, "entry 1");
  EXPECT_EQ(first.platform, "atom");
  EXPECT_EQ(first.post_id, "tag:blog.example.kz,2026:post-1");
  EXPECT_EQ(first.url, "https://blog.example.kz/2026/03/15/zhinalys");
  EXPECT_EQ(first.text,
            "Бүгінгі жиналыс туралы\n\nЖиналыс сағат 10:00-де басталды.\nТолығырақ кейін.");
  EXPECT_EQ(first.created_at, Utc("2026-03-15T05:00:00Z"));  // published, not updated
  EXPECT_EQ(first.author_name, "Ерлан Нұрланұлы");
  EXPECT_EQ(first.author_id, "erlan@blog.example.kz");
  ASSERT_THAT(first.media, SizeIs(1));
  EXPECT_EQ(first.media[0].url, "https://blog.example.kz/media/photo-1.jpg");
  EXPECT_THAT(first.raw, StartsWith("<entry>"));
  EXPECT_THAT(first.raw, EndsWith("</entry>"));

  const Record& second = OkRecord(results, "entry 2");
  EXPECT_EQ(second.text,
            "Встреча перенесена\n\nВстреча перенесена на следующую неделю.\nСледите за "
            "новостями.");
  EXPECT_EQ(second.url, "https://blog.example.kz/2026/03/14/vstrecha");
  EXPECT_EQ(second.author_name, "Блог редакциясы");  // the feed's author
  EXPECT_EQ(second.author_id, "https://blog.example.kz/about");
  EXPECT_EQ(second.created_at, Utc("2026-03-14T18:30:00Z"));

  EXPECT_EQ(OkRecord(results, "entry 3").text,
            "Только краткое описание\n\nКраткий текст без разметки & с амперсандом.");
}

std::string RssWithItems(std::string_view items) {
  return base::StrCat(
      "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>T</title>"
      "<link>https://f.example/</link>",
      items, "</channel></rss>");
}

TEST(Feed, InvalidUtf8AndHugeTextRefuseOnlyTheirEntry) {
  const std::string xml = RssWithItems(
      base::StrCat("<item><guid>1</guid><title>first</title></item>",
                   "<item><guid>2</guid><title>bad \xD0 byte</title></item>",
                   "<item><guid>3</guid><description>", std::string(2 << 20, 'x'),
                   "</description></item>", "<item><guid>4</guid><title>last</title></item>"));
  absl::StatusOr<ParseOutput> out = ParseFeed(xml, "");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->channel_id, "https://f.example/");  // no feed URL given: the channel's link
  const auto results = ByPosition(*out);
  EXPECT_EQ(OkRecord(results, "entry 1").text, "first");
  EXPECT_EQ(ErrorAt(results, "entry 2"), "invalid UTF-8");
  EXPECT_EQ(ErrorAt(results, "entry 3"), "text larger than 1 MiB");
  EXPECT_EQ(OkRecord(results, "entry 4").text, "last");
}

TEST(Feed, Windows1251FeedIsConverted) {
  // "Новости" and "Привет" in windows-1251.
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"windows-1251\"?><rss version=\"2.0\"><channel>"
      "<title>\xCD\xEE\xE2\xEE\xF1\xF2\xE8</title><item><guid>1</guid>"
      "<title>\xCF\xF0\xE8\xE2\xE5\xF2</title></item></channel></rss>";
  absl::StatusOr<ParseOutput> out = ParseFeed(xml, "https://old.example.ru/rss");
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->channel_name, "Новости");
  ASSERT_EQ(CountOk(*out), 1u);
  EXPECT_EQ(out->records[0].record->text, "Привет");
  EXPECT_TRUE(base::IsValidUtf8(out->records[0].record->raw));
}

TEST(Feed, InputThatIsNoFeedOrDeclaresEntitiesFails) {
  EXPECT_THAT(ParseFeed("not xml at all", "").status().message(), HasSubstr("not well-formed"));
  EXPECT_THAT(ParseFeed("<html><body/></html>", "").status().message(),
              HasSubstr("root element is <html>"));
  EXPECT_EQ(ParseFeed("", "").status().code(), absl::StatusCode::kInvalidArgument);
  // External entities (XXE) and entity expansion are refused, nothing is read or expanded.
  const std::string xxe =
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
      "<rss version=\"2.0\"><channel><item><title>&x;</title></item></channel></rss>";
  absl::StatusOr<ParseOutput> out = ParseFeed(xxe, "");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string laughs =
      "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY a \"aaaaaaaaaa\">"
      "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;\">]>"
      "<rss version=\"2.0\"><channel><item><title>&c;</title></item></channel></rss>";
  EXPECT_EQ(ParseFeed(laughs, "").status().code(), absl::StatusCode::kInvalidArgument);
}

// --- WARC: hand-made records ------------------------------------------------------------------

std::string Sha1Base32(std::string_view bytes) {
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), digest);
  return "sha1:" +
         base::Base32Encode(std::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
}

// One WARC/1.1 response record with correct digests of `http` (headers + body).
std::string WarcResponse(std::string_view uri, std::string_view http, std::string_view id) {
  const size_t body_start = http.find("\r\n\r\n") + 4;
  return base::StrCat("WARC/1.1\r\nWARC-Type: response\r\nWARC-Record-ID: <urn:uuid:", id,
                      ">\r\nWARC-Date: 2026-03-15T05:00:00Z\r\nWARC-Target-URI: ", uri,
                      "\r\nContent-Type: application/http;msgtype=response\r\n"
                      "WARC-Block-Digest: ",
                      Sha1Base32(http),
                      "\r\nWARC-Payload-Digest: ", Sha1Base32(http.substr(body_start)),
                      "\r\nContent-Length: ", http.size(), "\r\n\r\n", http, "\r\n\r\n");
}

TEST(Warc, CharsetsChunkingAndContentCodingsOfHandMadeRecords) {
  // windows-1251 declared by the HTTP header: "Привет" in a paragraph.
  const std::string cp1251 =
      WarcResponse("http://old.example.ru/",
                   "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=windows-1251"
                   "\r\n\r\n<html><body><p>\xCF\xF0\xE8\xE2\xE5\xF2</p></body></html>",
                   "1");
  // Chunked text/plain: the payload digest covers the chunked bytes as stored.
  const std::string chunked = WarcResponse(
      "https://example.kz/a.txt",
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\nTransfer-Encoding: chunked"
      "\r\n\r\n4\r\nСә\r\n7\r\nлем!\r\n0\r\n\r\n",
      "2");
  // gzip content coding.
  std::string compressed(256, '\0');
  {
    const std::string body = "<p>Сжатая страница</p>";
    z_stream stream{};
    deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
    stream.avail_in = static_cast<uInt>(body.size());
    stream.next_out = reinterpret_cast<Bytef*>(compressed.data());
    stream.avail_out = static_cast<uInt>(compressed.size());
    ASSERT_EQ(deflate(&stream, Z_FINISH), Z_STREAM_END);
    compressed.resize(stream.total_out);
    deflateEnd(&stream);
  }
  const std::string gzipped =
      WarcResponse("https://example.kz/z",
                   base::StrCat("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                "Content-Encoding: gzip\r\n\r\n",
                                compressed),
                   "3");
  // No charset anywhere and bytes that are not UTF-8.
  const std::string invalid =
      WarcResponse("https://example.kz/bad",
                   "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>\xFF\xFE</p>", "4");
  const std::string not_http =
      WarcResponse("https://example.kz/nothttp", "garbage\r\n\r\nbody", "5");
  // Some writers digest the payload without its transfer coding: accepted too.
  const std::string chunked_http =
      "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n0\r\n\r\n";
  std::string dechunked_digest = WarcResponse("https://example.kz/c", chunked_http, "6");
  const std::string stored_digest = Sha1Base32("3\r\nabc\r\n0\r\n\r\n");
  dechunked_digest.replace(dechunked_digest.find(stored_digest), stored_digest.size(),
                           Sha1Base32("abc"));
  absl::StatusOr<ParseOutput> out =
      ParseWarcBytes(base::StrCat(cp1251, chunked, gzipped, invalid, not_http, dechunked_digest));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(out->records, SizeIs(6));
  EXPECT_EQ(out->records[0].record->text, "Привет");
  EXPECT_EQ(out->records[0].record->channel_id, "old.example.ru");
  EXPECT_EQ(out->records[0].record->post_id, "urn:uuid:1");
  EXPECT_EQ(out->records[0].record->created_at, Utc("2026-03-15T05:00:00Z"));
  EXPECT_TRUE(out->records[0].record->digest_checked);
  EXPECT_EQ(out->records[0].record->raw, cp1251);
  EXPECT_EQ(out->records[1].record->text, "Сәлем!");
  EXPECT_EQ(out->records[2].record->text, "Сжатая страница");
  EXPECT_THAT(out->records[3].error, HasSubstr("invalid UTF-8"));
  EXPECT_EQ(out->records[3].position,
            base::StrCat("record at offset ", cp1251.size() + chunked.size() + gzipped.size()));
  EXPECT_EQ(out->records[4].error, "the block is not an HTTP response");
  ASSERT_TRUE(out->records[5].ok()) << out->records[5].error;
  EXPECT_EQ(out->records[5].record->text, "abc");
  EXPECT_TRUE(out->records[5].record->digest_checked);
  EXPECT_EQ(out->records[5].record->payload_digest, Sha1Base32("abc"));
  EXPECT_EQ(out->channel_id, "");  // several sites
}

TEST(Warc, RecordOverTheLimitIsRefusedAndReadingGoesOn) {
  const std::string big =
      WarcResponse("https://example.kz/big",
                   base::StrCat("HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n",
                                std::string(kMaxRawBytes, 'b')),
                   "1");
  const std::string small = WarcResponse(
      "https://example.kz/small", "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n\r\nPNG", "2");
  absl::StatusOr<ParseOutput> out = ParseWarcBytes(base::StrCat(big, small));
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_THAT(out->records, SizeIs(2));
  EXPECT_EQ(out->records[0].error, "record larger than 16 MiB");
  ASSERT_TRUE(out->records[1].ok());
  EXPECT_EQ(out->records[1].record->media.at(0).mime_type, "image/png");
  EXPECT_EQ(out->records[1].record->media.at(0).url, "https://example.kz/small");
  EXPECT_EQ(out->records[1].record->text, "");
}

TEST(Warc, InputThatIsNoWarcFails) {
  EXPECT_EQ(ParseWarcBytes("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(ParseWarcBytes("HTTP/1.1 200 OK\r\n\r\n").status().message(),
              HasSubstr("not a WARC file"));
  EXPECT_EQ(ParseWarcFile("/nonexistent/site.warc.gz").status().code(),
            absl::StatusCode::kNotFound);
}

// --- WARC: a real capture by wget -----------------------------------------------------------

// A site served by `python3 -m http.server` on 127.0.0.1 and captured with `wget --warc-file`,
// once for all the tests below.
class WgetCapture : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system("command -v wget >/dev/null 2>&1 && command -v python3 >/dev/null 2>&1") != 0) {
      skip_reason_ = new std::string("wget or python3 is not installed");
      return;
    }
    dir_ = new TempDir();
    const std::string site = dir_->path() + "/site";
    fs::create_directories(site);
    std::string filler;
    for (int paragraph_idx = 0; paragraph_idx < 30; ++paragraph_idx) {
      base::StrAppend(&filler, "<p>Абзац ", paragraph_idx,
                      ": жиналыс туралы толық ақпарат, подробная информация о собрании.</p>\n");
    }
    WriteAll(site + "/index.html",
             base::StrCat("<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">"
                          "<title>Объявление — Хабарландыру</title>\n"
                          "<style>body { font-family: sans-serif; }</style>\n"
                          "<script>var hidden = \"не показывать\";</script></head>\n"
                          "<body><h1>Собрание в Алматы</h1>\n"
                          "<p>Завтра в 10:00 состоится   собрание.\nПриходите все!</p>\n"
                          "<img src=\"image.png\" alt=\"схема\">\n"
                          "<p><a href=\"page2.html\">Қазақша нұсқасы</a></p>\n"
                          "<!-- комментарий не виден -->\n",
                          filler, "</body></html>\n"));
    // No charset anywhere: the text is taken as UTF-8.
    page2_ = base::StrCat(
        "<html><head><title>Хабарландыру</title></head><body>\n"
        "<p>Ертең сағат 10:00-де Алматыда жиналыс болады.</p>\n",
        filler, "<pre>  Мекенжай:\n  Абай даңғылы, 1</pre>\n</body></html>\n");
    WriteAll(site + "/page2.html", page2_);
    fs::copy_file(TestdataDir() + "/telegram_export/photos/photo_2@15-03-2026_10-00-00.jpg",
                  site + "/image.jpg");
    // Served as image.png in the page; the bytes are a JPEG: the type is what the server says.
    fs::rename(site + "/image.jpg", site + "/image.png");

    const std::string log = dir_->path() + "/server.log";
    server_ = ::fork();
    if (server_ == 0) {
      const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
               "--directory", site.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    int port = 0;
    for (int wait_idx = 0; wait_idx < 100 && port == 0; ++wait_idx) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      const std::string output = ReadAll(log);
      const size_t at = output.find(" port ");
      if (at != std::string::npos) port = std::atoi(output.c_str() + at + 6);
    }
    if (port == 0) {
      skip_reason_ = new std::string("the local HTTP server did not start: " + ReadAll(log));
      return;
    }
    base_url_ = new std::string(base::StrCat("http://127.0.0.1:", port, "/"));
    const std::string command = base::StrCat(
        "cd '", dir_->path(), "' && timeout 60 wget --warc-file=site -r -l1 --no-verbose ",
        "--tries=1 --timeout=10 -P mirror ", *base_url_, " > wget.log 2>&1");
    const int status = std::system(command.c_str());
    // wget exits 8 for the robots.txt 404 it met on the way; the WARC is complete.
    if (!WIFEXITED(status) || (WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 8) ||
        !fs::exists(dir_->path() + "/site.warc.gz")) {
      skip_reason_ = new std::string("wget failed: " + ReadAll(dir_->path() + "/wget.log"));
    }
  }

  static void TearDownTestSuite() {
    if (server_ > 0) {
      ::kill(server_, SIGTERM);
      ::waitpid(server_, nullptr, 0);
      server_ = 0;
    }
    delete dir_;
    dir_ = nullptr;
  }

  void SetUp() override {
    if (skip_reason_ != nullptr) GTEST_SKIP() << *skip_reason_;
  }

  static std::string Path(std::string_view name) { return base::StrCat(dir_->path(), "/", name); }

  // The records by URL path ("/", "/page2.html"...), failing on refusals.
  static std::map<std::string, Record> ByUrl(const ParseOutput& out) {
    std::map<std::string, Record> records;
    for (const RecordResult& result : out.records) {
      EXPECT_TRUE(result.ok()) << result.position << ": " << result.error;
      if (result.ok()) records[result.record->url.substr(base_url_->size() - 1)] = *result.record;
    }
    return records;
  }

  // The uncompressed copy of site.warc.gz (zlib reads the concatenated gzip members).
  static std::string Decompressed() {
    gzFile file = gzopen(Path("site.warc.gz").c_str(), "rb");
    std::string out;
    char buffer[1 << 16];
    int count;
    while ((count = gzread(file, buffer, sizeof buffer)) > 0) out.append(buffer, count);
    gzclose(file);
    return out;
  }

  static TempDir* dir_;
  static std::string* base_url_;
  static std::string* skip_reason_;
  static std::string page2_;
  static pid_t server_;
};

TempDir* WgetCapture::dir_ = nullptr;
std::string* WgetCapture::base_url_ = nullptr;
std::string* WgetCapture::skip_reason_ = nullptr;
std::string WgetCapture::page2_;
pid_t WgetCapture::server_ = 0;

TEST_F(WgetCapture, PagesBecomeRecordsWithVisibleTextAndCheckedDigests) {
  absl::StatusOr<ParseOutput> out = ParseWarcFile(Path("site.warc.gz"));
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->format, "warc");
  EXPECT_EQ(out->channel_id, base_url_->substr(7, base_url_->size() - 8));  // 127.0.0.1:PORT
  const std::map<std::string, Record> records = ByUrl(*out);
  ASSERT_EQ(records.count("/"), 1u);
  ASSERT_EQ(records.count("/page2.html"), 1u);
  ASSERT_EQ(records.count("/image.png"), 1u);

  const Record& index = records.at("/");
  EXPECT_EQ(index.platform, "web");
  EXPECT_EQ(index.http_status, 200);
  EXPECT_THAT(index.text, StartsWith("Объявление — Хабарландыру\nСобрание в Алматы\n"
                                     "Завтра в 10:00 состоится собрание. Приходите все!\n"
                                     "Қазақша нұсқасы\nАбзац 0:"));
  EXPECT_THAT(index.text, Not(HasSubstr("не показывать")));
  EXPECT_THAT(index.text, Not(HasSubstr("font-family")));
  EXPECT_THAT(index.text, Not(HasSubstr("комментарий")));
  EXPECT_THAT(index.post_id, StartsWith("urn:uuid:"));
  EXPECT_TRUE(index.created_at.has_value());
  EXPECT_TRUE(index.digest_checked);
  EXPECT_THAT(index.raw, StartsWith("WARC/1.0\r\nWARC-Type: response\r\n"));
  EXPECT_THAT(index.raw, EndsWith("</body></html>\n\r\n\r\n"));

  const Record& page2 = records.at("/page2.html");
  EXPECT_THAT(page2.text,
              StartsWith("Хабарландыру\nЕртең сағат 10:00-де Алматыда жиналыс болады."));
  EXPECT_THAT(page2.text, EndsWith("  Мекенжай:\n  Абай даңғылы, 1"));  // <pre> kept
  EXPECT_TRUE(page2.digest_checked);
  EXPECT_EQ(page2.payload_digest, Sha1Base32(page2_));  // as wget states it, and recomputed

  const Record& image = records.at("/image.png");
  EXPECT_EQ(image.text, "");
  ASSERT_THAT(image.media, SizeIs(1));
  EXPECT_EQ(image.media[0].mime_type, "image/png");
  EXPECT_EQ(image.media[0].url, *base_url_ + "image.png");
  EXPECT_TRUE(image.digest_checked);

  if (records.count("/robots.txt")) {
    EXPECT_EQ(records.at("/robots.txt").http_status, 404);
  }

  // Each position is the offset of the record's gzip member.
  const std::string compressed = ReadAll(Path("site.warc.gz"));
  for (const RecordResult& result : out->records) {
    uint64_t offset = 0;
    ASSERT_TRUE(base::SimpleAtoi(result.position.substr(sizeof "record at offset"), &offset))
        << result.position;
    ASSERT_LT(offset + 1, compressed.size());
    EXPECT_EQ(compressed.substr(offset, 2), "\x1F\x8B") << result.position;
  }
}

TEST_F(WgetCapture, UncompressedCopyGivesTheSameRecords) {
  WriteAll(Path("plain.warc"), Decompressed());
  absl::StatusOr<ParseOutput> compressed = ParseWarcFile(Path("site.warc.gz"));
  absl::StatusOr<ParseOutput> plain = ParseWarcFile(Path("plain.warc"));
  ASSERT_TRUE(compressed.ok() && plain.ok());
  ASSERT_EQ(compressed->records.size(), plain->records.size());
  for (size_t record_idx = 0; record_idx < plain->records.size(); ++record_idx) {
    ASSERT_TRUE(plain->records[record_idx].ok());
    EXPECT_EQ(plain->records[record_idx].record->raw, compressed->records[record_idx].record->raw);
    EXPECT_EQ(plain->records[record_idx].record->text,
              compressed->records[record_idx].record->text);
  }
}

TEST_F(WgetCapture, OneCorruptedPayloadByteRefusesOnlyThatRecord) {
  std::string warc = Decompressed();
  const size_t at = warc.find("Ертең сағат 10:00-де");
  ASSERT_NE(at, std::string::npos);
  warc[at + std::string_view("Ертең сағат ").size()] = '2';  // 10:00 -> 20:00, still UTF-8
  WriteAll(Path("corrupt.warc"), warc);
  absl::StatusOr<ParseOutput> out = ParseWarcFile(Path("corrupt.warc"));
  ASSERT_TRUE(out.ok()) << out.status();
  size_t refused = 0;
  for (const RecordResult& result : out->records) {
    if (result.ok()) {
      EXPECT_THAT(result.record->url, Not(EndsWith("/page2.html")));
      EXPECT_TRUE(result.record->digest_checked);
      continue;
    }
    ++refused;
    EXPECT_THAT(result.error, HasSubstr("WARC-Block-Digest does not match"));
    EXPECT_THAT(result.error, HasSubstr("WARC-Payload-Digest does not match"));
  }
  EXPECT_EQ(refused, 1u);
  EXPECT_GE(CountOk(*out), 2u);
}

TEST_F(WgetCapture, TruncatedFileKeepsTheEarlierRecords) {
  absl::StatusOr<ParseOutput> whole = ParseWarcFile(Path("site.warc.gz"));
  ASSERT_TRUE(whole.ok());
  size_t page2_idx = whole->records.size();
  for (size_t record_idx = 0; record_idx < whole->records.size(); ++record_idx) {
    if (base::EndsWith(whole->records[record_idx].record->url, "/page2.html")) {
      page2_idx = record_idx;
    }
  }
  ASSERT_LT(page2_idx, whole->records.size());
  const std::string& position = whole->records[page2_idx].position;
  uint64_t offset = 0;
  ASSERT_TRUE(base::SimpleAtoi(position.substr(sizeof "record at offset"), &offset));

  // Compressed: cut 300 bytes into page2's gzip member.
  const std::string compressed = ReadAll(Path("site.warc.gz"));
  WriteAll(Path("cut.warc.gz"), compressed.substr(0, offset + 300));
  absl::StatusOr<ParseOutput> cut = ParseWarcFile(Path("cut.warc.gz"));
  ASSERT_TRUE(cut.ok()) << cut.status();
  ASSERT_EQ(cut->records.size(), page2_idx + 1);
  for (size_t record_idx = 0; record_idx < page2_idx; ++record_idx) {
    ASSERT_TRUE(cut->records[record_idx].ok());
    EXPECT_EQ(cut->records[record_idx].record->raw, whole->records[record_idx].record->raw);
  }
  EXPECT_EQ(cut->records.back().position, position);
  EXPECT_THAT(cut->records.back().error, HasSubstr("cut short"));

  // Uncompressed: cut in the middle of page2's payload.
  std::string plain = Decompressed();
  const size_t page2_start = plain.rfind("WARC/1.0\r\n", plain.find("Ертең сағат 10:00-де"));
  const size_t middle = plain.find("Абзац 15", page2_start);
  ASSERT_NE(middle, std::string::npos);
  WriteAll(Path("cut.warc"), plain.substr(0, middle));
  absl::StatusOr<ParseOutput> cut_plain = ParseWarcFile(Path("cut.warc"));
  ASSERT_TRUE(cut_plain.ok()) << cut_plain.status();
  ASSERT_EQ(cut_plain->records.size(), page2_idx + 1);
  EXPECT_EQ(cut_plain->records.back().position, base::StrCat("record at offset ", page2_start));
  EXPECT_THAT(cut_plain->records.back().error, HasSubstr("the record is cut short: its block has"));
}

}  // namespace
}  // namespace threathub::collect
