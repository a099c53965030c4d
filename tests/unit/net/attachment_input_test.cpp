#include <catch2/catch.hpp>

#include "net/routes/attachment_input.hpp"

using namespace chat::net;

namespace {

byte_range range(std::string_view h, std::uint64_t size) { return parse_range(h, size); }

bool partial(std::string_view h, std::uint64_t size, std::uint64_t first, std::uint64_t last) {
  auto r = parse_range(h, size);
  return r.what == byte_range::kind::partial && r.first == first && r.last == last;
}

} // namespace

TEST_CASE("a single byte range is served as asked, clipped to the end") {
  CHECK(partial("bytes=0-0", 10, 0, 0));
  CHECK(partial("bytes=2-5", 10, 2, 5));
  CHECK(partial("bytes=2-", 10, 2, 9));
  CHECK(partial("bytes=2-99", 10, 2, 9));
  CHECK(partial("bytes=-3", 10, 7, 9));
  CHECK(partial("bytes=-30", 10, 0, 9));
  CHECK(partial("Bytes=1-1", 10, 1, 1));
  CHECK(partial(" bytes=1-2 ", 10, 1, 2));
}

TEST_CASE("a range starting at or past the end is unsatisfiable") {
  CHECK(range("bytes=10-", 10).what == byte_range::kind::unsatisfiable);
  CHECK(range("bytes=10-20", 10).what == byte_range::kind::unsatisfiable);
  CHECK(range("bytes=-0", 10).what == byte_range::kind::unsatisfiable);
  CHECK(range("bytes=0-", 0).what == byte_range::kind::unsatisfiable);
  CHECK(range("bytes=-5", 0).what == byte_range::kind::unsatisfiable);
}

TEST_CASE("malformed, multiple or foreign ranges are ignored: the whole body") {
  for (auto h : {"", "bytes", "bytes=", "bytes=-", "bytes=a-b", "bytes=5-2", "bytes=1-2,4-5",
                 "items=0-1", "bytes=+1-2", "bytes=1--2", "bytes=99999999999999999999-"}) {
    INFO(h);
    CHECK(range(h, 10).what == byte_range::kind::whole);
  }
}

TEST_CASE("file names are cut to their last path part and cleaned") {
  CHECK(sanitize_file_name("report.pdf") == "report.pdf");
  CHECK(sanitize_file_name("../../etc/passwd") == "passwd");
  CHECK(sanitize_file_name("C:\\Users\\x\\a b.txt") == "a b.txt");
  CHECK(sanitize_file_name("a\"b\nc.txt") == "a_b_c.txt");
  CHECK(sanitize_file_name(".hidden") == "hidden");
  CHECK(sanitize_file_name("") == "file");
  CHECK(sanitize_file_name("...") == "file");
  CHECK(sanitize_file_name("dir/") == "file");
  CHECK(sanitize_file_name("\xff\xfe.txt") == "file"); // not UTF-8
  CHECK(sanitize_file_name("résumé.pdf") == "résumé.pdf");
  // 255 bytes at most, never splitting a character.
  std::string long_name;
  for (int i = 0; i < 200; ++i)
    long_name += "é";
  auto cut = sanitize_file_name(long_name);
  CHECK(cut.size() == 254);
  CHECK(cut.substr(cut.size() - 2) == "é");
}

TEST_CASE("content types are type/subtype, lowercase, or octet-stream") {
  CHECK(sanitize_content_type("image/PNG") == "image/png");
  CHECK(sanitize_content_type("text/plain; charset=utf-8") == "text/plain");
  CHECK(sanitize_content_type("") == "application/octet-stream");
  CHECK(sanitize_content_type("text") == "application/octet-stream");
  CHECK(sanitize_content_type("text/") == "application/octet-stream");
  CHECK(sanitize_content_type("te xt/plain") == "application/octet-stream");
  CHECK(sanitize_content_type("text/plain\r\nX-Evil: 1") == "application/octet-stream");
}

TEST_CASE("only raster images are shown inline; the name is quoted safely") {
  CHECK(inline_safe("image/png"));
  CHECK_FALSE(inline_safe("image/svg+xml"));
  CHECK_FALSE(inline_safe("text/html"));
  CHECK(content_disposition("a b.txt", false)
        == "attachment; filename=\"a b.txt\"; filename*=UTF-8''a%20b.txt");
  CHECK(content_disposition("é.png", true)
        == "inline; filename=\"__.png\"; filename*=UTF-8''%C3%A9.png");
}
