#pragma once
// Shared by the conversation unit tests: a RocksDB in a temporary directory
// whose commits complete before they return, and stored records as earlier
// versions wrote them (to check that they still load).
#include <catch2/catch.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "schema/ids.hpp"
#include "schema/records.hpp"
#include "storage/database.hpp"

namespace chat::test {

struct temp_db {
  std::filesystem::path dir =
    std::filesystem::temp_directory_path() / ("chat-test-" + random_base32(8));
  std::unique_ptr<storage::database> db;

  temp_db() {
    storage::options opts;
    opts.path = dir.string();
    opts.group_commit = false;
    std::string error;
    db = storage::database::open(opts, &error);
    REQUIRE(db);
  }
  ~temp_db() {
    db->close();
    std::filesystem::remove_all(dir);
  }
  void commit(storage::write_batch b) {
    errc rc = errc::internal;
    db->commit(std::move(b), [&](errc r) { rc = r; });
    REQUIRE(rc == errc::ok);
  }
};

/// message_record as version 2 wrote it (before mentions and attachments).
struct message_record_v2 {
  std::uint64_t seq = 0;
  std::string msg_id, from, text;
  std::int64_t ts = 0;
  std::string client_msg_id, kind;
  std::uint64_t target = 0, reply_to = 0;
  std::int64_t edited_at = 0;
  bool deleted = false;
  std::vector<reaction_record> reactions;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(seq, msg_id, from, text, ts, client_msg_id, kind, target, reply_to, edited_at, deleted,
       reactions);
  }
};

/// conversation_record as version 1 wrote it (before blocks and retention).
struct conversation_record_v1 {
  std::string id;
  bool direct = false;
  std::string title, owner;
  std::int64_t created_at = 0;

  template <class Archive>
  void serialize(Archive& ar, std::uint32_t) {
    ar(id, direct, title, owner, created_at);
  }
};

} // namespace chat::test

CEREAL_CLASS_VERSION(chat::test::message_record_v2, 2)
CEREAL_CLASS_VERSION(chat::test::conversation_record_v1, 1)
