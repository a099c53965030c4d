// History paging (PROTOCOL.md "Paging messages") on a real RocksDB.
#include <catch2/catch.hpp>

#include <filesystem>

#include "actors/conversation/conversation_client.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/session/rate_limiter.hpp"
#include "schema/ids.hpp"

using namespace chat;
namespace fs = std::filesystem;

namespace {

struct stored_conversation {
  fs::path dir = fs::temp_directory_path() / ("chat-conv-" + random_base32(8));
  std::unique_ptr<storage::database> db;
  std::unique_ptr<conversation_store> store;
  std::string conv = make_id(id_kind::conversation, 3);
  std::string other = make_id(id_kind::conversation, 3);

  explicit stored_conversation(std::uint64_t messages) {
    storage::options opts;
    opts.path = dir.string();
    opts.group_commit = false;
    std::string error;
    db = storage::database::open(opts, &error);
    REQUIRE(db);
    store = std::make_unique<conversation_store>(db->at(0));
    storage::write_batch batch;
    store->put_header(batch, conversation_record{conv, false, "t", "u_owner", 1});
    for (std::uint64_t seq = 1; seq <= messages; ++seq) {
      store->append(batch, conv, message_record{seq, "m" + std::to_string(seq), "u", "x", 1, {}});
      // A neighbour conversation whose keys sort right after ours.
      store->append(batch, other, message_record{seq, "o", "u", "y", 1, {}});
    }
    errc rc = errc::internal;
    db->commit(std::move(batch), [&](errc r) { rc = r; });
    REQUIRE(rc == errc::ok);
  }
  ~stored_conversation() {
    db->close();
    fs::remove_all(dir);
  }

  std::vector<std::uint64_t> seqs(page_request req, bool* has_more = nullptr) {
    message_page page;
    REQUIRE(store->page(conv, req, &page) == errc::ok);
    std::vector<std::uint64_t> out;
    for (const auto& m : page.messages) {
      CHECK(m.conv == conv);
      out.push_back(m.seq);
    }
    if (has_more)
      *has_more = page.has_more;
    return out;
  }
};

using seq_list = std::vector<std::uint64_t>;

} // namespace

TEST_CASE("paging follows after, before and limit") {
  stored_conversation c{10};
  bool more = false;
  CHECK(c.seqs({3, std::nullopt, 4}, &more) == seq_list{4, 5, 6, 7});
  CHECK(more);
  CHECK(c.seqs({7, std::nullopt, 4}, &more) == seq_list{8, 9, 10});
  CHECK_FALSE(more);
  CHECK(c.seqs({std::nullopt, 6, 3}, &more) == seq_list{3, 4, 5});
  CHECK(more);
  CHECK(c.seqs({std::nullopt, 3, 5}, &more) == seq_list{1, 2});
  CHECK_FALSE(more);
  CHECK(c.seqs({std::nullopt, std::nullopt, 3}, &more) == seq_list{8, 9, 10});
  CHECK(more);
  CHECK(c.seqs({2, 9, 3}, &more) == seq_list{6, 7, 8});
  CHECK(more);
  CHECK(c.seqs({5, 6, 3}, &more).empty());
  CHECK(c.seqs({10, std::nullopt, 100}, &more).empty());
  CHECK_FALSE(more);
}

TEST_CASE("load finds the header, members and the last seq") {
  stored_conversation c{7};
  conversation_record header;
  std::vector<member_record> members;
  std::uint64_t last = 0;
  REQUIRE(c.store->load(c.conv, &header, &members, &last) == errc::ok);
  CHECK(header.title == "t");
  CHECK(last == 7);
  CHECK(c.store->load(make_id(id_kind::conversation, 1), &header, &members, &last)
        == errc::not_found);
}

TEST_CASE("an idempotency key finds its original receipt") {
  stored_conversation c{0};
  storage::write_batch batch;
  c.store->append(batch, c.conv, message_record{1, "m_1", "u_a", "hi", 42, "key-1"});
  errc rc = errc::internal;
  c.db->commit(std::move(batch), [&](errc r) { rc = r; });
  REQUIRE(rc == errc::ok);
  send_receipt r;
  REQUIRE(c.store->find_idempotent(c.conv, "u_a", "key-1", &r) == errc::ok);
  CHECK(r.seq == 1);
  CHECK(r.msg_id == "m_1");
  CHECK_FALSE(r.created);
  CHECK(c.store->find_idempotent(c.conv, "u_b", "key-1", &r) == errc::not_found);
}

TEST_CASE("the rate limiter allows a burst, then the sustained rate") {
  rate_limiter limiter{3, 2};
  auto t0 = rate_limiter::clock::now();
  CHECK(limiter.allow(t0));
  CHECK(limiter.allow(t0));
  CHECK(limiter.allow(t0));
  CHECK_FALSE(limiter.allow(t0));
  CHECK(limiter.retry_after(t0) >= 1);
  CHECK(limiter.allow(t0 + std::chrono::milliseconds(500)));
  CHECK_FALSE(limiter.allow(t0 + std::chrono::milliseconds(600)));
}
