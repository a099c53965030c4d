// Attachments in messages: the stored records' versioning, reference
// counting and removal (attachment_refs), and retention's expiry batches.
#include <catch2/catch.hpp>

#include <filesystem>

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include "test_store.hpp"
#include "actors/conversation/attachment_refs.hpp"
#include "actors/conversation/attachment_store.hpp"
#include "actors/conversation/conversation_store.hpp"
#include "actors/conversation/retention.hpp"
#include "schema/ids.hpp"
#include "storage/codec.hpp"
#include "storage/database.hpp"

using namespace chat;
using namespace chat::test;

namespace {

attachment_record upload(temp_db& t, const std::string& conv, std::size_t size,
                         std::int64_t created_at) {
  attachment_record a{make_id(id_kind::attachment, 1), conv, "f.bin", "application/octet-stream",
                      size, "u_1", created_at};
  storage::write_batch b;
  attachment_store::put(b, a, std::string(size, 'x'));
  t.commit(std::move(b));
  return a;
}

} // namespace


TEST_CASE("records stored before attachments and retention still load",
          "[conversation][attachments]") {
  message_record_v2 old;
  old.seq = 5;
  old.text = "hi";
  old.reactions = {{"👍", {"u_b"}}};
  message_record m;
  REQUIRE(storage::decode(storage::encode(old), m));
  CHECK(m.seq == 5);
  CHECK(m.reactions.size() == 1);
  CHECK(m.attachments.empty());

  conversation_record c;
  REQUIRE(storage::decode(storage::encode(conversation_record_v1{"c_1", false, "t", "u_a", 9}), c));
  CHECK(c.owner == "u_a");
  CHECK(c.retention_seconds == 0);
  CHECK(c.expired_before == 0);

  m.attachments = {{"a_1", "x.png", "image/png", 12}};
  message_record back;
  REQUIRE(storage::decode(storage::encode(m), back));
  REQUIRE(back.attachments.size() == 1);
  CHECK(back.attachments[0].content_type == "image/png");
  CHECK(back.attachments[0].size == 12);
}

TEST_CASE("an attachment goes with the last message naming it; only its own conversation's resolve",
          "[conversation][attachments]") {
  temp_db t;
  auto conv = make_id(id_kind::conversation, 1);
  auto other = make_id(id_kind::conversation, 1);
  auto a = upload(t, conv, 3 * attachment_chunk_bytes, 1000);
  auto foreign = upload(t, other, 10, 1000);
  attachment_refs refs{t.db->at(0), conv};

  std::vector<attachment_ref> named;
  CHECK(refs.resolve({foreign.id}, 0, &named).code == errc::not_found);
  REQUIRE(refs.resolve({a.id}, 0, &named).code == errc::ok);
  REQUIRE(named.size() == 1);
  CHECK(named[0].size == a.size);

  storage::write_batch b;
  refs.add(b, named);
  refs.add(b, named); // two messages name it
  t.commit(std::move(b));
  attachment_refs fresh{t.db->at(0), conv}; // counts read back from storage
  storage::write_batch b2;
  REQUIRE(fresh.release(b2, named) == errc::ok);
  CHECK_FALSE(fresh.removed(a.id));
  t.commit(std::move(b2));
  storage::write_batch b3;
  REQUIRE(fresh.release(b3, named) == errc::ok);
  CHECK(fresh.removed(a.id));
  t.commit(std::move(b3));
  attachment_record back;
  std::string chunk;
  attachment_store files{t.db->at(0)};
  CHECK(files.header(conv, a.id, &back) == errc::not_found);
  CHECK(files.chunk(conv, a.id, 2, &chunk) == errc::not_found);
  CHECK(fresh.resolve({a.id}, 0, &named).code == errc::not_found);
}

TEST_CASE("a sweep removes only unreferenced uploads older than the cutoff",
          "[conversation][attachments]") {
  temp_db t;
  auto conv = make_id(id_kind::conversation, 1);
  auto old_unused = upload(t, conv, 5, 1000);
  auto old_used = upload(t, conv, 5, 1000);
  auto young = upload(t, conv, 5, 5000);
  attachment_refs refs{t.db->at(0), conv};
  std::vector<attachment_ref> named;
  REQUIRE(refs.resolve({old_used.id}, 0, &named).code == errc::ok);
  storage::write_batch b;
  refs.add(b, named);
  t.commit(std::move(b));

  attachment_record h;
  attachment_store files{t.db->at(0)};
  REQUIRE(files.header(conv, old_unused.id, &h) == errc::ok);
  CHECK(refs.live(h, 2000) == errc::not_found); // past the grace period: gone already
  storage::write_batch sweep;
  CHECK(refs.sweep(sweep, 2000, 64) == 1);
  t.commit(std::move(sweep));
  CHECK(files.header(conv, old_unused.id, &h) == errc::not_found);
  CHECK(files.header(conv, old_used.id, &h) == errc::ok);
  CHECK(files.header(conv, young.id, &h) == errc::ok);
}

TEST_CASE("retention expires the oldest items in bounded batches and pages say so",
          "[conversation][retention]") {
  CHECK(retention::check_period(0, 60).code == errc::ok);
  CHECK(retention::check_period(60, 60).code == errc::ok);
  CHECK(retention::check_period(59, 60).code == errc::bad_request);
  CHECK(retention::check_period(-1, 60).code == errc::bad_request);
  CHECK(retention::check_period(retention::max_seconds + 1, 60).code == errc::bad_request);

  temp_db t;
  auto conv = make_id(id_kind::conversation, 1);
  conversation_store store{t.db->at(0)};
  attachment_refs refs{t.db->at(0), conv};
  auto a = upload(t, conv, 5, 0);
  storage::write_batch b;
  for (std::uint64_t seq = 1; seq <= 5; ++seq) {
    message_record m;
    m.seq = seq;
    m.msg_id = "m_" + std::to_string(seq);
    m.from = "u_a";
    m.text = "t";
    m.ts = seq <= 3 ? 100 : 10'000; // 1-3 old, 4-5 recent
    if (seq == 2) {
      REQUIRE(refs.resolve({a.id}, 0, &m.attachments).code == errc::ok);
      refs.add(b, m.attachments);
    }
    store.append(b, conv, m);
  }
  t.commit(std::move(b));

  retention::expiry done;
  storage::write_batch e;
  REQUIRE(retention::expire(store, refs, conv, 0, 5, 5'000, [](std::uint64_t) { return false; }, {},
                            e, &done) == errc::ok);
  CHECK(done.removed == 3);
  CHECK(done.expired_before == 4);
  CHECK(refs.removed(a.id));
  t.commit(std::move(e));
  message_page page;
  REQUIRE(store.page(conv, page_request{}, &page) == errc::ok);
  REQUIRE(page.messages.size() == 2);
  CHECK(page.messages.front().seq == 4);

  // Not yet removed but past the period: hidden, and the page says from where.
  retention::hide_expired(page, 20'000, 4);
  CHECK(page.messages.empty());
  CHECK(page.expired_before == 6);
  message_page none;
  retention::hide_expired(none, 0, 0);
  CHECK(none.expired_before == 0);
}
