// Attachment keys and storage: the header and the chunks of one file, keyed
// under its conversation.
#include <catch2/catch.hpp>

#include <filesystem>

#include "actors/conversation/attachment_store.hpp"
#include "schema/ids.hpp"
#include "storage/database.hpp"
#include "storage/keys.hpp"

using namespace chat;
namespace fs = std::filesystem;

TEST_CASE("chunk keys are the header key plus the index, big-endian, so they sort by index") {
  auto head = attachment_key("c_x", "a_y");
  CHECK(head == "c_x/a_y");
  auto k1 = attachment_chunk_key("c_x", "a_y", 1);
  auto k256 = attachment_chunk_key("c_x", "a_y", 256);
  CHECK(k1.substr(0, head.size()) == head);
  CHECK(storage::parse_key_u64_suffix(k256) == 256);
  CHECK(k1 < k256);
  CHECK(attachment_chunk_count(0) == 0);
  CHECK(attachment_chunk_count(1) == 1);
  CHECK(attachment_chunk_count(attachment_chunk_bytes) == 1);
  CHECK(attachment_chunk_count(attachment_chunk_bytes + 1) == 2);
}

TEST_CASE("a file is stored in chunks and read back only under its conversation") {
  auto dir = fs::temp_directory_path() / ("chat-att-" + random_base32(8));
  storage::options opts;
  opts.path = dir.string();
  opts.group_commit = false;
  std::string error;
  auto db = storage::database::open(opts, &error);
  REQUIRE(db);
  auto conv = make_id(id_kind::conversation, 1);
  auto other = make_id(id_kind::conversation, 1);
  std::string bytes(2 * attachment_chunk_bytes + 7, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>(i * 31);
  attachment_record a{make_id(id_kind::attachment, 1), conv, "f.bin", "application/octet-stream",
                      bytes.size(), "u_1", 5};
  storage::write_batch batch;
  attachment_store::put(batch, a, bytes);
  CHECK(batch.size() == 1 + 3);
  errc rc = errc::internal;
  db->commit(std::move(batch), [&](errc r) { rc = r; });
  REQUIRE(rc == errc::ok);

  attachment_store store{db->at(0)};
  attachment_record back;
  REQUIRE(store.header(conv, a.id, &back) == errc::ok);
  CHECK(back.size == bytes.size());
  CHECK(back.name == "f.bin");
  CHECK(back.uploader == "u_1");
  std::string all;
  for (std::uint64_t i = 0; i < attachment_chunk_count(back.size); ++i) {
    std::string chunk;
    REQUIRE(store.chunk(conv, a.id, i, &chunk) == errc::ok);
    CHECK(chunk.size() <= attachment_chunk_bytes);
    all += chunk;
  }
  CHECK(all == bytes);
  std::string none;
  CHECK(store.chunk(conv, a.id, 3, &none) == errc::not_found);
  CHECK(store.header(other, a.id, &back) == errc::not_found);
  CHECK(store.chunk(other, a.id, 0, &none) == errc::not_found);
  db->close();
  fs::remove_all(dir);
}
